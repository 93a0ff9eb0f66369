"""Curve kernels for G1 and G2, written once over Fq and Fq2 through the generic field ops of `ext`.

Both curves have a = 0: G1 is y^2 = x^3 + 3 over Fq, G2 the sextic twist
y^2 = x^3 + 3/(9+u) over Fq2.  Inside kernels:

- an affine point is (x, y); the point at infinity is (0, 0), which is on
  neither curve;
- a Jacobian point is (X, Y, Z) for the affine (X/Z^2, Y/Z^3); Z = 0 is the
  point at infinity (written (1, 1, 0) when this module makes it);
- point arrays are (n, 2, 4) / (n, 2, 2, 4) affine and (n, 3, 4) / (n, 3, 2, 4)
  Jacobian; field-element scratch arrays are (n, 4) / (n, 2, 4), read and
  written by the accessors of `rows` for either field.

Formulas (a = 0, from the Explicit-Formulas Database): doubling dbl-2009-l
(2M + 5S), addition add-2007-bl (11M + 5S), mixed addition madd-2007-bl
(7M + 4S); the equal-point and opposite-point cases fall back to doubling
and infinity.  Scalar multiplication is width-5 wNAF over odd multiples.
G2 subgroup membership uses the untwist-Frobenius-twist endomorphism psi and
the criterion of El Housni, Guillevic, Piellard (ePrint 2022/352, BN curves):
Q is in the r-torsion iff [x+1]Q + psi([x]Q) + psi^2([x]Q) == psi^3([2x]Q),
x the BN parameter; it costs one 63-bit multiplication instead of a 254-bit one.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.extending import overload

from zkl.algebra._kernels import ext, fq, fq2
from zkl.algebra._kernels.ext import is_fq2_type, one_like, zero_like
from zkl.algebra._kernels.rows import load_coord, load_fe, load_jac, store_coord, store_fe, store_jac
from zkl.algebra.constants import BN_X, G1_B, G2_B, MONT_R, Q, XI, int_to_limbs
from zkl.algebra.tower import Fq2

_U0 = np.uint64(0)
_U1 = np.uint64(1)


def _mont_fq(value: int) -> tuple:
    """Montgomery limbs of an int mod q, computed with Python ints (import-time constants)."""
    return int_to_limbs(value % Q * MONT_R % Q)


def _mont_fq2(value: Fq2) -> tuple:
    """Montgomery limb pair of a tower.Fq2 (import-time constants)."""
    return (_mont_fq(value.c0), _mont_fq(value.c1))


#: the curve coefficients b = 3 (G1) and b' = 3 / (9 + u) (G2) in Montgomery form
B_G1 = _mont_fq(G1_B)
B_G2 = _mont_fq2(Fq2(*G2_B))
#: psi(x, y) = (conj(x) * xi^((q-1)/3), conj(y) * xi^((q-1)/2))
_PSI_X = _mont_fq2(Fq2(*XI) ** ((Q - 1) // 3))
_PSI_Y = _mont_fq2(Fq2(*XI) ** ((Q - 1) // 2))


def _naf(k: int) -> tuple[int, ...]:
    digits = []
    while k:
        d = 2 - (k & 3) if k & 1 else 0
        digits.append(d)
        k = (k - d) >> 1
    return tuple(digits)


#: non-adjacent form of the BN parameter x, least significant digit first
_X_NAF = _naf(BN_X)
_WNAF_W = 5
_WNAF_TABLE = 1 << (_WNAF_W - 2)


# --------------------------------------------------------------------------------------------
# generic helpers (field-type dispatch at compile time, value dispatch in pure Python)


#: the group law on G1: with the Fq operations inlined, LLVM overlaps independent multiplications
_HOT = frozenset({"jac_add_mixed", "jac_add", "jac_double"})


def _inline_for_fq(expr, caller, callee) -> bool:
    """numba inlining cost model: inline an Fq operation in the hot group law, call it elsewhere."""
    if is_fq2_type(caller.typemap[expr.args[0].name]):
        return False
    return caller.func_ir.func_id.func_name in _HOT


def _generic(name: str, generic, on_fq, on_fq2, arity: int):
    """A field op for the curve formulas: `ext`'s generic op in pure Python; under numba compiled once
    per field as its own function, inlined only into the G1 group law (`_HOT`).  There inlining lets
    LLVM overlap independent multiplications (G1 mixed addition 260 -> 241 ns); inlined everywhere
    it cost ~25 s more of cold compile over all kernels (measured side by side).
    """
    if arity == 1:
        def stub(a):
            return generic(a)

        def typed(a):
            impl = on_fq2 if is_fq2_type(a) else on_fq
            return lambda a: impl(a)
    else:
        def stub(a, b):
            return generic(a, b)

        def typed(a, b):
            impl = on_fq2 if is_fq2_type(a) else on_fq
            return lambda a, b: impl(a, b)
    stub.__name__ = stub.__qualname__ = name
    overload(stub, inline=_inline_for_fq)(typed)
    return stub


f_add = _generic("f_add", ext.f_add, fq.fq_add, fq2.fq2_add, 2)
f_sub = _generic("f_sub", ext.f_sub, fq.fq_sub, fq2.fq2_sub, 2)
f_mul = _generic("f_mul", ext.f_mul, fq.fq_mul, fq2.fq2_mul, 2)
f_eq = _generic("f_eq", ext.f_eq, fq.fq_eq, fq2.fq2_eq, 2)
f_sqr = _generic("f_sqr", ext.f_sqr, fq.fq_sqr, fq2.fq2_sqr, 1)
f_neg = _generic("f_neg", ext.f_neg, fq.fq_neg, fq2.fq2_neg, 1)
f_dbl = _generic("f_dbl", ext.f_dbl, fq.fq_dbl, fq2.fq2_dbl, 1)
f_inv = _generic("f_inv", ext.f_inv, fq.fq_inv, fq2.fq2_inv, 1)
f_is_zero = _generic("f_is_zero", ext.f_is_zero, fq.fq_is_zero, fq2.fq2_is_zero, 1)


def _curve_b(x):
    """The curve coefficient b for x's field: 3 (G1) or 3/(9+u) (G2), Montgomery form."""
    return B_G2 if isinstance(x[0], tuple) else B_G1


@overload(_curve_b)
def _curve_b_typed(x):
    if is_fq2_type(x):
        return lambda x: B_G2
    return lambda x: B_G1


def _empty_fe_for(points, m):
    """(m, 4) or (m, 2, 4) scratch array of field elements of the points' field."""
    if points.ndim == 3:
        return np.empty((m, 4), dtype=np.uint64)
    return np.empty((m, 2, 4), dtype=np.uint64)


@overload(_empty_fe_for)
def _empty_fe_for_typed(points, m):
    if points.ndim == 3:
        return lambda points, m: np.empty((m, 4), dtype=np.uint64)
    return lambda points, m: np.empty((m, 2, 4), dtype=np.uint64)


def _empty_jac_for(points, m):
    """(m, 3, 4) or (m, 3, 2, 4) Jacobian array of the points' field."""
    if points.ndim == 3:
        return np.empty((m, 3, 4), dtype=np.uint64)
    return np.empty((m, 3, 2, 4), dtype=np.uint64)


@overload(_empty_jac_for)
def _empty_jac_for_typed(points, m):
    if points.ndim == 3:
        return lambda points, m: np.empty((m, 3, 4), dtype=np.uint64)
    return lambda points, m: np.empty((m, 3, 2, 4), dtype=np.uint64)


@njit(inline="always", cache=True)
def _fq_below_q(a):
    """The 4-limb tuple a (any bits) is below q."""
    for k in range(3, -1, -1):
        if a[k] != fq.P[k]:
            return a[k] < fq.P[k]
    return False


def _in_range(a):
    """Every Fq component of a (raw limbs) is below q."""
    if isinstance(a[0], tuple):
        return _fq_below_q(a[0]) and _fq_below_q(a[1])
    return _fq_below_q(a)


@overload(_in_range)
def _in_range_typed(a):
    if is_fq2_type(a):
        return lambda a: _fq_below_q(a[0]) and _fq_below_q(a[1])
    return lambda a: _fq_below_q(a)


# --------------------------------------------------------------------------------------------
# single-point formulas


@njit(inline="always", cache=True)
def jac_infinity(x):
    """The Jacobian point at infinity (1, 1, 0) over x's field."""
    one = one_like(x)
    return (one, one, zero_like(x))


@njit(inline="always", cache=True)
def _aff_is_infinity(x, y):
    """The affine encoding (0, 0) of infinity."""
    return f_is_zero(x) and f_is_zero(y)


@njit(inline="always", cache=True)
def jac_from_affine(x, y):
    """Jacobian (x, y, 1), or infinity for (0, 0)."""
    if _aff_is_infinity(x, y):
        return jac_infinity(x)
    return (x, y, one_like(x))


@njit(inline="always", cache=True)
def jac_neg(p):
    """-P = (X, -Y, Z)."""
    return (p[0], f_neg(p[1]), p[2])


@njit(cache=True)
def jac_double(p):
    """2P (dbl-2009-l, a = 0)."""
    x, y, z = p
    if f_is_zero(z):
        return p
    a = f_sqr(x)
    b = f_sqr(y)
    c = f_sqr(b)
    d = f_dbl(f_sub(f_sub(f_sqr(f_add(x, b)), a), c))
    e = f_add(f_dbl(a), a)
    x3 = f_sub(f_sqr(e), f_dbl(d))
    y3 = f_sub(f_mul(e, f_sub(d, x3)), f_dbl(f_dbl(f_dbl(c))))
    z3 = f_dbl(f_mul(y, z))
    return (x3, y3, z3)


@njit(cache=True)
def jac_add(p, q):
    """P + Q, both Jacobian (add-2007-bl)."""
    x1, y1, z1 = p
    x2, y2, z2 = q
    if f_is_zero(z1):
        return q
    if f_is_zero(z2):
        return p
    z1z1 = f_sqr(z1)
    z2z2 = f_sqr(z2)
    u1 = f_mul(x1, z2z2)
    u2 = f_mul(x2, z1z1)
    s1 = f_mul(f_mul(y1, z2), z2z2)
    s2 = f_mul(f_mul(y2, z1), z1z1)
    h = f_sub(u2, u1)
    rr = f_sub(s2, s1)
    if f_is_zero(h):
        if f_is_zero(rr):
            return jac_double(p)
        return jac_infinity(x1)
    i = f_sqr(f_dbl(h))
    j = f_mul(h, i)
    rr = f_dbl(rr)
    v = f_mul(u1, i)
    x3 = f_sub(f_sub(f_sqr(rr), j), f_dbl(v))
    y3 = f_sub(f_mul(rr, f_sub(v, x3)), f_dbl(f_mul(s1, j)))
    z3 = f_mul(f_sub(f_sub(f_sqr(f_add(z1, z2)), z1z1), z2z2), h)
    return (x3, y3, z3)


@njit(cache=True)
def jac_add_mixed(p, x2, y2):
    """P + (x2, y2), P Jacobian, (x2, y2) affine with (0, 0) = infinity (madd-2007-bl)."""
    x1, y1, z1 = p
    if _aff_is_infinity(x2, y2):
        return p
    if f_is_zero(z1):
        return (x2, y2, one_like(x2))
    z1z1 = f_sqr(z1)
    u2 = f_mul(x2, z1z1)
    s2 = f_mul(f_mul(y2, z1), z1z1)
    h = f_sub(u2, x1)
    rr = f_sub(s2, y1)
    if f_is_zero(h):
        if f_is_zero(rr):
            return jac_double(p)
        return jac_infinity(x1)
    hh = f_sqr(h)
    i = f_dbl(f_dbl(hh))
    j = f_mul(h, i)
    rr = f_dbl(rr)
    v = f_mul(x1, i)
    x3 = f_sub(f_sub(f_sqr(rr), j), f_dbl(v))
    y3 = f_sub(f_mul(rr, f_sub(v, x3)), f_dbl(f_mul(y1, j)))
    z3 = f_dbl(f_mul(z1, h))
    return (x3, y3, z3)


@njit(cache=True)
def jac_eq(p, q):
    """P == Q for Jacobian points (cross-multiplied, any Z)."""
    inf_p = f_is_zero(p[2])
    inf_q = f_is_zero(q[2])
    if inf_p or inf_q:
        return inf_p and inf_q
    z1z1 = f_sqr(p[2])
    z2z2 = f_sqr(q[2])
    if not f_eq(f_mul(p[0], z2z2), f_mul(q[0], z1z1)):
        return False
    return f_eq(f_mul(f_mul(p[1], q[2]), z2z2), f_mul(f_mul(q[1], p[2]), z1z1))


@njit(cache=True)
def jac_to_affine(p):
    """(X/Z^2, Y/Z^3), or (0, 0) for infinity (one inversion)."""
    x, y, z = p
    if f_is_zero(z):
        zero = zero_like(x)
        return (zero, zero)
    zi = f_inv(z)
    zi2 = f_sqr(zi)
    return (f_mul(x, zi2), f_mul(y, f_mul(zi2, zi)))


@njit(inline="always", cache=True)
def _on_curve_affine(x, y):
    """y^2 == x^3 + b, or (x, y) is the infinity encoding (0, 0)."""
    if _aff_is_infinity(x, y):
        return True
    return f_eq(f_sqr(y), f_add(f_mul(f_sqr(x), x), _curve_b(x)))


@njit(inline="always", cache=True)
def _bit(k, i):
    """Bit i of the little-endian 4-limb array k (0 beyond bit 255)."""
    if i >= 256:
        return 0
    return np.int64((k[i >> 6] >> np.uint64(i & 63)) & _U1)


@njit(cache=True)
def _wnaf(k, w):
    """Width-w non-adjacent form of the 256-bit scalar k: 257 digits, odd or zero, |d| < 2^(w-1)."""
    digits = np.zeros(257, dtype=np.int64)
    half = 1 << (w - 1)
    full = 1 << w
    carry = 0
    pos = 0
    while pos < 257:
        if _bit(k, pos) == carry:
            pos += 1
            continue
        window = carry
        for j in range(w):
            window += _bit(k, pos + j) << j
        if window >= half:
            digits[pos] = window - full
            carry = 1
        else:
            digits[pos] = window
            carry = 0
        pos += w
    return digits


@njit(cache=True)
def jac_mul(p, k):
    """[k]P for a Jacobian P and a 4-limb normal-form scalar array k (any k < 2^256)."""
    digits = _wnaf(k, _WNAF_W)
    top = 256
    while top >= 0 and digits[top] == 0:
        top -= 1
    if top < 0 or f_is_zero(p[2]):
        return jac_infinity(p[0])
    p2 = jac_double(p)
    table = [p] * _WNAF_TABLE
    for i in range(1, _WNAF_TABLE):
        table[i] = jac_add(table[i - 1], p2)
    d = digits[top]
    acc = table[d >> 1] if d > 0 else jac_neg(table[(-d) >> 1])
    for i in range(top - 1, -1, -1):
        acc = jac_double(acc)
        d = digits[i]
        if d > 0:
            acc = jac_add(acc, table[d >> 1])
        elif d < 0:
            acc = jac_add(acc, jac_neg(table[(-d) >> 1]))
    return acc


# --------------------------------------------------------------------------------------------
# G2 endomorphism and subgroup check


@njit(inline="always", cache=True)
def _psi(p):
    """psi(X, Y, Z) = (conj(X) c_x, conj(Y) c_y, conj(Z)): untwist, Frobenius, twist (Jacobian, Fq2)."""
    return (f_mul(fq2.fq2_conj(p[0]), _PSI_X), f_mul(fq2.fq2_conj(p[1]), _PSI_Y), fq2.fq2_conj(p[2]))


@njit(cache=True)
def g2_in_subgroup(x, y):
    """Affine (x, y), on the twist, is in the r-torsion: [x+1]Q + psi([x]Q) + psi^2([x]Q) == psi^3([2x]Q)."""
    if _aff_is_infinity(x, y):
        return True
    # a = [x]Q by the NAF of x, mixed additions of +-Q
    ny = f_neg(y)
    a = (x, y, one_like(x))
    for i in range(len(_X_NAF) - 2, -1, -1):
        a = jac_double(a)
        d = _X_NAF[i]
        if d > 0:
            a = jac_add_mixed(a, x, y)
        elif d < 0:
            a = jac_add_mixed(a, x, ny)
    b = _psi(a)
    a = jac_add_mixed(a, x, y)
    res = _psi(b)
    c = jac_add(jac_add(res, b), a)
    res = jac_double(_psi(res))
    return jac_eq(res, c)


def _in_subgroup(x, y):
    """Subgroup membership of an on-curve affine point: always for G1 (cofactor 1), psi check for G2."""
    if isinstance(x[0], tuple):
        return g2_in_subgroup(x, y)
    return True


@overload(_in_subgroup)
def _in_subgroup_typed(x, y):
    if is_fq2_type(x):
        return lambda x, y: g2_in_subgroup(x, y)
    return lambda x, y: True


# --------------------------------------------------------------------------------------------
# array kernels

#: points per chunk of a batch inversion (one field inversion per chunk)
_CHUNK = 2048


@njit(cache=True)
def batch_to_affine_range(jac, lo, hi, out, out_lo):
    """Jacobian rows lo..hi to affine rows out_lo.. of out with one inversion (Montgomery's trick)."""
    scratch = _empty_fe_for(out, hi - lo)
    x0 = load_coord(jac, lo, 0)
    acc = one_like(x0)
    for i in range(lo, hi):
        z = load_coord(jac, i, 2)
        store_fe(scratch, i - lo, acc)
        if not f_is_zero(z):
            acc = f_mul(acc, z)
    inv = f_inv(acc)
    zero = zero_like(x0)
    for i in range(hi - 1, lo - 1, -1):
        o = out_lo + i - lo
        z = load_coord(jac, i, 2)
        if f_is_zero(z):
            store_coord(out, o, 0, zero)
            store_coord(out, o, 1, zero)
            continue
        zi = f_mul(inv, load_fe(scratch, i - lo))
        inv = f_mul(inv, z)
        zi2 = f_sqr(zi)
        store_coord(out, o, 0, f_mul(load_coord(jac, i, 0), zi2))
        store_coord(out, o, 1, f_mul(load_coord(jac, i, 1), f_mul(zi2, zi)))


@njit(parallel=True, cache=True)
def batch_to_affine(jac, out):
    """Affine (n, 2, ...) of a Jacobian (n, 3, ...) array, one inversion per chunk of _CHUNK points."""
    n = jac.shape[0]
    nchunks = (n + _CHUNK - 1) // _CHUNK
    for c in prange(nchunks):
        lo = c * _CHUNK
        hi = min(n, lo + _CHUNK)
        batch_to_affine_range(jac, np.int64(lo), np.int64(hi), out, np.int64(lo))


@njit(inline="always", cache=True)
def load_affine_as_jac(a, i):
    """Row i of an affine array as a Jacobian point."""
    return jac_from_affine(load_coord(a, i, 0), load_coord(a, i, 1))


#: operations of _pointwise
OP_ADD, OP_DOUBLE, OP_NEG, OP_MUL = 0, 1, 2, 3


@njit(cache=True)
def _pointwise(op, a, b, scalars, out):
    """out[i] = a[i] + b[i], 2 a[i], -a[i] or [scalars[i]] a[i] (op), affine arrays, one inversion per point.

    For the few points of a public call; scalars are (n, 4) normal-form limbs (any value < 2^256).
    """
    for i in range(a.shape[0]):
        p = load_affine_as_jac(a, i)
        if op == OP_ADD:
            r = jac_add_mixed(p, load_coord(b, i, 0), load_coord(b, i, 1))
        elif op == OP_DOUBLE:
            r = jac_double(p)
        elif op == OP_NEG:
            r = jac_neg(p)
        else:
            r = jac_mul(p, scalars[i])
        x, y = jac_to_affine(r)
        store_coord(out, i, 0, x)
        store_coord(out, i, 1, y)


@njit(cache=True)
def _psi_points(a, out):
    """out[i] = psi(a[i]) for a G2 affine array (used to test the endomorphism)."""
    for i in range(a.shape[0]):
        x, y = jac_to_affine(_psi(load_affine_as_jac(a, i)))
        store_coord(out, i, 0, x)
        store_coord(out, i, 1, y)


@njit(cache=True)
def check_point(points, i, subgroup):
    """0 if point i is valid; 1 coordinate >= q, 2 off the curve, 3 outside the subgroup."""
    x = load_coord(points, i, 0)
    y = load_coord(points, i, 1)
    if not (_in_range(x) and _in_range(y)):
        return 1
    if not _on_curve_affine(x, y):
        return 2
    if subgroup and not _in_subgroup(x, y):
        return 3
    return 0


@njit(cache=True)
def first_invalid_point(points, subgroup):
    """(index, code) of the first invalid point of an affine Montgomery array, or (-1, 0), on the calling thread."""
    for i in range(points.shape[0]):
        code = check_point(points, np.int64(i), subgroup)
        if code != 0:
            return i, code
    return -1, 0


@njit(parallel=True, cache=True)
def _validate_points(points, subgroup):
    """(index, code) of the first invalid point of an affine Montgomery array, or (-1, 0); codes of check_point."""
    n = points.shape[0]
    codes = np.zeros(n, dtype=np.int8)
    for i in prange(n):
        codes[i] = check_point(points, np.int64(i), subgroup)
    for i in range(n):
        if codes[i] != 0:
            return i, codes[i]
    return -1, np.int8(0)


@njit(cache=True)
def _sum_part(points, lo, hi, partial, c):
    """partial[c] = Jacobian sum of affine points lo..hi (mixed additions)."""
    acc = jac_infinity(load_coord(points, 0, 0))
    for i in range(lo, hi):
        acc = jac_add_mixed(acc, load_coord(points, i, 0), load_coord(points, i, 1))
    store_jac(partial, c, acc)


@njit(parallel=True, cache=True)
def _sum_points(points, nparts, out):
    """out[0] = Jacobian (X, Y, Z) sum of all points of a non-empty affine array, in nparts parallel parts."""
    n = points.shape[0]
    partial = _empty_jac_for(points, nparts)
    step = (n + nparts - 1) // nparts
    for c in prange(nparts):
        _sum_part(points, np.int64(min(n, c * step)), np.int64(min(n, (c + 1) * step)), partial, np.int64(c))
    acc = load_jac(partial, 0)
    for c in range(1, nparts):
        acc = jac_add(acc, load_jac(partial, c))
    store_jac(out, 0, acc)
