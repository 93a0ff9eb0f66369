"""numba kernels of zkl.crypto.eddsa_batch (private): Poseidon, Baby Jubjub and EdDSA-Poseidon verification in bulk.

Baby Jubjub's base field is BN254's Fr, so the field arithmetic is zkl.algebra._kernels'
fr_* (4x64-bit Montgomery limb tuples). Conventions:

- bulk field elements are (n, 4) uint64 arrays of little-endian limbs in normal form (what the
  Python side writes and reads); inside a kernel they are Montgomery tuples;
- a point inside a kernel is extended (X, Y, Z, T), x = X/Z, y = Y/Z, T = XY/Z, with the same
  complete formulas as zkl.crypto.babyjubjub (add-2008-hwcd, madd-2008-hwcd, dbl-2008-hwcd);
- Poseidon runs zkl.crypto.poseidon's fast schedule, flattened by `poseidon_constants` into one
  (k, 4) Montgomery array (layout in `_poseidon`);
- the Base8 table is babyjubjub's (x, y, d x y) of m 16^j Base8, flattened to (64 * 16 * 3, 4).

Every kernel is plain Python on np.uint64 limbs when NUMBA_DISABLE_JIT=1 (the fr_* operations
then are exact Python-int twins).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from zkl.algebra._kernels import fr_add, fr_eq, fr_from_mont, fr_mul, fr_neg, fr_sqr, fr_sub, fr_to_mont, load_fe, store_fe
from zkl.algebra.constants import R

_M64 = (1 << 64) - 1
_BABYJUB_A = 168700
_BABYJUB_D = 168696
_SUBGROUP_ORDER = 21888242871839275222246405745257275088614511777268538073601725287587578984328 // 8


def _limbs(value: int) -> tuple:
    """Four little-endian np.uint64 limbs of a non-negative int below 2^256."""
    return tuple(np.uint64((value >> (64 * i)) & _M64) for i in range(4))


def _mont(value: int) -> tuple:
    """value in Montgomery form (value 2^256 mod r) as limbs."""
    return _limbs(value * (1 << 256) % R)


_TWO_ADICITY = 28
_Q = (R - 1) >> _TWO_ADICITY
assert _Q % 2 == 1 and _Q << _TWO_ADICITY == R - 1
_NON_RESIDUE = 5  # the smallest quadratic non-residue mod r (babyjubjub._non_residue)

_U0 = np.uint64(0)
_U1 = np.uint64(1)
_U4 = np.uint64(4)
_U15 = np.uint64(15)
_U63 = np.uint64(63)
_MASK63 = np.uint64((1 << 63) - 1)
_ZERO = (_U0, _U0, _U0, _U0)
_ONE = _mont(1)
_A = _mont(_BABYJUB_A)
_D = _mont(_BABYJUB_D)
_D_INV = _mont(pow(_BABYJUB_D, -1, R))
_R_LIMBS = _limbs(R)
_L_LIMBS = _limbs(_SUBGROUP_ORDER)
_HALF_LIMBS = _limbs((R - 1) // 2)
_E_SQRT = _limbs((_Q - 1) // 2)
_E_INV = _limbs(R - 2)
_ROOT_OF_UNITY = _mont(pow(_NON_RESIDUE, _Q, R))  # of order 2^28
_IDENTITY = (_ZERO, _ONE, _ONE, _ZERO)

#: status codes written by `verify_packed`: 0 valid, 1 invalid, >= 2 malformed (why)
VALID, INVALID, Y_OUT_OF_RANGE, NOT_ON_CURVE, SIGN_OF_ZERO, S_OUT_OF_RANGE = range(6)


# ----------------------------------------------------------------------------- constant tables (Python)


def poseidon_constants(t: int) -> tuple[np.ndarray, int]:
    """zkl.crypto.poseidon's fast schedule of width t, flattened to a (k, 4) Montgomery array; and its partial rounds."""
    from zkl.crypto.poseidon import fast_schedule

    s = fast_schedule(t)
    if len(s.first_full) != 4 or len(s.second_full) != 4:
        raise AssertionError("Poseidon schedule with other than 4 + 4 full rounds")  # circomlib: always 8
    values: list[int] = []
    for constants, _ in s.first_full:
        values.extend(constants)
    for _, matrix in s.first_full:
        for row in matrix:
            values.extend(row)
    values.extend(c for c, _, _, _ in s.partial)
    values.extend(a00 for _, a00, _, _ in s.partial)
    for _, _, row_tail, _ in s.partial:
        values.extend(row_tail)
    for _, _, _, column_tail in s.partial:
        values.extend(column_tail)
    for constants in s.second_full:
        values.extend(constants)
    for row in s.mds:
        values.extend(row)
    out = np.array([_mont(v % R) for v in values], dtype=np.uint64).reshape(-1, 4)
    return out, len(s.partial)


def base8_table() -> np.ndarray:
    """babyjubjub's Base8 table ((x, y, d x y) of m 16^j Base8, j < 64, m < 16) as a (3072, 4) Montgomery array."""
    from zkl.crypto.babyjubjub import _base8_table

    rows = [_mont(v) for window in _base8_table() for entry in window for v in entry]
    return np.array(rows, dtype=np.uint64).reshape(-1, 4)


# ----------------------------------------------------------------------------- field helpers


@njit(cache=True)
def _lt(a, b):
    """a < b for normal-form limb tuples."""
    for i in range(3, -1, -1):
        if a[i] != b[i]:
            return a[i] < b[i]
    return False


@njit(cache=True)
def _is_zero(a):
    """a == 0."""
    return (a[0] | a[1] | a[2] | a[3]) == _U0


@njit(cache=True)
def _pow(a, e):
    """a^e (Montgomery), e a normal 4-limb exponent tuple, fixed 4-bit windows."""
    table = np.empty((16, 4), dtype=np.uint64)
    store_fe(table, 0, _ONE)
    store_fe(table, 1, a)
    for j in range(2, 16):
        store_fe(table, j, fr_mul(load_fe(table, j - 1), a))
    acc = _ONE
    started = False
    for i in range(3, -1, -1):
        word = e[i]
        for k in range(15, -1, -1):
            digit = int((word >> np.uint64(4 * k)) & _U15)
            if started:
                acc = fr_sqr(fr_sqr(fr_sqr(fr_sqr(acc))))
                if digit:
                    acc = fr_mul(acc, load_fe(table, digit))
            elif digit:
                acc = load_fe(table, digit)
                started = True
    return acc


@njit(cache=True)
def _inv(a):
    """a^-1 for a != 0 (Montgomery), by Fermat."""
    return _pow(a, _E_INV)


@njit(cache=True)
def _sqrt(n):
    """(True, a square root) of n (Montgomery), or (False, 0) when n is not a square (Tonelli-Shanks)."""
    if _is_zero(n):
        return True, _ZERO
    w = _pow(n, _E_SQRT)  # n^((q-1)/2)
    root = fr_mul(n, w)  # n^((q+1)/2)
    t = fr_mul(root, w)  # n^q
    m = _TWO_ADICITY
    c = _ROOT_OF_UNITY
    while not fr_eq(t, _ONE):
        i = 0
        t2 = t
        while not fr_eq(t2, _ONE):
            t2 = fr_sqr(t2)
            i += 1
            if i == m:  # t has order 2^m: n is not a square
                return False, _ZERO
        b = c
        for _ in range(m - i - 1):
            b = fr_sqr(b)
        root = fr_mul(root, b)
        c = fr_sqr(b)
        t = fr_mul(t, c)
        m = i
    return True, root


# ----------------------------------------------------------------------------- Poseidon


@njit(cache=True)
def _pow5(x):
    """x^5."""
    x2 = fr_sqr(x)
    return fr_mul(fr_sqr(x2), x)


@njit(cache=True)
def _poseidon(state, consts, n_partial):
    """Poseidon of state[1:] (state[0] = 0 on entry; (t, 4) Montgomery rows, overwritten); the hash, Montgomery.

    consts layout (rows of 4 limbs): first-half constants 4t, first-half matrices 4t^2, partial
    constants P, partial a00 P, partial row tails P(t-1), partial column tails P(t-1),
    second-half constants 4t, MDS t^2.
    """
    t = state.shape[0]
    tail = t - 1
    o_ffm = 4 * t
    o_pc = o_ffm + 4 * t * t
    o_pa = o_pc + n_partial
    o_prow = o_pa + n_partial
    o_pcol = o_prow + n_partial * tail
    o_sfc = o_pcol + n_partial * tail
    o_mds = o_sfc + 4 * t
    tmp = np.empty((t, 4), dtype=np.uint64)
    for r in range(4):
        for i in range(t):
            store_fe(state, i, _pow5(fr_add(load_fe(state, i), load_fe(consts, r * t + i))))
        base = o_ffm + r * t * t
        for i in range(t):
            acc = fr_mul(load_fe(consts, base + i * t), load_fe(state, 0))
            for j in range(1, t):
                acc = fr_add(acc, fr_mul(load_fe(consts, base + i * t + j), load_fe(state, j)))
            store_fe(tmp, i, acc)
        for i in range(t):
            store_fe(state, i, load_fe(tmp, i))
    for r in range(n_partial):
        y = _pow5(fr_add(load_fe(state, 0), load_fe(consts, o_pc + r)))
        x0 = fr_mul(load_fe(consts, o_pa + r), y)
        for j in range(1, t):
            s = load_fe(state, j)
            x0 = fr_add(x0, fr_mul(load_fe(consts, o_prow + r * tail + j - 1), s))
            store_fe(state, j, fr_add(s, fr_mul(load_fe(consts, o_pcol + r * tail + j - 1), y)))
        store_fe(state, 0, x0)
    for r in range(4):
        for i in range(t):
            store_fe(state, i, _pow5(fr_add(load_fe(state, i), load_fe(consts, o_sfc + r * t + i))))
        rows = t if r < 3 else 1
        for i in range(rows):
            acc = fr_mul(load_fe(consts, o_mds + i * t), load_fe(state, 0))
            for j in range(1, t):
                acc = fr_add(acc, fr_mul(load_fe(consts, o_mds + i * t + j), load_fe(state, j)))
            store_fe(tmp, i, acc)
        for i in range(rows):
            store_fe(state, i, load_fe(tmp, i))
    return load_fe(state, 0)


@njit(cache=True)
def _dot4(consts, o, a, b, c, d):
    """consts[o] a + consts[o+1] b + consts[o+2] c + consts[o+3] d."""
    return fr_add(fr_add(fr_mul(load_fe(consts, o), a), fr_mul(load_fe(consts, o + 1), b)),
                  fr_add(fr_mul(load_fe(consts, o + 2), c), fr_mul(load_fe(consts, o + 3), d)))


@njit(cache=True)
def _dot6(consts, o, a, b, c, d, e, f):
    """sum_j consts[o + j] x_j for the six x_j."""
    return fr_add(fr_add(fr_add(fr_mul(load_fe(consts, o), a), fr_mul(load_fe(consts, o + 1), b)),
                         fr_add(fr_mul(load_fe(consts, o + 2), c), fr_mul(load_fe(consts, o + 3), d))),
                  fr_add(fr_mul(load_fe(consts, o + 4), e), fr_mul(load_fe(consts, o + 5), f)))


@njit(cache=True)
def _poseidon3(x1, x2, x3, consts, n_partial):
    """Poseidon of three Montgomery elements (t = 4) with the state in registers; `_poseidon`'s layout."""
    t = 4
    o_ffm = 4 * t
    o_pc = o_ffm + 4 * t * t
    o_pa = o_pc + n_partial
    o_prow = o_pa + n_partial
    o_pcol = o_prow + n_partial * 3
    o_sfc = o_pcol + n_partial * 3
    o_mds = o_sfc + 4 * t
    a, b, c, d = _ZERO, x1, x2, x3
    for r in range(4):
        o = r * t
        a = _pow5(fr_add(a, load_fe(consts, o)))
        b = _pow5(fr_add(b, load_fe(consts, o + 1)))
        c = _pow5(fr_add(c, load_fe(consts, o + 2)))
        d = _pow5(fr_add(d, load_fe(consts, o + 3)))
        m = o_ffm + r * t * t
        a, b, c, d = (_dot4(consts, m, a, b, c, d), _dot4(consts, m + 4, a, b, c, d),
                      _dot4(consts, m + 8, a, b, c, d), _dot4(consts, m + 12, a, b, c, d))
    for r in range(n_partial):
        y = _pow5(fr_add(a, load_fe(consts, o_pc + r)))
        a = fr_add(fr_mul(load_fe(consts, o_pa + r), y), fr_add(fr_mul(load_fe(consts, o_prow + 3 * r), b), fr_add(
            fr_mul(load_fe(consts, o_prow + 3 * r + 1), c), fr_mul(load_fe(consts, o_prow + 3 * r + 2), d))))
        b = fr_add(b, fr_mul(load_fe(consts, o_pcol + 3 * r), y))
        c = fr_add(c, fr_mul(load_fe(consts, o_pcol + 3 * r + 1), y))
        d = fr_add(d, fr_mul(load_fe(consts, o_pcol + 3 * r + 2), y))
    for r in range(4):
        o = o_sfc + r * t
        a = _pow5(fr_add(a, load_fe(consts, o)))
        b = _pow5(fr_add(b, load_fe(consts, o + 1)))
        c = _pow5(fr_add(c, load_fe(consts, o + 2)))
        d = _pow5(fr_add(d, load_fe(consts, o + 3)))
        if r < 3:
            a, b, c, d = (_dot4(consts, o_mds, a, b, c, d), _dot4(consts, o_mds + 4, a, b, c, d),
                          _dot4(consts, o_mds + 8, a, b, c, d), _dot4(consts, o_mds + 12, a, b, c, d))
    return _dot4(consts, o_mds, a, b, c, d)


@njit(cache=True)
def _poseidon5(x1, x2, x3, x4, x5, consts, n_partial):
    """Poseidon of five Montgomery elements (t = 6) with the state in registers; `_poseidon`'s layout."""
    t = 6
    o_ffm = 4 * t
    o_pc = o_ffm + 4 * t * t
    o_pa = o_pc + n_partial
    o_prow = o_pa + n_partial
    o_pcol = o_prow + n_partial * 5
    o_sfc = o_pcol + n_partial * 5
    o_mds = o_sfc + 4 * t
    a, b, c, d, e, f = _ZERO, x1, x2, x3, x4, x5
    for r in range(4):
        o = r * t
        a = _pow5(fr_add(a, load_fe(consts, o)))
        b = _pow5(fr_add(b, load_fe(consts, o + 1)))
        c = _pow5(fr_add(c, load_fe(consts, o + 2)))
        d = _pow5(fr_add(d, load_fe(consts, o + 3)))
        e = _pow5(fr_add(e, load_fe(consts, o + 4)))
        f = _pow5(fr_add(f, load_fe(consts, o + 5)))
        m = o_ffm + r * t * t
        a, b, c, d, e, f = (_dot6(consts, m, a, b, c, d, e, f), _dot6(consts, m + 6, a, b, c, d, e, f),
                            _dot6(consts, m + 12, a, b, c, d, e, f), _dot6(consts, m + 18, a, b, c, d, e, f),
                            _dot6(consts, m + 24, a, b, c, d, e, f), _dot6(consts, m + 30, a, b, c, d, e, f))
    for r in range(n_partial):
        y = _pow5(fr_add(a, load_fe(consts, o_pc + r)))
        o = o_prow + 5 * r
        a = fr_add(fr_add(fr_mul(load_fe(consts, o_pa + r), y),
                          fr_add(fr_mul(load_fe(consts, o), b), fr_mul(load_fe(consts, o + 1), c))),
                   fr_add(fr_add(fr_mul(load_fe(consts, o + 2), d), fr_mul(load_fe(consts, o + 3), e)),
                          fr_mul(load_fe(consts, o + 4), f)))
        o = o_pcol + 5 * r
        b = fr_add(b, fr_mul(load_fe(consts, o), y))
        c = fr_add(c, fr_mul(load_fe(consts, o + 1), y))
        d = fr_add(d, fr_mul(load_fe(consts, o + 2), y))
        e = fr_add(e, fr_mul(load_fe(consts, o + 3), y))
        f = fr_add(f, fr_mul(load_fe(consts, o + 4), y))
    for r in range(4):
        o = o_sfc + r * t
        a = _pow5(fr_add(a, load_fe(consts, o)))
        b = _pow5(fr_add(b, load_fe(consts, o + 1)))
        c = _pow5(fr_add(c, load_fe(consts, o + 2)))
        d = _pow5(fr_add(d, load_fe(consts, o + 3)))
        e = _pow5(fr_add(e, load_fe(consts, o + 4)))
        f = _pow5(fr_add(f, load_fe(consts, o + 5)))
        if r < 3:
            m = o_mds
            a, b, c, d, e, f = (_dot6(consts, m, a, b, c, d, e, f), _dot6(consts, m + 6, a, b, c, d, e, f),
                                _dot6(consts, m + 12, a, b, c, d, e, f), _dot6(consts, m + 18, a, b, c, d, e, f),
                                _dot6(consts, m + 24, a, b, c, d, e, f), _dot6(consts, m + 30, a, b, c, d, e, f))
    return _dot6(consts, o_mds, a, b, c, d, e, f)


@njit(cache=True)
def _hash_row(inputs, i, consts, n_partial, out):
    """out[i] = Poseidon of the row inputs[i] (normal form in and out); t = 4 in registers, other widths generic."""
    k = inputs.shape[1]
    if k == 3:
        h = _poseidon3(fr_to_mont(load_fe(inputs[i], 0)), fr_to_mont(load_fe(inputs[i], 1)),
                       fr_to_mont(load_fe(inputs[i], 2)), consts, n_partial)
    else:
        state = np.empty((k + 1, 4), dtype=np.uint64)
        store_fe(state, 0, _ZERO)
        for j in range(k):
            store_fe(state, j + 1, fr_to_mont(load_fe(inputs[i], j)))
        h = _poseidon(state, consts, n_partial)
    store_fe(out, i, fr_from_mont(h))


# ----------------------------------------------------------------------------- Baby Jubjub


@njit(cache=True)
def _ext_add(p, q):
    """p + q in extended coordinates (add-2008-hwcd, complete)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = fr_mul(x1, x2)
    b = fr_mul(y1, y2)
    c = fr_mul(_D, fr_mul(t1, t2))
    d = fr_mul(z1, z2)
    e = fr_sub(fr_sub(fr_mul(fr_add(x1, y1), fr_add(x2, y2)), a), b)
    f = fr_sub(d, c)
    g = fr_add(d, c)
    h = fr_sub(b, fr_mul(_A, a))
    return (fr_mul(e, f), fr_mul(g, h), fr_mul(f, g), fr_mul(e, h))


@njit(cache=True)
def _ext_add_affine(p, x2, y2, dt2):
    """p + (x2, y2) given as (x2, y2, d x2 y2) (madd-2008-hwcd)."""
    x1, y1, z1, t1 = p
    a = fr_mul(x1, x2)
    b = fr_mul(y1, y2)
    c = fr_mul(t1, dt2)
    e = fr_sub(fr_sub(fr_mul(fr_add(x1, y1), fr_add(x2, y2)), a), b)
    f = fr_sub(z1, c)
    g = fr_add(z1, c)
    h = fr_sub(b, fr_mul(_A, a))
    return (fr_mul(e, f), fr_mul(g, h), fr_mul(f, g), fr_mul(e, h))


@njit(cache=True)
def _ext_double(p):
    """2 p in extended coordinates (dbl-2008-hwcd)."""
    x1, y1, z1, _ = p
    a = fr_sqr(x1)
    b = fr_sqr(y1)
    zz = fr_sqr(z1)
    c = fr_add(zz, zz)
    da = fr_mul(_A, a)
    e = fr_sub(fr_sub(fr_sqr(fr_add(x1, y1)), a), b)
    g = fr_add(da, b)
    f = fr_sub(g, c)
    h = fr_sub(da, b)
    return (fr_mul(e, f), fr_mul(g, h), fr_mul(f, g), fr_mul(e, h))


@njit(cache=True)
def _ext_eq(p, q):
    """Whether two extended points are the same point (Z never 0 with the complete formulas)."""
    return (fr_eq(fr_mul(p[0], q[2]), fr_mul(q[0], p[2]))
            and fr_eq(fr_mul(p[1], q[2]), fr_mul(q[1], p[2])))


@njit(cache=True)
def _store_point(table, j, p):
    for k in range(4):
        for w in range(4):
            table[j, k, w] = p[k][w]


@njit(cache=True)
def _load_point(table, j):
    return ((table[j, 0, 0], table[j, 0, 1], table[j, 0, 2], table[j, 0, 3]),
            (table[j, 1, 0], table[j, 1, 1], table[j, 1, 2], table[j, 1, 3]),
            (table[j, 2, 0], table[j, 2, 1], table[j, 2, 2], table[j, 2, 3]),
            (table[j, 3, 0], table[j, 3, 1], table[j, 3, 2], table[j, 3, 3]))


@njit(cache=True)
def _ext_add_dt(p, q):
    """p + q as `_ext_add`, with q's T given premultiplied by d (table entries)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, dt2 = q
    a = fr_mul(x1, x2)
    b = fr_mul(y1, y2)
    c = fr_mul(t1, dt2)
    d = fr_mul(z1, z2)
    e = fr_sub(fr_sub(fr_mul(fr_add(x1, y1), fr_add(x2, y2)), a), b)
    f = fr_sub(d, c)
    g = fr_add(d, c)
    h = fr_sub(b, fr_mul(_A, a))
    return (fr_mul(e, f), fr_mul(g, h), fr_mul(f, g), fr_mul(e, h))


@njit(cache=True)
def _ext_double_xyz(p):
    """2 p as `_ext_double` without its T (which a doubling does not read): T is left 0."""
    x1, y1, z1, _ = p
    a = fr_sqr(x1)
    b = fr_sqr(y1)
    zz = fr_sqr(z1)
    c = fr_add(zz, zz)
    da = fr_mul(_A, a)
    e = fr_sub(fr_sub(fr_sqr(fr_add(x1, y1)), a), b)
    g = fr_add(da, b)
    f = fr_sub(g, c)
    h = fr_sub(da, b)
    return (fr_mul(e, f), fr_mul(g, h), fr_mul(f, g), _ZERO)


@njit(cache=True)
def _scalar_mul(p, k):
    """k p for an extended point p and a normal 4-limb scalar k, fixed 4-bit windows.

    The table holds m p for m < 16 with T premultiplied by d; of four doublings in a row only
    the last computes T (the next addition reads it).
    """
    table = np.empty((16, 4, 4), dtype=np.uint64)
    _store_point(table, 0, (_ZERO, _ONE, _ONE, _ZERO))
    _store_point(table, 1, (p[0], p[1], p[2], fr_mul(_D, p[3])))
    q = p
    for j in range(2, 16):
        q = _ext_add(q, p)
        _store_point(table, j, (q[0], q[1], q[2], fr_mul(_D, q[3])))
    acc = _IDENTITY
    started = False
    for i in range(3, -1, -1):
        word = k[i]
        for s in range(15, -1, -1):
            digit = int((word >> np.uint64(4 * s)) & _U15)
            if started:
                acc = _ext_double_xyz(_ext_double_xyz(_ext_double_xyz(acc)))
                if digit:
                    acc = _ext_add_dt(_ext_double(acc), _load_point(table, digit))
                else:
                    acc = _ext_double(acc)
            elif digit:
                t = _load_point(table, digit)
                acc = _ext_fix_t(t)
                started = True
    return acc


@njit(cache=True)
def _ext_fix_t(p):
    """The table entry p (T premultiplied by d) as an extended point: T = X Y / Z recomputed as T = (d T) / d."""
    return (p[0], p[1], p[2], fr_mul(_D_INV, p[3]))


@njit(cache=True)
def _mul_base(k, base_table):
    """k Base8 for a normal 4-limb scalar k < 2^256 from the fixed-base table."""
    acc = _IDENTITY
    for j in range(64):
        digit = int((k[j >> 4] >> np.uint64(4 * (j & 15))) & _U15)
        if digit:
            row = (j * 16 + digit) * 3
            acc = _ext_add_affine(acc, load_fe(base_table, row), load_fe(base_table, row + 1),
                                  load_fe(base_table, row + 2))
    return acc


@njit(cache=True)
def _on_curve(x, y):
    """a x^2 + y^2 == 1 + d x^2 y^2 (Montgomery coordinates)."""
    x2 = fr_sqr(x)
    y2 = fr_sqr(y)
    left = fr_add(fr_mul(_A, x2), y2)
    right = fr_add(_ONE, fr_mul(_D, fr_mul(x2, y2)))
    return fr_eq(left, right)


@njit(cache=True)
def _decompress(w0, w1, w2, w3):
    """(status, x, y) of a packed point as babyjubjub.unpack_point: status 0 or a malformed code; x, y Montgomery."""
    negative = (w3 >> _U63) != _U0
    y = (w0, w1, w2, w3 & _MASK63)
    if not _lt(y, _R_LIMBS):
        return Y_OUT_OF_RANGE, _ZERO, _ZERO
    ym = fr_to_mont(y)
    y2 = fr_sqr(ym)
    u = fr_sub(_ONE, y2)
    v = fr_sub(_A, fr_mul(_D, y2))
    if _is_zero(v):
        return NOT_ON_CURVE, _ZERO, ym
    ok, x = _sqrt(fr_mul(u, _inv(v)))
    if not ok:
        return NOT_ON_CURVE, _ZERO, ym
    if _lt(_HALF_LIMBS, fr_from_mont(x)):
        x = fr_neg(x)
    if negative:
        if _is_zero(x):
            return SIGN_OF_ZERO, _ZERO, ym
        x = fr_neg(x)
    return 0, x, ym


@njit(cache=True)
def _verify_one(packed, i, pubkeys, pubkey_ok, messages, base_table, consts, n_partial, status, r8x):
    """Decode and verify item i (see `verify_packed`)."""
    code, x, y = _decompress(packed[i, 0], packed[i, 1], packed[i, 2], packed[i, 3])
    if code != 0:
        status[i] = code
        return
    s = (packed[i, 4], packed[i, 5], packed[i, 6], packed[i, 7])
    if not _lt(s, _L_LIMBS):
        status[i] = S_OUT_OF_RANGE
        return
    store_fe(r8x, i, fr_from_mont(x))
    status[i] = INVALID
    if pubkey_ok[i] == 0:
        return
    ax = fr_to_mont((pubkeys[i, 0, 0], pubkeys[i, 0, 1], pubkeys[i, 0, 2], pubkeys[i, 0, 3]))
    ay = fr_to_mont((pubkeys[i, 1, 0], pubkeys[i, 1, 1], pubkeys[i, 1, 2], pubkeys[i, 1, 3]))
    if not _on_curve(ax, ay):
        return
    a8 = _ext_double(_ext_double(_ext_double((ax, ay, _ONE, fr_mul(ax, ay)))))
    if _is_zero(a8[0]) and fr_eq(a8[1], a8[2]):  # 8 A is the identity
        return
    hm = fr_from_mont(_poseidon5(x, y, ax, ay, fr_to_mont(load_fe(messages, i)), consts, n_partial))
    left = _mul_base(s, base_table)
    right = _ext_add((x, y, _ONE, fr_mul(x, y)), _scalar_mul(a8, hm))
    if _ext_eq(left, right):
        status[i] = VALID


@njit(cache=True, nogil=True)
def poseidon_many(inputs, consts, n_partial, out):
    """out[i] = Poseidon(inputs[i, 0], ..., inputs[i, k-1]) for (n, k, 4) normal-form inputs, t = k + 1.

    One thread, without the GIL: the node service verifies a group on its node thread while its event
    loop goes on (a parallel twin cost as much compile time again and gained nothing there).
    """
    n = inputs.shape[0]
    for i in range(n):
        _hash_row(inputs, i, consts, n_partial, out)


@njit(cache=True, nogil=True)
def verify_packed(packed, pubkeys, pubkey_ok, messages, base_table, consts, n_partial, status, r8x):
    """Decode and verify n packed signatures, in one thread without the GIL.

    packed (n, 8) uint64: the 64 bytes as little-endian words (R8 packed, then S); pubkeys (n, 2, 4)
    normal form, pubkey_ok (n,) uint8 (0: refused on the Python side); messages (n, 4) normal form.
    Writes status[i] (VALID, INVALID or a malformed code) and, for well-formed signatures, r8x[i]
    (R8's x, normal form).
    """
    for i in range(packed.shape[0]):
        _verify_one(packed, i, pubkeys, pubkey_ok, messages, base_table, consts, n_partial, status, r8x)
