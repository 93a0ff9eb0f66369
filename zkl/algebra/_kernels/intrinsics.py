"""64-bit limb primitives with 128-bit intermediates: LLVM IR intrinsics, or Python ints when JIT is off.

Each returns (low, high) words.  These are the only places where a limb
operation can carry or borrow, so the rest of the kernels stay correct with
NUMBA_DISABLE_JIT=1.
"""

from __future__ import annotations

import numpy as np
from numba import config, types
from numba.extending import intrinsic

_M64 = (1 << 64) - 1

if config.DISABLE_JIT:  # pure-Python twins, exact with Python ints

    def mul_wide(a, b):
        """a*b as (lo, hi)."""
        p = int(a) * int(b)
        return np.uint64(p & _M64), np.uint64(p >> 64)

    def mac(a, b, c, d):
        """a*b + c + d as (lo, hi); never overflows 128 bits."""
        p = int(a) * int(b) + int(c) + int(d)
        return np.uint64(p & _M64), np.uint64(p >> 64)

    def adc(a, b, carry):
        """a + b + carry as (sum, carry out)."""
        s = int(a) + int(b) + int(carry)
        return np.uint64(s & _M64), np.uint64(s >> 64)

    def sbb(a, b, borrow):
        """a - b - borrow as (difference mod 2^64, borrow out in {0, 1})."""
        d = int(a) - int(b) - int(borrow)
        return np.uint64(d & _M64), np.uint64(1 if d < 0 else 0)

    def mul_lo(a, b):
        """a*b mod 2^64."""
        return np.uint64((int(a) * int(b)) & _M64)

else:
    from llvmlite import ir

    _U64 = types.uint64
    _PAIR = types.UniTuple(_U64, 2)
    _I64 = ir.IntType(64)
    _I128 = ir.IntType(128)

    def _split(context, builder, signature, wide, high_shift=64):
        lo = builder.trunc(wide, _I64)
        hi = builder.trunc(builder.lshr(wide, ir.Constant(_I128, high_shift)), _I64)
        return context.make_tuple(builder, signature.return_type, [lo, hi])

    @intrinsic
    def mul_wide(typingctx, a, b):
        """a*b as (lo, hi)."""

        def codegen(context, builder, signature, args):
            p = builder.mul(builder.zext(args[0], _I128), builder.zext(args[1], _I128))
            return _split(context, builder, signature, p)

        return _PAIR(_U64, _U64), codegen

    @intrinsic
    def mac(typingctx, a, b, c, d):
        """a*b + c + d as (lo, hi); never overflows 128 bits."""

        def codegen(context, builder, signature, args):
            x = [builder.zext(v, _I128) for v in args]
            p = builder.add(builder.add(builder.mul(x[0], x[1]), x[2]), x[3])
            return _split(context, builder, signature, p)

        return _PAIR(_U64, _U64, _U64, _U64), codegen

    @intrinsic
    def adc(typingctx, a, b, carry):
        """a + b + carry as (sum, carry out)."""

        def codegen(context, builder, signature, args):
            x = [builder.zext(v, _I128) for v in args]
            return _split(context, builder, signature, builder.add(builder.add(x[0], x[1]), x[2]))

        return _PAIR(_U64, _U64, _U64), codegen

    @intrinsic
    def sbb(typingctx, a, b, borrow):
        """a - b - borrow as (difference mod 2^64, borrow out in {0, 1})."""

        def codegen(context, builder, signature, args):
            x = [builder.zext(v, _I128) for v in args]
            d = builder.sub(builder.sub(x[0], x[1]), x[2])
            return _split(context, builder, signature, d, high_shift=127)

        return _PAIR(_U64, _U64, _U64), codegen

    @intrinsic
    def mul_lo(typingctx, a, b):
        """a*b mod 2^64."""

        def codegen(context, builder, signature, args):
            return builder.mul(args[0], args[1])

        return _U64(_U64, _U64), codegen
