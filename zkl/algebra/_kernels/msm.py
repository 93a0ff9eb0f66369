"""Pippenger multi-scalar multiplication kernels, written once for G1 (Fq) and G2 (Fq2).

Layout: bases come flattened to one row per coordinate, (2n, 4) for G1 and
(2n, 2, 4) for G2 (x of point k in row 2k, y in row 2k+1; infinity all
zero); scalars are (n, 4) normal-form limbs below r.

Algorithm: scalars are cut into W windows of c bits with signed digits in
[-2^(c-1), 2^(c-1)] (a digit d < 0 adds -P to bucket |d|), so each window has
2^(c-1) buckets.  Windows run in parallel: one prange iteration per thread,
each taking W // threads whole windows and a slice of the points of each
remaining window.  Inside a window the points go into affine buckets by
batch-affine addition: a batch collects (bucket, point) pairs with no bucket
twice, all slopes share one inversion (Montgomery's trick); P + P becomes a
doubling in the batch, P + (-P) empties the bucket at once.  Conflicts wait
in a small queue for the next batch and spill into the bucket's XYZZ
overflow when the queue is full or the window ends.  Windows with few
buckets use XYZZ buckets only.  Buckets are reduced by running sums in XYZZ
coordinates and windows combined by doublings (Horner).

XYZZ coordinates (x = X/ZZ, y = Y/ZZZ, ZZ^3 = ZZZ^2; infinity ZZ = 0) with
the formulas of Bernstein–Lange's Explicit-Formulas Database (madd-2008-s,
add-2008-s, dbl-2008-s-1, mdbl-2008-s-1 for a = 0).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.extending import overload

from zkl.algebra._kernels import fq
from zkl.algebra._kernels.ext import (
    f_add,
    f_dbl,
    f_eq,
    f_inv,
    f_is_zero,
    f_mul,
    f_neg,
    f_sqr,
    f_sub,
    is_fq2_type,
    one_like,
    zero_like,
)
from zkl.algebra._kernels.rows import load_fe, store_fe

_U1 = np.uint64(1)
_U0 = np.uint64(0)

# ---------------------------------------------------------------------------
# field operations as separately compiled functions: numba compiles each once per field (and caches
# it) instead of inlining the limb arithmetic into every caller, which multiplies compile time;
# LLVM does not inline them back (too large), so a call costs ~8 ns over an inlined Fq product


@njit(cache=True)
def _add(a, b):
    """a + b."""
    return f_add(a, b)


@njit(cache=True)
def _sub(a, b):
    """a - b."""
    return f_sub(a, b)


@njit(cache=True)
def _mul(a, b):
    """a * b."""
    return f_mul(a, b)


@njit(cache=True)
def _sqr(a):
    """a^2."""
    return f_sqr(a)


@njit(cache=True)
def _neg(a):
    """-a."""
    return f_neg(a)


@njit(cache=True)
def _dbl(a):
    """2a."""
    return f_dbl(a)


@njit(cache=True)
def _inv(a):
    """a^-1 (zero maps to zero)."""
    return f_inv(a)


@njit(cache=True)
def _eq(a, b):
    """a == b."""
    return f_eq(a, b)


@njit(cache=True)
def _is_zero(a):
    """a == 0."""
    return f_is_zero(a)


# "hot" variants for the batch-affine inner loop: Fq limb arithmetic inlined (a call costs ~30%
# of an Fq multiplication), Fq2 through the compiled functions above (inlining it would cost
# minutes of compile time for a few percent)


def _hot_binary(name, on_fq, compiled):
    """A binary field operation: `on_fq` inlined for Fq, the compiled function called for Fq2."""

    def stub(a, b):
        return compiled(a, b)

    stub.__name__ = stub.__qualname__ = name

    @overload(stub, inline="always")
    def _typed(a, b):
        if is_fq2_type(a):
            return lambda a, b: compiled(a, b)
        return lambda a, b: on_fq(a, b)

    return stub


def _hot_unary(name, on_fq, compiled):
    """A unary field operation: `on_fq` inlined for Fq, the compiled function called for Fq2."""

    def stub(a):
        return compiled(a)

    stub.__name__ = stub.__qualname__ = name

    @overload(stub, inline="always")
    def _typed(a):
        if is_fq2_type(a):
            return lambda a: compiled(a)
        return lambda a: on_fq(a)

    return stub


_hmul = _hot_binary("_hmul", fq.fq_mul, _mul)
_hsub = _hot_binary("_hsub", fq.fq_sub, _sub)
_hadd = _hot_binary("_hadd", fq.fq_add, _add)
_hsqr = _hot_unary("_hsqr", fq.fq_sqr, _sqr)


# ---------------------------------------------------------------------------
# XYZZ point formulas (a = 0); a point is a 4-tuple (X, Y, ZZ, ZZZ), infinity has ZZ = 0


@njit(cache=True)
def _xyzz_mdbl(x, y):
    """2(x, y) for an affine point with y != 0 (mdbl-2008-s-1)."""
    u = _dbl(y)
    v = _sqr(u)
    w = _mul(u, v)
    s = _mul(x, v)
    xx = _sqr(x)
    m = _add(_dbl(xx), xx)
    x3 = _sub(_sqr(m), _dbl(s))
    y3 = _sub(_mul(m, _sub(s, x3)), _mul(w, y))
    return (x3, y3, v, w)


@njit(cache=True)
def _xyzz_dbl(p):
    """2p (dbl-2008-s-1); infinity stays infinity."""
    x, y, zz, zzz = p
    if _is_zero(zz):
        return p
    u = _dbl(y)
    v = _sqr(u)
    w = _mul(u, v)
    s = _mul(x, v)
    xx = _sqr(x)
    m = _add(_dbl(xx), xx)
    x3 = _sub(_sqr(m), _dbl(s))
    y3 = _sub(_mul(m, _sub(s, x3)), _mul(w, y))
    return (x3, y3, _mul(v, zz), _mul(w, zzz))


@njit(cache=True)
def _xyzz_madd(p, x2, y2):
    """p + (x2, y2) for a finite affine point (madd-2008-s), handling p = ±(x2, y2) and infinity."""
    x1, y1, zz1, zzz1 = p
    zero = zero_like(x2)
    if _is_zero(zz1):
        one = one_like(x2)
        return (x2, y2, one, one)
    u2 = _mul(x2, zz1)
    s2 = _mul(y2, zzz1)
    pp_ = _sub(u2, x1)
    r = _sub(s2, y1)
    if _is_zero(pp_):
        if _is_zero(r):
            return _xyzz_mdbl(x2, y2)
        return (zero, zero, zero, zero)
    pp = _sqr(pp_)
    ppp = _mul(pp_, pp)
    q = _mul(x1, pp)
    x3 = _sub(_sub(_sqr(r), ppp), _dbl(q))
    y3 = _sub(_mul(r, _sub(q, x3)), _mul(y1, ppp))
    return (x3, y3, _mul(zz1, pp), _mul(zzz1, ppp))


@njit(cache=True)
def _xyzz_add(p, q2):
    """p + q2 (add-2008-s), handling equal, opposite and infinite operands."""
    x1, y1, zz1, zzz1 = p
    x2, y2, zz2, zzz2 = q2
    if _is_zero(zz1):
        return q2
    if _is_zero(zz2):
        return p
    u1 = _mul(x1, zz2)
    u2 = _mul(x2, zz1)
    s1 = _mul(y1, zzz2)
    s2 = _mul(y2, zzz1)
    pp_ = _sub(u2, u1)
    r = _sub(s2, s1)
    if _is_zero(pp_):
        if _is_zero(r):
            return _xyzz_dbl(p)
        zero = zero_like(x1)
        return (zero, zero, zero, zero)
    pp = _sqr(pp_)
    ppp = _mul(pp_, pp)
    q = _mul(u1, pp)
    x3 = _sub(_sub(_sqr(r), ppp), _dbl(q))
    y3 = _sub(_mul(r, _sub(q, x3)), _mul(s1, ppp))
    return (x3, y3, _mul(_mul(zz1, zz2), pp), _mul(_mul(zzz1, zzz2), ppp))


@njit(cache=True)
def _xyzz_ld(a, i):
    """XYZZ point stored in rows 4i .. 4i+3."""
    return (load_fe(a, 4 * i), load_fe(a, 4 * i + 1), load_fe(a, 4 * i + 2), load_fe(a, 4 * i + 3))


@njit(cache=True)
def _xyzz_st(a, i, p):
    """Store an XYZZ point into rows 4i .. 4i+3."""
    store_fe(a, 4 * i, p[0])
    store_fe(a, 4 * i + 1, p[1])
    store_fe(a, 4 * i + 2, p[2])
    store_fe(a, 4 * i + 3, p[3])


# ---------------------------------------------------------------------------
# scalar preparation


@njit(parallel=True, cache=True)
def _classify(scalars, bases):
    """Per point: 0 when its scalar is zero or its base is infinity, 1 when the scalar is one, else 2."""
    n = scalars.shape[0]
    kind = np.empty(n, dtype=np.uint8)
    for i in prange(n):
        s0, s1, s2, s3 = scalars[i, 0], scalars[i, 1], scalars[i, 2], scalars[i, 3]
        x = load_fe(bases, 2 * i)
        y = load_fe(bases, 2 * i + 1)
        if (s0 | s1 | s2 | s3) == _U0 or (_is_zero(x) and _is_zero(y)):
            kind[i] = 0
        elif s0 == _U1 and (s1 | s2 | s3) == _U0:
            kind[i] = 1
        else:
            kind[i] = 2
    return kind


@njit(parallel=True, cache=True)
def _signed_digits(scalars, idx, c, nwin):
    """(nwin, m) int32 signed c-bit digits of scalars[idx]: each in [-2^(c-1), 2^(c-1)), the last in [0, 2^(c-1)]."""
    m = idx.shape[0]
    digits = np.empty((nwin, m), dtype=np.int32)
    mask = (_U1 << np.uint64(c)) - _U1
    half = 1 << (c - 1)
    full = 1 << c
    for t in prange(m):
        i = idx[t]
        carry = 0
        for w in range(nwin):
            off = c * w
            raw = 0
            if off < 256:
                lo = off >> 6
                sh = np.uint64(off & 63)
                v = scalars[i, lo] >> sh
                if (off & 63) + c > 64 and lo < 3:
                    v |= scalars[i, lo + 1] << (np.uint64(64) - sh)
                raw = np.int64(v & mask)
            d = raw + carry
            if d >= half and w < nwin - 1:
                d -= full
                carry = 1
            else:
                carry = 0
            digits[w, t] = d
    return digits


# ---------------------------------------------------------------------------
# one window: batch-affine buckets with a conflict queue and XYZZ overflow buckets

# bucket state bits
_AFF = 1  # the affine bucket holds a point
_OVF = 2  # the XYZZ overflow bucket holds a point (maybe infinity)


@njit(cache=True)
def _signed_y(bases, code):
    """y of the base of a code, negated when its sign bit is set."""
    y = load_fe(bases, 2 * (code >> 2) + 1)
    return _neg(y) if code & 1 else y


@njit(cache=True)
def _flush(buckets, bases, busy, bb, bc, cnt, acc):
    """Apply a batch of cnt affine additions bucket[bb[t]] += point(bc[t]) with one inversion.

    A code is (base << 2) | (doubling << 1) | negate; doubling means the
    point equals the bucket, so the slope is 3x^2 / 2y.
    """
    if cnt == 0:
        return
    prod = load_fe(buckets, 0)  # typed placeholder, overwritten at t = 0
    for t in range(cnt):
        b = bb[t]
        code = bc[t]
        if code & 2:
            d = _dbl(load_fe(buckets, 2 * b + 1))
        else:
            d = _hsub(load_fe(bases, 2 * (code >> 2)), load_fe(buckets, 2 * b))
        prod = d if t == 0 else _hmul(prod, d)
        store_fe(acc, t, prod)
    inv = _inv(prod)
    for t in range(cnt - 1, -1, -1):
        b = bb[t]
        code = bc[t]
        x1 = load_fe(buckets, 2 * b)
        y1 = load_fe(buckets, 2 * b + 1)
        if code & 2:
            d = _dbl(y1)
            xx = _sqr(x1)
            num = _add(_dbl(xx), xx)
            x2 = x1
        else:
            k = code >> 2
            x2 = load_fe(bases, 2 * k)
            y2 = load_fe(bases, 2 * k + 1)
            d = _hsub(x2, x1)
            # for the negated point the slope is -(y2 + y1)/d: keep lam = (y2 + y1)/d, flip below
            num = _hadd(y2, y1) if code & 1 else _hsub(y2, y1)
        if t > 0:
            it = _hmul(inv, load_fe(acc, t - 1))
            inv = _hmul(inv, d)
        else:
            it = inv
        lam = _hmul(num, it)
        x3 = _hsub(_hsub(_hsqr(lam), x1), x2)
        dx = _hsub(x3, x1) if (code & 3) == 1 else _hsub(x1, x3)
        y3 = _hsub(_hmul(lam, dx), y1)
        store_fe(buckets, 2 * b, x3)
        store_fe(buckets, 2 * b + 1, y3)
        busy[b] = 0


@njit(cache=True)
def _window_sum(bases, idx, dig, nb_max, batch, affine_min, queue):
    """XYZZ sum over buckets b of (b+1) * bucket[b] for one window's digits `dig` of points idx.

    One loop takes items (bucket, code) from the digit stream or, right
    after a batch was applied, from the conflict queue.  A free bucket takes
    the item into the batch (or directly when trivial); a busy one queues it,
    or, when the queue is full or the stream has ended, adds it to the
    bucket's XYZZ overflow.  Windows with few buckets use the overflow only.
    """
    m = dig.shape[0]
    # buckets actually reachable in this window (the top window has fewer)
    top = 0
    for t in range(m):
        d = dig[t]
        a = d if d >= 0 else -d
        if a > top:
            top = a
    nb = min(top, nb_max)
    zero = zero_like(load_fe(bases, 0))
    one = one_like(zero)
    inf = (zero, zero, zero, zero)
    if nb == 0:
        return inf
    rows = bases.shape[1:]
    affine = nb >= affine_min and batch > 0
    bsz = min(batch, max(nb // 4, 1)) if affine else 1
    qsz = max(queue, 1)
    state = np.zeros(nb, dtype=np.uint8)
    busy = np.zeros(nb, dtype=np.uint8)
    ovf = np.empty((4 * nb,) + rows, dtype=np.uint64)
    buckets = np.empty((2 * nb,) + rows, dtype=np.uint64)
    bb = np.empty(bsz, dtype=np.int64)
    bc = np.empty(bsz, dtype=np.int64)
    acc = np.empty((bsz,) + rows, dtype=np.uint64)
    qb = np.empty(qsz, dtype=np.int64)
    qc = np.empty(qsz, dtype=np.int64)
    cnt = 0  # items in the batch
    qlen = 0  # items in the queue
    t = 0  # next digit
    rq = 0  # during a retry pass: next queue item to read, end of the pass, next slot to keep
    qend = 0
    qw = 0
    final = False  # stream ended: busy items go to the overflow
    while True:
        if rq < qend:
            b = qb[rq]
            code = qc[rq]
            rq += 1
            retry = True
        elif t < m:
            d = dig[t]
            k = np.int64(idx[t])
            t += 1
            if d == 0:
                continue
            if d > 0:
                b = d - 1
                code = k << 2
            else:
                b = -d - 1
                code = (k << 2) | 1
            retry = False
        elif cnt > 0 or qlen > 0:
            _flush(buckets, bases, busy, bb, bc, np.int64(cnt), acc)
            cnt = 0
            final = True
            rq, qend, qw = 0, qlen, 0
            continue
        else:
            break
        k = code >> 2
        x = load_fe(bases, 2 * k)
        if affine and busy[b] == 0:
            if (state[b] & _AFF) == 0:
                store_fe(buckets, 2 * b, x)
                store_fe(buckets, 2 * b + 1, _signed_y(bases, code))
                state[b] = state[b] | _AFF
            elif _eq(load_fe(buckets, 2 * b), x) and not _eq(load_fe(buckets, 2 * b + 1), _signed_y(bases, code)):
                state[b] = state[b] & _OVF  # P + (-P) = infinity
            else:
                if _eq(load_fe(buckets, 2 * b), x):
                    code |= 2  # P + P: a doubling in the batch
                busy[b] = 1
                bb[cnt] = b
                bc[cnt] = code
                cnt += 1
                if cnt == bsz:
                    _flush(buckets, bases, busy, bb, bc, np.int64(cnt), acc)
                    cnt = 0
                    if not retry and qlen > 0:
                        rq, qend, qw = 0, qlen, 0
        elif affine and not final and retry:
            qb[qw] = b
            qc[qw] = code
            qw += 1
        elif affine and not final and qlen < qsz:
            qb[qlen] = b
            qc[qlen] = code
            qlen += 1
        else:
            y = _signed_y(bases, code)
            if (state[b] & _OVF) == 0:
                p = (x, y, one, one)
                state[b] = state[b] | _OVF
            else:
                p = _xyzz_madd(_xyzz_ld(ovf, b), x, y)
            _xyzz_st(ovf, b, p)
        if retry and rq == qend:
            qlen = qw
            rq, qend, qw = 0, 0, 0
    # running-sum reduction: sum_b (b+1) bucket[b] = sum_b (sum_{j >= b} bucket[j])
    running = inf
    total = inf
    for b in range(nb - 1, -1, -1):
        s = state[b]
        if s & _AFF:
            running = _xyzz_madd(running, load_fe(buckets, 2 * b), load_fe(buckets, 2 * b + 1))
        if s & _OVF:
            running = _xyzz_add(running, _xyzz_ld(ovf, b))
        total = _xyzz_add(total, running)
    return total


@njit(cache=True)
def _thread_share(bases, idx, digits, c, batch, affine_min, queue, j, nthreads, out, parts):
    """Thread j's share: windows j*q .. j*q+q-1 whole (q = nwin // nthreads), then its slice of the rest."""
    nwin, m = digits.shape
    q = nwin // nthreads
    nb_max = 1 << (c - 1)
    for w in range(j * q, (j + 1) * q):
        _xyzz_st(out, w, _window_sum(bases, idx, digits[w], nb_max, batch, affine_min, queue))
    lo = j * m // nthreads
    hi = (j + 1) * m // nthreads
    for r in range(nwin - q * nthreads):
        w = q * nthreads + r
        part = _window_sum(bases, idx[lo:hi], digits[w, lo:hi], nb_max, batch, affine_min, queue)
        _xyzz_st(parts, r * nthreads + j, part)


@njit(parallel=True, cache=True)
def _msm_windows(bases, idx, digits, c, batch, affine_min, queue, nthreads):
    """(4 * nwin, field) XYZZ window sums, one prange iteration per thread.

    Each thread takes nwin // nthreads whole windows; the remaining windows
    are cut by points into one slice per thread, and the slices' sums added
    afterwards, so every thread has the same work whatever nwin is.
    """
    nwin = digits.shape[0]
    rows = bases.shape[1:]
    out = np.empty((4 * nwin,) + rows, dtype=np.uint64)
    rest = nwin - (nwin // nthreads) * nthreads
    parts = np.empty((4 * max(rest * nthreads, 1),) + rows, dtype=np.uint64)
    for j in prange(nthreads):
        _thread_share(bases, idx, digits, c, batch, affine_min, queue, j, nthreads, out, parts)
    _add_parts(out, parts, nwin - rest, rest, nthreads)
    return out


@njit(cache=True)
def _add_parts(out, parts, first, rest, nthreads):
    """out[first + r] = sum of the nthreads slice sums of window first + r."""
    for r in range(rest):
        acc = _xyzz_ld(parts, r * nthreads)
        for j in range(1, nthreads):
            acc = _xyzz_add(acc, _xyzz_ld(parts, r * nthreads + j))
        _xyzz_st(out, first + r, acc)


@njit(cache=True)
def _sum_range(bases, idx, lo, hi):
    """XYZZ sum of the bases idx[lo:hi]."""
    zero = zero_like(load_fe(bases, 0))
    acc = (zero, zero, zero, zero)
    for t in range(lo, hi):
        k = idx[t]
        acc = _xyzz_madd(acc, load_fe(bases, 2 * k), load_fe(bases, 2 * k + 1))
    return acc


@njit(parallel=True, cache=True)
def _sum_bases(bases, idx, chunks):
    """(4 * chunks, field) XYZZ partial sums of the bases idx (points with scalar one)."""
    m = idx.shape[0]
    out = np.empty((4 * chunks,) + bases.shape[1:], dtype=np.uint64)
    for j in prange(chunks):
        _xyzz_st(out, j, _sum_range(bases, idx, j * m // chunks, (j + 1) * m // chunks))
    return out


@njit(cache=True)
def _combine(windows, c, partials):
    """Affine (2, field) array of sum_w 2^(c w) windows[w] + sum partials (infinity all zero)."""
    nwin = windows.shape[0] // 4
    out = np.zeros((2,) + windows.shape[1:], dtype=np.uint64)
    zero = zero_like(load_fe(windows, 0))
    acc = (zero, zero, zero, zero)
    for w in range(nwin - 1, -1, -1):
        for _ in range(c):
            acc = _xyzz_dbl(acc)
        acc = _xyzz_add(acc, _xyzz_ld(windows, w))
    for j in range(partials.shape[0] // 4):
        acc = _xyzz_add(acc, _xyzz_ld(partials, j))
    x, y, zz, zzz = acc
    if _is_zero(zz):
        return out
    t = _inv(_mul(zz, zzz))
    store_fe(out, 0, _mul(x, _mul(t, zzz)))
    store_fe(out, 1, _mul(y, _mul(t, zz)))
    return out
