"""Array kernels of Fq and Fr: elementwise arithmetic, batch inversion, square roots, reductions.

Every kernel takes (n, 4) uint64 Montgomery arrays and an `is_fr` flag that
picks the field (Fr when true, Fq when false); the flag is the same for the
whole call, so the branch inside the loops is perfectly predicted.  Binary
kernels broadcast an operand of one row against `out`'s n rows.  Results go
into a caller-allocated `out`.  Kernels never raise: the ones that can fail
(zero in an inversion, non-residue in a square root) report per-row flags or
the first bad index, and the public wrapper in zkl.algebra.field raises.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels import fq, fr, mont
from zkl.algebra._kernels.fq import fq_add, fq_from_mont, fq_mul, fq_neg, fq_sqr, fq_sub
from zkl.algebra._kernels.fr import fr_add, fr_from_mont, fr_mul, fr_neg, fr_sqr, fr_sub
from zkl.algebra.constants import FR_GENERATOR, FR_TWO_ADICITY, MONT_R, Q, R, int_to_limbs

_Z = np.uint64(0)
_ONE_U64 = np.uint64(1)
_ZERO4 = (_Z, _Z, _Z, _Z)

#: (p - 1) / 2 in normal form: a root s is the "smaller" one when s <= (p - 1) / 2
_FQ_HALF = int_to_limbs((Q - 1) // 2)
_FR_HALF = int_to_limbs((R - 1) // 2)
#: exponents (with their bit lengths) for Fermat inversion (p - 2), Euler's criterion ((p - 1) / 2)
#: and the Fq square root ((q + 1) / 4, as q = 3 mod 4)
_FQ_INV_EXP = int_to_limbs(Q - 2)
_FR_INV_EXP = int_to_limbs(R - 2)
_FQ_EULER_EXP = int_to_limbs((Q - 1) // 2)
_FR_EULER_EXP = int_to_limbs((R - 1) // 2)
_FQ_SQRT_EXP = int_to_limbs((Q + 1) // 4)
_FQ_BITS = Q.bit_length()
_FR_BITS = R.bit_length()

#: Tonelli-Shanks for Fr: r - 1 = 2^S * T with T odd
_FR_T = (R - 1) >> FR_TWO_ADICITY
#: (T - 1) / 2 as an exponent, and its bit length
_FR_TS_EXP = int_to_limbs((_FR_T - 1) // 2)
_FR_TS_EXP_BITS = ((_FR_T - 1) // 2).bit_length()
#: g^T in Montgomery form for the generator g (a non-residue): a primitive 2^S-th root of unity
_FR_TS_Z = int_to_limbs(pow(FR_GENERATOR, _FR_T, R) * MONT_R % R)
_FR_S = FR_TWO_ADICITY


# ----------------------------------------------------------------------------- element helpers


@njit(inline="always", cache=True)
def _row(a, i):
    """Row i of an (n, 4) array as a limb tuple."""
    return (a[i, 0], a[i, 1], a[i, 2], a[i, 3])


@njit(inline="always", cache=True)
def _put(out, i, x):
    """Store a limb tuple into row i of an (n, 4) array."""
    out[i, 0] = x[0]
    out[i, 1] = x[1]
    out[i, 2] = x[2]
    out[i, 3] = x[3]


@njit(inline="always", cache=True)
def _one(is_fr):
    """Montgomery one of the field."""
    return fr.ONE if is_fr else fq.ONE


@njit(cache=True)
def _e_add(a, b, is_fr):
    return fr_add(a, b) if is_fr else fq_add(a, b)


@njit(cache=True)
def _e_sub(a, b, is_fr):
    return fr_sub(a, b) if is_fr else fq_sub(a, b)


@njit(cache=True)
def _e_mul(a, b, is_fr):
    return fr_mul(a, b) if is_fr else fq_mul(a, b)


@njit(cache=True)
def _e_sqr(a, is_fr):
    return fr_sqr(a) if is_fr else fq_sqr(a)


@njit(cache=True)
def _e_neg(a, is_fr):
    return fr_neg(a) if is_fr else fq_neg(a)


@njit(cache=True)
def _e_inv(a, is_fr):
    """a^-1 = a^(p-2) (zero maps to zero)."""
    if is_fr:
        return _e_pow(a, _FR_INV_EXP, _FR_BITS, True)
    return _e_pow(a, _FQ_INV_EXP, _FQ_BITS, False)


@njit(cache=True)
def _e_is_square(a, is_fr):
    """Euler's criterion: a^((p-1)/2) is 1 or 0 (zero counts as a square)."""
    if is_fr:
        t = _e_pow(a, _FR_EULER_EXP, _FR_BITS, True)
        return mont.is_zero(t) or mont.equal(t, fr.ONE)
    t = _e_pow(a, _FQ_EULER_EXP, _FQ_BITS, False)
    return mont.is_zero(t) or mont.equal(t, fq.ONE)


@njit(cache=True)
def _e_pow(a, e, nbits, is_fr):
    """a^e for a 4-limb exponent e < 2^nbits (left-to-right square and multiply over nbits bits)."""
    result = _one(is_fr)
    for j in range(nbits - 1, -1, -1):
        result = _e_sqr(result, is_fr)
        if (e[j >> 6] >> np.uint64(j & 63)) & _ONE_U64:
            result = _e_mul(result, a, is_fr)
    return result


@njit(inline="always", cache=True)
def _greater(a, b):
    """a > b for normal-form limb tuples."""
    for k in range(3, -1, -1):
        if a[k] != b[k]:
            return a[k] > b[k]
    return False


@njit(cache=True)
def _smaller_root(s, is_fr):
    """s or -s, whichever is smaller as an integer in [0, p)."""
    if is_fr:
        if _greater(fr_from_mont(s), _FR_HALF):
            return fr_neg(s)
        return s
    if _greater(fq_from_mont(s), _FQ_HALF):
        return fq_neg(s)
    return s


@njit(cache=True)
def _fr_tonelli_shanks(x):
    """(square root of x, True) in Fr by Tonelli-Shanks, or (garbage, False) when x is a non-residue."""
    if mont.is_zero(x):
        return x, True
    one = fr.ONE
    w = _e_pow(x, _FR_TS_EXP, _FR_TS_EXP_BITS, True)  # x^((T-1)/2)
    root = _e_mul(x, w, True)  # x^((T+1)/2)
    t = _e_mul(root, w, True)  # x^T
    z = _FR_TS_Z
    v = _FR_S
    while not mont.equal(t, one):
        # least k with t^(2^k) == 1; k == v means x is not a square
        k = 0
        t2 = t
        while not mont.equal(t2, one):
            t2 = _e_sqr(t2, True)
            k += 1
            if k == v:
                return x, False
        b = z
        for _ in range(v - k - 1):
            b = _e_sqr(b, True)
        z = _e_sqr(b, True)
        t = _e_mul(t, z, True)
        root = _e_mul(root, b, True)
        v = k
    return root, True


# ----------------------------------------------------------------------------- elementwise kernels


@njit(parallel=True, cache=True)
def _add(a, b, out, is_fr):
    """out = a + b (a or b may have one row, broadcast)."""
    sa = 0 if a.shape[0] == 1 else 1
    sb = 0 if b.shape[0] == 1 else 1
    for i in prange(out.shape[0]):
        _put(out, i, _e_add(_row(a, i * sa), _row(b, i * sb), is_fr))


@njit(parallel=True, cache=True)
def _sub(a, b, out, is_fr):
    """out = a - b (a or b may have one row, broadcast)."""
    sa = 0 if a.shape[0] == 1 else 1
    sb = 0 if b.shape[0] == 1 else 1
    for i in prange(out.shape[0]):
        _put(out, i, _e_sub(_row(a, i * sa), _row(b, i * sb), is_fr))


@njit(parallel=True, cache=True)
def _mul(a, b, out, is_fr):
    """out = a * b (a or b may have one row, broadcast)."""
    sa = 0 if a.shape[0] == 1 else 1
    sb = 0 if b.shape[0] == 1 else 1
    for i in prange(out.shape[0]):
        _put(out, i, _e_mul(_row(a, i * sa), _row(b, i * sb), is_fr))


@njit(parallel=True, cache=True)
def _neg(a, out, is_fr):
    """out = -a."""
    for i in prange(out.shape[0]):
        _put(out, i, _e_neg(_row(a, i), is_fr))


@njit(parallel=True, cache=True)
def _sqr(a, out, is_fr):
    """out = a^2."""
    for i in prange(out.shape[0]):
        _put(out, i, _e_sqr(_row(a, i), is_fr))


@njit(parallel=True, cache=True)
def _pow(a, e, nbits, out, is_fr):
    """out = a^e for one 4-limb exponent tuple e < 2^nbits shared by all rows (0^0 = 1)."""
    for i in prange(out.shape[0]):
        _put(out, i, _e_pow(_row(a, i), e, nbits, is_fr))


@njit(parallel=True, cache=True)
def _inv(a, out, is_fr):
    """out = a^-1 by Fermat's little theorem, one exponentiation per row (zero maps to zero)."""
    for i in prange(out.shape[0]):
        _put(out, i, _e_inv(_row(a, i), is_fr))


@njit(cache=True)
def _first_zero(a):
    """Index of the first all-zero row, or -1."""
    for i in range(a.shape[0]):
        if (a[i, 0] | a[i, 1] | a[i, 2] | a[i, 3]) == _Z:
            return i
    return -1


@njit(parallel=True, cache=True)
def _batch_inverse(a, out, nchunks, is_fr):
    """out = a^-1 by Montgomery's trick: one inversion per chunk, 3 multiplications per row; zeros map to zero.

    `out` doubles as the scratch array of prefix products; chunks run in parallel.
    """
    n = a.shape[0]
    size = (n + nchunks - 1) // nchunks
    for c in prange(nchunks):
        lo = c * size
        hi = min(n, lo + size)
        acc = _one(is_fr)
        for i in range(lo, hi):
            _put(out, i, acc)  # product of the nonzero rows lo .. i-1
            x = _row(a, i)
            if not mont.is_zero(x):
                acc = _e_mul(acc, x, is_fr)
        inv = _e_inv(acc, is_fr)
        for i in range(hi - 1, lo - 1, -1):
            x = _row(a, i)
            if mont.is_zero(x):
                _put(out, i, _ZERO4)
            else:
                prefix = _row(out, i)
                _put(out, i, _e_mul(inv, prefix, is_fr))
                inv = _e_mul(inv, x, is_fr)


@njit(parallel=True, cache=True)
def _is_square(a, out, is_fr):
    """out[i] = a[i] is a square (zero counts as one), by Euler's criterion."""
    for i in prange(a.shape[0]):
        x = _row(a, i)
        out[i] = _e_is_square(x, is_fr)


@njit(parallel=True, cache=True)
def _sqrt_fq(a, out, ok):
    """out = the smaller square root of a in Fq, as a^((q+1)/4); ok[i] = False where a[i] is a non-residue."""
    for i in prange(a.shape[0]):
        x = _row(a, i)
        s = _e_pow(x, _FQ_SQRT_EXP, _FQ_BITS, False)
        ok[i] = mont.equal(_e_sqr(s, False), x)
        _put(out, i, _smaller_root(s, False))


@njit(parallel=True, cache=True)
def _sqrt_fr(a, out, ok):
    """out = the smaller square root of a in Fr, by Tonelli-Shanks; ok[i] = False where a[i] is a non-residue."""
    for i in prange(a.shape[0]):
        s, good = _fr_tonelli_shanks(_row(a, i))
        ok[i] = good
        _put(out, i, _smaller_root(s, True) if good else _ZERO4)


@njit(parallel=True, cache=True)
def _sum(a, nchunks, is_fr):
    """Sum of all rows as a (4,) Montgomery array (chunks summed in parallel)."""
    n = a.shape[0]
    size = (n + nchunks - 1) // nchunks
    partial = np.zeros((nchunks, 4), dtype=np.uint64)
    for c in prange(nchunks):
        acc = _ZERO4
        for i in range(c * size, min(n, (c + 1) * size)):
            acc = _e_add(acc, _row(a, i), is_fr)
        _put(partial, c, acc)
    acc = _ZERO4
    for c in range(nchunks):
        acc = _e_add(acc, _row(partial, c), is_fr)
    result = np.empty((1, 4), dtype=np.uint64)
    _put(result, 0, acc)
    return result


@njit(parallel=True, cache=True)
def _dot(a, b, nchunks, is_fr):
    """Sum of a[i] * b[i] as a (1, 4) Montgomery array (chunks summed in parallel)."""
    n = a.shape[0]
    size = (n + nchunks - 1) // nchunks
    partial = np.zeros((nchunks, 4), dtype=np.uint64)
    for c in prange(nchunks):
        acc = _ZERO4
        for i in range(c * size, min(n, (c + 1) * size)):
            acc = _e_add(acc, _e_mul(_row(a, i), _row(b, i), is_fr), is_fr)
        _put(partial, c, acc)
    acc = _ZERO4
    for c in range(nchunks):
        acc = _e_add(acc, _row(partial, c), is_fr)
    result = np.empty((1, 4), dtype=np.uint64)
    _put(result, 0, acc)
    return result


@njit(parallel=True, cache=True)
def _below(a, modulus, out):
    """out[i] = row i of a (normal form) is below the 4-limb `modulus` array."""
    for i in prange(a.shape[0]):
        below = False
        for k in range(3, -1, -1):
            if a[i, k] != modulus[k]:
                below = a[i, k] < modulus[k]
                break
        out[i] = below


# ----------------------------------------------------------------------------- benchmark kernels


@njit(cache=True)
def _mul_chain(a, b, steps, is_fr):
    """a <- a * b, `steps` times in a dependency chain (latency of one multiplication)."""
    x = _row(a, 0)
    y = _row(b, 0)
    for _ in range(steps):
        x = _e_mul(x, y, is_fr)
    out = np.empty((1, 4), dtype=np.uint64)
    _put(out, 0, x)
    return out


@njit(cache=True)
def _inv_chain(a, steps, is_fr):
    """a <- a^-1, `steps` times in a dependency chain (latency of one inversion)."""
    x = _row(a, 0)
    for _ in range(steps):
        x = _e_inv(x, is_fr)
    out = np.empty((1, 4), dtype=np.uint64)
    _put(out, 0, x)
    return out
