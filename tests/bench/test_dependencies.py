"""py_ecc and galois are outside oracles: the library never imports them, zkl.bench only lazily; no layer imports zkl.bench."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

from tests.paths import ROOT

ORACLES = {"py_ecc", "galois"}
PACKAGE = ROOT / "zkl"
BENCH = PACKAGE / "bench"


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level module) of every import statement in the tree, at any depth."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _sources(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_library_never_imports_the_oracles():
    offenders = [f"{path.relative_to(ROOT)}:{line} imports {name}"
                 for path in _sources(PACKAGE) if BENCH not in path.parents
                 for line, name in _imports(_tree(path)) if name.split(".")[0] in ORACLES]
    assert not offenders, "\n".join(offenders)


def test_the_benchmarks_import_the_oracles_only_inside_functions():
    offenders = []
    for path in _sources(BENCH):
        tree = _tree(path)
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        inside = {id(n) for f in functions for n in ast.walk(f)}
        offenders += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in inside
                      and any(name.split(".")[0] in ORACLES for _, name in _imports(node))]
    assert not offenders, "module-level import of py_ecc or galois:\n" + "\n".join(offenders)


def test_only_the_bench_command_imports_zkl_bench():
    allowed = {PACKAGE / "commands" / "bench.py"}
    offenders = [f"{path.relative_to(ROOT)}:{line}"
                 for path in _sources(PACKAGE) if BENCH not in path.parents and path not in allowed
                 for line, name in _imports(_tree(path)) if name == "zkl.bench" or name.startswith("zkl.bench.")]
    assert not offenders, "\n".join(offenders)


def test_the_oracles_are_extras_not_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(requirements: list[str]) -> set[str]:
        return {r.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip() for r in requirements}

    assert not names(project["dependencies"]) & ORACLES
    extras = project["optional-dependencies"]
    assert ORACLES <= names(extras["test"])
    assert ORACLES <= names(extras["bench"])


def test_importing_the_library_loads_no_oracle():
    import subprocess

    modules = "zkl.algebra, zkl.algebra.curve, zkl.algebra.pairing, zkl.algebra.tower, zkl.prover, zkl.verifier, " \
              "zkl.execution, zkl.settlement, zkl.circuits, zkl.crypto, zkl.cli, zkl.devnet.demo, zkl.devnet"
    code = f"import sys, {modules}\nprint(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(ORACLES)!r}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
