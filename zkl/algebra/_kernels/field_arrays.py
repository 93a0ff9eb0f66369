"""Array kernels of Fq and Fr: elementwise arithmetic, powers, batch inversion, square roots, reductions.

Every kernel takes (n, 4) uint64 Montgomery arrays and an `is_fr` flag that
picks the field (Fr when true, Fq when false); the flag is the same for the
whole call, so the branch inside the loops is always predicted.  Binary
kernels broadcast an operand of one row against the n rows of `out`.
Results go into a caller-allocated `out`.  Kernels never raise: those that
can fail (a zero to invert, a non-residue to take the root of) report flags
or the first bad index, and the public wrapper in zkl.algebra.field raises.

Compile time: the per-element helpers `_e_*` are plain (not inlined) njit
functions called with a runtime `is_fr`, so each is compiled once and shared
by every kernel (LLVM still inlines them); passing a literal True/False would
compile one more specialization per call site.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from zkl.algebra._kernels import fq, fr, mont
from zkl.algebra._kernels.fq import fq_add, fq_from_mont, fq_mul, fq_neg, fq_sqr, fq_sub
from zkl.algebra._kernels.fr import fr_add, fr_from_mont, fr_mul, fr_neg, fr_sqr, fr_sub
from zkl.algebra._kernels.rows import load_fe, store_fe
from zkl.algebra.constants import FR_GENERATOR, FR_TWO_ADICITY, MONT_R, Q, R, int_to_limbs

_Z = np.uint64(0)
_ONE_U64 = np.uint64(1)
_ZERO4 = (_Z, _Z, _Z, _Z)

#: exponents of Fermat inversion (p - 2) and Euler's criterion ((p - 1) / 2)
_FQ_INV_EXP = int_to_limbs(Q - 2)
_FR_INV_EXP = int_to_limbs(R - 2)
_FQ_EULER_EXP = int_to_limbs((Q - 1) // 2)
_FR_EULER_EXP = int_to_limbs((R - 1) // 2)
#: (p - 1) / 2 in normal form: a root s is the "smaller" one when s <= (p - 1) / 2
_FQ_HALF = _FQ_EULER_EXP
_FR_HALF = _FR_EULER_EXP

#: Tonelli-Shanks: p - 1 = 2^S * T with T odd; the exponent (T - 1) / 2; z = g^T (Montgomery) for
#: a non-residue g, a primitive 2^S-th root of unity.  Fq has S = 1 (q = 3 mod 4), where the
#: algorithm is exactly a^((q+1)/4) followed by a check; Fr has S = 28.
_FQ_GENERATOR = 3
_FQ_S = 1
_FQ_T = (Q - 1) >> _FQ_S
_FQ_TS_EXP = int_to_limbs((_FQ_T - 1) // 2)
_FQ_TS_Z = int_to_limbs(pow(_FQ_GENERATOR, _FQ_T, Q) * MONT_R % Q)
_FR_S = FR_TWO_ADICITY
_FR_T = (R - 1) >> _FR_S
_FR_TS_EXP = int_to_limbs((_FR_T - 1) // 2)
_FR_TS_Z = int_to_limbs(pow(FR_GENERATOR, _FR_T, R) * MONT_R % R)


# ----------------------------------------------------------------------------- element helpers


@njit(inline="always", cache=True)
def _one(is_fr):
    """Montgomery one of the field."""
    return fr.ONE if is_fr else fq.ONE


@njit(cache=True)
def _e_add(a, b, is_fr):
    """a + b."""
    return fr_add(a, b) if is_fr else fq_add(a, b)


@njit(cache=True)
def _e_sub(a, b, is_fr):
    """a - b."""
    return fr_sub(a, b) if is_fr else fq_sub(a, b)


@njit(cache=True)
def _e_mul(a, b, is_fr):
    """a * b."""
    return fr_mul(a, b) if is_fr else fq_mul(a, b)


@njit(cache=True)
def _e_sqr(a, is_fr):
    """a^2."""
    return fr_sqr(a) if is_fr else fq_sqr(a)


@njit(cache=True)
def _e_neg(a, is_fr):
    """-a."""
    return fr_neg(a) if is_fr else fq_neg(a)


@njit(cache=True)
def _bit_length(e):
    """Bit length of a 4-limb little-endian integer."""
    for k in range(3, -1, -1):
        w = e[k]
        if w != _Z:
            n = 0
            while w != _Z:
                w = w >> _ONE_U64
                n += 1
            return 64 * k + n
    return 0


@njit(cache=True)
def _e_pow(a, e, is_fr):
    """a^e for a 4-limb exponent e (left-to-right square and multiply; 0^0 = 1)."""
    result = _one(is_fr)
    for j in range(_bit_length(e) - 1, -1, -1):
        result = _e_sqr(result, is_fr)
        if (e[j >> 6] >> np.uint64(j & 63)) & _ONE_U64:
            result = _e_mul(result, a, is_fr)
    return result


@njit(cache=True)
def _e_inv(a, is_fr):
    """a^-1 = a^(p-2) (zero maps to zero)."""
    return _e_pow(a, _FR_INV_EXP if is_fr else _FQ_INV_EXP, is_fr)


@njit(cache=True)
def _e_is_square(a, is_fr):
    """Euler's criterion: a^((p-1)/2) is 1 or 0 (zero counts as a square)."""
    t = _e_pow(a, _FR_EULER_EXP if is_fr else _FQ_EULER_EXP, is_fr)
    return mont.is_zero(t) or mont.equal(t, _one(is_fr))


@njit(inline="always", cache=True)
def _greater(a, b):
    """a > b for limb tuples read as integers."""
    for k in range(3, -1, -1):
        if a[k] != b[k]:
            return a[k] > b[k]
    return False


@njit(cache=True)
def _e_sqrt(x, is_fr):
    """(smaller square root of x, True) by Tonelli-Shanks, or (zero, False) when x is a non-residue."""
    if mont.is_zero(x):
        return x, True
    one = _one(is_fr)
    w = _e_pow(x, _FR_TS_EXP if is_fr else _FQ_TS_EXP, is_fr)  # x^((T-1)/2)
    root = _e_mul(x, w, is_fr)  # x^((T+1)/2)
    t = _e_mul(root, w, is_fr)  # x^T
    z = _FR_TS_Z if is_fr else _FQ_TS_Z
    v = _FR_S if is_fr else _FQ_S
    while not mont.equal(t, one):
        # least k with t^(2^k) == 1; reaching k == v means x is not a square
        k = 0
        t2 = t
        while not mont.equal(t2, one):
            t2 = _e_sqr(t2, is_fr)
            k += 1
            if k == v:
                return _ZERO4, False
        b = z
        for _ in range(v - k - 1):
            b = _e_sqr(b, is_fr)
        z = _e_sqr(b, is_fr)
        t = _e_mul(t, z, is_fr)
        root = _e_mul(root, b, is_fr)
        v = k
    normal = fr_from_mont(root) if is_fr else fq_from_mont(root)
    if _greater(normal, _FR_HALF if is_fr else _FQ_HALF):
        root = _e_neg(root, is_fr)
    return root, True


# ----------------------------------------------------------------------------- elementwise kernels


@njit(parallel=True, cache=True)
def _add(a, b, out, is_fr):
    """out = a + b (a or b may have one row, broadcast)."""
    if a.shape[0] == b.shape[0]:  # the common case, without index arithmetic (about 15% faster)
        for i in prange(out.shape[0]):
            store_fe(out, i, _e_add(load_fe(a, i), load_fe(b, i), is_fr))
    else:
        sa = 0 if a.shape[0] == 1 else 1
        sb = 0 if b.shape[0] == 1 else 1
        for i in prange(out.shape[0]):
            store_fe(out, i, _e_add(load_fe(a, i * sa), load_fe(b, i * sb), is_fr))


@njit(parallel=True, cache=True)
def _sub(a, b, out, is_fr):
    """out = a - b (a or b may have one row, broadcast)."""
    if a.shape[0] == b.shape[0]:  # the common case, without index arithmetic (about 15% faster)
        for i in prange(out.shape[0]):
            store_fe(out, i, _e_sub(load_fe(a, i), load_fe(b, i), is_fr))
    else:
        sa = 0 if a.shape[0] == 1 else 1
        sb = 0 if b.shape[0] == 1 else 1
        for i in prange(out.shape[0]):
            store_fe(out, i, _e_sub(load_fe(a, i * sa), load_fe(b, i * sb), is_fr))


@njit(parallel=True, cache=True)
def _mul(a, b, out, is_fr):
    """out = a * b (a or b may have one row, broadcast)."""
    if a.shape[0] == b.shape[0]:  # the common case, without index arithmetic (about 15% faster)
        for i in prange(out.shape[0]):
            store_fe(out, i, _e_mul(load_fe(a, i), load_fe(b, i), is_fr))
    else:
        sa = 0 if a.shape[0] == 1 else 1
        sb = 0 if b.shape[0] == 1 else 1
        for i in prange(out.shape[0]):
            store_fe(out, i, _e_mul(load_fe(a, i * sa), load_fe(b, i * sb), is_fr))


@njit(parallel=True, cache=True)
def _neg(a, out, is_fr):
    """out = -a."""
    for i in prange(out.shape[0]):
        store_fe(out, i, _e_neg(load_fe(a, i), is_fr))


@njit(parallel=True, cache=True)
def _sqr(a, out, is_fr):
    """out = a^2."""
    for i in prange(out.shape[0]):
        store_fe(out, i, _e_sqr(load_fe(a, i), is_fr))


@njit(parallel=True, cache=True)
def _pow(a, e, out, is_fr):
    """out = a^e for one 4-limb exponent tuple e shared by all rows (0^0 = 1)."""
    for i in prange(out.shape[0]):
        store_fe(out, i, _e_pow(load_fe(a, i), e, is_fr))


@njit(parallel=True, cache=True)
def _inv(a, out, is_fr):
    """out = a^-1 by Fermat's little theorem, one exponentiation per row (zero maps to zero)."""
    for i in prange(out.shape[0]):
        store_fe(out, i, _e_inv(load_fe(a, i), is_fr))


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

    `out` doubles as the scratch array of prefix products; the chunks run in parallel.
    """
    n = a.shape[0]
    size = (n + nchunks - 1) // nchunks
    for c in prange(nchunks):
        lo = c * size
        hi = min(n, lo + size)
        acc = _one(is_fr)
        for i in range(lo, hi):
            store_fe(out, i, acc)  # product of the nonzero rows lo .. i-1
            x = load_fe(a, i)
            if not mont.is_zero(x):
                acc = _e_mul(acc, x, is_fr)
        inv = _e_inv(acc, is_fr)
        for i in range(hi - 1, lo - 1, -1):
            x = load_fe(a, i)
            if mont.is_zero(x):
                store_fe(out, i, _ZERO4)
            else:
                prefix = load_fe(out, i)
                store_fe(out, i, _e_mul(inv, prefix, is_fr))
                inv = _e_mul(inv, x, is_fr)


@njit(parallel=True, cache=True)
def _is_square(a, out, is_fr):
    """out[i] = a[i] is a square (zero counts as one), by Euler's criterion."""
    for i in prange(a.shape[0]):
        out[i] = _e_is_square(load_fe(a, i), is_fr)


@njit(parallel=True, cache=True)
def _sqrt(a, out, ok, is_fr):
    """out = the smaller square root of a (Tonelli-Shanks; for Fq a^((q+1)/4)); ok[i] = False for a non-residue."""
    for i in prange(a.shape[0]):
        s, good = _e_sqrt(load_fe(a, i), is_fr)
        ok[i] = good
        store_fe(out, i, s)


@njit(parallel=True, cache=True)
def _sum(a, nchunks, is_fr):
    """Sum of all rows as a (1, 4) Montgomery array (chunks summed in parallel)."""
    n = a.shape[0]
    size = (n + nchunks - 1) // nchunks
    partial = np.zeros((nchunks, 4), dtype=np.uint64)
    for c in prange(nchunks):
        acc = _ZERO4
        for i in range(c * size, min(n, (c + 1) * size)):
            acc = _e_add(acc, load_fe(a, i), is_fr)
        store_fe(partial, c, acc)
    acc = _ZERO4
    for c in range(nchunks):
        acc = _e_add(acc, load_fe(partial, c), is_fr)
    result = np.empty((1, 4), dtype=np.uint64)
    store_fe(result, 0, acc)
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
            acc = _e_add(acc, _e_mul(load_fe(a, i), load_fe(b, i), is_fr), is_fr)
        store_fe(partial, c, acc)
    acc = _ZERO4
    for c in range(nchunks):
        acc = _e_add(acc, load_fe(partial, c), is_fr)
    result = np.empty((1, 4), dtype=np.uint64)
    store_fe(result, 0, acc)
    return result


@njit(parallel=True, cache=True)
def _below(a, modulus, out):
    """out[i] = row i of `a` (read as an integer) is below the 4-limb `modulus` array."""
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
    """x <- x * y, `steps` times in a dependency chain from rows a[0], b[0] (latency of one multiplication)."""
    x = load_fe(a, 0)
    y = load_fe(b, 0)
    for _ in range(steps):
        x = _e_mul(x, y, is_fr)
    out = np.empty((1, 4), dtype=np.uint64)
    store_fe(out, 0, x)
    return out


@njit(cache=True)
def _inv_chain(a, steps, is_fr):
    """x <- x^-1, `steps` times in a dependency chain from row a[0] (latency of one inversion)."""
    x = load_fe(a, 0)
    for _ in range(steps):
        x = _e_inv(x, is_fr)
    out = np.empty((1, 4), dtype=np.uint64)
    store_fe(out, 0, x)
    return out
