"""`zkl demo --json` end to end with real proofs, on a small batch circuit (batch 2, depth 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # proves (or fuzzes for a minute): `pytest -m 'not slow'` skips it


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A key cache shared by this module's tests (the setup runs once)."""
    return os.environ.get("ZKL_TEST_CACHE_DIR") or str(tmp_path_factory.mktemp("zkl-cache"))


def _demo(tmp_path, cache: str, *args: str) -> tuple[dict, str]:
    env = {**os.environ, "ZKL_CACHE_DIR": cache, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run([sys.executable, "-m", "zkl.cli", "demo", "--data-dir", str(tmp_path / "net"), *args],
                         capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


def test_demo_json_small(tmp_path, cache) -> None:
    summary, stderr = _demo(tmp_path, cache, "-b", "2", "-d", "4", "--transfers", "4", "--withdrawals", "2",
                            "--seed", "7", "--json")
    for key in ("batches", "transactions", "constraints", "prove_s", "verify_ms", "tx_per_s", "final_root",
                "rebuilt_root"):
        assert key in summary
    assert summary["final_root"] == summary["rebuilt_root"] == summary["l2_root"]
    assert summary["match"] is True
    # 4 deposits (sequencer + 3 users), 4 transfers, 2 withdrawals, 2 per batch
    assert summary["transactions"] == 10
    assert summary["batches"] == 5
    assert summary["withdrawals"] == 2 and summary["claimed"] > 0
    assert summary["constraints"] > 1000 and summary["prove_s"] > 0 and summary["verify_ms"] > 0
    assert summary["tx_per_s"] > 0
    assert "done" in stderr  # the progress bar
    # the proving key is cached: a second run does not redo the setup
    again, _ = _demo(tmp_path / "second", cache, "-b", "2", "-d", "4", "--transfers", "0", "--withdrawals", "0",
                     "--json")
    assert again["setup"] == "cached"
    assert again["transactions"] == 4 and again["batches"] == 2
    assert again["final_root"] == again["rebuilt_root"]


def test_demo_refuses_a_used_directory(tmp_path, cache) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "x").write_text("x")
    env = {**os.environ, "ZKL_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-m", "zkl.cli", "demo", "--data-dir", str(tmp_path / "net"), "--json"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode != 0 and "not empty" in out.stderr
