"""The optimal ate pairing: py_ecc agreement, bilinearity, multi-pairing, prepared G2, validation."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest
from py_ecc import optimized_bn128 as pe

from tests.oracles.py_ecc_bridge import from_py_ecc
from tests.paths import ROOT
from zkl.algebra import tower as T
from zkl.algebra.constants import G1_GENERATOR, G2_GENERATOR, Q, R
from zkl.algebra.pairing import (
    N_LINES,
    PreparedG2,
    final_exponentiation,
    miller_loop,
    multi_pairing,
    pairing,
    pairing_check,
    pairing_check_prepared,
    prepare_g2,
)
from zkl.algebra.points import G1Point, G2Point
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotOnCurve, ShapeMismatch

SEED = 7_261_903
P1 = G1Point(*G1_GENERATOR)
Q2 = G2Point(*G2_GENERATOR)
ONE = T.Fq12.one()
FINAL_EXP = (Q**12 - 1) // R


def g1_mul(k: int) -> G1Point:
    x, y = pe.normalize(pe.multiply(pe.G1, k))
    return G1Point(int(x), int(y))


def g2_mul(k: int) -> G2Point:
    x, y = pe.normalize(pe.multiply(pe.G2, k))
    return G2Point(tuple(int(c) for c in x.coeffs), tuple(int(c) for c in y.coeffs))


def g1_neg(p: G1Point) -> G1Point:
    return G1Point(p.x, (Q - p.y) % Q)


def g2_neg(p: G2Point) -> G2Point:
    return G2Point(p.x, ((Q - p.y[0]) % Q, (Q - p.y[1]) % Q))


def to_pe_g1(p: G1Point):
    return (pe.FQ(p.x), pe.FQ(p.y), pe.FQ(1))


def to_pe_g2(p: G2Point):
    return (pe.FQ2(list(p.x)), pe.FQ2(list(p.y)), pe.FQ2.one())


@pytest.fixture(scope="module")
def rnd() -> random.Random:
    return random.Random(SEED)


@pytest.fixture(scope="module")
def points(rnd):
    """Three random G1 and G2 points with their scalars."""
    ks = [rnd.randrange(1, R) for _ in range(3)]
    ls = [rnd.randrange(1, R) for _ in range(3)]
    return ks, ls, [g1_mul(k) for k in ks], [g2_mul(k) for k in ls]


@pytest.fixture(scope="module")
def e11() -> T.Fq12:
    return pairing(P1, Q2)


# --------------------------------------------------------------------------- agreement with py_ecc


def test_generator_pairing_equals_py_ecc(e11):
    assert e11 == from_py_ecc(pe.pairing(pe.G2, pe.G1))


def test_random_pairing_equals_py_ecc(points):
    _, _, ps, qs = points
    want = from_py_ecc(pe.pairing(to_pe_g2(qs[0]), to_pe_g1(ps[1])))
    assert pairing(ps[1], qs[0]) == want


# --------------------------------------------------------------------------- pairing properties


def test_non_degenerate_and_of_order_r(e11):
    assert e11 != ONE
    assert e11 ** R == ONE
    assert e11.conjugate() * e11 == ONE  # GT lies in the cyclotomic subgroup


def test_bilinearity(rnd, e11):
    a, b = rnd.randrange(1, R), rnd.randrange(1, R)
    assert pairing(g1_mul(a), g2_mul(b)) == e11 ** (a * b % R)


def test_scalar_moves_between_arguments(points):
    ks, _, ps, qs = points
    k = ks[2]
    assert pairing(g1_mul(k), qs[0]) == pairing(P1, g2_mul(k * points[1][0] % R))


def test_negation(points):
    _, _, ps, qs = points
    e = pairing(ps[0], qs[0])
    assert pairing(g1_neg(ps[0]), qs[0]) == e.conjugate()
    assert pairing(ps[0], g2_neg(qs[0])) == e.conjugate()
    assert multi_pairing([(ps[0], qs[0]), (g1_neg(ps[0]), qs[0])]) == ONE
    assert pairing_check([(ps[0], qs[0]), (g1_neg(ps[0]), qs[0])])
    assert not pairing_check([(ps[0], qs[0])])
    assert not pairing_check([(ps[0], qs[0]), (ps[0], qs[0])])


def test_infinity_pairs_to_one(points):
    _, _, ps, qs = points
    assert pairing(G1Point.infinity(), qs[0]) == ONE
    assert pairing(ps[0], G2Point.infinity()) == ONE
    assert pairing(G1Point.infinity(), G2Point.infinity()) == ONE
    assert miller_loop([(G1Point.infinity(), qs[0])]) == ONE
    assert multi_pairing([]) == ONE
    assert pairing_check([])
    assert pairing_check([(G1Point.infinity(), qs[1])])
    with_inf = [(ps[0], qs[0]), (G1Point.infinity(), qs[1]), (ps[2], G2Point.infinity())]
    assert multi_pairing(with_inf) == pairing(ps[0], qs[0])


def test_multi_pairing_is_the_product(points):
    _, _, ps, qs = points
    pairs = [(ps[0], qs[1]), (ps[1], qs[2]), (ps[2], qs[0])]
    singles = [pairing(p, q) for p, q in pairs]
    assert multi_pairing(pairs) == singles[0] * singles[1] * singles[2]


def test_multi_miller_loop_is_the_product_of_miller_loops(points):
    _, _, ps, qs = points
    pairs = [(ps[0], qs[1]), (ps[2], qs[2])]
    assert miller_loop(pairs) == miller_loop(pairs[:1]) * miller_loop(pairs[1:])


def test_final_exponentiation_is_the_power(rnd, points):
    f = T.Fq12.from_ints([rnd.randrange(Q) for _ in range(12)])
    assert final_exponentiation(f) == f ** FINAL_EXP
    assert final_exponentiation(T.Fq12.zero()) == T.Fq12.zero()
    _, _, ps, qs = points
    assert final_exponentiation(miller_loop([(ps[1], qs[1])])) == pairing(ps[1], qs[1])
    with pytest.raises(MalformedInput):
        final_exponentiation(pe.FQ12.one())


def test_groth16_shaped_check(rnd):
    a, b = rnd.randrange(1, R), rnd.randrange(1, R)
    c = rnd.randrange(1, R)
    # e(aP, bQ) = e(abP - cP, Q) e(cP, Q)
    pairs = [(g1_mul(a), g2_mul(b)), (g1_neg(g1_mul((a * b - c) % R)), Q2), (g1_neg(g1_mul(c)), Q2)]
    assert pairing_check(pairs)
    pairs[2] = (g1_neg(g1_mul(c + 1)), Q2)
    assert not pairing_check(pairs)


# --------------------------------------------------------------------------- prepared G2


def test_prepared_check_agrees(points, rnd):
    _, ls, ps, qs = points
    preps = [prepare_g2(q) for q in qs]
    assert preps[0].lines.shape == (N_LINES, 2, 2, 4) and not preps[0].lines.flags.writeable
    a = rnd.randrange(1, R)
    # e(aP, Q0) e(-P, aQ0) = 1 with both G2 points prepared
    aq0 = g2_mul(a * ls[0] % R)
    g1s = [g1_mul(a), g1_neg(P1)]
    assert pairing_check_prepared(g1s, [preps[0], prepare_g2(aq0)])
    assert pairing_check([(g1s[0], qs[0]), (g1s[1], aq0)])
    assert not pairing_check_prepared([g1s[0], P1], [preps[0], prepare_g2(aq0)])
    assert not pairing_check_prepared(ps, preps)
    # plain G2 points (a proof's B) mix with prepared ones and are prepared on the fly
    assert pairing_check_prepared(g1s, [qs[0], prepare_g2(aq0)])
    assert pairing_check_prepared(g1s + [G1Point.infinity()], [preps[0], aq0, qs[1]])
    assert pairing_check_prepared(g1s + [ps[2]], [qs[0], aq0, G2Point.infinity()])
    assert not pairing_check_prepared([g1s[0], P1], [qs[0], aq0])


def test_prepared_infinity_and_errors(points):
    _, _, ps, qs = points
    inf = prepare_g2(G2Point.infinity())
    assert inf.is_infinity()
    assert pairing_check_prepared([ps[0]], [inf])
    assert pairing_check_prepared([G1Point.infinity()], [prepare_g2(qs[0])])
    assert pairing_check_prepared([], [])
    assert not pairing_check_prepared([ps[0], ps[1]], [inf, prepare_g2(qs[0])])
    with pytest.raises(ShapeMismatch):
        pairing_check_prepared([ps[0]], [])
    with pytest.raises(MalformedInput):
        pairing_check_prepared([ps[0]], [ps[1]])
    with pytest.raises(ShapeMismatch):
        pairing_check_prepared([ps[0]], [PreparedG2(qs[0], np.zeros((3, 3, 2, 4), dtype=np.uint64))])


# --------------------------------------------------------------------------- validation


def test_off_curve_points_are_rejected(points):
    _, _, ps, qs = points
    with pytest.raises(NotOnCurve, match="G1"):
        pairing(G1Point(1, 3), Q2)
    bad_q = G2Point(qs[0].x, (qs[0].y[0], (qs[0].y[1] + 1) % Q))
    with pytest.raises(NotOnCurve, match="G2"):
        pairing(P1, bad_q)
    with pytest.raises(NotOnCurve):
        pairing_check([(P1, Q2), (ps[0], bad_q)])
    with pytest.raises(NotOnCurve):
        prepare_g2(bad_q)
    with pytest.raises(NotOnCurve):
        pairing_check_prepared([G1Point(1, 3)], [prepare_g2(Q2)])
    with pytest.raises(NotOnCurve):
        pairing_check_prepared([P1], [bad_q])
    with pytest.raises(NotOnCurve):  # a partner at infinity does not skip validation
        pairing_check([(G1Point(1, 3), G2Point.infinity())])
    # validate=False skips the curve check (the result is then meaningless, but no error)
    assert isinstance(pairing(G1Point(1, 3), Q2, validate=False), T.Fq12)


def test_coordinates_out_of_range_are_rejected():
    with pytest.raises(FieldElementOutOfRange):
        pairing(G1Point(Q + 1, 2), Q2)
    with pytest.raises(FieldElementOutOfRange):
        pairing(P1, G2Point((Q2.x[0] + Q, Q2.x[1]), Q2.y))
    with pytest.raises(FieldElementOutOfRange):
        pairing(G1Point(-1, 2), Q2, validate=False)


def test_malformed_arguments():
    with pytest.raises(MalformedInput):
        pairing(Q2, P1)  # G2 first, as py_ecc would have it
    with pytest.raises(MalformedInput):
        multi_pairing([(P1,)])
    with pytest.raises(MalformedInput):
        pairing_check([P1, Q2])
    with pytest.raises(MalformedInput):
        prepare_g2(P1)


# --------------------------------------------------------------------------- pure-Python mode

def first_steps() -> dict:
    """2Q, 2Q + Q, their lines and f = l1(P) l2(P) from the kernels (Montgomery limbs as ints), for Q, P the generators."""
    from zkl.algebra._kernels import pairing as kp
    from zkl.algebra.points import g1_to_array, g2_to_array

    t, lines = np.zeros((2, 3, 2, 4), np.uint64), np.zeros((2, 3, 2, 4), np.uint64)
    f = np.zeros((1, 2, 3, 2, 4), np.uint64)
    kp._first_steps_arr(g1_to_array([P1]), g2_to_array([Q2]), t, lines, f)
    def ints(x: np.ndarray) -> list[int]:
        return [int(v) for v in x.reshape(-1)]

    return {"t1": ints(t[0]), "l1": ints(lines[0]), "t2": ints(t[1]), "l2": ints(lines[1]), "f": ints(f)}


def _fq2s(limbs: list[int]) -> list[T.Fq2]:
    from zkl.algebra.limbs import montgomery_to_ints

    v = montgomery_to_ints(np.array(limbs, dtype=np.uint64).reshape(-1, 4), Q)
    return [T.Fq2(v[2 * i], v[2 * i + 1]) for i in range(len(v) // 2)]


def _affine(t: list[T.Fq2]) -> tuple[T.Fq2, T.Fq2]:
    zi = t[2].inverse()
    return t[0] * zi, t[1] * zi


def _check_steps(out: dict) -> None:
    """The doubling/addition steps land on 2Q, 3Q and their lines pass through the right points."""
    qx, qy = T.Fq2(*Q2.x), T.Fq2(*Q2.y)
    t1 = _affine(_fq2s(out["t1"]))
    t2 = _affine(_fq2s(out["t2"]))
    assert t1 == tuple(T.Fq2(*g) for g in (g2_mul(2).x, g2_mul(2).y))
    assert t2 == tuple(T.Fq2(*g) for g in (g2_mul(3).x, g2_mul(3).y))
    a1, b1, c1 = _fq2s(out["l1"])
    a2, b2, c2 = _fq2s(out["l2"])
    # a line a*y + b*x*w + c*w^3 vanishes at ψ(x', y') = (x' w^2, y' w^3) iff a y' + b x' + c = 0
    assert (a1 * qy + b1 * qx + c1).is_zero()
    assert (a2 * qy + b2 * qx + c2).is_zero() and (a2 * t1[1] + b2 * t1[0] + c2).is_zero()
    assert not (a2 * t2[1] + b2 * t2[0] + c2).is_zero()
    v = _fq2s(out["f"])
    f = T.Fq12(T.Fq6(v[0], v[1], v[2]), T.Fq6(v[3], v[4], v[5]))
    xp, yp = P1.x, P1.y
    line1 = T.Fq12(T.Fq6(a1 * yp), T.Fq6(b1 * xp, c1))
    line2 = T.Fq12(T.Fq6(a2 * yp), T.Fq6(b2 * xp, c2))
    assert f == line1 * line2


def test_miller_steps():
    """Doubling and addition steps and their line products, under the JIT."""
    _check_steps(first_steps())


def test_miller_steps_without_jit():
    """The same steps in pure Python (NUMBA_DISABLE_JIT=1, in a subprocess) agree with the reference and the JIT."""
    script = (
        "import json; from tests.algebra import test_pairing; print(json.dumps(test_pairing.first_steps()))"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    _check_steps(out)
    assert out == first_steps()


def test_g2_point_outside_subgroup_is_refused():
    """A twist point that is not in the order-r subgroup is rejected by every validating entry point."""
    import random as _random

    import importlib

    from tests.algebra.test_curve import twist_point
    from zkl.algebra import curve

    pairing_mod = importlib.import_module("zkl.algebra.pairing")
    from zkl.errors import NotInSubgroup

    rng = _random.Random(7)
    bad = next(p for p in (twist_point(rng) for _ in range(20)) if not curve.is_in_subgroup_g2(p))
    g1 = curve.G1_GENERATOR
    with pytest.raises(NotInSubgroup):
        pairing_mod.pairing(g1, bad)
    with pytest.raises(NotInSubgroup):
        pairing_mod.pairing_check([(g1, curve.G2_GENERATOR), (g1, bad)])
    with pytest.raises(NotInSubgroup):
        pairing_mod.prepare_g2(bad)
    assert pairing_mod.pairing(g1, bad, validate=False) is not None
