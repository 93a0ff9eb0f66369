"""numba kernels of zkl.circuits (private): scans that NumPy cannot vectorize."""

from __future__ import annotations

import numpy as np
from numba import njit


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
