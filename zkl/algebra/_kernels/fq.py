"""Fq (BN254 base field) element kernels on Montgomery 4-limb tuples."""

from __future__ import annotations

import numpy as np
from numba import njit

from zkl.algebra._kernels import mont
from zkl.algebra.constants import Q, int_to_limbs, mont_params

P, PINV, ONE, R2, R3 = mont_params(Q)
ZERO = (np.uint64(0),) * 4
#: (q - 2) for Fermat inversion, (q + 1) / 4 for square roots (q = 3 mod 4), (q - 1) / 2 for the Legendre symbol
_INV_EXP = int_to_limbs(Q - 2)
_SQRT_EXP = int_to_limbs((Q + 1) // 4)
_LEGENDRE_EXP = int_to_limbs((Q - 1) // 2)


@njit(inline="always", cache=True)
def fq_add(a, b):
    """a + b."""
    return mont.mod_add(a, b, P)


@njit(inline="always", cache=True)
def fq_sub(a, b):
    """a - b."""
    return mont.mod_sub(a, b, P)


@njit(inline="always", cache=True)
def fq_neg(a):
    """-a."""
    return mont.mod_neg(a, P)


@njit(inline="always", cache=True)
def fq_dbl(a):
    """2a."""
    return mont.mod_add(a, a, P)


@njit(inline="always", cache=True)
def fq_mul(a, b):
    """a * b."""
    return mont.mont_mul(a, b, P, PINV)


@njit(inline="always", cache=True)
def fq_sqr(a):
    """a^2."""
    return mont.mont_mul(a, a, P, PINV)


@njit(cache=True)
def fq_pow(a, e):
    """a^e for a 4-limb exponent tuple."""
    return mont.mont_pow(a, e, ONE, P, PINV)


@njit(cache=True)
def fq_inv(a):
    """a^-1 (zero maps to zero; callers check)."""
    return mont.mont_pow(a, _INV_EXP, ONE, P, PINV)


@njit(cache=True)
def fq_sqrt_candidate(a):
    """a^((q+1)/4): a square root of a when a is a square."""
    return mont.mont_pow(a, _SQRT_EXP, ONE, P, PINV)


@njit(cache=True)
def fq_legendre_is_nonresidue(a):
    """True when a is not a square in Fq."""
    t = mont.mont_pow(a, _LEGENDRE_EXP, ONE, P, PINV)
    return not mont.equal(t, ONE) and not mont.is_zero(t)


@njit(inline="always", cache=True)
def fq_is_zero(a):
    """a == 0."""
    return mont.is_zero(a)


@njit(inline="always", cache=True)
def fq_eq(a, b):
    """a == b."""
    return mont.equal(a, b)


@njit(inline="always", cache=True)
def fq_to_mont(a):
    """Normal form -> Montgomery form."""
    return mont.mont_mul(a, R2, P, PINV)


@njit(inline="always", cache=True)
def fq_from_mont(a):
    """Montgomery form -> normal form."""
    return mont.mont_mul(a, (np.uint64(1), np.uint64(0), np.uint64(0), np.uint64(0)), P, PINV)
