"""Verifier kernels: conversion and validation of proof points, G1 linear combinations and scalings.

The pairings themselves go through zkl.algebra.pairing's public API
(`pairing_check_prepared`); these kernels prepare its inputs in one serial
call per proof (no thread launch on the single-verification path) or one
parallel call per batch.  Arrays: G1 (n, 2, 4) and G2 (n, 2, 2, 4) affine,
infinity all zero, in normal form when named `*n` and Montgomery form
otherwise; scalars (n, 4) normal-form limbs.  Outputs handed back to Python
are in normal form.  The curve formulas and the G2 subgroup criterion are
zkl.algebra's (`_kernels.curve`); this module only composes them.
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
from zkl.algebra.constants import MONT_R, Q, XI, int_to_limbs

_XI_NORM_INV = pow(XI[0] ** 2 + XI[1] ** 2, -1, Q)
_FQ2_B_INT = (3 * XI[0] * _XI_NORM_INV % Q, -3 * XI[1] * _XI_NORM_INV % Q)  # 3 / (9 + u) = 3 (9 - u) / 82
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
    """codes[i] = 0 if G2 point i is in the twist's order-r subgroup (or infinity), 2 off the twist, 3 outside the subgroup."""
    for i in range(points.shape[0]):
        codes[i] = 0
        if _g2_zero(points, i):
            continue
        x, y = _g2(points, i)
        if not fq2.fq2_eq(fq2.fq2_sqr(y), fq2.fq2_add(fq2.fq2_mul(fq2.fq2_sqr(x), x), G2_B)):
            codes[i] = 2
        elif not _g2_in_subgroup(x, y):
            codes[i] = 3


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
    """out[i] = -affine(p) in normal form (infinity stays (0, 0))."""
    x, y = _jac_to_affine(p)
    _st_g1(out, i, fq.fq_from_mont(x), fq.fq_from_mont(fq.fq_neg(y)))


@njit(cache=True)
def _scale_one(points, scalars, out, i):
    x, y = _g1(points, i)
    ax, ay = _jac_to_affine(_jac_mul(_jac_from_affine(x, y), scalars[i]))
    _st_g1(out, i, fq.fq_from_mont(ax), fq.fq_from_mont(ay))


@njit(parallel=True, cache=True)
def _scale_g1(points, scalars, out):
    """out[i] = affine(scalars[i] * points[i]) in normal form, in parallel (one inversion per point)."""
    for i in prange(points.shape[0]):
        _scale_one(points, scalars, out, i)


@njit(cache=True)
def _batch_side(ic, t, alpha, s, c_scaled_n, out):
    """The G1 sides of a batch check, c_scaled_n in normal form:
    out = [-(s alpha), -(sum_j t_j IC_j), -(sum c_scaled_n)], affine normal form."""
    _st_neg_affine(out, 0, _lincomb_jac(alpha, s))
    _st_neg_affine(out, 1, _lincomb_jac(ic, t))
    _st_neg_affine(out, 2, _sum_jac(_mont_g1(c_scaled_n)))


# --------------------------------------------------------------------------- one proof


@njit(cache=True)
def _verify_inputs(ic, xs, g1n, g2n, out):
    """Validate one proof and compute its vk_x, in one serial call.

    ic (n+1, 2, 4) the vk's gamma_abc_g1 (Montgomery), xs (n+1, 4) = [1, x_1..x_n] normal limbs,
    g1n (2, 2, 4) = [A, C] and g2n (1, 2, 2, 4) = [B] in normal form (coordinates < q, checked
    by the caller).  Writes out[0] = -vk_x = -(IC_0 + sum_j x_j IC_j) in normal form and returns
    0, or for a malformed proof -1 (A off G1), -2 (C off G1), -3 (B off the twist), -4 (B outside
    the order-r subgroup).
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
    _st_neg_affine(out, 0, _lincomb_jac(ic, xs))
    return 0
