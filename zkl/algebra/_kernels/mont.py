"""Montgomery arithmetic on 4x64-bit limb tuples, generic in the modulus (inlined, so constants fold).

Requires a modulus below 2^254 (both BN254 fields), which lets the CIOS loop
skip the final carry word and lets add/sub use one conditional correction.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkl.algebra._kernels.intrinsics import adc, mac, mul_lo, mul_wide, sbb

_Z = np.uint64(0)


@njit(inline="always", cache=True)
def mont_mul(a, b, p, pinv):
    """a*b*2^-256 mod p for a, b < p (CIOS without the final carry word)."""
    a0, a1, a2, a3 = a
    b0, b1, b2, b3 = b
    p0, p1, p2, p3 = p
    t0, c = mul_wide(a0, b0)
    t1, c = mac(a0, b1, c, _Z)
    t2, c = mac(a0, b2, c, _Z)
    t3, t4 = mac(a0, b3, c, _Z)
    m = mul_lo(t0, pinv)
    _, c = mac(m, p0, t0, _Z)
    t0, c = mac(m, p1, t1, c)
    t1, c = mac(m, p2, t2, c)
    t2, c = mac(m, p3, t3, c)
    t3 = t4 + c
    for ai in (a1, a2, a3):
        t0, c = mac(ai, b0, t0, _Z)
        t1, c = mac(ai, b1, t1, c)
        t2, c = mac(ai, b2, t2, c)
        t3, t4 = mac(ai, b3, t3, c)
        m = mul_lo(t0, pinv)
        _, c = mac(m, p0, t0, _Z)
        t0, c = mac(m, p1, t1, c)
        t1, c = mac(m, p2, t2, c)
        t2, c = mac(m, p3, t3, c)
        t3 = t4 + c
    return reduce_once((t0, t1, t2, t3), p)


@njit(inline="always", cache=True)
def reduce_once(t, p):
    """t - p if t >= p else t, for t < 2p."""
    s0, br = sbb(t[0], p[0], _Z)
    s1, br = sbb(t[1], p[1], br)
    s2, br = sbb(t[2], p[2], br)
    s3, br = sbb(t[3], p[3], br)
    if br == 0:
        return (s0, s1, s2, s3)
    return t


@njit(inline="always", cache=True)
def mod_add(a, b, p):
    """a + b mod p for a, b < p."""
    s0, c = adc(a[0], b[0], _Z)
    s1, c = adc(a[1], b[1], c)
    s2, c = adc(a[2], b[2], c)
    s3, c = adc(a[3], b[3], c)
    return reduce_once((s0, s1, s2, s3), p)


@njit(inline="always", cache=True)
def mod_sub(a, b, p):
    """a - b mod p for a, b < p."""
    d0, br = sbb(a[0], b[0], _Z)
    d1, br = sbb(a[1], b[1], br)
    d2, br = sbb(a[2], b[2], br)
    d3, br = sbb(a[3], b[3], br)
    if br == 0:
        return (d0, d1, d2, d3)
    s0, c = adc(d0, p[0], _Z)
    s1, c = adc(d1, p[1], c)
    s2, c = adc(d2, p[2], c)
    s3, c = adc(d3, p[3], c)
    return (s0, s1, s2, s3)


@njit(inline="always", cache=True)
def is_zero(a):
    """True when all limbs are zero."""
    return (a[0] | a[1] | a[2] | a[3]) == _Z


@njit(inline="always", cache=True)
def equal(a, b):
    """Limb-wise equality."""
    return a[0] == b[0] and a[1] == b[1] and a[2] == b[2] and a[3] == b[3]
