"""Fq (BN254 base field) element kernels on Montgomery 4-limb tuples."""

from __future__ import annotations

import numpy as np
from numba import njit

from zkl.algebra._kernels import mont
from zkl.algebra._kernels.mont_ir import field_ops
from zkl.algebra.constants import Q, int_to_limbs, mont_params

P, PINV, ONE, R2, R3 = mont_params(Q)
#: add, sub, neg, dbl, mul, sqr as single LLVM intrinsics (mont_ir)
_F = field_ops(Q)
ZERO = (np.uint64(0),) * 4
#: q - 2, the exponent of Fermat inversion
_INV_EXP = int_to_limbs(Q - 2)

fq_add = _F.add  # a + b.
fq_sub = _F.sub  # a - b.
fq_neg = _F.neg  # -a.
fq_dbl = _F.dbl  # 2a.
fq_mul = _F.mul  # a * b.
fq_sqr = _F.sqr  # a^2.


@njit(cache=True)
def _pow(a, e):
    """a^e in Montgomery form, e a 4-limb little-endian exponent tuple (square and multiply)."""
    result = ONE
    for i in range(3, -1, -1):
        word = e[i]
        for j in range(63, -1, -1):
            result = fq_sqr(result)
            if (word >> np.uint64(j)) & np.uint64(1):
                result = fq_mul(result, a)
    return result


@njit(cache=True)
def fq_inv(a):
    """a^-1 (zero maps to zero; callers check)."""
    return _pow(a, _INV_EXP)


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
    return fq_mul(a, R2)


@njit(inline="always", cache=True)
def fq_from_mont(a):
    """Montgomery form -> normal form."""
    return fq_mul(a, (np.uint64(1), np.uint64(0), np.uint64(0), np.uint64(0)))
