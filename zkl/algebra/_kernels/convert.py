"""Array kernels converting limb arrays between normal and Montgomery form."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels.fq import fq_from_mont, fq_to_mont
from zkl.algebra._kernels.fr import fr_from_mont, fr_to_mont


@njit(parallel=True, cache=True)
def _to_mont(values, out, is_fr):
    """Montgomery form of each 4-limb row of `values` (flattened to (n, 4))."""
    for i in prange(values.shape[0]):
        a = (values[i, 0], values[i, 1], values[i, 2], values[i, 3])
        m = fr_to_mont(a) if is_fr else fq_to_mont(a)
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = m


@njit(parallel=True, cache=True)
def _from_mont(values, out, is_fr):
    """Normal form of each Montgomery 4-limb row of `values` (flattened to (n, 4))."""
    for i in prange(values.shape[0]):
        a = (values[i, 0], values[i, 1], values[i, 2], values[i, 3])
        m = fr_from_mont(a) if is_fr else fq_from_mont(a)
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = m


@njit(parallel=True, cache=True)
def _first_not_below(values, modulus):
    """Index of the first 4-limb row >= modulus, or -1 when every row is below it."""
    n = values.shape[0]
    bad = np.full(n, False)
    for i in prange(n):
        for k in range(3, -1, -1):
            if values[i, k] != modulus[k]:
                bad[i] = values[i, k] > modulus[k]
                break
        else:
            bad[i] = True
    for i in range(n):
        if bad[i]:
            return i
    return -1
