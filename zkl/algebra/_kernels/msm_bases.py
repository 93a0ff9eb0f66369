"""Fast generation of many distinct curve points (bases A + i*D) for the MSM benchmark, G1 or G2.

Written with the curve kernels (`curve`: Jacobian formulas, wNAF multiplication, batch
conversion to affine); same array layout as `msm`: points flattened to (2n, 4) or
(2n, 2, 4) rows of Montgomery affine coordinates, infinity all zero.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels.curve import batch_to_affine_range, jac_add, jac_add_mixed, jac_from_affine, jac_mul
from zkl.algebra._kernels.rows import load_fe, store_jac


@njit(cache=True)
def _progression_chunk(start, step, jac, out, lo, hi):
    """Rows lo .. hi-1 of `_progression`: one wNAF multiplication, then mixed additions, then one inversion."""
    dx = load_fe(step, 0)
    dy = load_fe(step, 1)
    k = np.zeros(4, dtype=np.uint64)
    k[0] = np.uint64(lo)
    p = jac_add(jac_from_affine(load_fe(start, 0), load_fe(start, 1)), jac_mul(jac_from_affine(dx, dy), k))
    for i in range(lo, hi):
        store_jac(jac, i, p)
        p = jac_add_mixed(p, dx, dy)
    batch_to_affine_range(jac, lo, hi, out, lo)


@njit(parallel=True, cache=True)
def _progression(start, step, n, chunks):
    """Affine bases start + i * step for i < n as a (2n, field) array, from affine (2, field) start and step."""
    rows = start.shape[1:]
    jac = np.empty((n, 3) + rows, dtype=np.uint64)
    out = np.empty((n, 2) + rows, dtype=np.uint64)
    for j in prange(chunks):
        lo = j * n // chunks
        hi = (j + 1) * n // chunks
        if lo < hi:
            _progression_chunk(start, step, jac, out, np.int64(lo), np.int64(hi))
    return out.reshape((2 * n,) + rows)
