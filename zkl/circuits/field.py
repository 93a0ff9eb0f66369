"""The BN254 scalar field Fr as circuits see it: Python ints mod r and (n, 4) uint64 limb arrays.

Limb arrays hold little-endian 64-bit limbs in normal (not Montgomery) form, the layout of
circom's `.r1cs` and `.wtns` files, so a file section is one `np.frombuffer` away. The
conversions between ints and limbs are `zkl.algebra.limbs`'s (the one module that owns them),
imported on first use so that importing zkl.circuits does not load numba.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from zkl.algebra.constants import R, R_LIMBS  # R, the order of the scalar field (the circuit field); NumPy only
from zkl.errors import FieldElementOutOfRange, NotInvertible, ShapeMismatch

N8 = 32
"""Bytes per field element in circom's binary formats."""


def inverse(x: int) -> int:
    """Return x^-1 mod r; raise NotInvertible for x = 0 (mod r)."""
    x %= R
    if x == 0:
        raise NotInvertible("expected a nonzero field element to invert, got 0")
    return pow(x, -1, R)


def check_element(x: object, name: str = "value") -> int:
    """Return x as a canonical field element; raise unless it is an integer in [0, r)."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        if isinstance(x, str):
            try:
                text = x.strip()
                x = int(text, 16) if text.lower().startswith("0x") else int(text, 10)
            except ValueError:
                raise FieldElementOutOfRange(f"{name} must be an integer in [0, r), not {x!r}") from None
        else:
            raise FieldElementOutOfRange(f"{name} must be an integer in [0, r), not {type(x).__name__}")
    x = int(x)
    if not 0 <= x < R:
        raise FieldElementOutOfRange(f"{name} must be an integer in [0, r), not {x}")
    return x


def ints_to_bytes(values: Iterable[int]) -> bytes:
    """Concatenate 32-byte little-endian encodings of canonical field elements."""
    return ints_to_limbs(list(values)).astype("<u8", copy=False).tobytes()


def ints_to_limbs(values: Sequence[int]) -> np.ndarray:
    """Return an (n, 4) uint64 array of little-endian limbs of values (each in [0, 2**256))."""
    from zkl.algebra import limbs

    return limbs.ints_to_limbs(values)


def limbs_to_objects(limbs: np.ndarray) -> np.ndarray:
    """Return a 1-D object array of Python ints from an (n, 4) limb array."""
    ints = limbs_to_ints(limbs)
    out = np.empty(len(ints), dtype=object)
    out[:] = ints
    return out


def limbs_to_ints(limbs: np.ndarray) -> list[int]:
    """Return the Python ints of an (n, 4) limb array."""
    from zkl.algebra import limbs as _limbs

    limbs = np.asarray(limbs)
    if limbs.ndim != 2 or limbs.shape[1] != 4:
        raise ShapeMismatch(f"limb array must have shape (n, 4), not {limbs.shape}")
    return _limbs.limbs_to_ints(limbs.astype(np.uint64, copy=False))


def limbs_below_modulus(limbs: np.ndarray) -> np.ndarray:
    """Return a boolean mask of rows of an (n, 4) limb array that are < r."""
    lt = np.zeros(limbs.shape[0], dtype=bool)
    eq = np.ones(limbs.shape[0], dtype=bool)
    for i in (3, 2, 1, 0):
        col = limbs[:, i]
        lt |= eq & (col < R_LIMBS[i])
        eq &= col == R_LIMBS[i]
    return lt
