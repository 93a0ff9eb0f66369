"""Run circom 2 (the wasm build) and snarkjs from js/node_modules, wherever node_modules really lives.

circom2 runs under WASI with the working directory and its ancestors preopened; it cannot
follow a symbolic link out of them, nor resolve `-l` paths that climb with `..`.  So it runs
in the directory that really holds node_modules (js/ in a checkout, the link's target in a
worktree whose js/node_modules is a link) with `-l .`, and fixtures include
"node_modules/circomlib/...".
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.paths import JS

NODE_MODULES = JS / "node_modules"
CIRCOM = NODE_MODULES / "circom2" / "cli.js"
SNARKJS = NODE_MODULES / "snarkjs" / "build" / "cli.cjs"


def available() -> bool:
    """Whether node, circom2 and snarkjs are installed."""
    return shutil.which("node") is not None and CIRCOM.exists() and SNARKJS.exists()


def require() -> None:
    """Skip the test when node or js/node_modules is missing."""
    if not available():
        pytest.skip("node or js/node_modules (circom2, snarkjs) is missing: run `npm ci --prefix js`")


def run(*args: object, cwd: Path | None = None, expect: int | None = 0, timeout: int = 300) -> str:
    """Run a command; assert its exit code (unless expect is None); return stdout and stderr."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if expect is not None:
        assert done.returncode == expect, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def circom(source: Path, out: Path, *flags: str) -> str:
    """Compile source into out (--r1cs --wasm --sym and flags, e.g. --O2); return circom's report."""
    out.mkdir(parents=True, exist_ok=True)
    lib = NODE_MODULES.resolve().parent
    return run("node", CIRCOM.resolve(), Path(source).resolve(), "--r1cs", "--wasm", "--sym", *flags, "-l", ".",
               "-o", out.resolve(), cwd=lib)


def witness(out: Path, name: str, input_file: Path, wtns: Path) -> Path:
    """Run circom's generated witness calculator for input_file; return the .wtns path."""
    run("node", out / f"{name}_js" / "generate_witness.js", out / f"{name}_js" / f"{name}.wasm", input_file, wtns)
    return wtns


def snarkjs(*args: object, expect: int | None = 0) -> str:
    """Run the snarkjs CLI."""
    return run("node", SNARKJS, *args, expect=expect)


def snarkjs_verifies(vk: Path, public: Path, proof: Path) -> bool:
    """`snarkjs groth16 verify`: True for OK, False for an invalid proof (anything else fails the test)."""
    done = subprocess.run(["node", str(SNARKJS), "groth16", "verify", str(vk), str(public), str(proof)],
                          capture_output=True, text=True, timeout=300)
    ok = done.returncode == 0 and "OK" in done.stdout
    assert ok or "Invalid proof" in done.stdout + done.stderr, done.stdout + done.stderr
    return ok
