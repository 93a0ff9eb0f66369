"""G1/G2 arithmetic, checks and bulk kernels against py_ecc's optimized_bn128 on seeded random data and edge values."""

from __future__ import annotations

import random

import numpy as np
import pytest
from py_ecc import optimized_bn128 as ref

from zkl.algebra import curve
from zkl.algebra._kernels import curve as K
from zkl.algebra._kernels import fixed_base as FB
from zkl.algebra.constants import BN_X, Q, R
from zkl.algebra.curve import (
    G1_GENERATOR,
    G2_B,
    G2_GENERATOR,
    fixed_base_mul_g1,
    fixed_base_mul_g2,
    g1_add,
    g1_double,
    g1_mul,
    g1_neg,
    g1_sub,
    g1_sum,
    g2_add,
    g2_double,
    g2_mul,
    g2_neg,
    g2_sub,
    g2_sum,
    is_in_subgroup_g1,
    is_in_subgroup_g2,
    is_on_curve_g1,
    is_on_curve_g2,
    validate_g1,
    validate_g1_array,
    validate_g2,
    validate_g2_array,
)
from zkl.algebra.limbs import ints_to_limbs, ints_to_montgomery
from zkl.algebra.points import G1Point, G2Point, g1_from_array, g1_to_array, g2_from_array, g2_to_array
from zkl.algebra.serialize import _fq2_sqrt
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotInSubgroup, NotOnCurve, ShapeMismatch

INF1 = G1Point.infinity()
INF2 = G2Point.infinity()
H2 = 2 * Q - R  # cofactor of the twist: #E'(Fq2) = r (2q - r)


# ------------------------------------------------------------------------------------------
# py_ecc bridges


def to_g1(p) -> G1Point:
    if ref.is_inf(p):
        return INF1
    x, y = ref.normalize(p)
    return G1Point(int(x), int(y))


def to_g2(p) -> G2Point:
    if ref.is_inf(p):
        return INF2
    x, y = ref.normalize(p)
    return G2Point(tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


def from_g1(p: G1Point):
    return ref.Z1 if p.is_infinity() else (ref.FQ(p.x), ref.FQ(p.y), ref.FQ.one())


def from_g2(p: G2Point):
    return ref.Z2 if p.is_infinity() else (ref.FQ2(list(p.x)), ref.FQ2(list(p.y)), ref.FQ2.one())


def twist_point(rng: random.Random) -> G2Point:
    """A point of E'(Fq2) from a random x, without cofactor clearing (outside G2 with overwhelming probability)."""
    while True:
        x = (rng.randrange(Q), rng.randrange(Q))
        xr = ref.FQ2(list(x))
        rhs = xr * xr * xr + ref.b2
        y = _fq2_sqrt(tuple(int(c) for c in rhs.coeffs))
        if y is not None:
            assert ref.FQ2(list(y)) ** 2 == rhs
            return G2Point(x, y)


def mul_each(points: np.ndarray, scalars: list[int], from_array) -> list:
    """[k_i] P_i with the wNAF kernel, one call for the whole batch."""
    out = np.empty_like(points)
    K._pointwise(K.OP_MUL, points, points, ints_to_limbs(scalars), out)
    return from_array(out)


@pytest.fixture(scope="module")
def rng() -> random.Random:
    return random.Random(20240611)


EDGE_SCALARS = [0, 1, 2, 3, R - 1, R - 2, (R - 1) // 2, 1 << 128, (1 << 253) + 12345]


# ------------------------------------------------------------------------------------------
# constants


def test_generators_match_py_ecc():
    assert to_g1(ref.G1) == G1_GENERATOR
    assert to_g2(ref.G2) == G2_GENERATOR
    assert ref.FQ2(list(G2_B)) == ref.b2
    assert is_in_subgroup_g2(G2_GENERATOR) and is_on_curve_g1(G1_GENERATOR)


def test_x_naf_digits_rebuild_bn_x():
    assert sum(d << i for i, d in enumerate(K._X_NAF)) == BN_X
    assert all(K._X_NAF[i] == 0 or K._X_NAF[i + 1] == 0 for i in range(len(K._X_NAF) - 1))


# ------------------------------------------------------------------------------------------
# G1 and G2 group law against py_ecc


@pytest.mark.parametrize("group", ["g1", "g2"])
def test_group_law_random(group, rng):
    if group == "g1":
        gen, add, dbl, neg, sub, mul, to, frm = ref.G1, g1_add, g1_double, g1_neg, g1_sub, g1_mul, to_g1, from_g1
    else:
        gen, add, dbl, neg, sub, mul, to, frm = ref.G2, g2_add, g2_double, g2_neg, g2_sub, g2_mul, to_g2, from_g2
    for _ in range(4 if group == "g1" else 2):
        a, b, k = rng.randrange(1, R), rng.randrange(1, R), rng.randrange(R)
        pa, pb = ref.multiply(gen, a), ref.multiply(gen, b)
        p, q = to(pa), to(pb)
        assert add(p, q) == to(ref.add(pa, pb))
        assert dbl(p) == to(ref.double(pa))
        assert neg(p) == to(ref.neg(pa))
        assert sub(p, q) == to(ref.add(pa, ref.neg(pb)))
        assert mul(p, k) == to(ref.multiply(pa, k))
        assert frm(mul(p, k)) is not None


@pytest.mark.parametrize("group", ["g1", "g2"])
def test_group_law_edges(group, rng):
    if group == "g1":
        gen, add, dbl, neg, sub, mul, to, inf = ref.G1, g1_add, g1_double, g1_neg, g1_sub, g1_mul, to_g1, INF1
    else:
        gen, add, dbl, neg, sub, mul, to, inf = ref.G2, g2_add, g2_double, g2_neg, g2_sub, g2_mul, to_g2, INF2
    pa = ref.multiply(gen, rng.randrange(1, R))
    p = to(pa)
    assert add(p, inf) == p and add(inf, p) == p and add(inf, inf) == inf
    assert add(p, p) == dbl(p) == to(ref.double(pa))
    assert add(p, neg(p)) == inf and sub(p, p) == inf
    assert dbl(inf) == inf and neg(inf) == inf
    assert neg(neg(p)) == p
    for k in EDGE_SCALARS if group == "g1" else [0, 1, 2, R - 1]:
        expected = to(ref.multiply(pa, k))
        assert mul(p, k) == expected, k
    assert mul(p, R - 1) == neg(p)
    assert mul(inf, 12345) == inf


def test_scalar_multiplication_mod_r_in_kernel(rng):
    """The kernel takes any 256-bit scalar: [r]P = 0, [r+1]P = P, [2^256-1]P as py_ecc."""
    pa = ref.multiply(ref.G1, rng.randrange(1, R))
    qa = ref.multiply(ref.G2, rng.randrange(1, R))
    big = (1 << 256) - 1
    scalars = ints_to_limbs([R, R + 1, big])
    for arr, to, from_arr, pt in ((g1_to_array, to_g1, g1_from_array, pa), (g2_to_array, to_g2, g2_from_array, qa)):
        a = arr([to(pt)] * 3)
        out = np.empty_like(a)
        K._pointwise(K.OP_MUL, a, a, scalars, out)
        got = from_arr(out)
        assert got[0] == (INF1 if to is to_g1 else INF2)
        assert got[1] == to(pt)
        assert got[2] == to(ref.multiply(pt, big))


def test_wnaf_digits_rebuild_scalar(rng):
    for k in [0, 1, R - 1, (1 << 256) - 1, 0xF0F0] + [rng.getrandbits(256) for _ in range(20)]:
        digits = K._wnaf(ints_to_limbs([k])[0], 5)
        assert sum(int(d) << i for i, d in enumerate(digits)) == k
        nz = [i for i, d in enumerate(digits) if d]
        assert all(d % 2 == 1 and abs(d) < 16 for d in digits if d)
        assert all(b - a >= 5 for a, b in zip(nz, nz[1:]))


def test_operators(rng):
    p, q = g1_mul(G1_GENERATOR, rng.randrange(R)), g1_mul(G1_GENERATOR, rng.randrange(R))
    assert p + q == g1_add(p, q) and p - q == g1_sub(p, q) and -p == g1_neg(p)
    assert 5 * p == p * 5 == g1_mul(p, 5)
    s = g2_mul(G2_GENERATOR, 7)
    assert s + G2_GENERATOR == g2_mul(G2_GENERATOR, 8) and 2 * s - s == s and -s + s == INF2
    with pytest.raises(TypeError):
        _ = p + s
    with pytest.raises(TypeError):
        _ = p * 1.5


def _mont_tuple(v: int) -> tuple:
    return tuple(ints_to_montgomery([v], Q)[0])


def _jacobian(p: G1Point, z: int) -> tuple:
    """Montgomery limb tuples of (x z^2, y z^3, z)."""
    return (_mont_tuple(p.x * z * z % Q), _mont_tuple(p.y * z * z * z % Q), _mont_tuple(z))


def _u64(t):
    """Re-type a tuple returned by a kernel (numba boxes uint64 as int) as nested np.uint64."""
    return tuple(_u64(v) for v in t) if isinstance(t, tuple) else np.uint64(t)


def test_jacobian_equality_any_z(rng):
    p = g1_mul(G1_GENERATOR, rng.randrange(1, R))
    one, scaled = _jacobian(p, 1), _jacobian(p, rng.randrange(2, Q))
    assert K.jac_eq(one, scaled) and K.jac_eq(scaled, one)
    assert not K.jac_eq(one, _u64(K.jac_neg(scaled)))
    assert not K.jac_eq(one, _jacobian(g1_double(p), 3))
    inf = _u64(K.jac_infinity(one[0]))
    assert K.jac_eq(inf, _jacobian(p, 0)) and not K.jac_eq(inf, one) and not K.jac_eq(one, inf)


# ------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("group", ["g1", "g2"])
def test_scalars_out_of_range(group):
    mul, gen = (g1_mul, G1_GENERATOR) if group == "g1" else (g2_mul, G2_GENERATOR)
    for bad in (R, R + 1, -1, 1 << 256):
        with pytest.raises(FieldElementOutOfRange):
            mul(gen, bad)
    for bad in (True, 1.0, "3"):
        with pytest.raises(FieldElementOutOfRange):
            mul(gen, bad)


def test_g1_coordinates_and_curve():
    off = G1Point(1, 3)
    assert not is_on_curve_g1(off) and not is_in_subgroup_g1(off)
    for fn in (lambda p: g1_add(p, G1_GENERATOR), g1_double, g1_neg, lambda p: g1_mul(p, 2), validate_g1):
        with pytest.raises(NotOnCurve):
            fn(off)
        with pytest.raises(FieldElementOutOfRange):
            fn(G1Point(Q, 2))
        with pytest.raises(FieldElementOutOfRange):
            fn(G1Point(1, Q + 2))
    with pytest.raises(NotOnCurve):
        validate_g1(G1Point(0, 5))
    with pytest.raises(MalformedInput):
        g1_add(G2_GENERATOR, G1_GENERATOR)
    validate_g1(G1_GENERATOR)
    validate_g1(INF1)
    # q + y: same residue, still rejected
    with pytest.raises(FieldElementOutOfRange):
        validate_g1(G1Point(1, 2 + Q))


def test_g2_coordinates_curve_and_subgroup(rng):
    off = G2Point((1, 0), (1, 1))
    assert not is_on_curve_g2(off) and not is_in_subgroup_g2(off)
    with pytest.raises(NotOnCurve):
        validate_g2(off)
    with pytest.raises(NotOnCurve):
        g2_add(off, G2_GENERATOR)
    with pytest.raises(FieldElementOutOfRange):
        validate_g2(G2Point((Q, 0), (1, 1)))
    with pytest.raises(FieldElementOutOfRange):
        g2_double(G2Point((1, 0), (1, Q)))
    with pytest.raises(MalformedInput):
        validate_g2(G2Point(1, 2))
    t = twist_point(rng)
    assert is_on_curve_g2(t) and not is_in_subgroup_g2(t)
    with pytest.raises(NotInSubgroup):
        validate_g2(t)
    validate_g2(G2_GENERATOR)
    validate_g2(INF2)


def test_g2_subgroup_check_against_r_multiplication(rng):
    """psi criterion agrees with [r]P == 0 (kernel and py_ecc) on random twist points, cleared or not."""
    points = []
    for i in range(6):
        t = twist_point(rng)
        points.append(t)
        if i % 2 == 0:
            points.append(to_g2(ref.multiply(from_g2(t), H2)))  # cofactor cleared: in G2
            points.append(to_g2(ref.multiply(from_g2(t), R)))  # order divides the cofactor: outside G2
    a = g2_to_array(points)
    out = np.empty_like(a)
    K._pointwise(K.OP_MUL, a, a, ints_to_limbs([R] * len(points)), out)
    r_torsion = [p == INF2 for p in g2_from_array(out)]
    psi_check = [is_in_subgroup_g2(p) for p in points]
    assert psi_check == r_torsion
    assert r_torsion.count(True) == 3 and r_torsion.count(False) == len(points) - 3
    assert ref.is_inf(ref.multiply(from_g2(points[1]), R))
    assert not ref.is_inf(ref.multiply(from_g2(points[0]), R))
    # a G2 point plus a small-order twist point leaves the subgroup
    assert not is_in_subgroup_g2(g2_add(G2_GENERATOR, points[2]))


def test_psi_is_the_q_power_endomorphism(rng):
    pts = [G2_GENERATOR, g2_mul(G2_GENERATOR, rng.randrange(R)), twist_point(rng)]
    out = np.empty((3, 2, 2, 4), dtype=np.uint64)
    K._psi_points(g2_to_array(pts), out)
    images = g2_from_array(out)
    assert images[0] == g2_mul(G2_GENERATOR, Q % R)
    assert images[1] == g2_mul(pts[1], Q % R)
    assert all(is_on_curve_g2(p) for p in images)
    assert images[2] != pts[2]


# ------------------------------------------------------------------------------------------
# bulk validation


def test_validate_g1_array(rng):
    pts = [g1_mul(G1_GENERATOR, rng.randrange(R)) for _ in range(20)] + [INF1]
    a = g1_to_array(pts)
    validate_g1_array(a)
    validate_g1_array(a[:0])
    bad = a.copy()
    bad[7, 1, 0] ^= np.uint64(1)
    with pytest.raises(NotOnCurve, match="G1 point 7"):
        validate_g1_array(bad)
    bad = a.copy()
    bad[3, 0] = ints_to_limbs([Q])[0]
    bad[9, 1, 2] ^= np.uint64(1)
    with pytest.raises(FieldElementOutOfRange, match="G1 point 3"):
        validate_g1_array(bad)
    for wrong in (a[:, :1], a.astype(np.int64), a.reshape(-1, 4), a.tolist(), a[:, :, :3]):
        with pytest.raises(ShapeMismatch):
            validate_g1_array(wrong)


def test_validate_g2_array(rng):
    pts = [g2_mul(G2_GENERATOR, rng.randrange(R)) for _ in range(6)] + [INF2]
    a = g2_to_array(pts)
    validate_g2_array(a)
    outside = g2_to_array([twist_point(rng)])
    b = np.concatenate([a, outside, a])
    with pytest.raises(NotInSubgroup, match="G2 point 7"):
        validate_g2_array(b)
    c = a.copy()
    c[2, 0, 1, 0] ^= np.uint64(4)
    with pytest.raises(NotOnCurve, match="G2 point 2"):
        validate_g2_array(c)
    c[1, 1, 1] = ints_to_limbs([(1 << 256) - 1])[0]
    with pytest.raises(FieldElementOutOfRange, match="G2 point 1"):
        validate_g2_array(c)
    for wrong in (g1_to_array([G1_GENERATOR]), a.astype(np.float64), a[None]):
        with pytest.raises(ShapeMismatch):
            validate_g2_array(wrong)


# ------------------------------------------------------------------------------------------
# sums and batch inversion


def test_sums(rng):
    ks = [rng.randrange(R) for _ in range(600)] + [0]
    a = fixed_base_mul_g1(G1_GENERATOR, ks)
    assert g1_sum(a) == g1_mul(G1_GENERATOR, sum(ks) % R)
    p = g1_to_array([G1_GENERATOR, g1_neg(G1_GENERATOR), INF1])
    assert g1_sum(p) == INF1 and g1_sum(a[:0]) == INF1 and g1_sum(a[:1]) == g1_mul(G1_GENERATOR, ks[0])
    ks2 = [rng.randrange(R) for _ in range(5)]
    b = g2_to_array([g2_mul(G2_GENERATOR, k) for k in ks2] + [G2_GENERATOR, G2_GENERATOR])
    assert g2_sum(b) == g2_mul(G2_GENERATOR, (sum(ks2) + 2) % R)
    with pytest.raises(ShapeMismatch):
        g1_sum(b)


def test_batch_to_affine_with_random_z_and_infinity(rng):
    pts = [g1_mul(G1_GENERATOR, rng.randrange(R)) for _ in range(5)] + [INF1]
    jac = np.array([_jacobian(p, rng.randrange(1, Q) if not p.is_infinity() else 0) for p in pts], dtype=np.uint64)
    out = np.empty((len(pts), 2, 4), dtype=np.uint64)
    K.batch_to_affine(jac, out)
    assert g1_from_array(out) == pts


# ------------------------------------------------------------------------------------------
# fixed-base batch multiplication


def test_fixed_base_g1_against_py_ecc_and_mul(rng):
    base = g1_mul(G1_GENERATOR, rng.randrange(1, R))
    ks = EDGE_SCALARS + [rng.randrange(R) for _ in range(1500)]
    out = fixed_base_mul_g1(base, ks)
    assert out.shape == (len(ks), 2, 4) and out.dtype == np.uint64
    got = g1_from_array(out)
    for i in range(len(EDGE_SCALARS) + 3):
        assert got[i] == to_g1(ref.multiply(from_g1(base), ks[i])), ks[i]
    assert got == mul_each(g1_to_array([base] * len(ks)), ks, g1_from_array)
    validate_g1_array(out)
    limbs = ints_to_limbs(ks[:50])
    assert np.array_equal(fixed_base_mul_g1(base, limbs), out[:50])


def test_fixed_base_g2(rng):
    ks = [0, 1, R - 1, 2] + [rng.randrange(R) for _ in range(30)]
    out = fixed_base_mul_g2(G2_GENERATOR, ks)
    assert out.shape == (len(ks), 2, 2, 4)
    got = g2_from_array(out)
    assert got[:3] == [INF2, G2_GENERATOR, g2_neg(G2_GENERATOR)]
    assert got[4] == to_g2(ref.multiply(ref.G2, ks[4]))
    assert got == mul_each(g2_to_array([G2_GENERATOR] * len(ks)), ks, g2_from_array)


@pytest.mark.parametrize("c", [2, 5, 11, 16])
def test_fixed_base_window_widths(c, rng):
    """Every window width decodes scalars right, limb boundaries included."""
    nwin = -(-255 // c)
    gen = g1_to_array([G1_GENERATOR])
    ks = [R - 1, (1 << 64) - 1, 1 << 64, (1 << 192) + (1 << 191)] + [rng.randrange(R) for _ in range(12)]
    table = FB._fixed_base_table(gen, c, nwin)
    out = np.zeros((len(ks), 2, 4), dtype=np.uint64)
    FB._fixed_base_mul(table, c, nwin, ints_to_limbs(ks), out)
    assert g1_from_array(out) == mul_each(np.repeat(gen, len(ks), axis=0), ks, g1_from_array)


def test_fixed_base_equal_point_branch():
    """A scalar whose partial sum equals the next table entry takes the doubling branch, and stays right."""
    c, nwin = 16, 16
    d = R >> 240  # d 2^240 < r, s = d 2^240 - r in (-2^240, 0)
    s = d * (1 << 240) - R
    k = s + d * (1 << 240)
    assert 0 <= k < R and -(1 << 239) <= s < 0  # the low windows carry into the top one: top digit d
    gen = g1_to_array([G1_GENERATOR])
    table = FB._fixed_base_table(gen, c, nwin)
    out = np.zeros((2, 2, 4), dtype=np.uint64)
    FB._fixed_base_mul(table, c, nwin, ints_to_limbs([k, 5]), out)
    digits = np.zeros((1, nwin), dtype=np.int64)
    FB._signed_digits(ints_to_limbs([k]), 0, c, nwin, digits, 0)
    assert digits[0, -1] == d  # so acc = [s]G = [d 2^240]G = the table entry
    assert g1_from_array(out) == [g1_mul(G1_GENERATOR, k), g1_mul(G1_GENERATOR, 5)]


def test_fixed_base_bad_input():
    with pytest.raises(FieldElementOutOfRange):
        fixed_base_mul_g1(G1_GENERATOR, [1, R])
    with pytest.raises(FieldElementOutOfRange):
        fixed_base_mul_g1(G1_GENERATOR, [-1])
    with pytest.raises(FieldElementOutOfRange):
        fixed_base_mul_g2(G2_GENERATOR, ints_to_limbs([3, R]))
    for wrong in (np.zeros((3, 3), np.uint64), np.zeros((3, 4), np.int64), np.zeros(4, np.uint64)):
        with pytest.raises(ShapeMismatch):
            fixed_base_mul_g1(G1_GENERATOR, wrong)
    with pytest.raises(NotOnCurve):
        fixed_base_mul_g1(G1Point(1, 3), [1])
    with pytest.raises(NotInSubgroup):
        fixed_base_mul_g2(twist_point(random.Random(1)), [1])
    assert fixed_base_mul_g1(G1_GENERATOR, []).shape == (0, 2, 4)
    assert not fixed_base_mul_g1(INF1, [1, 2]).any()
    assert not fixed_base_mul_g2(INF2, [5]).any()


def test_fixed_base_window_choice():
    assert curve.fixed_base_window(1) <= 6
    assert 8 <= curve.fixed_base_window(1 << 20) <= 16
    for g2 in (False, True):
        ws = [curve.fixed_base_window(1 << e, g2) for e in range(0, 24, 2)]
        assert ws == sorted(ws) and all(2 <= w <= 16 for w in ws)
    assert curve.fixed_base_window(1 << 22, True) >= curve.fixed_base_window(1 << 22)
