"""Fast generation of many distinct curve points (bases A + i*D) for the MSM benchmark, G1 or G2.

Jacobian coordinates (x = X/Z^2, y = Y/Z^3, infinity Z = 0) with the
Explicit-Formulas Database's dbl-2009-l, madd-2007-bl and add-2007-bl
(a = 0); same array layout as `msm`: points flattened to (2n, 4) or
(2n, 2, 4) rows of Montgomery affine coordinates.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels.msm import _add, _dbl, _inv, _is_zero, _ld, _mul, _one_like, _sqr, _st, _sub, _zero_like

_U1 = np.uint64(1)


@njit(cache=True)
def _jac_dbl(p):
    """2p (dbl-2009-l)."""
    x, y, z = p
    if _is_zero(z):
        return p
    a = _sqr(x)
    b = _sqr(y)
    c = _sqr(b)
    d = _dbl(_sub(_sub(_sqr(_add(x, b)), a), c))
    e = _add(_dbl(a), a)
    x3 = _sub(_sqr(e), _dbl(d))
    c8 = _dbl(_dbl(_dbl(c)))
    y3 = _sub(_mul(e, _sub(d, x3)), c8)
    z3 = _dbl(_mul(y, z))
    return (x3, y3, z3)


@njit(cache=True)
def _jac_madd(p, x2, y2):
    """p + (x2, y2), affine finite second operand (madd-2007-bl)."""
    x1, y1, z1 = p
    if _is_zero(z1):
        return (x2, y2, _one_like(x2))
    z1z1 = _sqr(z1)
    u2 = _mul(x2, z1z1)
    s2 = _mul(y2, _mul(z1, z1z1))
    h = _sub(u2, x1)
    r = _dbl(_sub(s2, y1))
    if _is_zero(h):
        if _is_zero(r):
            return _jac_dbl((x2, y2, _one_like(x2)))
        zero = _zero_like(x2)
        return (zero, zero, zero)
    hh = _sqr(h)
    i = _dbl(_dbl(hh))
    j = _mul(h, i)
    v = _mul(x1, i)
    x3 = _sub(_sub(_sqr(r), j), _dbl(v))
    y3 = _sub(_mul(r, _sub(v, x3)), _dbl(_mul(y1, j)))
    z3 = _sub(_sub(_sqr(_add(z1, h)), z1z1), hh)
    return (x3, y3, z3)


@njit(cache=True)
def _jac_add(p, q):
    """p + q (add-2007-bl), any operands."""
    x1, y1, z1 = p
    x2, y2, z2 = q
    if _is_zero(z1):
        return q
    if _is_zero(z2):
        return p
    z1z1 = _sqr(z1)
    z2z2 = _sqr(z2)
    u1 = _mul(x1, z2z2)
    u2 = _mul(x2, z1z1)
    s1 = _mul(y1, _mul(z2, z2z2))
    s2 = _mul(y2, _mul(z1, z1z1))
    h = _sub(u2, u1)
    r = _dbl(_sub(s2, s1))
    if _is_zero(h):
        if _is_zero(r):
            return _jac_dbl(p)
        zero = _zero_like(x1)
        return (zero, zero, zero)
    i = _sqr(_dbl(h))
    j = _mul(h, i)
    v = _mul(u1, i)
    x3 = _sub(_sub(_sqr(r), j), _dbl(v))
    y3 = _sub(_mul(r, _sub(v, x3)), _dbl(_mul(s1, j)))
    z3 = _mul(_sub(_sub(_sqr(_add(z1, z2)), z1z1), z2z2), h)
    return (x3, y3, z3)


@njit(cache=True)
def _jac_mul(x, y, s):
    """s * (x, y) by left-to-right double-and-add, s a 4-limb normal-form scalar tuple."""
    zero = _zero_like(x)
    acc = (zero, zero, zero)
    for k in range(3, -1, -1):
        word = s[k]
        for j in range(63, -1, -1):
            acc = _jac_dbl(acc)
            if (word >> np.uint64(j)) & _U1:
                acc = _jac_madd(acc, x, y)
    return acc


@njit(cache=True)
def _progression_chunk(start, step, out, zs, pre, lo, hi):
    """Rows lo .. hi-1 of `_progression`."""
    sx = _ld(start, 0)
    sy = _ld(start, 1)
    dx = _ld(step, 0)
    dy = _ld(step, 1)
    one = _one_like(sx)
    k = np.uint64(lo)
    p = _jac_add((sx, sy, one), _jac_mul(dx, dy, (k, np.uint64(0), np.uint64(0), np.uint64(0))))
    prod = one
    for i in range(lo, hi):
        _st(out, 2 * i, p[0])
        _st(out, 2 * i + 1, p[1])
        _st(zs, i, p[2])
        if not _is_zero(p[2]):
            prod = _mul(prod, p[2])
        _st(pre, i, prod)
        p = _jac_madd(p, dx, dy)
    inv = _inv(prod)
    for i in range(hi - 1, lo - 1, -1):
        z = _ld(zs, i)
        if _is_zero(z):
            zero = _zero_like(z)
            _st(out, 2 * i, zero)
            _st(out, 2 * i + 1, zero)
            continue
        zi = _mul(inv, _ld(pre, i - 1)) if i > lo else inv
        inv = _mul(inv, z)
        zi2 = _sqr(zi)
        _st(out, 2 * i, _mul(_ld(out, 2 * i), zi2))
        _st(out, 2 * i + 1, _mul(_ld(out, 2 * i + 1), _mul(zi2, zi)))


@njit(parallel=True, cache=True)
def _progression(start, step, n, chunks):
    """Affine bases start + i * step for i < n as a (2n, field) array, from affine (2, field) start and step.

    Each chunk begins with one double-and-add, walks by mixed additions and
    converts to affine with one shared inversion (infinity rows all zero).
    """
    rows = start.shape[1:]
    out = np.empty((2 * n,) + rows, dtype=np.uint64)
    zs = np.empty((n,) + rows, dtype=np.uint64)
    pre = np.empty((n,) + rows, dtype=np.uint64)
    for j in prange(chunks):
        lo = j * n // chunks
        hi = (j + 1) * n // chunks
        if lo < hi:
            _progression_chunk(start, step, out, zs, pre, lo, hi)
    return out
