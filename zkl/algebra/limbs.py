"""Conversions between Python ints and (..., 4) uint64 limb arrays, the one place that does them.

Limb arrays are little-endian: limb k holds bits 64k .. 64k+63.  Normal form
is the integer itself; Montgomery form (x * 2^256 mod m) is used only inside
zkl.algebra and its kernels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from zkl.algebra._kernels import convert
from zkl.algebra.constants import Q, Q_LIMBS, R, R_LIMBS
from zkl.algebra.threads import serial_below
from zkl.errors import FieldElementOutOfRange, ShapeMismatch

_NAMES = {R: "r (the scalar field modulus)", Q: "q (the base field modulus)"}


def ints_to_limbs(values: Iterable[int], modulus: int | None = None, what: str = "value") -> np.ndarray:
    """(n, 4) uint64 array of non-negative ints, each below `modulus` (or 2^256) when given."""
    values = values if isinstance(values, list) else list(values)
    if not values:
        return np.zeros((0, 4), dtype=np.uint64)
    try:
        raw = b"".join(v.to_bytes(32, "little") for v in values)
    except (OverflowError, AttributeError, TypeError):
        _explain_bad_value(values, modulus, what)
        raw = b"".join(int(v).to_bytes(32, "little") for v in values)  # numpy integers
    if any(type(v) is bool for v in values):
        _explain_bad_value(values, modulus, what)
    limbs = np.frombuffer(raw, dtype="<u8").reshape(-1, 4).astype(np.uint64, copy=True)
    if modulus is not None:
        check_below(limbs, modulus, what)
    return limbs


def _explain_bad_value(values: list, modulus: int | None, what: str) -> None:
    """Raise FieldElementOutOfRange for the first entry that is not an int in range."""
    bound = 1 << 256 if modulus is None else modulus
    limit = "2^256" if modulus is None else _NAMES.get(modulus, str(modulus))
    for i, v in enumerate(values):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise FieldElementOutOfRange(f"{what} {i} must be an int, not {type(v).__name__}")
        if v < 0 or v >= bound:
            raise FieldElementOutOfRange(f"{what} {i} must be in [0, {limit}), not {v}")


def limbs_to_ints(limbs: np.ndarray) -> list[int]:
    """Python ints of a (..., 4) uint64 limb array, in row-major order."""
    flat = _rows(limbs)
    raw = flat.astype("<u8", copy=False).tobytes()
    return [int.from_bytes(raw[32 * i : 32 * i + 32], "little") for i in range(flat.shape[0])]


def int_to_limb_array(value: int) -> np.ndarray:
    """(4,) uint64 limbs of one int below 2^256."""
    return ints_to_limbs([value])[0]


def check_below(limbs: np.ndarray, modulus: int, what: str = "value") -> None:
    """Raise FieldElementOutOfRange naming the first row of `limbs` that is not below `modulus`."""
    flat = _rows(limbs)
    with serial_below(len(flat)):
        i = int(convert._first_not_below(flat, R_LIMBS if modulus == R else Q_LIMBS))
    if i >= 0:
        value = limbs_to_ints(flat[i : i + 1])[0]
        raise FieldElementOutOfRange(f"{what} {i} must be below {_NAMES[modulus]}, not {value}")


def to_montgomery(limbs: np.ndarray, modulus: int) -> np.ndarray:
    """Montgomery form of a (..., 4) limb array of values below `modulus` (q or r)."""
    flat = _rows(limbs)
    out = np.empty_like(flat)
    with serial_below(len(flat)):
        convert._to_mont(flat, out, modulus == R)
    return out.reshape(limbs.shape)


def from_montgomery(limbs: np.ndarray, modulus: int) -> np.ndarray:
    """Normal form of a (..., 4) Montgomery limb array modulo `modulus` (q or r)."""
    flat = _rows(limbs)
    out = np.empty_like(flat)
    with serial_below(len(flat)):
        convert._from_mont(flat, out, modulus == R)
    return out.reshape(limbs.shape)


def ints_to_montgomery(values: Sequence[int], modulus: int, what: str = "value") -> np.ndarray:
    """(n, 4) Montgomery limbs of ints below `modulus` (q or r)."""
    return to_montgomery(ints_to_limbs(values, modulus, what), modulus)


def montgomery_to_ints(limbs: np.ndarray, modulus: int) -> list[int]:
    """Python ints of a Montgomery limb array modulo `modulus` (q or r)."""
    return limbs_to_ints(from_montgomery(limbs, modulus))


def _rows(limbs: np.ndarray) -> np.ndarray:
    """View a (..., 4) uint64 array as contiguous (n, 4) rows, checking dtype and shape."""
    if not isinstance(limbs, np.ndarray) or limbs.dtype != np.uint64:
        raise ShapeMismatch(f"limbs must be a uint64 numpy array, not {type(limbs).__name__}"
                            f"{'' if not isinstance(limbs, np.ndarray) else ' of ' + str(limbs.dtype)}")
    if limbs.ndim == 0 or limbs.shape[-1] != 4:
        raise ShapeMismatch(f"limbs must have a last axis of 4, not shape {limbs.shape}")
    return np.ascontiguousarray(limbs).reshape(-1, 4)
