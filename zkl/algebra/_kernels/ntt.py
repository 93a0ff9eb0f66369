"""Radix-2 NTT kernels over Fr on (n, 4) Montgomery limb arrays, in place.

Layout of one transform (natural order in and out):

1. `_bit_reverse`: in-place permutation x[i] <-> x[rev(i)] (parallel swaps).
2. `_dit_blocks`: the first `log_b` decimation-in-time stages (butterfly
   half-size m = 1 .. 2^(log_b-1)) never leave an aligned block of 2^log_b
   elements, so each block runs all of them while it sits in L2; blocks run in
   parallel.  Twiddles come from a small table `small` holding, for each such
   m, w_2m^j at index m + j (contiguous per stage).
3. `_dit_stage2` / `_dit_stage`: the remaining stages over the whole array,
   two stages fused per pass (a radix-4 step made of four radix-2 butterflies)
   to halve the memory traffic, and one radix-2 pass when their count is odd.
   Twiddles come from `big`, w_n^k for k < n/2; a stage of half-size m uses
   big[j * n / (2m)].

The inverse transform is the same with w^-1 tables; the caller scales by
n^-1 (fused with the coset powers in `_scale_powers`).

`_add` / `_sub` are branch-free versions of mont.mod_add / mod_sub (same
results): butterfly outputs are random, so the conditional correction
mispredicts half the time; masks save about 3 ns per butterfly (~10 %).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels.fr import P, fr_mul, fr_pow
from zkl.algebra._kernels.intrinsics import adc, sbb
from zkl.algebra._kernels.rows import load_fe, store_fe

_Z = np.uint64(0)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
#: elements per chunk of the element-wise kernels (powers, scaling)
_CHUNK = 4096


@njit(inline="always", cache=True)
def _add(a, b):
    """a + b mod r, branch-free (butterfly outputs are random, so a branch mispredicts half the time)."""
    s0, c = adc(a[0], b[0], _Z)
    s1, c = adc(a[1], b[1], c)
    s2, c = adc(a[2], b[2], c)
    s3, c = adc(a[3], b[3], c)  # r < 2^254: no carry out
    d0, br = sbb(s0, P[0], _Z)
    d1, br = sbb(s1, P[1], br)
    d2, br = sbb(s2, P[2], br)
    d3, br = sbb(s3, P[3], br)
    keep, _ = sbb(_Z, _Z, br)  # all ones when s < r
    drop = keep ^ _ALL
    return ((s0 & keep) | (d0 & drop), (s1 & keep) | (d1 & drop), (s2 & keep) | (d2 & drop), (s3 & keep) | (d3 & drop))


@njit(inline="always", cache=True)
def _sub(a, b):
    """a - b mod r, branch-free."""
    d0, br = sbb(a[0], b[0], _Z)
    d1, br = sbb(a[1], b[1], br)
    d2, br = sbb(a[2], b[2], br)
    d3, br = sbb(a[3], b[3], br)
    mask, _ = sbb(_Z, _Z, br)  # all ones when a < b
    s0, c = adc(d0, P[0] & mask, _Z)
    s1, c = adc(d1, P[1] & mask, c)
    s2, c = adc(d2, P[2] & mask, c)
    s3, c = adc(d3, P[3] & mask, c)
    return (s0, s1, s2, s3)


@njit(inline="always", cache=True)
def _rev_bits(i, bits):
    """The low `bits` bits of i (an int64 below 2^32) in reverse order."""
    v = i
    v = ((v >> 1) & 0x55555555) | ((v & 0x55555555) << 1)
    v = ((v >> 2) & 0x33333333) | ((v & 0x33333333) << 2)
    v = ((v >> 4) & 0x0F0F0F0F) | ((v & 0x0F0F0F0F) << 4)
    v = ((v >> 8) & 0x00FF00FF) | ((v & 0x00FF00FF) << 8)
    v = ((v >> 16) & 0x0000FFFF) | ((v & 0x0000FFFF) << 16)
    return v >> (32 - bits)


@njit(parallel=True, cache=True)
def _powers(base, count, out):
    """out[i] = base^i for i < count (base a Montgomery limb tuple), in parallel chunks."""
    nchunks = (count + _CHUNK - 1) // _CHUNK
    for c in prange(nchunks):
        start = c * _CHUNK
        stop = min(start + _CHUNK, count)
        acc = fr_pow(base, (np.uint64(start), _Z, _Z, _Z))
        for i in range(start, stop):
            store_fe(out, i, acc)
            acc = fr_mul(acc, base)


@njit(parallel=True, cache=True)
def _scale_powers(x, factor, base, use_base):
    """x[i] *= factor * base^i (only factor when use_base is False), in parallel chunks."""
    n = x.shape[0]
    nchunks = (n + _CHUNK - 1) // _CHUNK
    for c in prange(nchunks):
        start = c * _CHUNK
        stop = min(start + _CHUNK, n)
        if use_base:
            acc = fr_mul(factor, fr_pow(base, (np.uint64(start), _Z, _Z, _Z)))
            for i in range(start, stop):
                store_fe(x, i, fr_mul(load_fe(x, i), acc))
                acc = fr_mul(acc, base)
        else:
            for i in range(start, stop):
                store_fe(x, i, fr_mul(load_fe(x, i), factor))


@njit(parallel=True, cache=True)
def _bit_reverse(x, log_n):
    """Permute the rows of x (length 2^log_n) into bit-reversed index order, in place."""
    n = x.shape[0]
    for i in prange(n):
        j = _rev_bits(i, log_n)
        if i < j:
            a = load_fe(x, i)
            store_fe(x, i, load_fe(x, j))
            store_fe(x, j, a)


@njit(inline="always", cache=True)
def _block_stages(x, base, log_b, small):
    """All DIT stages with half-size m < 2^log_b on the block x[base : base + 2^log_b]."""
    size = 1 << log_b
    # m = 1: the only twiddle is 1
    for i in range(base, base + size, 2):
        a = load_fe(x, i)
        b = load_fe(x, i + 1)
        store_fe(x, i, _add(a, b))
        store_fe(x, i + 1, _sub(a, b))
    m = 2
    while m < size:
        for g in range(base, base + size, 2 * m):
            a = load_fe(x, g)
            b = load_fe(x, g + m)
            store_fe(x, g, _add(a, b))
            store_fe(x, g + m, _sub(a, b))
            for j in range(1, m):
                i0 = g + j
                a = load_fe(x, i0)
                b = fr_mul(load_fe(x, i0 + m), load_fe(small, m + j))
                store_fe(x, i0, _add(a, b))
                store_fe(x, i0 + m, _sub(a, b))
        m *= 2


@njit(parallel=True, cache=True)
def _dit_blocks(x, log_b, small):
    """Run the first log_b DIT stages on every aligned block of 2^log_b rows, blocks in parallel."""
    nblocks = x.shape[0] >> log_b
    for blk in prange(nblocks):
        _block_stages(x, blk << log_b, log_b, small)


@njit(parallel=True, cache=True)
def _dit_stage(x, log_m, big):
    """One DIT stage of half-size m = 2^log_m over all of x, twiddles w_n^k from big."""
    n = x.shape[0]
    m = 1 << log_m
    stride = (n >> 1) >> log_m
    for k in prange(n >> 1):
        j = k & (m - 1)
        i0 = ((k >> log_m) << (log_m + 1)) | j
        a = load_fe(x, i0)
        b = load_fe(x, i0 + m)
        if j != 0:
            b = fr_mul(b, load_fe(big, j * stride))
        store_fe(x, i0, _add(a, b))
        store_fe(x, i0 + m, _sub(a, b))


@njit(parallel=True, cache=True)
def _dit_stage2(x, log_m, big):
    """Two DIT stages (half-sizes m and 2m, m = 2^log_m) fused in one pass over x.

    Each task takes the four rows i, i+m, i+2m, i+3m of one 4m-group: stage m
    butterflies (i, i+m) and (i+2m, i+3m) with w_2m^j, then stage 2m
    butterflies (i, i+2m) with w_4m^j and (i+m, i+3m) with w_4m^(j+m).
    """
    n = x.shape[0]
    m = 1 << log_m
    s1 = (n >> 1) >> log_m  # index step of w_2m in big
    s2 = s1 >> 1  # index step of w_4m in big
    for k in prange(n >> 2):
        j = k & (m - 1)
        i0 = ((k >> log_m) << (log_m + 2)) | j
        a0 = load_fe(x, i0)
        a1 = load_fe(x, i0 + m)
        a2 = load_fe(x, i0 + 2 * m)
        a3 = load_fe(x, i0 + 3 * m)
        if j != 0:
            w1 = load_fe(big, j * s1)
            a1 = fr_mul(a1, w1)
            a3 = fr_mul(a3, w1)
        b0 = _add(a0, a1)
        b1 = _sub(a0, a1)
        b2 = _add(a2, a3)
        b3 = _sub(a2, a3)
        if j != 0:
            b2 = fr_mul(b2, load_fe(big, j * s2))
        b3 = fr_mul(b3, load_fe(big, (j + m) * s2))
        store_fe(x, i0, _add(b0, b2))
        store_fe(x, i0 + 2 * m, _sub(b0, b2))
        store_fe(x, i0 + m, _add(b1, b3))
        store_fe(x, i0 + 3 * m, _sub(b1, b3))

