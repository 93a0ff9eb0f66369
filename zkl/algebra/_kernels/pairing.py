"""Optimal ate pairing on BN254: Miller loop, multi-Miller loop, prepared G2 lines, final exponentiation.

Conventions (derivations in the docstrings below, references at the end):

* G2 lives on the D-type twist E'/Fq2: y^2 = x^3 + b' with b' = 3/ξ; the
  untwist ψ(x, y) = (x w^2, y w^3) maps it into E(Fq12), as py_ecc does.
* The Miller loop runs over 6x + 2 in non-adjacent form, keeps T in
  homogeneous projective coordinates (X : Y : Z) on the twist, and evaluates
  each line at the affine G1 point P = (xP, yP).  A line through ψ(T) with
  twisted slope λ' is yP - λ' xP w + (λ' xT - yT) w^3, so after clearing
  denominators (a factor in Fq2, which the final exponentiation kills) it is
  a yP + b xP w + c w^3 with a, b, c in Fq2 depending on T only;
  `_prepare_g2` stores them normalized, (b/a, c/a).
* After the loop come the two Frobenius-twisted additions T + π(Q) and
  (T + π(Q)) - π^2(Q), with π(x, y) = (conj(x) ξ^((q-1)/3), conj(y) ξ^((q-1)/2))
  and π^2(x, y) = (x ξ^((q^2-1)/3), -y) on the twist.
* The final exponentiation raises to (q^12 - 1)/r exactly, so results equal
  py_ecc's: easy part (q^6 - 1)(q^2 + 1), hard part (q^4 - q^2 + 1)/r by the
  base-q decomposition of Scott et al. (λ3 = 1, λ2 = 6x^2 + 1,
  λ1 = -36x^3 - 18x^2 - 12x + 1, λ0 = -36x^3 - 30x^2 - 18x - 2) with three
  exponentiations by x (cyclotomic squarings, width-4 NAF of x) and their
  vectorial addition chain.  (arkworks and gnark use the Fuentes-Castañeda
  multiple 2x(6x^2 + 3x + 1)(q^4 - q^2 + 1)/r instead, so their pairing values
  are that fixed power of ours and of py_ecc's.)

References: Costello, Lange, Naehrig, "Faster pairing computations on curves
with high-degree twists" (PKC 2010) and Aranha et al., "Faster explicit
formulas for computing pairings over ordinary curves" (Eurocrypt 2011) for the
projective doubling/addition steps with lines; Scott et al., "On the final
exponentiation for calculating pairings on ordinary elliptic curves"
(Pairing 2009) for the hard part; Granger-Scott for cyclotomic squaring.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkl.algebra._kernels.curve import first_invalid_point
from zkl.algebra._kernels.fq import ONE as FQ_ONE_M, fq_from_mont, fq_inv, fq_mul, fq_to_mont
from zkl.algebra._kernels.fq12 import (
    E2_ONE,
    E12_ONE,
    _e2_add,
    _e2_conj,
    _e2_dbl,
    _e2_inv,
    _e2_mul,
    _e2_mul_fq,
    _e2_neg,
    _e2_sqr,
    _e2_sub,
    _e6_add,
    _e6_mul_by_01,
    _e6_mul_by_v,
    _e12_conj,
    _e12_cyclotomic_sqr,
    _e12_frobenius,
    _e12_frobenius2,
    _e12_frobenius3,
    _e12_inv,
    _e12_is_one,
    _e12_mul,
    _e12_mul_by_034,
    _e12_sqr,
    _load_e12,
    _store_e12,
    _mont,
    _mont2,
)
from zkl.algebra.constants import ATE_LOOP_COUNT, BN_X, G2_B
from zkl.algebra._kernels.rows import load_coord, store_coord
from zkl.algebra.tower import Fq2 as _PyFq2, frobenius_coefficient


def _naf(n: int, width: int = 2) -> list[int]:
    """Width-w non-adjacent form of n > 0 (odd digits below 2^(w-1) in absolute value), most significant first."""
    digits = []
    while n:
        if n & 1:
            d = n & ((1 << width) - 1)
            if d >= 1 << (width - 1):
                d -= 1 << width
            n -= d
        else:
            d = 0
        digits.append(d)
        n >>= 1
    return digits[::-1]


#: NAF digits of 6x + 2 after the leading 1 (65 of them, 21 nonzero)
ATE_NAF = tuple(_naf(ATE_LOOP_COUNT)[1:])
#: width-4 NAF digits of x, most significant first (63 of them, 14 nonzero)
X_WNAF = tuple(_naf(BN_X, 4))
assert sum(d << i for i, d in enumerate(reversed(X_WNAF))) == BN_X and X_WNAF[0] > 0
#: number of line values per G2 point: one per doubling, one per nonzero digit, two at the end
N_LINES = len(ATE_NAF) + sum(1 for d in ATE_NAF if d) + 2

#: 3 b' (b' = 3/ξ the twist's coefficient), used by the doubling step
B3_TWIST = _mont2(_PyFq2(*G2_B) * 3)
#: π on the twist: x -> conj(x) ξ^((q-1)/3), y -> conj(y) ξ^((q-1)/2); π^2: x -> x ξ^((q^2-1)/3) (in Fq), y -> -y
PSI1_X = _mont2(frobenius_coefficient(1, 2))
PSI1_Y = _mont2(frobenius_coefficient(1, 3))
PSI2_X = _mont(frobenius_coefficient(2, 2).c0)
assert frobenius_coefficient(2, 3) == _PyFq2(-1)


# --------------------------------------------------------------------------- G2 steps with lines


@njit(cache=True, no_cpython_wrapper=True)
def _dbl_step(t):
    """2T and the tangent line at T as (a, b, c): the line value is a yP + b xP w + c w^3.

    Homogeneous (X : Y : Z), scaled by 4 to avoid halvings: with B = Y^2,
    C = Z^2, E = 3b'C, F = 3E, H = 2YZ: X3 = 2XY(B - F), Y3 = (B + F)^2 - 12E^2,
    Z3 = 4BH; tangent (times 2YZ): H yP - 3X^2 xP w + (B - E) w^3.
    """
    x, y, z = t
    xy = _e2_mul(x, y)
    b = _e2_sqr(y)
    c = _e2_sqr(z)
    e = _e2_mul(c, B3_TWIST)
    f = _e2_add(_e2_dbl(e), e)
    h = _e2_sub(_e2_sub(_e2_sqr(_e2_add(y, z)), b), c)
    x2 = _e2_sqr(x)
    x3 = _e2_dbl(_e2_mul(xy, _e2_sub(b, f)))
    e2 = _e2_sqr(e)
    e12 = _e2_dbl(_e2_dbl(_e2_add(_e2_dbl(e2), e2)))
    y3 = _e2_sub(_e2_sqr(_e2_add(b, f)), e12)
    z3 = _e2_dbl(_e2_dbl(_e2_mul(b, h)))
    lb = _e2_neg(_e2_add(_e2_dbl(x2), x2))
    return (x3, y3, z3), h, lb, _e2_sub(b, e)


@njit(cache=True, no_cpython_wrapper=True)
def _add_step(t, qx, qy):
    """T + Q for Q = (qx, qy) affine, and the line through T and Q as (a, b, c).

    θ = Y1 - qy Z1, λ = X1 - qx Z1, H = λ^3 + Z1 θ^2 - 2 X1 λ^2:
    X3 = λH, Y3 = θ(X1 λ^2 - H) - Y1 λ^3, Z3 = Z1 λ^3;
    line (times λ): λ yP - θ xP w + (θ qx - λ qy) w^3.
    """
    x1, y1, z1 = t
    theta = _e2_sub(y1, _e2_mul(qy, z1))
    lam = _e2_sub(x1, _e2_mul(qx, z1))
    c = _e2_sqr(theta)
    d = _e2_sqr(lam)
    e = _e2_mul(lam, d)
    f = _e2_mul(z1, c)
    g = _e2_mul(x1, d)
    h = _e2_sub(_e2_add(e, f), _e2_dbl(g))
    x3 = _e2_mul(lam, h)
    y3 = _e2_sub(_e2_mul(theta, _e2_sub(g, h)), _e2_mul(y1, e))
    z3 = _e2_mul(z1, e)
    lc = _e2_sub(_e2_mul(theta, qx), _e2_mul(lam, qy))
    return (x3, y3, z3), lam, _e2_neg(theta), lc


@njit(cache=True, no_cpython_wrapper=True)
def _frobenius_twist(qx, qy):
    """π(Q) and -π^2(Q) on the twist, for the two final additions."""
    q1x = _e2_mul(_e2_conj(qx), PSI1_X)
    q1y = _e2_mul(_e2_conj(qy), PSI1_Y)
    q2x = _e2_mul_fq(qx, PSI2_X)
    return q1x, q1y, q2x, qy


@njit(cache=True, no_cpython_wrapper=True)
def _line(f, a, b, c, px, py):
    """f times the line value a yP + b xP w + c w^3."""
    return _e12_mul_by_034(f, _e2_mul_fq(a, py), _e2_mul_fq(b, px), c)


# --------------------------------------------------------------------------- Miller loops


@njit(cache=True, no_cpython_wrapper=True)
def _miller_loop(g1, g2):
    """Product over pairs of the optimal ate Miller function f_{6x+2,Q}(P) with the two Frobenius lines.

    g1: (k, 2, 4) affine Montgomery, g2: (k, 2, 2, 4) affine Montgomery; no
    point at infinity (the caller drops those pairs).  One squaring of f per
    bit is shared by all pairs.
    """
    k = g1.shape[0]
    tx = np.empty((k, 3, 2, 4), dtype=np.uint64)
    for j in range(k):
        store_coord(tx, j, 0, load_coord(g2, j, 0))
        store_coord(tx, j, 1, load_coord(g2, j, 1))
        store_coord(tx, j, 2, E2_ONE)
    f = E12_ONE
    for idx in range(len(ATE_NAF)):
        if idx > 0:
            f = _e12_sqr(f)
        digit = ATE_NAF[idx]
        for j in range(k):
            px = load_coord(g1, j, 0)
            py = load_coord(g1, j, 1)
            t = (load_coord(tx, j, 0), load_coord(tx, j, 1), load_coord(tx, j, 2))
            t, a, b, c = _dbl_step(t)
            f = _line(f, a, b, c, px, py)
            if digit != 0:
                qx = load_coord(g2, j, 0)
                qy = load_coord(g2, j, 1)
                if digit < 0:
                    qy = _e2_neg(qy)
                t, a, b, c = _add_step(t, qx, qy)
                f = _line(f, a, b, c, px, py)
            store_coord(tx, j, 0, t[0])
            store_coord(tx, j, 1, t[1])
            store_coord(tx, j, 2, t[2])
    for j in range(k):
        px = load_coord(g1, j, 0)
        py = load_coord(g1, j, 1)
        t = (load_coord(tx, j, 0), load_coord(tx, j, 1), load_coord(tx, j, 2))
        q1x, q1y, q2x, q2y = _frobenius_twist(load_coord(g2, j, 0), load_coord(g2, j, 1))
        t, a, b, c = _add_step(t, q1x, q1y)
        f = _line(f, a, b, c, px, py)
        t, a, b, c = _add_step(t, q2x, q2y)
        f = _line(f, a, b, c, px, py)
    return f


@njit(cache=True)
def _prepare_g2(g2, out):
    """Normalized line coefficients of every Miller step for each G2 point: out (k, N_LINES, 2, 2, 4).

    A line a yP + b xP w + c w^3 is stored as (b/a, c/a): divided by a yP (in
    Fq2, killed by the final exponentiation) it is 1 + (b/a)(xP/yP) w +
    (c/a)(1/yP) w^3, which costs 10 Fq2 multiplications to apply instead of 13.
    The a's of one point are inverted together (Montgomery's trick).  For a
    point of the order-r subgroup no a is zero (no tangent is vertical and no
    chord meets ±T); otherwise the lines are garbage, as the pairing is.
    """
    raw = np.empty((1, N_LINES, 3, 2, 4), dtype=np.uint64)
    prefix = np.empty((N_LINES, 2, 4), dtype=np.uint64)
    for j in range(g2.shape[0]):
        qx = load_coord(g2, j, 0)
        qy = load_coord(g2, j, 1)
        nqy = _e2_neg(qy)
        t = (qx, qy, E2_ONE)
        n = 0
        for idx in range(len(ATE_NAF)):
            t, a, b, c = _dbl_step(t)
            _store_line(raw, 0, n, a, b, c)
            n += 1
            digit = ATE_NAF[idx]
            if digit != 0:
                t, a, b, c = _add_step(t, qx, qy if digit > 0 else nqy)
                _store_line(raw, 0, n, a, b, c)
                n += 1
        q1x, q1y, q2x, q2y = _frobenius_twist(qx, qy)
        t, a, b, c = _add_step(t, q1x, q1y)
        _store_line(raw, 0, n, a, b, c)
        t, a, b, c = _add_step(t, q2x, q2y)
        _store_line(raw, 0, n + 1, a, b, c)
        # batch inversion of the a's, then (b/a, c/a)
        acc = E2_ONE
        for n in range(N_LINES):
            _st1x2(prefix, n, acc)
            acc = _e2_mul(acc, load_coord(raw[0], n, 0))
        inv = _e2_inv(acc)
        for n in range(N_LINES - 1, -1, -1):
            a = load_coord(raw[0], n, 0)
            a_inv = _e2_mul(inv, _ld1x2(prefix, n))
            inv = _e2_mul(inv, a)
            store_coord(out[j], n, 0, _e2_mul(load_coord(raw[0], n, 1), a_inv))
            store_coord(out[j], n, 1, _e2_mul(load_coord(raw[0], n, 2), a_inv))


@njit(inline="always", cache=True)
def _st1x2(x, n, a):
    """x[n] = a for an (m, 2, 4) array of Fq2 elements."""
    for m in range(2):
        for t in range(4):
            x[n, m, t] = a[m][t]


@njit(inline="always", cache=True)
def _ld1x2(x, n):
    """x[n] of an (m, 2, 4) array as an Fq2 pair."""
    return (load_coord(x, n, 0), load_coord(x, n, 1))


@njit(inline="always", cache=True)
def _store_line(out, j, n, a, b, c):
    for m in range(2):
        for t in range(4):
            out[j, n, 0, m, t] = a[m][t]
            out[j, n, 1, m, t] = b[m][t]
            out[j, n, 2, m, t] = c[m][t]


@njit(cache=True, no_cpython_wrapper=True)
def _line_normalized(f, b, c, xq, yi):
    """f times the normalized line value 1 + b xq w + c yi w^3 (xq = xP/yP, yi = 1/yP): 10 Fq2 multiplications."""
    f0, f1 = f
    bb = _e2_mul_fq(b, xq)
    cc = _e2_mul_fq(c, yi)
    t0 = _e6_mul_by_01(f1, bb, cc)
    t1 = _e6_mul_by_01(f0, bb, cc)
    return (_e6_add(f0, _e6_mul_by_v(t0)), _e6_add(f1, t1))


@njit(cache=True, no_cpython_wrapper=True)
def _miller_loop_prepared(g1, lines):
    """The multi-Miller loop of `_miller_loop` with normalized prepared lines (k, N_LINES, 2, 2, 4).

    Its value differs from `_miller_loop`'s by a factor in Fq2 (the line
    normalizations), which the final exponentiation kills.
    """
    k = g1.shape[0]
    # xP/yP and 1/yP for every P, with one inversion (Montgomery's trick)
    aux = np.empty((k, 2, 4), dtype=np.uint64)  # [j, 0] = xP/yP, [j, 1] = 1/yP; prefix products first
    acc = FQ_ONE_M
    for j in range(k):
        store_coord(aux, j, 1, acc)
        acc = fq_mul(acc, load_coord(g1, j, 1))
    inv = fq_inv(acc)
    for j in range(k - 1, -1, -1):
        yi = fq_mul(inv, load_coord(aux, j, 1))
        inv = fq_mul(inv, load_coord(g1, j, 1))
        store_coord(aux, j, 1, yi)
        store_coord(aux, j, 0, fq_mul(load_coord(g1, j, 0), yi))
    f = E12_ONE
    n = 0
    for idx in range(len(ATE_NAF)):
        if idx > 0:
            f = _e12_sqr(f)
        digit = ATE_NAF[idx]
        for j in range(k):
            xq = load_coord(aux, j, 0)
            yi = load_coord(aux, j, 1)
            f = _line_normalized(f, load_coord(lines[j], n, 0), load_coord(lines[j], n, 1), xq, yi)
            if digit != 0:
                f = _line_normalized(f, load_coord(lines[j], n + 1, 0), load_coord(lines[j], n + 1, 1), xq, yi)
        n += 2 if digit != 0 else 1
    for j in range(k):
        xq = load_coord(aux, j, 0)
        yi = load_coord(aux, j, 1)
        f = _line_normalized(f, load_coord(lines[j], n, 0), load_coord(lines[j], n, 1), xq, yi)
        f = _line_normalized(f, load_coord(lines[j], n + 1, 0), load_coord(lines[j], n + 1, 1), xq, yi)
    return f


# --------------------------------------------------------------------------- final exponentiation


@njit(cache=True, no_cpython_wrapper=True)
def _exp_by_x(f):
    """f^x for f in the cyclotomic subgroup: signed window of width 4 (digits ±1, ±3, ±5, ±7 from f, f^3,
    f^5, f^7; conj is the inverse there), 63 cyclotomic squarings and 16 multiplications."""
    f2 = _e12_cyclotomic_sqr(f)
    f3 = _e12_mul(f, f2)
    f5 = _e12_mul(f3, f2)
    f7 = _e12_mul(f5, f2)
    table = (f, f3, f5, f7)
    r = table[X_WNAF[0] >> 1]
    for idx in range(1, len(X_WNAF)):
        r = _e12_cyclotomic_sqr(r)
        d = X_WNAF[idx]
        if d > 0:
            r = _e12_mul(r, table[d >> 1])
        elif d < 0:
            r = _e12_mul(r, _e12_conj(table[(-d) >> 1]))
    return r


@njit(cache=True, no_cpython_wrapper=True)
def _final_exponentiation(f):
    """f^((q^12 - 1)/r): easy part (q^6 - 1)(q^2 + 1), then the hard part (q^4 - q^2 + 1)/r (Scott et al.)."""
    # easy part: f^(q^6 - 1) = conj(f) / f, then m^(q^2 + 1)
    m = _e12_mul(_e12_conj(f), _e12_inv(f))
    m = _e12_mul(_e12_frobenius2(m), m)
    # hard part: m^(λ0 + λ1 q + λ2 q^2 + λ3 q^3) as y0 y1^2 y2^6 y3^12 y4^18 y5^30 y6^36
    fx = _exp_by_x(m)
    fx2 = _exp_by_x(fx)
    fx3 = _exp_by_x(fx2)
    y0 = _e12_mul(_e12_mul(_e12_frobenius(m), _e12_frobenius2(m)), _e12_frobenius3(m))
    y1 = _e12_conj(m)
    y2 = _e12_frobenius2(fx2)
    y3 = _e12_conj(_e12_frobenius(fx))
    y4 = _e12_conj(_e12_mul(fx, _e12_frobenius(fx2)))
    y5 = _e12_conj(fx2)
    y6 = _e12_conj(_e12_mul(fx3, _e12_frobenius(fx3)))
    t0 = _e12_mul(_e12_mul(_e12_cyclotomic_sqr(y6), y4), y5)
    t1 = _e12_mul(_e12_mul(y3, y5), t0)
    t0 = _e12_mul(t0, y2)
    t1 = _e12_cyclotomic_sqr(_e12_mul(_e12_cyclotomic_sqr(t1), t0))
    t0 = _e12_mul(t1, y1)
    t1 = _e12_mul(t1, y0)
    return _e12_mul(_e12_cyclotomic_sqr(t0), t1)


# --------------------------------------------------------------------------- array entry points
#
# Entry points take and return normal-form limbs (the public wrapper fills them
# from Python ints without any parallel kernel: small inputs, hot path) and
# convert to Montgomery form inside; prepared lines stay in Montgomery form.


@njit(cache=True)
def _convert_inputs(g1, g2, validate):
    """Montgomery copies of normal-form G1 (k, 2, 4) and G2 (m, 2, 2, 4) arrays, and the index of the
    first G1 and the first G2 point off its curve (-1 when none, or when not validating)."""
    g1m = np.empty_like(g1)
    g2m = np.empty_like(g2)
    for i in range(g1.shape[0]):
        for j in range(2):
            x = fq_to_mont(load_coord(g1, i, j))
            for t in range(4):
                g1m[i, j, t] = x[t]
    for i in range(g2.shape[0]):
        for j in range(2):
            for m in range(2):
                x = fq_to_mont(load_coord(g2, i, j)[m])
                for t in range(4):
                    g2m[i, j, m, t] = x[t]
    bad1 = -1
    bad2 = -1
    if validate:
        bad1 = first_invalid_point(g1m, False)[0]
        bad2 = first_invalid_point(g2m, False)[0]
    return g1m, g2m, bad1, bad2


@njit(cache=True, no_cpython_wrapper=True)
def _store_e12_normal(out, i, a):
    """Write an Fq12 tuple into row i of an (n, 2, 3, 2, 4) array in normal (not Montgomery) form."""
    for j in range(2):
        for k in range(3):
            for m in range(2):
                limbs = fq_from_mont(a[j][k][m])
                for t in range(4):
                    out[i, j, k, m, t] = limbs[t]


@njit(inline="always", cache=True)
def _e2_to_mont(a):
    return (fq_to_mont(a[0]), fq_to_mont(a[1]))


@njit(cache=True, no_cpython_wrapper=True)
def _load_e12_normal(x, i):
    """Row i of a normal-form (n, 2, 3, 2, 4) array as a Montgomery Fq12 tuple."""
    (a0, a1, a2), (b0, b1, b2) = _load_e12(x, i)
    return (
        (_e2_to_mont(a0), _e2_to_mont(a1), _e2_to_mont(a2)),
        (_e2_to_mont(b0), _e2_to_mont(b1), _e2_to_mont(b2)),
    )


#: modes of `_pairing_entry`
MODE_MILLER, MODE_PAIRING, MODE_PAIRING_PREPARED, MODE_FINAL_EXP = 0, 1, 2, 3


@njit(cache=True)
def _pairing_entry(mode, g1, g2, lines, out):
    """The one array entry point of the pairing (one compiled closure instead of four).

    MODE_MILLER: out[0] = the multi-Miller loop value of the pairs (g1[j], g2[j]);
    MODE_PAIRING: out[0] = their reduced pairing product;
    MODE_PAIRING_PREPARED: the same with the G2 side as prepared lines (k, N_LINES, 2, 2, 4);
    MODE_FINAL_EXP: out[0] = out[0]^((q^12 - 1)/r).
    g1, g2, lines in Montgomery form (unused ones may be empty); out in normal form.
    Returns whether out[0] is 1.
    """
    if mode == MODE_MILLER:
        r = _miller_loop(g1, g2)
    elif mode == MODE_PAIRING:
        r = _final_exponentiation(_miller_loop(g1, g2))
    elif mode == MODE_PAIRING_PREPARED:
        r = _final_exponentiation(_miller_loop_prepared(g1, lines))
    else:
        r = _final_exponentiation(_load_e12_normal(out, 0))
    _store_e12_normal(out, 0, r)
    return _e12_is_one(r)


@njit(cache=True)
def _first_steps_arr(g1, g2, t_out, lines_out, f_out):
    """Test hook: T = 2Q then 2Q + Q for Q = g2[0], their lines, and f = l1(P) l2(P) for P = g1[0] (Montgomery)."""
    qx = load_coord(g2, 0, 0)
    qy = load_coord(g2, 0, 1)
    px = load_coord(g1, 0, 0)
    py = load_coord(g1, 0, 1)
    t1, a1, b1, c1 = _dbl_step((qx, qy, E2_ONE))
    t2, a2, b2, c2 = _add_step(t1, qx, qy)
    f = _line(_line(E12_ONE, a1, b1, c1, px, py), a2, b2, c2, px, py)
    for k in range(3):
        store_coord(t_out, 0, k, t1[k])
        store_coord(t_out, 1, k, t2[k])
    store_coord(lines_out, 0, 0, a1)
    store_coord(lines_out, 0, 1, b1)
    store_coord(lines_out, 0, 2, c1)
    store_coord(lines_out, 1, 0, a2)
    store_coord(lines_out, 1, 1, b2)
    store_coord(lines_out, 1, 2, c2)
    _store_e12(f_out, 0, f)
