"""Verifier kernels: point validation, G1 linear combinations, and one pairing check over free and prepared pairs.

A Groth16 check is a product of pairings e(P_i, Q_i) where some Q_i are
fixed by the verifying key (beta, gamma, delta: their Miller-loop lines are
precomputed, see zkl.algebra.pairing.prepare_g2) and the others come with a
proof (B).  `_miller_mixed` runs one multi-Miller loop over both kinds, one
Fq12 squaring per step for all of them; the checks then apply one final
exponentiation and compare with a target (e(alpha, beta)) or with 1.  The
batch check splits the free pairs into `nparts` Miller loops run in parallel
and multiplies their values before the final exponentiation.

The building blocks (line steps, final exponentiation, Jacobian formulas, the
G2 subgroup criterion) are zkl.algebra's private kernels; this module only
composes them.  Arrays: G1 (n, 2, 4) and G2 (n, 2, 2, 4) affine Montgomery
(infinity all zero), prepared lines (m, N_LINES, 3, 2, 4), Fq12 (n, 2, 3, 2, 4),
scalars (n, 4) normal-form limbs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels import fq, fq2
from zkl.algebra._kernels.curve import (
    _g2_in_subgroup,
    _jac_add,
    _jac_add_mixed,
    _jac_from_affine,
    _jac_mul,
    _jac_to_affine,
)
from zkl.algebra._kernels.fq12 import (
    E2_ONE,
    E12_ONE,
    _e2_neg,
    _e12_eq,
    _e12_is_one,
    _e12_mul,
    _e12_sqr,
    _load_e12,
    _store_e12,
)
from zkl.algebra._kernels.pairing import (
    ATE_NAF,
    _add_step,
    _dbl_step,
    _final_exponentiation,
    _frobenius_twist,
    _line,
    _load_line,
)
from zkl.algebra.constants import MONT_R, Q, XI, int_to_limbs

_FQ2_B_INT = ((3 * XI[0] * pow(XI[0] ** 2 + XI[1] ** 2, -1, Q)) % Q, (-3 * XI[1] * pow(XI[0] ** 2 + XI[1] ** 2, -1, Q)) % Q)
#: curve coefficients in Montgomery form: 3 for G1, 3/(9+u) for the twist
G1_B = int_to_limbs(3 * MONT_R % Q)
G2_B = (int_to_limbs(_FQ2_B_INT[0] * MONT_R % Q), int_to_limbs(_FQ2_B_INT[1] * MONT_R % Q))


# --------------------------------------------------------------------------- array access


@njit(inline="always", cache=True)
def _g1(a, i):
    """Affine point i of a G1 array as (x, y)."""
    return (a[i, 0, 0], a[i, 0, 1], a[i, 0, 2], a[i, 0, 3]), (a[i, 1, 0], a[i, 1, 1], a[i, 1, 2], a[i, 1, 3])


@njit(inline="always", cache=True)
def _fq2_at(a, i, k):
    return (
        (a[i, k, 0, 0], a[i, k, 0, 1], a[i, k, 0, 2], a[i, k, 0, 3]),
        (a[i, k, 1, 0], a[i, k, 1, 1], a[i, k, 1, 2], a[i, k, 1, 3]),
    )


@njit(inline="always", cache=True)
def _g2(a, i):
    """Affine point i of a G2 array as (x, y) of Fq2 pairs."""
    return _fq2_at(a, i, 0), _fq2_at(a, i, 1)


@njit(inline="always", cache=True)
def _st_g1(a, i, x, y):
    for t in range(4):
        a[i, 0, t] = x[t]
        a[i, 1, t] = y[t]


@njit(inline="always", cache=True)
def _st_fq2(a, i, k, v):
    for m in range(2):
        for t in range(4):
            a[i, k, m, t] = v[m][t]


@njit(inline="always", cache=True)
def _g1_zero(a, i):
    """G1 point i is all zero: the point at infinity."""
    for k in range(2):
        for t in range(4):
            if a[i, k, t] != 0:
                return False
    return True


@njit(inline="always", cache=True)
def _g2_zero(a, i):
    """G2 point i is all zero: the point at infinity."""
    for k in range(2):
        for m in range(2):
            for t in range(4):
                if a[i, k, m, t] != 0:
                    return False
    return True


# --------------------------------------------------------------------------- conversion and validation


@njit(cache=True)
def _mont_g1(g1n):
    """Montgomery copy of a normal-form G1 array (serial)."""
    out = np.empty_like(g1n)
    for i in range(g1n.shape[0]):
        for k in range(2):
            m = fq.fq_to_mont((g1n[i, k, 0], g1n[i, k, 1], g1n[i, k, 2], g1n[i, k, 3]))
            for t in range(4):
                out[i, k, t] = m[t]
    return out


@njit(cache=True)
def _mont_g2(g2n):
    """Montgomery copy of a normal-form G2 array (serial)."""
    out = np.empty_like(g2n)
    for i in range(g2n.shape[0]):
        for k in range(2):
            for c in range(2):
                m = fq.fq_to_mont((g2n[i, k, c, 0], g2n[i, k, c, 1], g2n[i, k, c, 2], g2n[i, k, c, 3]))
                for t in range(4):
                    out[i, k, c, t] = m[t]
    return out


@njit(cache=True)
def _g1_codes(points, codes):
    """codes[i] = 0 if G1 point i is on y^2 = x^3 + 3 (or infinity), 2 otherwise."""
    for i in range(points.shape[0]):
        codes[i] = 0
        if _g1_zero(points, i):
            continue
        x, y = _g1(points, i)
        if not fq.fq_eq(fq.fq_sqr(y), fq.fq_add(fq.fq_mul(fq.fq_sqr(x), x), G1_B)):
            codes[i] = 2


@njit(cache=True)
def _g2_codes(points, codes):
    """codes[i] = 0 if G2 point i is in the order-r subgroup of the twist (or infinity), 2 off the curve, 3 outside the subgroup."""
    _g2_codes_range(points, codes, 0, points.shape[0])


@njit(cache=True)
def _g2_codes_range(points, codes, lo, hi):
    """`_g2_codes` for points lo..hi."""
    for i in range(lo, hi):
        codes[i] = 0
        if _g2_zero(points, i):
            continue
        x, y = _g2(points, i)
        if not fq2.fq2_eq(fq2.fq2_sqr(y), fq2.fq2_add(fq2.fq2_mul(fq2.fq2_sqr(x), x), G2_B)):
            codes[i] = 2
        elif not _g2_in_subgroup(x, y):
            codes[i] = 3


@njit(parallel=True, cache=True)
def _g2_codes_par(points, codes, nparts):
    """`_g2_codes` split in nparts parallel ranges (subgroup checks of many proofs)."""
    n = points.shape[0]
    step = (n + nparts - 1) // nparts
    for c in prange(nparts):
        _g2_codes_range(points, codes, min(n, c * step), min(n, (c + 1) * step))


# --------------------------------------------------------------------------- G1 arithmetic


@njit(cache=True)
def _lincomb_jac(bases, scalars):
    """Jacobian sum_i scalars[i] * bases[i] (wNAF per term; zero scalars and infinity skipped)."""
    acc = (fq.ONE, fq.ONE, fq.ZERO)
    for i in range(bases.shape[0]):
        s = scalars[i]
        if (s[0] | s[1] | s[2] | s[3]) == 0 or _g1_zero(bases, i):
            continue
        x, y = _g1(bases, i)
        acc = _jac_add(acc, _jac_mul(_jac_from_affine(x, y), s))
    return acc


@njit(cache=True)
def _sum_jac(points):
    """Jacobian sum of the affine points of a G1 array (mixed additions)."""
    acc = (fq.ONE, fq.ONE, fq.ZERO)
    for i in range(points.shape[0]):
        x, y = _g1(points, i)
        acc = _jac_add_mixed(acc, x, y)
    return acc


@njit(inline="always", cache=True)
def _st_neg_affine(out, i, p):
    """out[i] = -affine(p) (infinity stays (0, 0))."""
    x, y = _jac_to_affine(p)
    _st_g1(out, i, x, fq.fq_neg(y))


@njit(cache=True)
def _scale_one(points, scalars, out, i):
    x, y = _g1(points, i)
    ax, ay = _jac_to_affine(_jac_mul(_jac_from_affine(x, y), scalars[i]))
    _st_g1(out, i, ax, ay)


@njit(parallel=True, cache=True)
def _scale_g1(points, scalars, out):
    """out[i] = affine(scalars[i] * points[i]) for G1 arrays, in parallel (one inversion per point)."""
    for i in prange(points.shape[0]):
        _scale_one(points, scalars, out, i)


@njit(cache=True)
def _batch_side(ic, t, alpha, s, c_scaled, out):
    """The G1 sides of a batch check: out = [-(s alpha), -(sum_j t_j IC_j), -(sum c_scaled)], affine."""
    _st_neg_affine(out, 0, _lincomb_jac(alpha, s))
    _st_neg_affine(out, 1, _lincomb_jac(ic, t))
    _st_neg_affine(out, 2, _sum_jac(c_scaled))


# --------------------------------------------------------------------------- pairing checks


@njit(cache=True)
def _miller_mixed(g1f, g2f, lo, hi, g1p, lines, pmask, np_):
    """Multi-Miller loop value of the free pairs (g1f[j], g2f[j]) for lo <= j < hi and of the first np_
    prepared pairs (g1p[j], lines[j]) with pmask[j]; pairs with a point at infinity are skipped."""
    k = hi - lo
    tx = np.empty((k, 3, 2, 4), dtype=np.uint64)
    live = np.zeros(k, dtype=np.bool_)
    for j in range(k):
        if _g1_zero(g1f, lo + j) or _g2_zero(g2f, lo + j):
            continue
        live[j] = True
        qx, qy = _g2(g2f, lo + j)
        _st_fq2(tx, j, 0, qx)
        _st_fq2(tx, j, 1, qy)
        _st_fq2(tx, j, 2, E2_ONE)
    plive = np.zeros(np_, dtype=np.bool_)
    for j in range(np_):
        plive[j] = pmask[j] and not _g1_zero(g1p, j)
    f = E12_ONE
    n = 0
    for idx in range(len(ATE_NAF)):
        if idx > 0:
            f = _e12_sqr(f)
        digit = ATE_NAF[idx]
        for j in range(k):
            if not live[j]:
                continue
            px, py = _g1(g1f, lo + j)
            t = (_fq2_at(tx, j, 0), _fq2_at(tx, j, 1), _fq2_at(tx, j, 2))
            t, a, b, c = _dbl_step(t)
            f = _line(f, a, b, c, px, py)
            if digit != 0:
                qx, qy = _g2(g2f, lo + j)
                if digit < 0:
                    qy = _e2_neg(qy)
                t, a, b, c = _add_step(t, qx, qy)
                f = _line(f, a, b, c, px, py)
            _st_fq2(tx, j, 0, t[0])
            _st_fq2(tx, j, 1, t[1])
            _st_fq2(tx, j, 2, t[2])
        for j in range(np_):
            if not plive[j]:
                continue
            px, py = _g1(g1p, j)
            a, b, c = _load_line(lines, j, n)
            f = _line(f, a, b, c, px, py)
            if digit != 0:
                a, b, c = _load_line(lines, j, n + 1)
                f = _line(f, a, b, c, px, py)
        n += 2 if digit != 0 else 1
    for j in range(k):
        if not live[j]:
            continue
        px, py = _g1(g1f, lo + j)
        t = (_fq2_at(tx, j, 0), _fq2_at(tx, j, 1), _fq2_at(tx, j, 2))
        qx, qy = _g2(g2f, lo + j)
        q1x, q1y, q2x, q2y = _frobenius_twist(qx, qy)
        t, a, b, c = _add_step(t, q1x, q1y)
        f = _line(f, a, b, c, px, py)
        t, a, b, c = _add_step(t, q2x, q2y)
        f = _line(f, a, b, c, px, py)
    for j in range(np_):
        if not plive[j]:
            continue
        px, py = _g1(g1p, j)
        a, b, c = _load_line(lines, j, n)
        f = _line(f, a, b, c, px, py)
        a, b, c = _load_line(lines, j, n + 1)
        f = _line(f, a, b, c, px, py)
    return f


@njit(cache=True)
def _verify_one(ic, xs, g1n, g2n, lines, pmask, target):
    """Groth16 check of one proof: e(A, B) e(-vk_x, gamma) e(-C, delta) == e(alpha, beta).

    ic (n+1, 2, 4) the vk's gamma_abc_g1 (Montgomery), xs (n+1, 4) = [1, x_1..x_n] normal limbs,
    g1n (2, 2, 4) = [A, C] and g2n (1, 2, 2, 4) = [B] in normal form (coordinates < q, checked by
    the caller), lines (2, N, 3, 2, 4) of gamma and delta, target (1, 2, 3, 2, 4) = e(alpha, beta).
    Returns 1 (valid), 0 (invalid), or for a malformed proof -1 (A off G1), -2 (C off G1),
    -3 (B off the twist), -4 (B outside the order-r subgroup).  One serial call: no thread launch.
    """
    g1 = _mont_g1(g1n)
    g2 = _mont_g2(g2n)
    codes = np.zeros(2, dtype=np.int8)
    _g1_codes(g1, codes)
    if codes[0] != 0:
        return -1
    if codes[1] != 0:
        return -2
    _g2_codes(g2, codes)
    if codes[0] != 0:
        return -3 if codes[0] == 2 else -4
    g1p = np.empty((2, 2, 4), dtype=np.uint64)
    _st_neg_affine(g1p, 0, _lincomb_jac(ic, xs))
    cx, cy = _g1(g1, 1)
    if _g1_zero(g1, 1):
        _st_g1(g1p, 1, cx, cy)
    else:
        _st_g1(g1p, 1, cx, fq.fq_neg(cy))
    f = _miller_mixed(g1[0:1], g2, 0, 1, g1p, lines, pmask, 2)
    return 1 if _e12_eq(_final_exponentiation(f), _load_e12(target, 0)) else 0


@njit(cache=True)
def _miller_part(g1f, g2f, g1p, lines, pmask, parts, part, lo, hi):
    """parts[part] = Miller loop of free pairs lo..hi, and of the prepared pairs when part == 0."""
    m = g1p.shape[0] if part == 0 else 0
    _store_e12(parts, part, _miller_mixed(g1f, g2f, lo, hi, g1p, lines, pmask, m))


@njit(parallel=True, cache=True)
def _check_batch(g1f, g2f, g1p, lines, pmask, nparts):
    """prod e(g1f[j], g2f[j]) * prod e(g1p[j], prepared lines[j]) == 1, free pairs in nparts parallel Miller loops."""
    k = g1f.shape[0]
    parts = np.empty((nparts, 2, 3, 2, 4), dtype=np.uint64)
    step = (k + nparts - 1) // nparts
    for part in prange(nparts):
        _miller_part(g1f, g2f, g1p, lines, pmask, parts, part, min(k, part * step), min(k, (part + 1) * step))
    f = _load_e12(parts, 0)
    for part in range(1, nparts):
        f = _e12_mul(f, _load_e12(parts, part))
    return _e12_is_one(_final_exponentiation(f))


@njit(cache=True)
def _check_serial(g1f, g2f, g1p, lines, pmask):
    """`_check_batch` in one Miller loop on the calling thread (small batches: no thread launch)."""
    f = _miller_mixed(g1f, g2f, 0, g1f.shape[0], g1p, lines, pmask, g1p.shape[0])
    return _e12_is_one(_final_exponentiation(f))
