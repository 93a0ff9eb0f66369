"""G1 and G2 of BN254 on Python-int points: add, double, negate, multiply, curve and subgroup checks, bulk helpers.

Points are `G1Point` / `G2Point` (affine Python ints, (0, 0) is infinity);
scalars are Python ints in [0, r).  Every function validates its input
(coordinates below q, points on their curve; `validate_*`,
`is_in_subgroup_g2` and the fixed-base generators also check the subgroup)
and runs its numba kernels once per call, never once per element.  Bulk
functions take and return the Montgomery arrays of `zkl.algebra.points`
((n, 2, 4) for G1, (n, 2, 2, 4) for G2); `g1_sum` / `g2_sum` trust their
array (run `validate_*_array` first on outside data).

Kernels: Jacobian formulas and width-5 wNAF in `_kernels/curve.py`, the
fixed-base comb with batch-affine additions in `_kernels/fixed_base.py`.
The operators of G1Point and G2Point (`p + q`, `-p`, `k * p`, defined in
`points`) call the functions of this module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np

from zkl.algebra import constants
from zkl.algebra._kernels import curve as _k
from zkl.algebra._kernels import fixed_base as _fb
from zkl.algebra.constants import Q, R
from zkl.algebra.limbs import check_below, ints_to_limbs, ints_to_montgomery, limbs_to_ints, montgomery_to_ints
from zkl.algebra.points import G1Point, G2Point, g1_from_array, g1_to_array, g2_from_array, g2_to_array
from zkl.algebra.threads import serial_below
from zkl.algebra.tower import Fq2
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotInSubgroup, NotOnCurve, ShapeMismatch

G1_GENERATOR = G1Point(*constants.G1_GENERATOR)
G2_GENERATOR = G2Point(*constants.G2_GENERATOR)
#: the G2 twist coefficient b' = 3 / (9 + u) as (c0, c1), re-exported from zkl.algebra.constants
G2_B = constants.G2_B

_G1_TAIL = (2, 4)
_G2_TAIL = (2, 2, 4)


# ------------------------------------------------------------------------------------------
# conversions and checks at the boundary


def _g1_array(points: Sequence[G1Point], what: str = "G1 point") -> np.ndarray:
    for p in points:
        if not isinstance(p, G1Point):
            raise MalformedInput(f"{what} must be a G1Point, not {type(p).__name__}")
    return g1_to_array(points)


def _g2_array(points: Sequence[G2Point], what: str = "G2 point") -> np.ndarray:
    for p in points:
        if not isinstance(p, G2Point):
            raise MalformedInput(f"{what} must be a G2Point, not {type(p).__name__}")
        for c in (p.x, p.y):
            if not isinstance(c, tuple) or len(c) != 2:
                raise MalformedInput(f"{what} coordinates must be (c0, c1) pairs of ints, not {c!r}")
    return g2_to_array(points)


def _check_array(array: np.ndarray, tail: tuple[int, ...], what: str) -> np.ndarray:
    if not isinstance(array, np.ndarray) or array.dtype != np.uint64 or array.ndim != len(tail) + 1 \
            or array.shape[1:] != tail:
        shape = getattr(array, "shape", None)
        dtype = getattr(array, "dtype", type(array).__name__)
        raise ShapeMismatch(f"{what} must be a uint64 array of shape (n, {', '.join(map(str, tail))}), "
                            f"not {dtype} of shape {shape}")
    return np.ascontiguousarray(array)


def _raise_for(array: np.ndarray, subgroup: bool, what: str) -> None:
    """Run the bulk check kernel and raise the error of the first bad point."""
    if array.shape[0] == 0:
        return
    with serial_below(array.shape[0], 256):
        index, code = _k._validate_points(array, subgroup)
    if index < 0:
        return
    if code == 1:
        raw = [v for v in limbs_to_ints(array[index].reshape(-1, 4)) if v >= Q]
        raise FieldElementOutOfRange(f"{what} {index} must have coordinates below q (Montgomery form), "
                                     f"not a coordinate of raw value {raw[0]}")
    if code == 2:
        raise NotOnCurve(f"{what} {index} must be on the curve, not a point off it")
    raise NotInSubgroup(f"{what} {index} must be in the order-r subgroup, not outside it")


def _scalar_limbs(scalars: Sequence[int]) -> np.ndarray:
    for s in scalars:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise FieldElementOutOfRange(f"scalar must be an int, not {type(s).__name__}")
    return ints_to_limbs([int(s) for s in scalars], R, "scalar")


def _points_g1(*points: G1Point) -> np.ndarray:
    a = _g1_array(points)
    _raise_for(a, False, "G1 point")
    return a


def _points_g2(*points: G2Point) -> np.ndarray:
    a = _g2_array(points)
    _raise_for(a, False, "G2 point")
    return a


def _pointwise(op: int, a: np.ndarray, b: np.ndarray | None = None, scalars: np.ndarray | None = None) -> np.ndarray:
    out = np.empty_like(a)
    _k._pointwise(op, a, a if b is None else b, _NO_SCALARS if scalars is None else scalars, out)
    return out


_NO_SCALARS = np.zeros((1, 4), dtype=np.uint64)


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _pointwise(_k.OP_ADD, a, b)


def _double(a: np.ndarray) -> np.ndarray:
    return _pointwise(_k.OP_DOUBLE, a)


def _neg(a: np.ndarray) -> np.ndarray:
    return _pointwise(_k.OP_NEG, a)


def _mul(a: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    return _pointwise(_k.OP_MUL, a, scalars=scalars)


# ------------------------------------------------------------------------------------------
# G1


def g1_add(p: G1Point, q: G1Point) -> G1Point:
    """p + q in G1."""
    a = _points_g1(p, q)
    return g1_from_array(_add(a[:1], a[1:]))[0]


def g1_double(p: G1Point) -> G1Point:
    """2p in G1."""
    return g1_from_array(_double(_points_g1(p)))[0]


def g1_neg(p: G1Point) -> G1Point:
    """-p in G1."""
    return g1_from_array(_neg(_points_g1(p)))[0]


def g1_sub(p: G1Point, q: G1Point) -> G1Point:
    """p - q in G1."""
    a = _points_g1(p, q)
    return g1_from_array(_add(a[:1], _neg(a[1:])))[0]


def g1_mul(p: G1Point, scalar: int) -> G1Point:
    """[scalar] p in G1, scalar in [0, r)."""
    s = _scalar_limbs([scalar])
    return g1_from_array(_mul(_points_g1(p), s))[0]


def is_on_curve_g1(p: G1Point) -> bool:
    """p satisfies y^2 = x^3 + 3 or is infinity (coordinates must be below q)."""
    a = _g1_array([p])
    with serial_below(1):
        return bool(_k._validate_points(a, False)[0] < 0)


def is_in_subgroup_g1(p: G1Point) -> bool:
    """p is in G1's order-r group: on the curve (the cofactor is 1)."""
    return is_on_curve_g1(p)


def validate_g1(p: G1Point) -> None:
    """Raise FieldElementOutOfRange, NotOnCurve or MalformedInput unless p is a valid G1 point."""
    _raise_for(_g1_array([p]), True, "G1 point")


def validate_g1_array(array: np.ndarray) -> None:
    """Check a (n, 2, 4) Montgomery G1 array in parallel; raise for its first bad point (shape, range, curve)."""
    _raise_for(_check_array(array, _G1_TAIL, "G1 array"), True, "G1 point")


def g1_sum(array: np.ndarray) -> G1Point:
    """Sum of all points of a (n, 2, 4) Montgomery G1 array (points assumed valid; parallel)."""
    a = _check_array(array, _G1_TAIL, "G1 array")
    return g1_from_array(_sum(a))[0]


def fixed_base_mul_g1(generator: G1Point, scalars: Sequence[int] | np.ndarray) -> np.ndarray:
    """(n, 2, 4) affine Montgomery array of [k_i] generator, scalars ints or (n, 4) normal-form limbs below r."""
    gen = _g1_array([generator], "generator")
    _raise_for(gen, True, "generator")
    return _fixed_base(gen, _scalar_array(scalars))


# ------------------------------------------------------------------------------------------
# G2


def g2_add(p: G2Point, q: G2Point) -> G2Point:
    """p + q on the G2 twist."""
    a = _points_g2(p, q)
    return g2_from_array(_add(a[:1], a[1:]))[0]


def g2_double(p: G2Point) -> G2Point:
    """2p on the G2 twist."""
    return g2_from_array(_double(_points_g2(p)))[0]


def g2_neg(p: G2Point) -> G2Point:
    """-p on the G2 twist."""
    return g2_from_array(_neg(_points_g2(p)))[0]


def g2_sub(p: G2Point, q: G2Point) -> G2Point:
    """p - q on the G2 twist."""
    a = _points_g2(p, q)
    return g2_from_array(_add(a[:1], _neg(a[1:])))[0]


def g2_mul(p: G2Point, scalar: int) -> G2Point:
    """[scalar] p on the G2 twist, scalar in [0, r)."""
    s = _scalar_limbs([scalar])
    return g2_from_array(_mul(_points_g2(p), s))[0]


def is_on_curve_g2(p: G2Point) -> bool:
    """p satisfies y^2 = x^3 + 3/(9+u) or is infinity (coordinates must be below q)."""
    a = _g2_array([p])
    with serial_below(1):
        return bool(_k._validate_points(a, False)[0] < 0)


def is_in_subgroup_g2(p: G2Point) -> bool:
    """p is on the twist and in its order-r subgroup (psi criterion of ePrint 2022/352)."""
    a = _g2_array([p])
    with serial_below(1):
        return bool(_k._validate_points(a, True)[0] < 0)


def validate_g2(p: G2Point) -> None:
    """Raise FieldElementOutOfRange, NotOnCurve or NotInSubgroup unless p is a valid G2 point."""
    _raise_for(_g2_array([p]), True, "G2 point")


def validate_g2_array(array: np.ndarray) -> None:
    """Check a (n, 2, 2, 4) Montgomery G2 array in parallel; raise for its first bad point (range, curve, subgroup)."""
    _raise_for(_check_array(array, _G2_TAIL, "G2 array"), True, "G2 point")


def g2_sum(array: np.ndarray) -> G2Point:
    """Sum of all points of a (n, 2, 2, 4) Montgomery G2 array (points assumed valid; parallel)."""
    a = _check_array(array, _G2_TAIL, "G2 array")
    return g2_from_array(_sum(a))[0]


def fixed_base_mul_g2(generator: G2Point, scalars: Sequence[int] | np.ndarray) -> np.ndarray:
    """(n, 2, 2, 4) affine Montgomery array of [k_i] generator (checked in G2), scalars ints or (n, 4) limbs below r."""
    gen = _g2_array([generator], "generator")
    _raise_for(gen, True, "generator")
    return _fixed_base(gen, _scalar_array(scalars))


# ------------------------------------------------------------------------------------------
# shared bulk work


def _sum(a: np.ndarray) -> np.ndarray:
    """(1, 2, ...) affine Montgomery array of the sum of all points of an affine array."""
    out = np.zeros((1,) + a.shape[1:], dtype=np.uint64)
    if a.shape[0]:
        jac = np.empty((1, 3) + a.shape[2:], dtype=np.uint64)
        nparts = max(1, min(a.shape[0] // 256, 4 * numba.get_num_threads()))
        with serial_below(a.shape[0], 512):
            _k._sum_points(a, nparts, jac)
        out[0] = _jacobian_to_affine_montgomery(jac[0])
    return out


def _jacobian_to_affine_montgomery(jac: np.ndarray) -> np.ndarray:
    """Affine Montgomery limbs (2, ...) of one Jacobian Montgomery point (3, ...), with Python ints."""
    v = montgomery_to_ints(jac, Q)
    k = len(v) // 3  # 1 for Fq, 2 for Fq2
    x, y, z = v[:k], v[k : 2 * k], v[2 * k :]
    if not any(z):
        return np.zeros((2,) + jac.shape[1:], dtype=np.uint64)
    if k == 1:
        zi = pow(z[0], -1, Q)
        zi2 = zi * zi % Q
        coords = [x[0] * zi2 % Q, y[0] * zi2 * zi % Q]
    else:
        zi = Fq2(*z).inverse()
        zi2 = zi * zi
        coords = [*(Fq2(*x) * zi2).to_ints(), *(Fq2(*y) * zi2 * zi).to_ints()]
    return ints_to_montgomery(coords, Q).reshape((2,) + jac.shape[1:])


def _scalar_array(scalars: Sequence[int] | np.ndarray) -> np.ndarray:
    if isinstance(scalars, np.ndarray):
        if scalars.dtype != np.uint64 or scalars.ndim != 2 or scalars.shape[1] != 4:
            raise ShapeMismatch(f"scalars must be ints or a uint64 array of shape (n, 4), "
                                f"not {scalars.dtype} of shape {scalars.shape}")
        scalars = np.ascontiguousarray(scalars)
        check_below(scalars, R, "scalar")
        return scalars
    return _scalar_limbs(list(scalars))


def fixed_base_window(n: int, g2: bool = False) -> int:
    """Window width c for n scalars: least estimated time of additions, table and inversions.

    Costs in ns of one G1 core (G2 x3.5), measured: a batch-affine addition ~190 plus a
    cache-miss penalty growing with the table's size, a table entry ~390, an inversion per
    chunk of scalars and window ~9000.
    """
    scale = 3.5 if g2 else 1.0
    entry_bytes = 128 if g2 else 64
    chunks = -(-max(n, 1) // _fb.FB_CHUNK)
    best, best_cost = 2, math.inf
    for c in range(2, 17):
        nwin = -(-255 // c)
        entries = nwin << (c - 1)
        size = entries * entry_bytes
        penalty = 0 if size <= 1 << 18 else 40 if size <= 1 << 20 else 120 if size <= 1 << 22 else 200
        cost = n * (nwin - 1) * (190 * scale + penalty) + entries * 390 * scale + chunks * nwin * 9000
        if cost < best_cost:
            best, best_cost = c, cost
    return best


def _fixed_base(gen: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    n = scalars.shape[0]
    out = np.zeros((n,) + gen.shape[1:], dtype=np.uint64)
    if n == 0 or not gen.any():
        return out
    c = fixed_base_window(n, gen.ndim == 4)
    nwin = -(-255 // c)
    table = _fb._fixed_base_table(gen, c, nwin)
    _fb._fixed_base_mul(table, c, nwin, scalars, out)
    return out


def warmup(groups: Sequence[str] = ("g1", "g2")) -> None:
    """Compile (or load from numba's disk cache) the curve kernels of G1 and/or G2 ("g1", "g2") on a few points."""
    for group in groups:
        if group == "g1":
            g1 = G1_GENERATOR
            p = g1_mul(g1, 5)
            g1_add(p, g1), g1_double(p), g1_neg(p)
            validate_g1(p)
            a1 = fixed_base_mul_g1(g1, [1, 2, 3])
            validate_g1_array(a1)
            g1_sum(a1)
        elif group == "g2":
            g2 = G2_GENERATOR
            q = g2_mul(g2, 5)
            g2_add(q, g2), g2_double(q)
            validate_g2(q)
            a2 = fixed_base_mul_g2(g2, [1, 2, 3])
            validate_g2_array(a2)
            g2_sum(a2)
        else:
            raise MalformedInput(f"warmup groups must be 'g1' or 'g2', not {group!r}")
