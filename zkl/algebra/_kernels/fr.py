"""Fr (BN254 scalar field) element kernels on Montgomery 4-limb tuples."""

from __future__ import annotations

import numpy as np
from numba import njit

from zkl.algebra._kernels import mont
from zkl.algebra._kernels.mont_ir import field_ops
from zkl.algebra.constants import R, mont_params

P, PINV, ONE, R2, R3 = mont_params(R)
#: add, sub, neg, dbl, mul, sqr as single LLVM intrinsics (mont_ir)
_F = field_ops(R)
ZERO = (np.uint64(0),) * 4

fr_add = _F.add  # a + b.
fr_sub = _F.sub  # a - b.
fr_neg = _F.neg  # -a.
fr_dbl = _F.dbl  # 2a.
fr_mul = _F.mul  # a * b.
fr_sqr = _F.sqr  # a^2.
fr_mac = _F.mac  # acc + a * b on a 9-limb accumulator, unreduced.
fr_redc_sum = _F.redc_sum  # acc / 2^256 mod r for a sum of at most 512 products.


@njit(cache=True)
def fr_pow(a, e):
    """a^e in Montgomery form, e a 4-limb little-endian exponent tuple (square and multiply)."""
    result = ONE
    for i in range(3, -1, -1):
        word = e[i]
        for j in range(63, -1, -1):
            result = fr_sqr(result)
            if (word >> np.uint64(j)) & np.uint64(1):
                result = fr_mul(result, a)
    return result


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
