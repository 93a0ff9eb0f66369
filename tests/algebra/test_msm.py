"""MSM in G1 and G2 against py_ecc on seeded random data and the bucket method's edge cases.

Oracle: every base is written as alpha*A + beta*D with known ints (A, D random
multiples of the generator; bases A + j*D built by py_ecc additions, their
negations, repeats, infinity), so sum_i s_i*P_i = (sum s_i alpha_i) A +
(sum s_i beta_i) D needs only two py_ecc multiplications whatever n is.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as bn

from zkl.algebra.constants import Q, R
from zkl.algebra._kernels import msm as _k
from zkl.algebra.limbs import ints_to_limbs, ints_to_montgomery, montgomery_to_ints
from zkl.algebra.msm import (
    msm_g1,
    msm_g1_raw,
    msm_g1_unchecked,
    msm_g2,
    msm_g2_raw,
    msm_g2_unchecked,
    window_size,
)
from zkl.algebra.points import G1Point, G2Point, g1_to_array, g2_to_array
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch


def _g1_point(p) -> G1Point:
    if bn.is_inf(p):
        return G1Point.infinity()
    x, y = bn.normalize(p)
    return G1Point(int(x.n), int(y.n))


def _g2_point(p) -> G2Point:
    if bn.is_inf(p):
        return G2Point.infinity()
    x, y = bn.normalize(p)
    return G2Point(tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


@dataclass
class Group:
    name: str
    gen: tuple
    zero: tuple
    point: Callable
    to_array: Callable
    msm: Callable
    raw: Callable
    size: int  # length of the cached progression A + j*D
    prog: list | None = None  # G1Point/G2Point of A + j*D
    a: int = 0
    d: int = 0

    def progression(self):
        """Cached bases A + j*D (A = a*G, D = d*G) as points, built by py_ecc additions."""
        if self.prog is None:
            rng = random.Random(self.name)
            self.a, self.d = rng.randrange(1, R), rng.randrange(1, R)
            p, step = bn.multiply(self.gen, self.a), bn.multiply(self.gen, self.d)
            pts = []
            for _ in range(self.size):
                pts.append(p)
                p = bn.add(p, step)
            self.prog = [self.point(q) for q in pts]
        return self.prog

    def bases(self, coeffs):
        """Points for (sign, j) specs: sign * (A + j*D), or infinity for None."""
        prog = self.progression()
        out = []
        for spec in coeffs:
            if spec is None:
                out.append(type(prog[0]).infinity())
            else:
                sign, j = spec
                p = prog[j]
                out.append(p if sign > 0 else _negate(p))
        return out

    def expected(self, coeffs, scalars):
        """sum_i s_i * P_i from the (sign, j) specs, by two py_ecc multiplications."""
        self.progression()
        alpha = beta = 0
        for spec, s in zip(coeffs, scalars):
            if spec is not None:
                sign, j = spec
                alpha += sign * s
                beta += sign * s * j
        total = bn.add(bn.multiply(self.gen, self.a * alpha % R), bn.multiply(self.gen, self.d * beta % R))
        return self.point(total)


def _negate(p):
    if isinstance(p, G1Point):
        return p if p.is_infinity() else G1Point(p.x, (Q - p.y) % Q)
    return p if p.is_infinity() else G2Point(p.x, ((Q - p.y[0]) % Q, (Q - p.y[1]) % Q))


G1 = Group("G1", bn.G1, bn.Z1, _g1_point, g1_to_array, msm_g1, msm_g1_raw, 1200)
G2 = Group("G2", bn.G2, bn.Z2, _g2_point, g2_to_array, msm_g2, msm_g2_raw, 300)
GROUPS = pytest.mark.parametrize("group", [G1, G2], ids=["G1", "G2"])


def _specs(rng: random.Random, n: int, size: int) -> list:
    return [(1, rng.randrange(size)) for _ in range(n)]


def _distinct_specs(n: int) -> list:
    return [(1, j) for j in range(n)]


# --- random inputs -------------------------------------------------------------------------------


@GROUPS
@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_tiny_sizes_match_py_ecc(group, n):
    rng = random.Random(n)
    specs = _distinct_specs(n)
    scalars = [rng.randrange(R) for _ in range(n)]
    bases = group.bases(specs)
    expected = group.expected(specs, scalars)
    assert not expected.is_infinity()
    assert group.msm(bases, scalars) == expected
    for window in (1, 2, 5, 11):
        assert group.msm(bases, scalars, window=window) == expected


@GROUPS
def test_tiny_sizes_match_plain_py_ecc_sum(group):
    # the oracle itself, checked once against a plain sum of py_ecc products
    rng = random.Random(7)
    specs = [(1, 3), (-1, 8), (1, 0)]
    scalars = [rng.randrange(R) for _ in specs]
    total = None
    for spec, s in zip(specs, scalars):
        term = bn.multiply(bn.add(bn.multiply(group.gen, group.a), bn.multiply(group.gen, group.d * spec[1])), s)
        term = term if spec[0] > 0 else bn.neg(term)
        total = term if total is None else bn.add(total, term)
    group.progression()
    assert group.point(total) == group.expected(specs, scalars) == group.msm(group.bases(specs), scalars)


@GROUPS
@pytest.mark.parametrize(
    "options",
    [{}, {"window": 8}, {"window": 12}, {"window": 12, "batch": 16}, {"window": 10, "batch": 0}, {"threads": 1}],
    ids=["auto", "c8", "c12", "c12-batch16", "c10-xyzz", "one-thread"],
)
def test_random_inputs_match_oracle(group, options):
    n = 1000 if group is G1 else 257  # not powers of two
    rng = random.Random(n + len(options))
    specs = _specs(rng, n, group.size)
    scalars = [rng.randrange(R) for _ in range(n)]
    expected = group.expected(specs, scalars)
    bases = group.to_array(group.bases(specs))
    assert group.msm(bases, ints_to_limbs(scalars), **options) == expected


@GROUPS
def test_split_into_halves_adds_up(group):
    n = 301
    rng = random.Random(11)
    specs = _specs(rng, n, group.size)
    scalars = [rng.randrange(R) for _ in range(n)]
    bases = group.bases(specs)
    whole = group.msm(bases, scalars)
    left = group.msm(bases[:150], scalars[:150])
    right = group.msm(bases[150:], scalars[150:])
    to_py = _to_py_ecc(group)
    assert group.point(bn.add(to_py(left), to_py(right))) == whole


def _to_py_ecc(group):
    if group is G1:
        return lambda p: bn.Z1 if p.is_infinity() else (bn.FQ(p.x), bn.FQ(p.y), bn.FQ.one())
    return lambda p: bn.Z2 if p.is_infinity() else (bn.FQ2(list(p.x)), bn.FQ2(list(p.y)), bn.FQ2.one())


# --- edge cases ----------------------------------------------------------------------------------


@GROUPS
def test_all_zero_scalars_give_infinity(group):
    bases = group.bases(_distinct_specs(20))
    assert group.msm(bases, [0] * 20).is_infinity()
    assert group.msm(bases[:1], [0]).is_infinity()


@GROUPS
def test_empty_input_is_infinity(group):
    assert group.msm([], []).is_infinity()


@GROUPS
def test_edge_scalars(group):
    edge = [0, 1, 2, 3, R - 1, R - 2, (R - 1) // 2, (R + 1) // 2, 1 << 128, (1 << 253) - 1]
    rng = random.Random(3)
    n = 200
    specs = _distinct_specs(n)
    scalars = [rng.choice(edge) for _ in range(n)]
    expected = group.expected(specs, scalars)
    bases = group.bases(specs)
    for options in ({}, {"window": 4}, {"window": 9, "batch": 8}):
        assert group.msm(bases, scalars, **options) == expected


@GROUPS
def test_scalar_one_and_minus_one(group):
    bases = group.bases(_distinct_specs(40))
    for s in (1, R - 1):
        expected = group.expected(_distinct_specs(40), [s] * 40)
        assert group.msm(bases, [s] * 40) == expected
    # a single base: the base itself and its negation
    assert group.msm(bases[:1], [1]) == bases[0]
    assert group.msm(bases[:1], [R - 1]) == _negate(bases[0])


@GROUPS
@pytest.mark.parametrize(
    "options", [{}, {"window": 6, "batch": 4}, {"window": 8, "batch": 0}], ids=["auto", "affine", "xyzz"]
)
def test_repeated_and_opposite_bases_share_buckets(group, options):
    # P + P in one bucket is a doubling, P + (-P) cancels to infinity: the classic batch-affine bugs
    rng = random.Random(5)
    base_specs = [(1, j) for j in range(10)]
    specs, scalars = [], []
    for spec in base_specs:
        s = rng.randrange(R)
        specs += [spec, spec, (-spec[0], spec[1]), spec, (-spec[0], spec[1])]
        scalars += [s, s, s, rng.randrange(R), (R - s) % R]
    expected = group.expected(specs, scalars)
    assert group.msm(group.bases(specs), scalars, **options) == expected


@GROUPS
def test_exact_cancellation_is_infinity(group):
    specs = [(1, 4), (-1, 4), (1, 9), (1, 9), (-1, 9), (-1, 9)]
    s = 123456789 * 10**40 + 17
    assert group.msm(group.bases(specs), [s] * 6).is_infinity()
    assert group.msm(group.bases(specs), [s] * 6, window=6, batch=2).is_infinity()
    assert group.msm(group.bases(specs[:2]), [1, 1]).is_infinity()  # through the scalar-one path


@GROUPS
def test_infinity_bases_are_skipped(group):
    rng = random.Random(9)
    specs = [None, (1, 1), None, (1, 2), (1, 3), None]
    scalars = [rng.randrange(R) for _ in specs]
    expected = group.expected(specs, scalars)
    assert group.msm(group.bases(specs), scalars) == expected
    assert group.msm(group.bases([None, None]), [5, 1]).is_infinity()


@GROUPS
def test_one_bucket_for_every_point(group):
    # every point in the same bucket of every window: the batch never fills, the overflow takes them
    rng = random.Random(13)
    n = 300 if group is G1 else 100
    specs = _specs(rng, n, group.size)
    for s in (5, R - 5, 12345678901234567890):
        expected = group.expected(specs, [s] * n)
        for options in ({"window": 12, "batch": 64}, {"window": 3, "batch": 2}):
            assert group.msm(group.bases(specs), [s] * n, **options) == expected


@GROUPS
def test_few_distinct_scalars_many_conflicts(group):
    rng = random.Random(17)
    n = 600 if group is G1 else 150
    specs = _specs(rng, n, group.size)
    pool = [rng.randrange(R) for _ in range(3)] + [2, R - 2]
    scalars = [rng.choice(pool) for _ in range(n)]
    expected = group.expected(specs, scalars)
    for options in ({}, {"window": 10, "batch": 32}, {"window": 7, "batch": 8}):
        assert group.msm(group.bases(specs), scalars, **options) == expected


@GROUPS
def test_mostly_zero_and_one_scalars(group):
    # the shape of a Groth16 witness: many 0 and 1, some large
    rng = random.Random(19)
    n = 700 if group is G1 else 200
    specs = _specs(rng, n, group.size)
    scalars = [rng.choice([0, 0, 1, 1, 1, rng.randrange(R), rng.randrange(1 << 64)]) for _ in range(n)]
    assert group.msm(group.bases(specs), scalars) == group.expected(specs, scalars)


_ITEM = st.tuples(st.integers(0, G1.size - 1), st.booleans(), st.sampled_from([0, 1, 2, R - 1, R - 2, None]))


@settings(max_examples=25, deadline=None)
@given(st.lists(_ITEM, min_size=1, max_size=12))
def test_small_random_mixtures_g1(items):
    rng = random.Random(len(items))
    specs = [(-1 if neg else 1, j) for j, neg, _ in items]
    scalars = [rng.randrange(R) if s is None else s for _, _, s in items]
    expected = G1.expected(specs, scalars)
    bases = G1.bases(specs)
    assert msm_g1(bases, scalars) == expected
    assert msm_g1(bases, scalars, window=4, batch=2) == expected


def _mont_tuple(values):
    """Montgomery limb tuple of an Fq int, or a pair of them for an Fq2 (c0, c1)."""
    if isinstance(values, int):
        return tuple(ints_to_montgomery([values], Q)[0])
    return tuple(tuple(row) for row in ints_to_montgomery(list(values), Q))


def _from_mont(element):
    if isinstance(element[0], tuple):
        return tuple(montgomery_to_ints(np.array(element, dtype=np.uint64), Q))
    return montgomery_to_ints(np.array([element], dtype=np.uint64), Q)[0]


def _xyzz_to_point(group, p):
    """Affine G1Point/G2Point of an XYZZ kernel tuple (x = X/ZZ, y = Y/ZZZ)."""
    x, y, zz, zzz = (_from_mont(c) for c in p)
    if group is G1:
        if zz == 0:
            return G1Point.infinity()
        return G1Point(x * pow(zz, -1, Q) % Q, y * pow(zzz, -1, Q) % Q)
    if zz == (0, 0):
        return G2Point.infinity()
    fx, fy, fzz, fzzz = (bn.FQ2(list(v)) for v in (x, y, zz, zzz))
    ax, ay = fx / fzz, fy / fzzz
    return G2Point(tuple(int(c) for c in ax.coeffs), tuple(int(c) for c in ay.coeffs))


def _u64(value):
    """Re-type a kernel result (boxed as Python ints) as np.uint64 limbs for the next kernel call."""
    return tuple(_u64(v) for v in value) if isinstance(value, tuple) else np.uint64(value)


@GROUPS
def test_xyzz_formulas_handle_equal_opposite_and_infinite_operands(group):
    p, q = group.bases([(1, 2), (1, 5)])
    coords = (lambda pt: (_mont_tuple(pt.x), _mont_tuple(pt.y)))
    (px, py), (qx, qy) = coords(p), coords(q)
    one, zero = (_mont_tuple(1), _mont_tuple(0)) if group is G1 else (_mont_tuple((1, 0)), _mont_tuple((0, 0)))
    inf = (zero, zero, zero, zero)
    pj = (px, py, one, one)
    two_p = group.expected([(1, 2)], [2])
    assert _xyzz_to_point(group, _k._xyzz_dbl(pj)) == two_p
    assert _xyzz_to_point(group, _k._xyzz_dbl(inf)).is_infinity()
    assert _xyzz_to_point(group, _k._xyzz_madd(pj, px, py)) == two_p  # P + P
    neg_py = coords(_negate(p))[1]
    assert _xyzz_to_point(group, _k._xyzz_madd(pj, px, neg_py)).is_infinity()  # P + (-P)
    assert _xyzz_to_point(group, _k._xyzz_madd(inf, qx, qy)) == q
    p_plus_q = group.expected([(1, 2), (1, 5)], [1, 1])
    assert _xyzz_to_point(group, _k._xyzz_madd(pj, qx, qy)) == p_plus_q
    two_pj = _u64(_k._xyzz_dbl(pj))  # ZZ != 1 on both sides from here
    three_p = group.expected([(1, 2)], [3])
    assert _xyzz_to_point(group, _k._xyzz_add(two_pj, pj)) == three_p
    assert _xyzz_to_point(group, _k._xyzz_add(two_pj, two_pj)) == group.expected([(1, 2)], [4])
    neg_two = _u64(_k._xyzz_dbl((px, neg_py, one, one)))
    assert _xyzz_to_point(group, _k._xyzz_add(two_pj, neg_two)).is_infinity()
    assert _xyzz_to_point(group, _k._xyzz_add(inf, two_pj)) == two_p
    assert _xyzz_to_point(group, _k._xyzz_add(two_pj, inf)) == two_p


# --- input forms and validation ------------------------------------------------------------------


@GROUPS
def test_input_forms_agree_and_raw_is_montgomery_affine(group):
    rng = random.Random(23)
    specs = _distinct_specs(17)
    scalars = [rng.randrange(R) for _ in specs]
    points = group.bases(specs)
    expected = group.expected(specs, scalars)
    assert group.msm(points, scalars) == expected
    assert group.msm(group.to_array(points), ints_to_limbs(scalars)) == expected
    assert group.msm(tuple(points), iter(scalars)) == expected
    raw = group.raw(group.to_array(points), ints_to_limbs(scalars))
    assert raw.shape == group.to_array(points).shape[1:] and raw.dtype == np.uint64
    assert raw.tolist() == group.to_array([expected])[0].tolist()
    zero = group.raw(group.to_array(points), ints_to_limbs([0] * 17))
    assert not zero.any()


@GROUPS
def test_unchecked_entry_agrees_with_raw_and_checks_shapes_only(group):
    rng = random.Random(31)
    specs = _distinct_specs(9)
    scalars = [rng.randrange(R) for _ in specs]
    bases = group.to_array(group.bases(specs))
    unchecked = msm_g1_unchecked if group is G1 else msm_g2_unchecked
    raw = group.raw(bases, ints_to_limbs(scalars))
    assert unchecked(bases, ints_to_limbs(scalars)).tolist() == raw.tolist()
    assert unchecked(bases, ints_to_limbs(scalars), window=3, threads=1, batch=2).tolist() == raw.tolist()
    with pytest.raises(ShapeMismatch, match=r"one entry per base \(9\), not 2"):
        unchecked(bases, ints_to_limbs(scalars[:2]))
    with pytest.raises(ShapeMismatch, match=r"bases must be a uint64 array"):
        unchecked(bases.astype(np.int64), ints_to_limbs(scalars))
    # a scalar >= r is the caller's error: raw names it, unchecked computes with the limbs it was given
    big = ints_to_limbs([R + 1] + scalars[1:])
    with pytest.raises(FieldElementOutOfRange, match=r"scalar 0 must be below r"):
        group.raw(bases, big)
    assert unchecked(bases, big).tolist() == group.raw(bases, ints_to_limbs([1] + scalars[1:])).tolist()


def test_window_size_grows_with_n():
    for threads, point_bytes in ((1, 64), (2, 64), (2, 128)):
        sizes = [window_size(1 << k, threads, point_bytes) for k in range(0, 23)]
        assert all(1 <= c <= 20 for c in sizes)
        assert sizes == sorted(sizes)
        assert sizes[0] <= 3 and 10 <= sizes[16] <= 14 and 12 <= sizes[20] <= 16


def test_scalars_not_below_r_are_named_by_index():
    bases = G1.bases(_distinct_specs(3))
    with pytest.raises(FieldElementOutOfRange, match=r"scalar 2 must be below r"):
        msm_g1(bases, [1, 2, R])
    with pytest.raises(FieldElementOutOfRange, match=r"scalar 1"):
        msm_g1(bases, [1, -1, 2])
    with pytest.raises(FieldElementOutOfRange, match=r"scalar 0 must be below r"):
        msm_g1(g1_to_array(bases), ints_to_limbs([R + 5, 0, 0]))
    with pytest.raises(FieldElementOutOfRange, match=r"scalar 1 must be an int"):
        msm_g1(bases, [1, "2", 3])


def test_shapes_and_types_are_checked():
    bases = g1_to_array(G1.bases(_distinct_specs(3)))
    good = ints_to_limbs([1, 2, 3])
    with pytest.raises(ShapeMismatch, match=r"one entry per base \(3\), not 2"):
        msm_g1(bases, [1, 2])
    with pytest.raises(ShapeMismatch, match=r"shape \(n, 4\)"):
        msm_g1(bases, good[:, :3])
    with pytest.raises(ShapeMismatch, match=r"uint64"):
        msm_g1(bases, good.astype(np.int64))
    with pytest.raises(ShapeMismatch, match=r"G1 bases must be a uint64 array of shape \(n, 2, 4\)"):
        msm_g1(bases.reshape(3, 8), good)
    with pytest.raises(ShapeMismatch, match=r"G2 bases must be a uint64 array of shape \(n, 2, 2, 4\)"):
        msm_g2(bases, good)
    with pytest.raises(MalformedInput, match=r"G1 base 1 must be a G1Point, not G2Point"):
        msm_g1([G1.bases([(1, 0)])[0], G2Point.infinity()], [1, 2])
    with pytest.raises(MalformedInput, match=r"G2 base 0 must be a G2Point, not G1Point"):
        msm_g2([G1Point.infinity()], [1])


def test_base_coordinates_not_below_q_are_rejected():
    bases = g1_to_array(G1.bases(_distinct_specs(3)))
    bad = bases.copy()
    bad[2, 1] = ints_to_limbs([Q])[0]
    with pytest.raises(FieldElementOutOfRange, match=r"point 2"):
        msm_g1(bad, [1, 2, 3])
    with pytest.raises(FieldElementOutOfRange):
        msm_g1([G1Point(Q, 1)], [1])


def test_window_batch_and_threads_are_checked():
    bases = G1.bases(_distinct_specs(2))
    for bad in ({"window": 0}, {"window": 21}, {"window": 2.5}, {"threads": 0}, {"threads": 10**6}):
        with pytest.raises(MalformedInput):
            msm_g1(bases, [1, 2], **bad)
    with pytest.raises(MalformedInput):
        msm_g1_raw(g1_to_array(bases), ints_to_limbs([1, 2]), batch=-1)


# --- pure Python (NUMBA_DISABLE_JIT=1) -----------------------------------------------------------

_PURE_SCRIPT = """
import json, sys
from zkl.algebra.msm import msm_g1
from zkl.algebra.points import G1Point
cases = json.loads(sys.argv[1])
out = []
for bases, scalars, options in cases:
    p = msm_g1([G1Point(*b) for b in bases], scalars, **options)
    out.append([p.x, p.y])
print(json.dumps(out))
"""


def test_kernels_agree_with_jit_disabled():
    rng = random.Random(29)
    cases, expected = [], []
    spec_sets = [
        ([(1, 0), (1, 1), (-1, 2), (1, 3)], [rng.randrange(R) for _ in range(4)], {}),
        ([(1, 5), (1, 5), (-1, 5), (1, 6)], [7, 7, 7, 1], {"window": 3, "batch": 2}),  # doubling, cancellation, one
        ([(1, 8), (-1, 8)], [R - 3, R - 3], {"window": 2, "batch": 1}),
        ([(1, 9), None, (1, 10)], [0, 4, R - 1], {"window": 5, "batch": 0}),
    ]
    for specs, scalars, options in spec_sets:
        cases.append([[[p.x, p.y] for p in G1.bases(specs)], scalars, options])
        expected.append(G1.expected(specs, scalars))
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    run = subprocess.run(
        [sys.executable, "-c", _PURE_SCRIPT, json.dumps(cases)], env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-2000:]
    got = [G1Point(x, y) for x, y in json.loads(run.stdout.strip().splitlines()[-1])]
    assert got == expected
