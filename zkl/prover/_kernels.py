"""numba kernels of the Groth16 prover and setup: sparse R1CS products over Fr, pointwise QAP steps,
and the per-wire point sums of a setup from a powers-of-tau file.

Field elements are 4-tuples of uint64 limbs (zkl.algebra._kernels conventions; its kernel
interface supplies the Fr arithmetic, the curve formulas and the row accessors).  Two forms
are used on purpose:

* the QAP vectors of the prover stay in *normal* form: a Montgomery coefficient times a
  normal-form witness value is the normal-form product (x R * w / R), the NTTs only multiply
  by Montgomery constants (so they map normal form to normal form), and the final
  (A B - C) is already the normal-form scalar the H multi-exponentiation wants;
* the setup works in Montgomery form throughout (FieldArray.montgomery) and converts at the end.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels import (
    FR_R2,
    f_neg,
    fr_add,
    fr_mul,
    fr_sub,
    jac_add,
    jac_add_mixed,
    jac_infinity,
    jac_mul,
    load_affine_as_jac,
    load_coord,
    load_fe,
    store_fe,
    store_jac,
)

_U0 = np.uint64(0)
_U1 = np.uint64(1)


@njit(cache=True)
def _spmv_range(out_idx, in_idx, coeffs, values, out, lo, hi):
    """out[out_idx[k]] += coeffs[k] * values[in_idx[k]] for entries lo..hi (sequential)."""
    for k in range(lo, hi):
        o = out_idx[k]
        p = fr_mul(load_fe(coeffs, k), load_fe(values, in_idx[k]))
        store_fe(out, o, fr_add(load_fe(out, o), p))


@njit(parallel=True, cache=True)
def _spmv(out_idx, in_idx, coeffs, values, out, cuts):
    """Sparse product in COO form: out[out_idx[k]] += coeffs[k] * values[in_idx[k]] (Montgomery products).

    `cuts` splits the entries into parts that touch disjoint output rows (entries sorted by
    output row, cut at row boundaries); the parts run in parallel.
    """
    for part in prange(cuts.shape[0] - 1):
        _spmv_range(out_idx, in_idx, coeffs, values, out, cuts[part], cuts[part + 1])


@njit(parallel=True, cache=True)
def _csr_rows(indptr, indices, coeffs, values, out):
    """out[i] = sum_k coeffs[k] * values[indices[k]] over row i of a CSR matrix (Montgomery products)."""
    for i in prange(indptr.shape[0] - 1):
        acc = (_U0, _U0, _U0, _U0)
        for k in range(indptr[i], indptr[i + 1]):
            acc = fr_add(acc, fr_mul(load_fe(coeffs, k), load_fe(values, indices[k])))
        store_fe(out, i, acc)


@njit(parallel=True, cache=True)
def _mul_normal(a, b, out):
    """out[i] = a[i] * b[i] for normal-form values (two Montgomery products: a b / R, then times R^2 / R)."""
    for i in prange(a.shape[0]):
        store_fe(out, i, fr_mul(fr_mul(load_fe(a, i), load_fe(b, i)), FR_R2))


@njit(parallel=True, cache=True)
def _join_abc(a, b, c, out):
    """out[i] = a[i] * b[i] - c[i] for normal-form values."""
    for i in prange(a.shape[0]):
        ab = fr_mul(fr_mul(load_fe(a, i), load_fe(b, i)), FR_R2)
        store_fe(out, i, fr_sub(ab, load_fe(c, i)))


@njit(parallel=True, cache=True)
def _first_mismatch(a, b, c):
    """Index of the first i with a[i] * b[i] != c[i] (normal form), or -1."""
    n = a.shape[0]
    bad = np.zeros(n, dtype=np.bool_)
    for i in prange(n):
        ab = fr_mul(fr_mul(load_fe(a, i), load_fe(b, i)), FR_R2)
        c_i = load_fe(c, i)
        bad[i] = not (ab[0] == c_i[0] and ab[1] == c_i[1] and ab[2] == c_i[2] and ab[3] == c_i[3])
    for i in range(n):
        if bad[i]:
            return i
    return -1


# ----------------------------------------------------------------------------------------------
# setup from a powers-of-tau file: per wire, sum_k coef_k * P[point_k] over its entries


@njit(inline="always", cache=True)
def _is_one(k):
    return k[0] == _U1 and k[1] == _U0 and k[2] == _U0 and k[3] == _U0


@njit(cache=True)
def _wire_sum(points, point_idx, coeffs, lo, hi, jac, w):
    """jac[w] = sum over entries lo..hi of coeffs[k] * points[point_idx[k]] (coefficient one: one addition)."""
    acc = jac_infinity(load_coord(points, 0, 0))
    for k in range(lo, hi):
        p = point_idx[k]
        if _is_one(coeffs[k]):
            acc = jac_add_mixed(acc, load_coord(points, p, 0), load_coord(points, p, 1))
        else:
            acc = jac_add(acc, jac_mul(load_affine_as_jac(points, p), coeffs[k]))
    store_jac(jac, w, acc)


@njit(parallel=True, cache=True)
def _wire_sums(points, point_idx, coeffs, wire_ptr, jac):
    """Jacobian jac[w] = sum_{k in wire_ptr[w]:wire_ptr[w+1]} coeffs[k] * points[point_idx[k]] (coeffs normal form)."""
    for w in prange(wire_ptr.shape[0] - 1):
        _wire_sum(points, point_idx, coeffs, wire_ptr[w], wire_ptr[w + 1], jac, w)


@njit(cache=True)
def _powers(start, step, out):
    """out[j] = start * step^j (Montgomery)."""
    acc = start
    for j in range(out.shape[0]):
        store_fe(out, j, acc)
        acc = fr_mul(acc, step)


@njit(parallel=True, cache=True)
def _lagrange_finish(x, d_inv, c, out):
    """out[j] = c x_j d_inv_j (Montgomery): L_j(tau) = x_j (tau^M - 1) / (M (tau - x_j)), c = (tau^M - 1) / M."""
    for j in prange(x.shape[0]):
        store_fe(out, j, fr_mul(fr_mul(load_fe(x, j), load_fe(d_inv, j)), c))


@njit(cache=True)
def _sub_one(a, b, jac, i):
    p = load_affine_as_jac(a, i)
    store_jac(jac, i, jac_add_mixed(p, load_coord(b, i, 0), f_neg(load_coord(b, i, 1))))


@njit(parallel=True, cache=True)
def _sub_points(a, b, jac):
    """Jacobian jac[i] = a[i] - b[i] for affine arrays a, b (infinity (0, 0) stays infinity when negated)."""
    for i in prange(a.shape[0]):
        _sub_one(a, b, jac, i)


@njit(cache=True)
def _coefficient_range(matrix, rows, wires, values, w, a, b, lo, hi):
    """a[row] or b[row] += value * w[wire] / R for the .zkey entries lo..hi (normal-form inputs)."""
    for k in range(lo, hi):
        p = fr_mul(load_fe(values, k), load_fe(w, wires[k]))
        o = rows[k]
        if matrix[k] == 0:
            store_fe(a, o, fr_add(load_fe(a, o), p))
        else:
            store_fe(b, o, fr_add(load_fe(b, o), p))


@njit(parallel=True, cache=True)
def _coefficient_products(matrix, rows, wires, values, w, a, b, parts):
    """(A.w)/R and (B.w)/R from the entries of a .zkey coefficient section, the ranges `parts`
    (writing disjoint rows) in parallel."""
    for j in prange(parts.shape[0]):
        _coefficient_range(matrix, rows, wires, values, w, a, b, parts[j, 0], parts[j, 1])


@njit(parallel=True, cache=True)
def _finish_products(a, b, c):
    """a, b <- a R, b R (from (A.w)/R, (B.w)/R: normal form) and c = a b."""
    for i in prange(a.shape[0]):
        x = fr_mul(load_fe(a, i), FR_R2)
        y = fr_mul(load_fe(b, i), FR_R2)
        store_fe(a, i, x)
        store_fe(b, i, y)
        store_fe(c, i, fr_mul(fr_mul(x, y), FR_R2))


# ----------------------------------------------------------------------------------------------
# setup from toxic waste: the .zkey coefficient section and the QAP polynomials at tau


@njit(parallel=True, cache=True)
def _interleave_rows(a_ptr, a_idx, a_cf, b_ptr, b_idx, b_cf, r0, r1, matrix, constraint, wire, value):
    """The entries of rows r0..r1-1 of A and B as a .zkey lists them: per row its A entries, then its B
    entries (written from index 0 of the outputs)."""
    base = a_ptr[r0] + b_ptr[r0]
    for r in prange(r0, r1):
        pos = a_ptr[r] + b_ptr[r] - base
        for k in range(a_ptr[r], a_ptr[r + 1]):
            matrix[pos] = 0
            constraint[pos] = r
            wire[pos] = a_idx[k]
            store_fe(value, pos, load_fe(a_cf, k))
            pos += 1
        for k in range(b_ptr[r], b_ptr[r + 1]):
            matrix[pos] = 1
            constraint[pos] = r
            wire[pos] = b_idx[k]
            store_fe(value, pos, load_fe(b_cf, k))
            pos += 1


@njit(cache=True)
def _csr_scatter(indptr, indices, coeffs, lag, out):
    """out[wire] += coeff * lag[row] over the entries of a CSR matrix (normal coefficients, Montgomery
    lag: normal-form sums)."""
    for r in range(indptr.shape[0] - 1):
        x = load_fe(lag, r)
        for k in range(indptr[r], indptr[r + 1]):
            w = indices[k]
            store_fe(out, w, fr_add(load_fe(out, w), fr_mul(load_fe(coeffs, k), x)))
