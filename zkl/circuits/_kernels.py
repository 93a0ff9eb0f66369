"""numba kernels of zkl.circuits (private): scans that NumPy cannot vectorize, and the check of
an assignment against an R1CS over Fr with zkl.algebra's Montgomery kernels.

Each kernel has a serial form over a range of rows and a parallel one running blocks of rows
on numba's threads: a parallel launch costs milliseconds on a busy machine, so small systems
(most tests, a single gadget) take the serial form.

Field elements are 4-tuples of np.uint64 limbs (zkl.algebra._kernels conventions). The R1CS
check works on normal-form coefficients and witness values without converting either: the
Montgomery product of two normal-form values is c w / R, so a row sums to (M.w) / R, and one
more Montgomery product by R^2 (`fr_to_mont`) gives M.w in normal form.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels import fr_add, fr_eq, fr_from_mont, fr_mul, fr_to_mont, load_fe, store_fe

_U0 = np.uint64(0)


@njit(cache=True)
def _lc_offsets(words: np.ndarray, n_lcs: int, words_per_term: int) -> np.ndarray:
    """Return the word offset of each linear combination's count word in an .r1cs constraints
    section, plus the end offset; an offset past len(words) marks a truncated section."""
    out = np.empty(n_lcs + 1, dtype=np.int64)
    pos = np.int64(0)
    n = words.shape[0]
    for k in range(n_lcs):
        out[k] = pos
        if pos >= n:
            for j in range(k + 1, n_lcs + 1):
                out[j] = n + 1
            return out
        pos += 1 + words_per_term * np.int64(words[pos])
    out[n_lcs] = pos
    return out


@njit(cache=True)
def _csr_dot_rows(indptr, indices, coeffs, w, out, lo, hi):
    """out[i] = sum_k coeffs[k] * w[indices[k]] mod r for rows lo <= i < hi of a CSR matrix;
    coefficients, witness values (all below r) and results in normal form."""
    for i in range(lo, hi):
        acc = (_U0, _U0, _U0, _U0)
        for k in range(indptr[i], indptr[i + 1]):
            acc = fr_add(acc, fr_mul(load_fe(coeffs, k), load_fe(w, indices[k])))
        store_fe(out, i, fr_to_mont(acc))


@njit(parallel=True, cache=True)
def _csr_dot_parallel(indptr, indices, coeffs, w, out, n_chunks):
    """_csr_dot_rows over all rows, in n_chunks contiguous blocks run in parallel."""
    m = indptr.shape[0] - 1
    for c in prange(n_chunks):
        _csr_dot_rows(indptr, indices, coeffs, w, out, c * m // n_chunks, (c + 1) * m // n_chunks)


@njit(cache=True)
def _unsatisfied_rows(az, bz, cz, bad, lo, hi):
    """bad[i] = (az[i] * bz[i] != cz[i]) for rows lo <= i < hi of normal-form values: compares
    a b / R with c / R."""
    for i in range(lo, hi):
        bad[i] = not fr_eq(fr_mul(load_fe(az, i), load_fe(bz, i)), fr_from_mont(load_fe(cz, i)))


@njit(parallel=True, cache=True)
def _unsatisfied_parallel(az, bz, cz, bad, n_chunks):
    """_unsatisfied_rows over all rows, in n_chunks contiguous blocks run in parallel."""
    m = az.shape[0]
    for c in prange(n_chunks):
        _unsatisfied_rows(az, bz, cz, bad, c * m // n_chunks, (c + 1) * m // n_chunks)
