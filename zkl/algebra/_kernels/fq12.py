"""Fq6 = Fq2[v]/(v^3 - ξ) and Fq12 = Fq6[w]/(w^2 - v) element kernels (ξ = 9 + u).

Inside a kernel an Fq6 element is a 3-tuple (c0, c1, c2) of Fq2 pairs and an
Fq12 element a pair (c0, c1) of Fq6 triples, all limbs in Montgomery form.
Bulk arrays: Fq12 is (n, 2, 3, 2, 4) uint64 (index [i, w-power, v-power,
u-power, limb]).  The Python-int twin of every function here is in
zkl/algebra/tower.py.

Compile time: numba's `inline="always"` inliner grows badly with function size
(an Fq6 multiplication written over the inlined Fq2 kernels takes ~40 s to
compile, ~0.6 s when it calls them), so the Fq2 operations are wrapped once in
ordinary `njit` functions (`_e2_*`) and everything above them calls those; LLVM
still inlines the small ones.  The element functions take tuples and are only
called from other kernels, so they are compiled with `no_cpython_wrapper=True`
(unboxing nested tuples from Python is a large wrapper that every caller's
module would re-optimize: ~15 s of a cold compile).  The `*_arr` kernels at
the end are the entry points that tests and benchmarks call from Python.
"""

from __future__ import annotations

from numba import njit

from zkl.algebra._kernels.fq import ONE as FQ_ONE, ZERO as FQ_ZERO
from zkl.algebra._kernels.fq2 import (
    fq2_add,
    fq2_conj,
    fq2_dbl,
    fq2_eq,
    fq2_inv,
    fq2_is_zero,
    fq2_mul,
    fq2_mul_by_xi,
    fq2_mul_fq,
    fq2_neg,
    fq2_sqr,
    fq2_sub,
)
from zkl.algebra.constants import Q, int_to_limbs
from zkl.algebra.tower import Fq2 as _PyFq2, frobenius_coefficient

# --------------------------------------------------------------------------- constants


def _mont(value: int) -> tuple:
    """Montgomery limbs of an int mod q."""
    return int_to_limbs((value % Q) * (1 << 256) % Q)


def _mont2(value: _PyFq2) -> tuple:
    """Montgomery limb pair of an Fq2 reference element."""
    return (_mont(value.c0), _mont(value.c1))


E2_ZERO = (FQ_ZERO, FQ_ZERO)
E2_ONE = (FQ_ONE, FQ_ZERO)
E6_ZERO = (E2_ZERO, E2_ZERO, E2_ZERO)
E6_ONE = (E2_ONE, E2_ZERO, E2_ZERO)
E12_ONE = (E6_ONE, E6_ZERO)

#: ξ^(i (q^k - 1)/6) for i = 0..5, the factor of w^i in the q^k-power Frobenius (k = 1, 2, 3)
FROB1 = tuple(_mont2(frobenius_coefficient(1, i)) for i in range(6))
#: for k = 2 the factors lie in Fq: only their c0
FROB2 = tuple(_mont(frobenius_coefficient(2, i).c0) for i in range(6))
FROB3 = tuple(_mont2(frobenius_coefficient(3, i)) for i in range(6))
assert all(frobenius_coefficient(2, i).c1 == 0 for i in range(6))

# --------------------------------------------------------------------------- Fq2 layer (calls, not inlines)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_add(a, b):
    """a + b in Fq2."""
    return fq2_add(a, b)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_sub(a, b):
    """a - b in Fq2."""
    return fq2_sub(a, b)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_neg(a):
    """-a in Fq2."""
    return fq2_neg(a)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_dbl(a):
    """2a in Fq2."""
    return fq2_dbl(a)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_mul(a, b):
    """a * b in Fq2."""
    return fq2_mul(a, b)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_sqr(a):
    """a^2 in Fq2."""
    return fq2_sqr(a)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_xi(a):
    """a * ξ."""
    return fq2_mul_by_xi(a)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_mul_fq(a, k):
    """a * k for k in Fq."""
    return fq2_mul_fq(a, k)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_conj(a):
    """conj(a) = a^q."""
    return fq2_conj(a)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_inv(a):
    """a^-1 (0 -> 0)."""
    return fq2_inv(a)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_eq(a, b):
    """a == b."""
    return fq2_eq(a, b)


@njit(cache=True, no_cpython_wrapper=True)
def _e2_is_zero(a):
    """a == 0."""
    return fq2_is_zero(a)


# --------------------------------------------------------------------------- Fq6


@njit(cache=True, no_cpython_wrapper=True)
def _e6_add(a, b):
    """a + b in Fq6."""
    return (_e2_add(a[0], b[0]), _e2_add(a[1], b[1]), _e2_add(a[2], b[2]))


@njit(cache=True, no_cpython_wrapper=True)
def _e6_sub(a, b):
    """a - b in Fq6."""
    return (_e2_sub(a[0], b[0]), _e2_sub(a[1], b[1]), _e2_sub(a[2], b[2]))


@njit(cache=True, no_cpython_wrapper=True)
def _e6_neg(a):
    """-a in Fq6."""
    return (_e2_neg(a[0]), _e2_neg(a[1]), _e2_neg(a[2]))


@njit(cache=True, no_cpython_wrapper=True)
def _e6_dbl(a):
    """2a in Fq6."""
    return (_e2_dbl(a[0]), _e2_dbl(a[1]), _e2_dbl(a[2]))


@njit(cache=True, no_cpython_wrapper=True)
def _e6_mul_by_v(a):
    """a * v = (ξ a2, a0, a1)."""
    return (_e2_xi(a[2]), a[0], a[1])


@njit(cache=True, no_cpython_wrapper=True)
def _e6_mul(a, b):
    """a * b in Fq6 (Karatsuba: six Fq2 multiplications)."""
    a0, a1, a2 = a
    b0, b1, b2 = b
    v0 = _e2_mul(a0, b0)
    v1 = _e2_mul(a1, b1)
    v2 = _e2_mul(a2, b2)
    t0 = _e2_sub(_e2_sub(_e2_mul(_e2_add(a1, a2), _e2_add(b1, b2)), v1), v2)
    t1 = _e2_sub(_e2_sub(_e2_mul(_e2_add(a0, a1), _e2_add(b0, b1)), v0), v1)
    t2 = _e2_sub(_e2_sub(_e2_mul(_e2_add(a0, a2), _e2_add(b0, b2)), v0), v2)
    return (_e2_add(v0, _e2_xi(t0)), _e2_add(t1, _e2_xi(v2)), _e2_add(t2, v1))


@njit(cache=True, no_cpython_wrapper=True)
def _e6_sqr(a):
    """a^2 in Fq6 (Chung-Hasan SQR2: two Fq2 multiplications, three squarings)."""
    a0, a1, a2 = a
    s0 = _e2_sqr(a0)
    s1 = _e2_dbl(_e2_mul(a0, a1))
    s2 = _e2_sqr(_e2_add(_e2_sub(a0, a1), a2))
    s3 = _e2_dbl(_e2_mul(a1, a2))
    s4 = _e2_sqr(a2)
    c0 = _e2_add(s0, _e2_xi(s3))
    c1 = _e2_add(s1, _e2_xi(s4))
    c2 = _e2_sub(_e2_sub(_e2_add(_e2_add(s1, s2), s3), s0), s4)
    return (c0, c1, c2)


@njit(cache=True, no_cpython_wrapper=True)
def _e6_mul_by_e2(a, k):
    """a * k for k in Fq2."""
    return (_e2_mul(a[0], k), _e2_mul(a[1], k), _e2_mul(a[2], k))


@njit(cache=True, no_cpython_wrapper=True)
def _e6_mul_by_01(a, b0, b1):
    """a * (b0 + b1 v), the sparse product of the line evaluation (five Fq2 multiplications)."""
    a0, a1, a2 = a
    v0 = _e2_mul(a0, b0)
    v1 = _e2_mul(a1, b1)
    c0 = _e2_add(v0, _e2_xi(_e2_mul(a2, b1)))
    c1 = _e2_sub(_e2_sub(_e2_mul(_e2_add(a0, a1), _e2_add(b0, b1)), v0), v1)
    c2 = _e2_add(_e2_mul(a2, b0), v1)
    return (c0, c1, c2)


@njit(cache=True, no_cpython_wrapper=True)
def _e6_inv(a):
    """a^-1 in Fq6 through the norm to Fq2 (0 -> 0)."""
    a0, a1, a2 = a
    t0 = _e2_sub(_e2_sqr(a0), _e2_xi(_e2_mul(a1, a2)))
    t1 = _e2_sub(_e2_xi(_e2_sqr(a2)), _e2_mul(a0, a1))
    t2 = _e2_sub(_e2_sqr(a1), _e2_mul(a0, a2))
    norm = _e2_add(_e2_mul(a0, t0), _e2_xi(_e2_add(_e2_mul(a2, t1), _e2_mul(a1, t2))))
    n = _e2_inv(norm)
    return (_e2_mul(t0, n), _e2_mul(t1, n), _e2_mul(t2, n))


@njit(cache=True, no_cpython_wrapper=True)
def _e6_eq(a, b):
    """a == b in Fq6."""
    return _e2_eq(a[0], b[0]) and _e2_eq(a[1], b[1]) and _e2_eq(a[2], b[2])


@njit(cache=True, no_cpython_wrapper=True)
def _e6_is_zero(a):
    """a == 0 in Fq6."""
    return _e2_is_zero(a[0]) and _e2_is_zero(a[1]) and _e2_is_zero(a[2])


# --------------------------------------------------------------------------- Fq12


@njit(cache=True, no_cpython_wrapper=True)
def _e12_conj(a):
    """c0 - c1 w = a^(q^6); the inverse on the cyclotomic subgroup."""
    return (a[0], _e6_neg(a[1]))


@njit(cache=True, no_cpython_wrapper=True)
def _e12_mul(a, b):
    """a * b in Fq12 (Karatsuba over Fq6: three Fq6 multiplications)."""
    a0, a1 = a
    b0, b1 = b
    v0 = _e6_mul(a0, b0)
    v1 = _e6_mul(a1, b1)
    c1 = _e6_sub(_e6_sub(_e6_mul(_e6_add(a0, a1), _e6_add(b0, b1)), v0), v1)
    return (_e6_add(v0, _e6_mul_by_v(v1)), c1)


@njit(cache=True, no_cpython_wrapper=True)
def _e12_sqr(a):
    """a^2 in Fq12 (complex squaring: two Fq6 multiplications)."""
    a0, a1 = a
    ab = _e6_mul(a0, a1)
    t = _e6_mul(_e6_add(a0, a1), _e6_add(a0, _e6_mul_by_v(a1)))
    c0 = _e6_sub(_e6_sub(t, ab), _e6_mul_by_v(ab))
    return (c0, _e6_dbl(ab))


@njit(cache=True, no_cpython_wrapper=True)
def _e12_inv(a):
    """a^-1 = conj(a) / (c0^2 - v c1^2) (0 -> 0)."""
    a0, a1 = a
    norm = _e6_sub(_e6_sqr(a0), _e6_mul_by_v(_e6_sqr(a1)))
    n = _e6_inv(norm)
    return (_e6_mul(a0, n), _e6_neg(_e6_mul(a1, n)))


@njit(cache=True, no_cpython_wrapper=True)
def _e12_mul_by_034(f, a, b, c):
    """f * (a + b w + c w^3) with a, b, c in Fq2: the product by a line value (13 Fq2 multiplications)."""
    f0, f1 = f
    t0 = _e6_mul_by_e2(f0, a)
    t1 = _e6_mul_by_01(f1, b, c)
    s = _e6_mul_by_01(_e6_add(f0, f1), _e2_add(a, b), c)
    c1 = _e6_sub(_e6_sub(s, t0), t1)
    return (_e6_add(t0, _e6_mul_by_v(t1)), c1)


@njit(cache=True, no_cpython_wrapper=True)
def _e12_frobenius(a):
    """a^q: conjugate each Fq2 coefficient of w^k and multiply it by ξ^(k (q-1)/6)."""
    (a0, a2, a4), (a1, a3, a5) = a
    return (
        (_e2_conj(a0), _e2_mul(_e2_conj(a2), FROB1[2]), _e2_mul(_e2_conj(a4), FROB1[4])),
        (_e2_mul(_e2_conj(a1), FROB1[1]), _e2_mul(_e2_conj(a3), FROB1[3]), _e2_mul(_e2_conj(a5), FROB1[5])),
    )


@njit(cache=True, no_cpython_wrapper=True)
def _e12_frobenius2(a):
    """a^(q^2): multiply the coefficient of w^k by ξ^(k (q^2-1)/6), an Fq constant."""
    (a0, a2, a4), (a1, a3, a5) = a
    return (
        (a0, _e2_mul_fq(a2, FROB2[2]), _e2_mul_fq(a4, FROB2[4])),
        (_e2_mul_fq(a1, FROB2[1]), _e2_mul_fq(a3, FROB2[3]), _e2_mul_fq(a5, FROB2[5])),
    )


@njit(cache=True, no_cpython_wrapper=True)
def _e12_frobenius3(a):
    """a^(q^3): conjugate each Fq2 coefficient of w^k and multiply it by ξ^(k (q^3-1)/6)."""
    (a0, a2, a4), (a1, a3, a5) = a
    return (
        (_e2_conj(a0), _e2_mul(_e2_conj(a2), FROB3[2]), _e2_mul(_e2_conj(a4), FROB3[4])),
        (_e2_mul(_e2_conj(a1), FROB3[1]), _e2_mul(_e2_conj(a3), FROB3[3]), _e2_mul(_e2_conj(a5), FROB3[5])),
    )


@njit(cache=True, no_cpython_wrapper=True)
def _e4_sqr(a, b):
    """(a + b y)^2 in Fq4 = Fq2[y]/(y^2 - ξ), as (c0, c1), with three Fq2 squarings."""
    a2 = _e2_sqr(a)
    b2 = _e2_sqr(b)
    return (_e2_add(a2, _e2_xi(b2)), _e2_sub(_e2_sub(_e2_sqr(_e2_add(a, b)), a2), b2))


@njit(cache=True, no_cpython_wrapper=True)
def _e12_cyclotomic_sqr(f):
    """f^2 for f in the cyclotomic subgroup (f^(q^4 - q^2 + 1) = 1), Granger-Scott: nine Fq2 squarings.

    Over Fq4 = Fq2[y]/(y^2 - ξ) with y = w^3, f = A + B w + C w^2 where
    A = a0 + a3 y, B = a1 + a4 y, C = a2 + a5 y (a_k the coefficient of w^k), and
    f^2 = (3A^2 - 2 conj A) + (3 y C^2 + 2 conj B) w + (3 B^2 - 2 conj C) w^2.
    """
    (z0, z4, z3), (z2, z1, z5) = f  # A = z0 + z1 y, B = z2 + z3 y, C = z4 + z5 y
    t0, t1 = _e4_sqr(z0, z1)
    t2, t3 = _e4_sqr(z2, z3)
    t4, t5 = _e4_sqr(z4, z5)
    # A' = 3 A^2 - 2 conj(A)
    r0 = _e2_add(_e2_dbl(_e2_sub(t0, z0)), t0)
    r1 = _e2_add(_e2_dbl(_e2_add(t1, z1)), t1)
    # B' = 3 y C^2 + 2 conj(B); y C^2 = ξ t5 + t4 y
    xt5 = _e2_xi(t5)
    r2 = _e2_add(_e2_dbl(_e2_add(xt5, z2)), xt5)
    r3 = _e2_add(_e2_dbl(_e2_sub(t4, z3)), t4)
    # C' = 3 B^2 - 2 conj(C)
    r4 = _e2_add(_e2_dbl(_e2_sub(t2, z4)), t2)
    r5 = _e2_add(_e2_dbl(_e2_add(t3, z5)), t3)
    return ((r0, r4, r3), (r2, r1, r5))


@njit(cache=True, no_cpython_wrapper=True)
def _e12_is_one(a):
    """a == 1 in Fq12."""
    return _e6_eq(a[0], E6_ONE) and _e6_is_zero(a[1])


# --------------------------------------------------------------------------- array load / store


@njit(inline="always", cache=True)
def _ld4(x, i, j, k, m):
    return (x[i, j, k, m, 0], x[i, j, k, m, 1], x[i, j, k, m, 2], x[i, j, k, m, 3])


@njit(cache=True, no_cpython_wrapper=True)
def _load_e12(x, i):
    """Row i of an (n, 2, 3, 2, 4) array as an Fq12 tuple."""
    return (
        ((_ld4(x, i, 0, 0, 0), _ld4(x, i, 0, 0, 1)), (_ld4(x, i, 0, 1, 0), _ld4(x, i, 0, 1, 1)),
         (_ld4(x, i, 0, 2, 0), _ld4(x, i, 0, 2, 1))),
        ((_ld4(x, i, 1, 0, 0), _ld4(x, i, 1, 0, 1)), (_ld4(x, i, 1, 1, 0), _ld4(x, i, 1, 1, 1)),
         (_ld4(x, i, 1, 2, 0), _ld4(x, i, 1, 2, 1))),
    )


@njit(cache=True, no_cpython_wrapper=True)
def _store_e12(x, i, a):
    """Write an Fq12 tuple into row i of an (n, 2, 3, 2, 4) array."""
    for j in range(2):
        for k in range(3):
            for m in range(2):
                limbs = a[j][k][m]
                for t in range(4):
                    x[i, j, k, m, t] = limbs[t]


# --------------------------------------------------------------------------- array kernels (tests, benchmarks)


@njit(cache=True)
def _e12_mul_arr(a, b, out):
    """out[i] = a[i] * b[i]."""
    for i in range(a.shape[0]):
        _store_e12(out, i, _e12_mul(_load_e12(a, i), _load_e12(b, i)))


@njit(cache=True)
def _e12_sqr_arr(a, out):
    """out[i] = a[i]^2."""
    for i in range(a.shape[0]):
        _store_e12(out, i, _e12_sqr(_load_e12(a, i)))


@njit(cache=True)
def _e12_inv_arr(a, out):
    """out[i] = a[i]^-1 (0 -> 0)."""
    for i in range(a.shape[0]):
        _store_e12(out, i, _e12_inv(_load_e12(a, i)))


@njit(cache=True)
def _e12_frobenius_arr(a, k, out):
    """out[i] = a[i]^(q^k) for k in 1, 2, 3."""
    for i in range(a.shape[0]):
        x = _load_e12(a, i)
        if k == 1:
            y = _e12_frobenius(x)
        elif k == 2:
            y = _e12_frobenius2(x)
        else:
            y = _e12_frobenius3(x)
        _store_e12(out, i, y)


@njit(cache=True)
def _e12_cyclotomic_sqr_arr(a, out):
    """out[i] = a[i]^2 by cyclotomic squaring (valid only on the cyclotomic subgroup)."""
    for i in range(a.shape[0]):
        _store_e12(out, i, _e12_cyclotomic_sqr(_load_e12(a, i)))


@njit(cache=True)
def _e12_mul_by_034_arr(a, lines, out):
    """out[i] = a[i] * (l0 + l1 w + l2 w^3) with lines (n, 3, 2, 4)."""
    for i in range(a.shape[0]):
        l0 = ((lines[i, 0, 0, 0], lines[i, 0, 0, 1], lines[i, 0, 0, 2], lines[i, 0, 0, 3]),
              (lines[i, 0, 1, 0], lines[i, 0, 1, 1], lines[i, 0, 1, 2], lines[i, 0, 1, 3]))
        l1 = ((lines[i, 1, 0, 0], lines[i, 1, 0, 1], lines[i, 1, 0, 2], lines[i, 1, 0, 3]),
              (lines[i, 1, 1, 0], lines[i, 1, 1, 1], lines[i, 1, 1, 2], lines[i, 1, 1, 3]))
        l2 = ((lines[i, 2, 0, 0], lines[i, 2, 0, 1], lines[i, 2, 0, 2], lines[i, 2, 0, 3]),
              (lines[i, 2, 1, 0], lines[i, 2, 1, 1], lines[i, 2, 1, 2], lines[i, 2, 1, 3]))
        _store_e12(out, i, _e12_mul_by_034(_load_e12(a, i), l0, l1, l2))


@njit(cache=True, no_cpython_wrapper=True)
def _load_e6(x, i, j):
    """x[i, j] of an (n, 2, 3, 2, 4) array as an Fq6 tuple."""
    return (
        (_ld4(x, i, j, 0, 0), _ld4(x, i, j, 0, 1)),
        (_ld4(x, i, j, 1, 0), _ld4(x, i, j, 1, 1)),
        (_ld4(x, i, j, 2, 0), _ld4(x, i, j, 2, 1)),
    )


@njit(cache=True)
def _e6_op_arr(a, b, op, out):
    """Fq6 kernels on the c0 halves of (n, 2, 3, 2, 4) arrays: op 0 mul, 1 sqr, 2 inv, 3 mul_by_01 (by b.c0 + b.c1 v)."""
    for i in range(a.shape[0]):
        x = _load_e6(a, i, 0)
        y = _load_e6(b, i, 0)
        if op == 0:
            z = _e6_mul(x, y)
        elif op == 1:
            z = _e6_sqr(x)
        elif op == 2:
            z = _e6_inv(x)
        else:
            z = _e6_mul_by_01(x, y[0], y[1])
        _store_e12(out, i, (z, E6_ZERO))
