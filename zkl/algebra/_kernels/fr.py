"""Fr (BN254 scalar field) element kernels on Montgomery 4-limb tuples."""

from __future__ import annotations

import numpy as np
from numba import njit

from zkl.algebra._kernels import mont
from zkl.algebra._kernels.mont_ir import field_ops
from zkl.algebra.constants import R, int_to_limbs, mont_params

P, PINV, ONE, R2, R3 = mont_params(R)
#: add, sub, neg, dbl, mul, sqr as single LLVM intrinsics (mont_ir)
_F = field_ops(R)
ZERO = (np.uint64(0),) * 4
#: (r - 2) for Fermat inversion, (r - 1) / 2 for the Legendre symbol
_INV_EXP = int_to_limbs(R - 2)
_LEGENDRE_EXP = int_to_limbs((R - 1) // 2)

fr_add = _F.add  # a + b.
fr_sub = _F.sub  # a - b.
fr_neg = _F.neg  # -a.
fr_dbl = _F.dbl  # 2a.
fr_mul = _F.mul  # a * b.
fr_sqr = _F.sqr  # a^2.


@njit(cache=True)
def _pow(a, e):
    """a^e in Montgomery form, e a 4-limb little-endian exponent tuple (square and multiply)."""
    result = ONE
    for i in range(3, -1, -1):
        word = e[i]
        for j in range(63, -1, -1):
            result = fr_sqr(result)
            if (word >> np.uint64(j)) & np.uint64(1):
                result = fr_mul(result, a)
    return result


@njit(cache=True)
def fr_pow(a, e):
    """a^e for a 4-limb exponent tuple."""
    return _pow(a, e)


@njit(cache=True)
def fr_inv(a):
    """a^-1 (zero maps to zero; callers check)."""
    return _pow(a, _INV_EXP)


@njit(cache=True)
def fr_legendre_is_nonresidue(a):
    """True when a is not a square in Fr."""
    t = _pow(a, _LEGENDRE_EXP)
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
    return fr_mul(a, R2)


@njit(inline="always", cache=True)
def fr_from_mont(a):
    """Montgomery form -> normal form."""
    return fr_mul(a, (np.uint64(1), np.uint64(0), np.uint64(0), np.uint64(0)))
