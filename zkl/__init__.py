"""zkl: a Python toolkit for a zk-rollup execution layer on BN254."""

from zkl import _numba_cache
from zkl.errors import ZklError

_numba_cache.configure()

__version__ = "0.1.0"
__all__ = ["ZklError", "__version__"]
