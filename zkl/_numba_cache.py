"""Where numba keeps zkl's compiled kernels: a directory named after a hash of the kernel sources.

numba's own cache checks only the timestamp of the file that defines a kernel,
so a kernel that inlines code from another module (the field arithmetic, the
curve formulas) kept running stale machine code after that module changed.
Naming the directory after the sources (and numba, Python and the CPU) makes
any change start from a clean cache.  `$NUMBA_CACHE_DIR`, when set, wins;
`$ZKL_NUMBA_CACHE_DIR` moves the root (default `~/.cache/zkl/numba`).

Every process that uses a directory marks it used (its mtime); directories of other source
versions are removed only once unused for `_STALE_DAYS` days (and never the newest `_KEEP`), so
two checkouts or versions of zkl running side by side never delete each other's kernels.
"""

from __future__ import annotations

import hashlib
import importlib
from importlib import metadata
import os
import platform
import re
import shutil
import sys
import time
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
#: cache directories of other source versions always kept beside the current one
_KEEP = 3
#: a cache directory of another source version unused this long is removed
_STALE_DAYS = 14


#: a module that imports numba (and so may define kernels)
_IMPORTS_NUMBA = re.compile(r"^\s*(from numba\b|import numba\b)", re.MULTILINE)


def _sources() -> list[Path]:
    """The files whose text can end up inside compiled kernels: zkl.algebra and every module importing numba."""
    files = sorted(_PACKAGE.glob("algebra/**/*.py"))
    for path in sorted(_PACKAGE.rglob("*.py")):
        if path not in files and _IMPORTS_NUMBA.search(path.read_text(encoding="utf-8", errors="ignore")):
            files.append(path)
    return files


def source_digest() -> str:
    """A hash of the kernel sources, numba's version, the Python version and the machine."""
    try:
        numba_version = metadata.version("numba")
    except metadata.PackageNotFoundError:
        numba_version = "?"
    h = hashlib.sha256(f"{numba_version}|{sys.version}|{platform.machine()}".encode())
    for path in _sources():
        h.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _prune(root: Path, current: Path) -> None:
    """Drop the cache directories of other source versions unused for _STALE_DAYS, beyond the newest _KEEP."""
    try:
        others = sorted(((p.stat().st_mtime, p) for p in root.iterdir() if p.is_dir() and p != current), reverse=True)
    except OSError:
        return
    cutoff = time.time() - _STALE_DAYS * 86400
    for used, old in others[_KEEP:]:
        if used < cutoff:
            shutil.rmtree(old, ignore_errors=True)


_CONFIGURED: list[str | None] = []


def configured() -> str | None:
    """`configure()` once per process (zkl's import hook calls it before numba's first import): the directory."""
    if not _CONFIGURED:
        _CONFIGURED.append(configure())
    return _CONFIGURED[0]


def configure() -> str | None:
    """Point numba's cache at the directory of the current sources; the directory, or None if the user chose one."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    root = Path(os.environ.get("ZKL_NUMBA_CACHE_DIR") or Path.home() / ".cache" / "zkl" / "numba")
    current = root / source_digest()
    try:
        current.mkdir(parents=True, exist_ok=True)
        os.utime(current)  # in use: no other process prunes it
    except OSError:
        return None  # unwritable home: numba falls back to its own locations
    os.environ["NUMBA_CACHE_DIR"] = str(current)
    if "numba" in sys.modules:  # imported before zkl: numba has read its environment already
        from numba.core import config

        config.CACHE_DIR = str(current)
    _prune(root, current)
    return str(current)


class _NoScipy:
    """A meta-path finder that makes `import scipy` fail (see skip_scipy_probe)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError(f"{name} is not imported while numba probes for BLAS (zkl's kernels use none)")
        return None


def skip_scipy_probe() -> None:
    """Load numba without importing SciPy: for short processes (the `zkl` command), 0.15-0.3 s saved.

    numba.np.arraymath imports scipy.linalg at its import only to learn whether np.dot and
    np.linalg can be compiled; zkl's kernels use neither.  This imports numba.np.arraymath with
    SciPy hidden (numba then records "no BLAS" for this process) and unhides it at once, so later
    imports of SciPy work.  Does nothing when numba.np.arraymath or SciPy is already imported.
    """
    if "numba.np.arraymath" in sys.modules or "scipy" in sys.modules:
        return
    finder = _NoScipy()
    sys.meta_path.insert(0, finder)
    try:  # importlib: an `import numba` line here would make this file a kernel source (see _IMPORTS_NUMBA)
        importlib.import_module("numba.np.arraymath")
    except ImportError:
        pass
    finally:
        sys.meta_path.remove(finder)
