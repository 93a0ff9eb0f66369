"""Modular inversion by the optimized binary GCD (Pornin, "Optimized Binary GCD for Modular
Inversion", IACR ePrint 2020/972), for an odd modulus below 2^270, on plain 4x64-bit integers.

A single inversion costs about 300 Montgomery products by Fermat; the binary GCD runs 30
division steps at a time on 62-bit approximations of the two values (exact low 30 bits, top
32 bits), then applies the 2x2 matrix those steps make to the full values. Full values are
nine 30-bit limbs in int64 (the top limb signed), so every product fits in 64 bits without a
128-bit type. The cofactors are divided by 2^30 each round (Montgomery style: a multiple of
the modulus clears the low limb), which keeps a = u y, b = v y (mod m) exactly, so the
inverse is v when b reaches 1. Variable time: for witness values, never for secrets.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BITS = 30
LIMBS = 9
_MASK = (1 << BITS) - 1


def modulus_params(m: int) -> tuple[tuple[int, ...], int, int]:
    """(the nine 30-bit limbs of m, -m^-1 mod 2^30, the outer rounds for m's bit length)."""
    if m % 2 == 0 or not 3 <= m < 1 << (BITS * LIMBS - 1):
        raise ValueError("the modulus must be odd and below 2^269")
    limbs = tuple((m >> (BITS * i)) & _MASK for i in range(LIMBS))
    rounds = -(-(2 * m.bit_length() - 1) // BITS)
    return limbs, (-pow(m, -1, 1 << BITS)) % (1 << BITS), rounds


@njit(inline="always", cache=True)
def _bit_length(x):
    n = 0
    while x:
        x >>= 1
        n += 1
    return n


@njit(cache=True)
def _window(w, row, lo):
    """Bits lo .. lo + 31 of the non-negative value in w[row]."""
    q, r = lo // BITS, lo % BITS
    v = w[row, q] >> r
    if q + 1 < LIMBS:
        v |= w[row, q + 1] << (BITS - r)
    if q + 2 < LIMBS and r > 2 * BITS - 32:
        v |= w[row, q + 2] << (2 * BITS - r)
    return v & 0xFFFFFFFF


@njit(cache=True)
def _negate(w, row):
    """w[row] = -w[row] (limbs normalized, top limb signed)."""
    c = 0
    for i in range(LIMBS - 1):
        t = c - w[row, i]
        w[row, i] = t & _MASK
        c = t >> BITS
    w[row, LIMBS - 1] = c - w[row, LIMBS - 1]


@njit(cache=True)
def _shifted_sums(w, src, dst, f0, g0, k0, f1, g1, k1, m):
    """Rows dst, dst + 1 = (f0 x + g0 y + k0 m) / 2^30, (f1 x + g1 y + k1 m) / 2^30 for x, y the rows
    src, src + 1 (the low limbs cancel by construction); top limbs signed."""
    x, y = w[src, 0], w[src + 1, 0]
    c0 = (x * f0 + y * g0 + k0 * m[0]) >> BITS
    c1 = (x * f1 + y * g1 + k1 * m[0]) >> BITS
    for i in range(1, LIMBS):
        x, y = w[src, i], w[src + 1, i]
        t0 = x * f0 + y * g0 + k0 * m[i] + c0
        t1 = x * f1 + y * g1 + k1 * m[i] + c1
        w[dst, i - 1] = t0 & _MASK
        w[dst + 1, i - 1] = t1 & _MASK
        c0 = t0 >> BITS
        c1 = t1 >> BITS
    w[dst, LIMBS - 1] = c0
    w[dst + 1, LIMBS - 1] = c1


@njit(cache=True)
def _apply(w, src, dst, f0, g0, f1, g1, m):
    """Rows dst, dst + 1 = (f0 a + g0 b) / 2^30, (f1 a + g1 b) / 2^30 for a, b the rows src, src + 1
    (exact by construction). Return the two signs (True: negative, then negated)."""
    _shifted_sums(w, src, dst, f0, g0, 0, f1, g1, 0, m)
    n0, n1 = w[dst, LIMBS - 1] < 0, w[dst + 1, LIMBS - 1] < 0
    if n0:
        _negate(w, dst)
    if n1:
        _negate(w, dst + 1)
    return n0, n1


@njit(cache=True)
def _reduce(w, row, m):
    """w[row] from (-2m, 2m) into [0, m)."""
    while w[row, LIMBS - 1] < 0:
        c = 0
        for i in range(LIMBS - 1):
            t = w[row, i] + m[i] + c
            w[row, i] = t & _MASK
            c = t >> BITS
        w[row, LIMBS - 1] += m[LIMBS - 1] + c
    while True:
        for i in range(LIMBS - 1, -1, -1):
            if w[row, i] != m[i]:
                break
        if w[row, i] < m[i]:
            return
        c = 0
        for i in range(LIMBS - 1):
            t = w[row, i] - m[i] + c
            w[row, i] = t & _MASK
            c = t >> BITS
        w[row, LIMBS - 1] += c - m[LIMBS - 1]


@njit(cache=True)
def _cofactors(w, src, dst, f0, g0, f1, g1, m, m_inv):
    """Rows dst, dst + 1 = (f0 u + g0 v) / 2^30, (f1 u + g1 v) / 2^30 mod m, in [0, m), for u, v
    the rows src, src + 1 (in [0, m)): a multiple of m clears each low limb."""
    u, v = w[src, 0], w[src + 1, 0]
    k0 = (((u * f0 + v * g0) & _MASK) * m_inv) & _MASK
    k1 = (((u * f1 + v * g1) & _MASK) * m_inv) & _MASK
    _shifted_sums(w, src, dst, f0, g0, k0, f1, g1, k1, m)
    _reduce(w, dst, m)
    _reduce(w, dst + 1, m)


@njit(cache=True)
def inverse(a, m, m_inv, rounds):
    """a^-1 mod m for a 4x64-bit integer a in [0, m) (0 for a = 0 or a not invertible), as 4x64-bit limbs.

    m, m_inv, rounds: modulus_params(m)."""
    w = np.zeros((8, LIMBS), dtype=np.int64)  # rows a, b, u, v, then the next round's a, b, u, v
    for i in range(LIMBS):
        q, r = (BITS * i) // 64, (BITS * i) % 64
        limb = a[q] >> np.uint64(r)
        if r > 64 - BITS and q < 3:
            limb |= a[q + 1] << np.uint64(64 - r)
        w[0, i] = np.int64(limb & np.uint64(_MASK))
        w[1, i] = m[i]
    w[2, 0] = 1
    cur, nxt = 0, 4  # rows cur..cur + 3: a, b, u, v; nxt..nxt + 3: the next round's
    for _ in range(rounds):
        top = 0
        for i in range(LIMBS - 1, -1, -1):
            if w[cur, i] | w[cur + 1, i]:
                top = BITS * i + _bit_length(w[cur, i] | w[cur + 1, i])
                break
        n = max(top, 62)
        xa = w[cur, 0] | (_window(w, cur, n - 32) << BITS)
        xb = w[cur + 1, 0] | (_window(w, cur + 1, n - 32) << BITS)
        f0, g0, f1, g1 = 1, 0, 0, 1
        for _j in range(BITS):  # branch-free: odd -> subtract (after a swap when a < b); then halve
            odd = -(xa & 1)
            swap = odd & -np.int64(xa < xb)
            d = (xa ^ xb) & swap
            xa ^= d
            xb ^= d
            d = (f0 ^ f1) & swap
            f0 ^= d
            f1 ^= d
            d = (g0 ^ g1) & swap
            g0 ^= d
            g1 ^= d
            xa = (xa - (xb & odd)) >> 1
            f0 -= f1 & odd
            g0 -= g1 & odd
            f1 <<= 1
            g1 <<= 1
        na, nb = _apply(w, cur, nxt, f0, g0, f1, g1, m)
        if na:
            f0, g0 = -f0, -g0
        if nb:
            f1, g1 = -f1, -g1
        _cofactors(w, cur + 2, nxt + 2, f0, g0, f1, g1, m, m_inv)
        cur, nxt = nxt, cur
    one = w[cur + 1, 0] == 1
    for i in range(1, LIMBS):
        one = one and w[cur + 1, i] == 0
    out = np.zeros(4, dtype=np.uint64)
    if one:
        for i in range(LIMBS):
            q, r = (BITS * i) // 64, (BITS * i) % 64
            limb = np.uint64(w[cur + 3, i])
            out[q] |= limb << np.uint64(r)
            if r > 64 - BITS and q < 3:
                out[q + 1] |= limb >> np.uint64(64 - r)
    return out[0], out[1], out[2], out[3]
