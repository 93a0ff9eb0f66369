"""Verifier kernels: conversion and validation of proof points, G1 linear combinations and scalings.

The pairings themselves go through zkl.algebra.pairing's public API
(`pairing_check_prepared`); these kernels prepare its inputs in one serial
call per proof (no thread launch on the single-verification path) or one
parallel call per batch.  Arrays: G1 (n, 2, 4) and G2 (n, 2, 2, 4) affine,
infinity all zero, in normal form when named `*n` and Montgomery form
otherwise; scalars (n, 4) normal-form limbs.  Outputs handed back to Python
are in normal form.  The curve formulas, point validation (`check_point`, with
the G2 subgroup criterion) and the row accessors are zkl.algebra's kernel
interface (`zkl.algebra._kernels`); this module only composes them.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels import (
    FQ_ZERO,
    check_point,
    fq_from_mont,
    fq_neg,
    fq_to_mont,
    jac_add,
    jac_add_mixed,
    jac_from_affine,
    jac_infinity,
    jac_mul,
    jac_to_affine,
    load_g1,
    load_g2,
    store_g1,
    store_g2,
)


@njit(inline="always", cache=True)
def _g1_zero(a, i):
    """G1 point i is all zero: the point at infinity."""
    for k in range(2):
        for t in range(4):
            if a[i, k, t] != 0:
                return False
    return True


# --------------------------------------------------------------------------- conversion and validation


@njit(cache=True)
def _mont_g1(g1n):
    """Montgomery copy of a normal-form G1 array (serial)."""
    out = np.empty_like(g1n)
    for i in range(g1n.shape[0]):
        x, y = load_g1(g1n, i)
        store_g1(out, i, fq_to_mont(x), fq_to_mont(y))
    return out


@njit(cache=True)
def _mont_g2(g2n):
    """Montgomery copy of a normal-form G2 array (serial)."""
    out = np.empty_like(g2n)
    for i in range(g2n.shape[0]):
        x, y = load_g2(g2n, i)
        store_g2(out, i, (fq_to_mont(x[0]), fq_to_mont(x[1])), (fq_to_mont(y[0]), fq_to_mont(y[1])))
    return out


@njit(cache=True)
def _codes(points, codes):
    """codes[i] = check_point(points, i) for a G1 or G2 Montgomery array with coordinates < q (serial):
    0 valid (infinity included), 2 off the curve, 3 outside the order-r subgroup (G2 only)."""
    for i in range(points.shape[0]):
        codes[i] = check_point(points, np.int64(i), True)


# --------------------------------------------------------------------------- G1 arithmetic


@njit(cache=True)
def _lincomb_jac(bases, scalars):
    """Jacobian sum_i scalars[i] * bases[i] (wNAF per term; zero scalars and infinity skipped)."""
    acc = jac_infinity(FQ_ZERO)
    for i in range(bases.shape[0]):
        s = scalars[i]
        if (s[0] | s[1] | s[2] | s[3]) == 0 or _g1_zero(bases, i):
            continue
        x, y = load_g1(bases, i)
        acc = jac_add(acc, jac_mul(jac_from_affine(x, y), s))
    return acc


@njit(cache=True)
def _sum_jac(points):
    """Jacobian sum of the affine points of a G1 array (mixed additions)."""
    acc = jac_infinity(FQ_ZERO)
    for i in range(points.shape[0]):
        x, y = load_g1(points, i)
        acc = jac_add_mixed(acc, x, y)
    return acc


@njit(inline="always", cache=True)
def _st_neg_affine(out, i, p):
    """out[i] = -affine(p) in normal form (infinity stays (0, 0))."""
    x, y = jac_to_affine(p)
    store_g1(out, i, fq_from_mont(x), fq_from_mont(fq_neg(y)))


@njit(cache=True)
def _scale_one(points, scalars, out, i):
    x, y = load_g1(points, i)
    ax, ay = jac_to_affine(jac_mul(jac_from_affine(x, y), scalars[i]))
    store_g1(out, i, fq_from_mont(ax), fq_from_mont(ay))


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
    if check_point(g1, 0, True) != 0:
        return -1
    if check_point(g1, 1, True) != 0:
        return -2
    code = check_point(g2, 0, True)
    if code != 0:
        return -3 if code == 2 else -4
    _st_neg_affine(out, 0, _lincomb_jac(ic, xs))
    return 0
