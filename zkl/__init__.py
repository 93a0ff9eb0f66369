"""zkl: a Python toolkit for a zk-rollup execution layer on BN254."""

from zkl.errors import ZklError

__version__ = "0.1.0"
__all__ = ["ZklError", "__version__"]
