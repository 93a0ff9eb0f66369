"""Fq2 = Fq[u]/(u^2 + 1) element kernels: pairs (c0, c1) of Montgomery 4-limb tuples."""

from __future__ import annotations

from numba import njit

from zkl.algebra._kernels.fq import (
    ONE as FQ_ONE,
    ZERO as FQ_ZERO,
    fq_add,
    fq_dbl,
    fq_eq,
    fq_inv,
    fq_is_zero,
    fq_mul,
    fq_neg,
    fq_sqr,
    fq_sub,
)

ZERO = (FQ_ZERO, FQ_ZERO)
ONE = (FQ_ONE, FQ_ZERO)


@njit(inline="always", cache=True)
def fq2_add(a, b):
    """a + b."""
    return (fq_add(a[0], b[0]), fq_add(a[1], b[1]))


@njit(inline="always", cache=True)
def fq2_sub(a, b):
    """a - b."""
    return (fq_sub(a[0], b[0]), fq_sub(a[1], b[1]))


@njit(inline="always", cache=True)
def fq2_neg(a):
    """-a."""
    return (fq_neg(a[0]), fq_neg(a[1]))


@njit(inline="always", cache=True)
def fq2_dbl(a):
    """2a."""
    return (fq_dbl(a[0]), fq_dbl(a[1]))


@njit(inline="always", cache=True)
def fq2_conj(a):
    """c0 - c1*u (also the Frobenius map a^q)."""
    return (a[0], fq_neg(a[1]))


@njit(inline="always", cache=True)
def fq2_mul(a, b):
    """a * b (Karatsuba: three Fq multiplications)."""
    v0 = fq_mul(a[0], b[0])
    v1 = fq_mul(a[1], b[1])
    t = fq_mul(fq_add(a[0], a[1]), fq_add(b[0], b[1]))
    return (fq_sub(v0, v1), fq_sub(fq_sub(t, v0), v1))


@njit(inline="always", cache=True)
def fq2_sqr(a):
    """a^2 (complex squaring: two Fq multiplications)."""
    t = fq_mul(a[0], a[1])
    return (fq_mul(fq_add(a[0], a[1]), fq_sub(a[0], a[1])), fq_dbl(t))


@njit(inline="always", cache=True)
def fq2_mul_fq(a, k):
    """a * k for k in Fq."""
    return (fq_mul(a[0], k), fq_mul(a[1], k))


@njit(inline="always", cache=True)
def fq2_mul_by_xi(a):
    """a * (9 + u), the non-residue that builds Fq6 and Fq12."""
    c0, c1 = a
    c0_2 = fq_dbl(c0)
    c0_8 = fq_dbl(fq_dbl(c0_2))
    c1_2 = fq_dbl(c1)
    c1_8 = fq_dbl(fq_dbl(c1_2))
    nine_c0 = fq_add(c0_8, c0)
    nine_c1 = fq_add(c1_8, c1)
    return (fq_sub(nine_c0, c1), fq_add(nine_c1, c0))


@njit(cache=True)
def fq2_inv(a):
    """a^-1 = conj(a) / (c0^2 + c1^2) (zero maps to zero; callers check)."""
    norm_inv = fq_inv(fq_add(fq_sqr(a[0]), fq_sqr(a[1])))
    return (fq_mul(a[0], norm_inv), fq_neg(fq_mul(a[1], norm_inv)))


@njit(inline="always", cache=True)
def fq2_is_zero(a):
    """a == 0."""
    return fq_is_zero(a[0]) and fq_is_zero(a[1])


@njit(inline="always", cache=True)
def fq2_eq(a, b):
    """a == b."""
    return fq_eq(a[0], b[0]) and fq_eq(a[1], b[1])
