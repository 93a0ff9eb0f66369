"""zkl: a Python toolkit for a zk-rollup execution layer on BN254."""

import sys as _sys

from zkl.errors import ZklError


class _ConfigureNumbaCache:
    """A meta-path finder that points numba's cache at zkl's directory (zkl._numba_cache.configure)
    just before numba is first imported, and then steps aside: a process that never loads numba
    (`zkl groth16 verify`, `zkl --help`) does not hash the kernel sources."""

    @classmethod
    def find_spec(cls, name: str, path: object = None, target: object = None) -> None:
        if name == "numba":
            _remove_hook()
            from zkl import _numba_cache

            _numba_cache.configured()
        return None


def _remove_hook() -> None:
    try:
        _sys.meta_path.remove(_ConfigureNumbaCache)
    except ValueError:
        pass


if "numba" in _sys.modules:  # imported before zkl: configure now (it updates numba's config)
    from zkl import _numba_cache

    _numba_cache.configured()
elif _ConfigureNumbaCache not in _sys.meta_path:
    _sys.meta_path.insert(0, _ConfigureNumbaCache)

__version__ = "0.1.0"
__all__ = ["ZklError", "__version__"]
