"""Public point types of BN254: G1Point and G2Point in affine Python ints, and their bulk limb arrays.

The point at infinity is written (0, 0) (resp. ((0, 0), (0, 0))), as the
EVM precompiles and snarkjs .zkey files write it; (0, 0) is not on either
curve, so the encoding is unambiguous.

Bulk form (used by MSM, fixed-base multiplication and the prover): G1 points
as a (n, 2, 4) uint64 array of Montgomery affine coordinates (x, y), G2
points as (n, 2, 2, 4) (x, y each an Fq2 pair (c0, c1)); infinity is all
zeros.  Only zkl.algebra looks inside these arrays.

Operators: `p + q`, `p - q`, `-p`, `k * p` and `p * k` (k an int in [0, r)) call
zkl.algebra.curve (g1_add, g1_sub, g1_neg, g1_mul and the G2 twins), imported on
first use so that this module does not load the curve kernels (nor, until a bulk array is
made, the conversion kernels of zkl.algebra.limbs: the JSON readers need neither).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zkl.algebra.constants import Q
from zkl.errors import ShapeMismatch

if TYPE_CHECKING:
    import numpy as np

Fq2Int = tuple[int, int]


def _curve():
    """zkl.algebra.curve, imported at the first arithmetic operation (it imports this module)."""
    from zkl.algebra import curve

    return curve


def _scalar(k: object) -> int | None:
    """k as an int when it is a Python or NumPy integer (not a bool), else None."""
    if isinstance(k, bool):
        return None
    if isinstance(k, int):
        return int(k)
    np = sys.modules.get("numpy")  # a NumPy integer exists only once NumPy is imported
    return int(k) if np is not None and isinstance(k, np.integer) else None


@dataclass(frozen=True, slots=True)
class G1Point:
    """An affine point of G1 (y^2 = x^3 + 3 over Fq); (0, 0) is the point at infinity."""

    x: int
    y: int

    @classmethod
    def infinity(cls) -> G1Point:
        """The point at infinity."""
        return cls(0, 0)

    def is_infinity(self) -> bool:
        """True for the point at infinity."""
        return self.x == 0 and self.y == 0

    def __add__(self, other: object) -> G1Point:
        """p + q (curve.g1_add)."""
        return _curve().g1_add(self, other) if isinstance(other, G1Point) else NotImplemented

    def __sub__(self, other: object) -> G1Point:
        """p - q (curve.g1_sub)."""
        return _curve().g1_sub(self, other) if isinstance(other, G1Point) else NotImplemented

    def __neg__(self) -> G1Point:
        """-p (curve.g1_neg)."""
        return _curve().g1_neg(self)

    def __mul__(self, k: object) -> G1Point:
        """[k] p for an int k in [0, r) (curve.g1_mul)."""
        s = _scalar(k)
        return NotImplemented if s is None else _curve().g1_mul(self, s)

    __rmul__ = __mul__


@dataclass(frozen=True, slots=True)
class G2Point:
    """An affine point of G2 (y^2 = x^3 + 3/(9+u) over Fq2), coordinates as (c0, c1) pairs."""

    x: Fq2Int
    y: Fq2Int

    @classmethod
    def infinity(cls) -> G2Point:
        """The point at infinity."""
        return cls((0, 0), (0, 0))

    def is_infinity(self) -> bool:
        """True for the point at infinity."""
        return self.x == (0, 0) and self.y == (0, 0)

    def __add__(self, other: object) -> G2Point:
        """p + q (curve.g2_add)."""
        return _curve().g2_add(self, other) if isinstance(other, G2Point) else NotImplemented

    def __sub__(self, other: object) -> G2Point:
        """p - q (curve.g2_sub)."""
        return _curve().g2_sub(self, other) if isinstance(other, G2Point) else NotImplemented

    def __neg__(self) -> G2Point:
        """-p (curve.g2_neg)."""
        return _curve().g2_neg(self)

    def __mul__(self, k: object) -> G2Point:
        """[k] p for an int k in [0, r) (curve.g2_mul)."""
        s = _scalar(k)
        return NotImplemented if s is None else _curve().g2_mul(self, s)

    __rmul__ = __mul__


def g1_to_array(points: Sequence[G1Point]) -> np.ndarray:
    """(n, 2, 4) Montgomery affine array of G1 points (coordinates checked < q, not on-curve)."""
    coords = [c for p in points for c in (p.x, p.y)]
    from zkl.algebra.limbs import ints_to_montgomery  # the conversion kernels, only for bulk arrays

    return ints_to_montgomery(coords, Q, "G1 coordinate").reshape(len(points), 2, 4)


def g1_from_array(array: np.ndarray) -> list[G1Point]:
    """G1 points of a (n, 2, 4) Montgomery affine array."""
    _check_shape(array, (2, 4), "G1 array")
    from zkl.algebra.limbs import montgomery_to_ints

    ints = montgomery_to_ints(array, Q)
    return [G1Point(ints[2 * i], ints[2 * i + 1]) for i in range(array.shape[0])]


def g2_to_array(points: Sequence[G2Point]) -> np.ndarray:
    """(n, 2, 2, 4) Montgomery affine array of G2 points (coordinates checked < q, not on-curve)."""
    coords = [c for p in points for c in (*p.x, *p.y)]
    from zkl.algebra.limbs import ints_to_montgomery

    return ints_to_montgomery(coords, Q, "G2 coordinate").reshape(len(points), 2, 2, 4)


def g2_from_array(array: np.ndarray) -> list[G2Point]:
    """G2 points of a (n, 2, 2, 4) Montgomery affine array."""
    _check_shape(array, (2, 2, 4), "G2 array")
    from zkl.algebra.limbs import montgomery_to_ints

    v = montgomery_to_ints(array, Q)
    return [G2Point((v[4 * i], v[4 * i + 1]), (v[4 * i + 2], v[4 * i + 3])) for i in range(array.shape[0])]


def _check_shape(array: np.ndarray, tail: tuple[int, ...], what: str) -> None:
    """Raise ShapeMismatch unless `array` is uint64 of shape (n, *tail)."""
    import numpy as np

    if not isinstance(array, np.ndarray) or array.dtype != np.uint64 or array.shape[1:] != tail:
        shape = getattr(array, "shape", None)
        raise ShapeMismatch(f"{what} must be a uint64 array of shape (n, {', '.join(map(str, tail))}), not {shape}")
