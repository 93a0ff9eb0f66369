"""Fixed-base batch multiplication: one generator G times many scalars, for G1 and G2 alike.

Method (a comb of signed windows with a precomputed table):

- each scalar k < r is cut into `nwin` signed digits of c bits,
  k = sum_j d_j 2^(c j) with d_j in [-2^(c-1), 2^(c-1)] (nwin c >= 255, so
  the top digit never carries out);
- the table holds T[j][d] = d 2^(c j) G for d = 1 .. 2^(c-1), affine,
  built once per call (Jacobian chains, then batch inversion);
- [k]G = sum_j sign(d_j) T[j][|d_j|]: nwin - 1 additions, no doublings.

The additions are affine + affine with the slope's inverse shared by a chunk
of scalars (Montgomery's trick): per addition 1 inversion share + 1S + 3M
instead of 7M + 4S for a mixed Jacobian addition, and the result comes out
affine.  Equal or opposite x-coordinates (possible only for crafted scalars)
are handled on their own with a doubling or infinity.  Chunks of scalars are
spread over threads with prange.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels.curve import (
    _empty_fe_for,
    _empty_jac_for,
    batch_to_affine_range,
    f_add,
    f_dbl,
    f_eq,
    f_inv,
    f_is_zero,
    f_mul,
    f_neg,
    f_sqr,
    f_sub,
    jac_add_mixed,
    jac_double,
    jac_from_affine,
)
from zkl.algebra._kernels.ext import one_like, zero_like
from zkl.algebra._kernels.rows import load_coord, load_fe, store_coord, store_fe, store_jac

#: scalars per chunk: one inversion per chunk and window
FB_CHUNK = 1024


@njit(cache=True)
def _window_bases(gen, c, nwin):
    """Affine 2^(c j) G for j < nwin into a (nwin, 2, ...) array (G = row 0 of `gen`)."""
    jac = _empty_jac_for(gen, nwin)
    p = jac_from_affine(load_coord(gen, 0, 0), load_coord(gen, 0, 1))
    for j in range(nwin):
        store_jac(jac, j, p)
        for _ in range(c):
            p = jac_double(p)
    out = np.empty((nwin,) + gen.shape[1:], dtype=np.uint64)
    batch_to_affine_range(jac, 0, nwin, out, 0)
    return out


@njit(cache=True)
def _fill_window(bases, j, half, table):
    """table rows j*half + d - 1 = d * bases[j] for d = 1 .. half (affine)."""
    bx = load_coord(bases, j, 0)
    by = load_coord(bases, j, 1)
    jac = _empty_jac_for(table, half)
    p = jac_from_affine(bx, by)
    store_jac(jac, 0, p)
    for d in range(1, half):
        p = jac_add_mixed(p, bx, by)
        store_jac(jac, d, p)
    batch_to_affine_range(jac, 0, half, table, j * half)


@njit(parallel=True, cache=True)
def _fixed_base_table(gen, c, nwin):
    """(nwin * 2^(c-1), 2, ...) affine table d 2^(c j) G, row j 2^(c-1) + d - 1 (G = row 0 of `gen`)."""
    half = 1 << (c - 1)
    bases = _window_bases(gen, c, nwin)
    table = np.empty((nwin * half,) + gen.shape[1:], dtype=np.uint64)
    for j in prange(nwin):
        _fill_window(bases, np.int64(j), half, table)
    return table


@njit(cache=True)
def _signed_digits(scalars, i, c, nwin, digits, row):
    """Signed c-bit digits of scalar i (normal-form limbs, < 2^(nwin c - 1)) into digits[row, :]."""
    half = 1 << (c - 1)
    full = 1 << c
    mask = np.uint64(full - 1)
    carry = 0
    for j in range(nwin):
        bit = j * c
        limb = bit >> 6
        off = bit & 63
        w = np.uint64(0)
        if limb < 4:
            w = scalars[i, limb] >> np.uint64(off)
            if off + c > 64 and limb + 1 < 4:
                # take only the bits needed from the next limb, so the shift never drops bits
                need = off + c - 64
                top = scalars[i, limb + 1] & np.uint64((1 << need) - 1)
                w = w | (top << np.uint64(64 - off))
        v = np.int64(w & mask) + carry
        if v > half:
            digits[row, j] = v - full
            carry = 1
        else:
            digits[row, j] = v
            carry = 0


@njit(cache=True)
def _table_entry(table, base, d):
    """sign(d) * table[base + |d| - 1] as affine (x, y), d != 0."""
    if d > 0:
        return load_coord(table, base + d - 1, 0), load_coord(table, base + d - 1, 1)
    x = load_coord(table, base - d - 1, 0)
    return x, f_neg(load_coord(table, base - d - 1, 1))


@njit(cache=True)
def _affine_double(x, y):
    """2(x, y) for an affine point with y != 0 (one inversion)."""
    xx = f_sqr(x)
    lam = f_mul(f_add(f_dbl(xx), xx), f_inv(f_dbl(y)))
    x3 = f_sub(f_sqr(lam), f_dbl(x))
    return x3, f_sub(f_mul(lam, f_sub(x, x3)), y)


@njit(cache=True)
def _fixed_base_chunk(table, c, nwin, scalars, lo, hi, out):
    """out[lo:hi] = affine [scalars[i]] G, batch-affine additions over the chunk."""
    m = hi - lo
    half = 1 << (c - 1)
    digits = np.empty((m, nwin), dtype=np.int64)
    for i in range(m):
        _signed_digits(scalars, lo + i, c, nwin, digits, i)
    ax = _empty_fe_for(table, m)
    ay = _empty_fe_for(table, m)
    den = _empty_fe_for(table, m)
    pre = _empty_fe_for(table, m)
    inf = np.ones(m, dtype=np.bool_)
    todo = np.zeros(m, dtype=np.bool_)
    x0 = load_coord(table, 0, 0)
    for i in range(m):
        d = digits[i, 0]
        if d != 0:
            x2, y2 = _table_entry(table, 0, d)
            store_fe(ax, i, x2)
            store_fe(ay, i, y2)
            inf[i] = False
    for j in range(1, nwin):
        base = j * half
        acc = one_like(x0)
        for i in range(m):
            todo[i] = False
            d = digits[i, j]
            if d == 0:
                continue
            x2, y2 = _table_entry(table, base, d)
            if inf[i]:
                store_fe(ax, i, x2)
                store_fe(ay, i, y2)
                inf[i] = False
                continue
            x1 = load_fe(ax, i)
            h = f_sub(x2, x1)
            if f_is_zero(h):
                y1 = load_fe(ay, i)
                if f_eq(y1, y2):
                    x3, y3 = _affine_double(x1, y1)
                    store_fe(ax, i, x3)
                    store_fe(ay, i, y3)
                else:
                    inf[i] = True
                continue
            store_fe(den, i, h)
            store_fe(pre, i, acc)
            acc = f_mul(acc, h)
            todo[i] = True
        inv = f_inv(acc)
        for i in range(m - 1, -1, -1):
            if not todo[i]:
                continue
            hi_inv = f_mul(inv, load_fe(pre, i))
            inv = f_mul(inv, load_fe(den, i))
            x2, y2 = _table_entry(table, base, digits[i, j])
            x1 = load_fe(ax, i)
            y1 = load_fe(ay, i)
            lam = f_mul(f_sub(y2, y1), hi_inv)
            x3 = f_sub(f_sub(f_sqr(lam), x1), x2)
            store_fe(ay, i, f_sub(f_mul(lam, f_sub(x1, x3)), y1))
            store_fe(ax, i, x3)
    zero = zero_like(x0)
    for i in range(m):
        if inf[i]:
            store_coord(out, lo + i, 0, zero)
            store_coord(out, lo + i, 1, zero)
        else:
            store_coord(out, lo + i, 0, load_fe(ax, i))
            store_coord(out, lo + i, 1, load_fe(ay, i))


@njit(parallel=True, cache=True)
def _fixed_base_mul(table, c, nwin, scalars, out):
    """out[i] = affine [scalars[i]] G for the table of G; scalars (n, 4) normal-form limbs below r."""
    n = scalars.shape[0]
    nchunks = (n + FB_CHUNK - 1) // FB_CHUNK
    for ch in prange(nchunks):
        lo = np.int64(ch * FB_CHUNK)
        hi = np.int64(min(n, (ch + 1) * FB_CHUNK))
        _fixed_base_chunk(table, c, nwin, scalars, lo, hi, out)
