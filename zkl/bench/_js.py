"""The JavaScript peers (snarkjs, circom 2 in WebAssembly) from the repository's js/ npm project.

They are found in `$ZKL_JS_DIR` (default: js/ beside the zkl package, in a source checkout,
filled by `npm ci --prefix js`); a benchmark leaves a peer out when node or its package is
missing, and says so in its result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["circom_compile", "have", "js_dir", "node_run", "snarkjs"]


def js_dir() -> Path:
    """The npm project holding node_modules/{snarkjs,circom2,circomlib}.

    Where node_modules is a link (a second checkout sharing the first one's), the directory it
    points into: circom2 runs in WebAssembly and cannot follow a link out of its directories.
    """
    js = Path(os.environ.get("ZKL_JS_DIR", Path(__file__).resolve().parents[2] / "js"))
    return (js / "node_modules").resolve().parent if (js / "node_modules").is_symlink() else js


def _circom() -> Path:
    return js_dir() / "node_modules" / "circom2" / "cli.js"


def _snarkjs() -> Path:
    return js_dir() / "node_modules" / "snarkjs" / "build" / "cli.cjs"


def have(*tools: str) -> bool:
    """Whether node and each named tool ("snarkjs", "circom") are installed."""
    paths = {"snarkjs": _snarkjs, "circom": _circom}
    return shutil.which("node") is not None and all(paths[t]().exists() for t in tools)


def node_run(*args: object, cwd: Path | None = None, timeout: float = 3600) -> str:
    """stdout of `node args...`; RuntimeError with the tail of its output when it fails."""
    done = subprocess.run(["node", *(str(a) for a in args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"node {' '.join(map(str, args))} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def snarkjs(*args: object, cwd: Path | None = None) -> str:
    """stdout of the snarkjs command line (`snarkjs groth16 prove ...`)."""
    return node_run(_snarkjs(), *args, cwd=cwd)


def circom_compile(source: str, name: str, out: Path) -> Path:
    """Compile circom `source` as out/name.circom (--r1cs --wasm, circom2's default optimization); out/name_js/.

    Includes are resolved against the js/ directory, so `include "node_modules/circomlib/..."` works.
    circom2 (WebAssembly) reaches only the files under its working directory and its parents:
    it runs from the directory holding js/.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.circom"
    path.write_text(source)
    node_run(_circom(), path, "--r1cs", "--wasm", "-l", js_dir(), "-o", out, cwd=js_dir().parent)
    return out / f"{name}_js"
