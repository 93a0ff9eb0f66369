"""Where the tests find the repository, the JavaScript oracles and the fixture files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository root (the directory holding pyproject.toml)."""
JS = ROOT / "js"
"""The npm project of the JavaScript oracles (snarkjs, circomlibjs, circom2)."""
FIXTURES = ROOT / "tests" / "fixtures"
"""Circuit sources the tests compile (circom and Python)."""
ORACLES = ROOT / "tests" / "oracles"
"""Programs that ask an outside tool for the expected answer."""
VECTORS = ROOT.parent / "shared" / "vectors"
"""Vectors from public repositories, beside the clone (absent on some machines)."""
