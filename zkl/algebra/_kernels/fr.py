"""Fr (BN254 scalar field) element kernels on Montgomery 4-limb tuples."""

from __future__ import annotations

import numpy as np
from numba import njit

from zkl.algebra._kernels import mont
from zkl.algebra.constants import R, int_to_limbs, mont_params

P, PINV, ONE, R2, R3 = mont_params(R)
ZERO = (np.uint64(0),) * 4
#: (r - 2) for Fermat inversion, (r - 1) / 2 for the Legendre symbol
_INV_EXP = int_to_limbs(R - 2)
_LEGENDRE_EXP = int_to_limbs((R - 1) // 2)


@njit(inline="always", cache=True)
def fr_add(a, b):
    """a + b."""
    return mont.mod_add(a, b, P)


@njit(inline="always", cache=True)
def fr_sub(a, b):
    """a - b."""
    return mont.mod_sub(a, b, P)


@njit(inline="always", cache=True)
def fr_neg(a):
    """-a."""
    return mont.mod_neg(a, P)


@njit(inline="always", cache=True)
def fr_dbl(a):
    """2a."""
    return mont.mod_add(a, a, P)


@njit(inline="always", cache=True)
def fr_mul(a, b):
    """a * b."""
    return mont.mont_mul(a, b, P, PINV)


@njit(inline="always", cache=True)
def fr_sqr(a):
    """a^2."""
    return mont.mont_mul(a, a, P, PINV)


@njit(cache=True)
def fr_pow(a, e):
    """a^e for a 4-limb exponent tuple."""
    return mont.mont_pow(a, e, ONE, P, PINV)


@njit(cache=True)
def fr_inv(a):
    """a^-1 (zero maps to zero; callers check)."""
    return mont.mont_pow(a, _INV_EXP, ONE, P, PINV)


@njit(cache=True)
def fr_legendre_is_nonresidue(a):
    """True when a is not a square in Fr."""
    t = mont.mont_pow(a, _LEGENDRE_EXP, ONE, P, PINV)
    return not mont.equal(t, ONE) and not mont.is_zero(t)


@njit(inline="always", cache=True)
def fr_is_zero(a):
    """a == 0."""
    return mont.is_zero(a)


@njit(inline="always", cache=True)
def fr_eq(a, b):
    """a == b."""
    return mont.equal(a, b)


@njit(inline="always", cache=True)
def fr_to_mont(a):
    """Normal form -> Montgomery form."""
    return mont.mont_mul(a, R2, P, PINV)


@njit(inline="always", cache=True)
def fr_from_mont(a):
    """Montgomery form -> normal form."""
    return mont.mont_mul(a, (np.uint64(1), np.uint64(0), np.uint64(0), np.uint64(0)), P, PINV)
