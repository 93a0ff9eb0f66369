"""The package map of docs/ARCHITECTURE.md, checked on every import of the tree (module level or inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import zkl

PACKAGE = Path(zkl.__file__).resolve().parent

#: package -> the zkl packages it may import (besides itself and the top-level modules zkl.errors, zkl._*)
ALLOWED = {
    "algebra": set(),
    "crypto": {"algebra"},
    "circuits": {"algebra", "crypto"},
    "verifier": {"algebra"},
    "prover": {"algebra", "circuits", "verifier"},
    "execution": {"algebra", "crypto", "circuits"},
    "settlement": {"algebra", "crypto", "verifier"},
    "devnet": {"algebra", "crypto", "circuits", "verifier", "prover", "execution", "settlement", "warmup"},
    "service": {"algebra", "crypto", "execution", "settlement", "prover", "devnet", "client"},
    "client": {"crypto", "execution"},
}
KERNEL_INTERFACE = "zkl.algebra._kernels"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> list[tuple[str, int, str, tuple[str, ...]]]:
    """(importing module, line, imported module, imported names) for every absolute zkl import."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("zkl"):
                found.append((module, node.lineno, node.module, tuple(a.name for a in node.names)))
            elif isinstance(node, ast.Import):
                found += [(module, node.lineno, a.name, ()) for a in node.names if a.name.startswith("zkl")]
    return found


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_imports_point_down_the_map() -> None:
    wrong = []
    for module, line, target, _ in _imports():
        here, there = _package(module), _package(target)
        if here in ALLOWED and there and there != here and not there.startswith("_") and there != "errors":
            if there not in ALLOWED[here]:
                wrong.append(f"{module}:{line} imports {target}")
    assert not wrong, "imports against docs/ARCHITECTURE.md:\n" + "\n".join(wrong)


def test_no_package_imports_another_packages_private_names() -> None:
    wrong = []
    for module, line, target, names in _imports():
        here, there = _package(module), _package(target)
        if there == here or target in ("zkl",) or there.startswith("_"):
            continue  # within a package, or zkl's own top-level private modules (zkl._binfile, ...)
        private_module = any(part.startswith("_") for part in target.split(".")[2:])
        if target == KERNEL_INTERFACE:
            private_module = False  # the declared kernel interface: its public names only
        private_names = [n for n in names if n.startswith("_")]
        if private_module or private_names:
            wrong.append(f"{module}:{line} from {target} import {', '.join(names)}")
    assert not wrong, "cross-package private imports:\n" + "\n".join(wrong)


@pytest.mark.parametrize("constant", ["ARITY = ", "def levels(", "MAX_DEPTH = ", "AMOUNT_BITS = ", "NONCE_BITS = ",
                                      "INDEX_BITS = ", "ADDRESS_BITS = ", "def leaf_hash(", "def exit_message(",
                                      "def message_to_sign(", "def deposit_hash(", "def pack_e0("])
def test_each_protocol_constant_and_formula_is_defined_once(constant: str) -> None:
    where = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if constant in p.read_text(encoding="utf-8")]
    assert where == ["crypto/protocol.py"], f"{constant!r} is defined in {where}"
