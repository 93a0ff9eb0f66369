"""Montgomery arithmetic for one fixed modulus, each operation a single LLVM IR intrinsic.

Why: written in numba Python, one 4x64 Montgomery multiplication is ~150 IR
statements that numba types and lowers again at every call site (curve and
pairing kernels hold hundreds of them), which made the cold compile take
minutes.  As an intrinsic, numba sees one call; LLVM gets the same 128-bit
arithmetic with the modulus folded in as constants, and optimizes it as before.

Operations take and return 4-tuples of uint64 (little-endian limbs, Montgomery
form).  The modulus must be below 2^254 (both BN254 fields): the CIOS loop then
needs no extra carry word and add/sub need one conditional correction.  With
NUMBA_DISABLE_JIT=1 the operations are exact Python-int twins.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from numba import config, types
from numba.extending import intrinsic

from zkl.algebra.constants import int_to_limbs



def _python_ops(p: int) -> SimpleNamespace:
    """Exact Python-int twins (used when the JIT is disabled)."""
    rinv = pow(1 << 256, -1, p)

    def val(a) -> int:
        return int(a[0]) | int(a[1]) << 64 | int(a[2]) << 128 | int(a[3]) << 192

    tup = int_to_limbs

    def val9(a) -> int:
        return sum(int(a[i]) << (64 * i) for i in range(9))

    def mul(a, b):
        """a*b*2^-256 mod p."""
        return tup(val(a) * val(b) * rinv % p)

    def sqr(a):
        """a*a*2^-256 mod p."""
        return tup(val(a) * val(a) * rinv % p)

    def add(a, b):
        """a + b mod p."""
        return tup((val(a) + val(b)) % p)

    def sub(a, b):
        """a - b mod p."""
        return tup((val(a) - val(b)) % p)

    def neg(a):
        """-a mod p."""
        return tup(-val(a) % p)

    def mac(acc, a, b):
        """acc + a*b on 9-limb (576-bit) accumulators."""
        v = val9(acc) + val(a) * val(b)
        return tuple(np.uint64((v >> (64 * i)) & 0xFFFFFFFFFFFFFFFF) for i in range(9))

    def redc_sum(acc):
        """acc*2^-256 mod p for an accumulator of at most 512 products."""
        return tup(val9(acc) * rinv % p)

    def dbl(a):
        """2a mod p."""
        return tup(2 * val(a) % p)

    return SimpleNamespace(mul=mul, sqr=sqr, add=add, sub=sub, neg=neg, dbl=dbl, mac=mac, redc_sum=redc_sum)


def _jit_ops(p: int) -> SimpleNamespace:
    """The operations as numba intrinsics emitting LLVM IR."""
    from llvmlite import ir

    i64, i128, i256 = ir.IntType(64), ir.IntType(128), ir.IntType(256)
    limb = types.UniTuple(types.uint64, 4)
    p_limbs = [int(v) for v in int_to_limbs(p)]
    pinv = (-pow(p, -1, 1 << 64)) % (1 << 64)
    p256 = ir.Constant(i256, p)
    sixty_four = ir.Constant(i128, 64)

    def unpack(builder, value):
        return [builder.extract_value(value, i) for i in range(4)]

    def pack(context, builder, words):
        return context.make_tuple(builder, limb, words)

    def wide(builder, words):
        acc = builder.zext(words[0], i256)
        for i in (1, 2, 3):
            acc = builder.or_(acc, builder.shl(builder.zext(words[i], i256), ir.Constant(i256, 64 * i)))
        return acc

    def narrow(builder, value):
        return [builder.trunc(builder.lshr(value, ir.Constant(i256, 64 * i)), i64) for i in range(4)]

    def reduce_once(builder, value):
        less = builder.icmp_unsigned("<", value, p256)
        return builder.select(less, value, builder.sub(value, p256))

    def reduce_once_branch(builder, value):
        # after a multiplication the correction is rare (the result is below 1.2p): a predicted branch
        # is cheaper than a select on the critical path
        entry = builder.block
        with builder.if_then(builder.icmp_unsigned(">=", value, p256), likely=False):
            smaller = builder.sub(value, p256)
            then = builder.block
        out = builder.phi(i256)
        out.add_incoming(value, entry)
        out.add_incoming(smaller, then)
        return out

    def mont_mul(builder, a, b):
        def z(v):
            return builder.zext(v, i128)

        def lo(w):
            return builder.trunc(w, i64)

        def hi(w):
            return builder.trunc(builder.lshr(w, sixty_four), i64)

        t = [None, None, None, None]
        for i in range(4):
            ai = z(a[i])
            carry = None
            for j in range(4):
                w = builder.mul(ai, z(b[j]))
                if t[j] is not None:
                    w = builder.add(w, z(t[j]))
                if carry is not None:
                    w = builder.add(w, z(carry))
                t[j], carry = lo(w), hi(w)
            top = carry
            m = builder.mul(t[0], ir.Constant(i64, pinv))
            zm = z(m)
            w = builder.add(builder.mul(zm, ir.Constant(i128, p_limbs[0])), z(t[0]))
            carry = hi(w)
            for j in (1, 2, 3):
                w = builder.add(builder.add(builder.mul(zm, ir.Constant(i128, p_limbs[j])), z(t[j])), z(carry))
                t[j - 1], carry = lo(w), hi(w)
            t[3] = builder.add(top, carry)
        return narrow(builder, reduce_once_branch(builder, wide(builder, t)))

    i512, i576 = ir.IntType(512), ir.IntType(576)
    acc9 = types.UniTuple(types.uint64, 9)
    fold_const = (1 << 508) % p

    def product_words(builder, a, b, n):
        """The n low words of a * b (schoolbook, 64x64 -> 128-bit products); a has len(a) words."""
        def z(v):
            return builder.zext(v, i128)

        out = [None] * n
        for i in range(len(a)):
            carry = None
            for j in range(len(b)):
                if i + j >= n:
                    break
                w = builder.mul(z(a[i]), z(b[j]))
                if out[i + j] is not None:
                    w = builder.add(w, z(out[i + j]))
                if carry is not None:
                    w = builder.add(w, z(carry))
                out[i + j], carry = builder.trunc(w, i64), builder.trunc(builder.lshr(w, sixty_four), i64)
            if carry is not None and i + len(b) < n:
                out[i + len(b)] = carry
        return [w if w is not None else ir.Constant(i64, 0) for w in out]

    def join(builder, words, ty):
        acc = builder.zext(words[0], ty)
        for i in range(1, len(words)):
            acc = builder.or_(acc, builder.shl(builder.zext(words[i], ty), ir.Constant(ty, 64 * i)))
        return acc

    def split(builder, value, ty, n):
        return [builder.trunc(builder.lshr(value, ir.Constant(ty, 64 * i)), i64) for i in range(n)]

    @intrinsic
    def mac(typingctx, acc, a, b):
        """acc + a*b, acc a 9-limb (576-bit) accumulator (no reduction)."""

        def codegen(context, builder, signature, args):
            prod = join(builder, product_words(builder, unpack(builder, args[1]), unpack(builder, args[2]), 8), i576)
            words = [builder.extract_value(args[0], i) for i in range(9)]
            total = builder.add(join(builder, words, i576), prod)
            return context.make_tuple(builder, acc9, split(builder, total, i576, 9))

        return acc9(acc9, limb, limb), codegen

    @intrinsic
    def redc_sum(typingctx, acc):
        """acc*2^-256 mod p, fully reduced, for acc below 2^517 (a sum of up to 512 products of
        values below 2^254): the part from bit 508 up is folded back (times 2^508 mod p) so that
        acc < p 2^256, then Montgomery reduction and one conditional subtraction."""

        def codegen(context, builder, signature, args):
            words = [builder.extract_value(args[0], i) for i in range(9)]
            t = join(builder, words, i576)
            hi = builder.trunc(builder.lshr(t, ir.Constant(i576, 508)), i64)  # < 2^9
            lo = builder.and_(t, ir.Constant(i576, (1 << 508) - 1))
            fold = product_words(builder, [hi], [ir.Constant(i64, int(w)) for w in int_to_limbs(fold_const)], 5)
            t = builder.trunc(builder.add(lo, join(builder, fold, i576)), i512)  # < 2^508 + 2^263
            p_words = [ir.Constant(i64, w) for w in p_limbs]
            for i in range(4):
                ti = builder.trunc(builder.lshr(t, ir.Constant(i512, 64 * i)), i64)
                m = builder.mul(ti, ir.Constant(i64, pinv))
                mp = join(builder, product_words(builder, [m], p_words, 5), i512)
                t = builder.add(t, builder.shl(mp, ir.Constant(i512, 64 * i)))
            v = builder.trunc(builder.lshr(t, ir.Constant(i512, 256)), i256)
            return pack(context, builder, narrow(builder, reduce_once(builder, v)))

        return limb(acc9), codegen

    @intrinsic
    def mul(typingctx, a, b):
        """a*b*2^-256 mod p."""

        def codegen(context, builder, signature, args):
            return pack(context, builder, mont_mul(builder, unpack(builder, args[0]), unpack(builder, args[1])))

        return limb(limb, limb), codegen

    @intrinsic
    def sqr(typingctx, a):
        """a*a*2^-256 mod p."""

        def codegen(context, builder, signature, args):
            # a separate squaring (30 word products instead of 36) measured slower: its doubling pass
            # lengthens the dependency chain
            words = unpack(builder, args[0])
            return pack(context, builder, mont_mul(builder, words, words))

        return limb(limb), codegen

    @intrinsic
    def add(typingctx, a, b):
        """a + b mod p."""

        def codegen(context, builder, signature, args):
            s = builder.add(wide(builder, unpack(builder, args[0])), wide(builder, unpack(builder, args[1])))
            return pack(context, builder, narrow(builder, reduce_once(builder, s)))

        return limb(limb, limb), codegen

    @intrinsic
    def dbl(typingctx, a):
        """2a mod p."""

        def codegen(context, builder, signature, args):
            v = wide(builder, unpack(builder, args[0]))
            return pack(context, builder, narrow(builder, reduce_once(builder, builder.add(v, v))))

        return limb(limb), codegen

    @intrinsic
    def sub(typingctx, a, b):
        """a - b mod p."""

        def codegen(context, builder, signature, args):
            x, y = wide(builder, unpack(builder, args[0])), wide(builder, unpack(builder, args[1]))
            d = builder.sub(x, y)
            borrow = builder.icmp_unsigned("<", x, y)
            return pack(context, builder, narrow(builder, builder.select(borrow, builder.add(d, p256), d)))

        return limb(limb, limb), codegen

    @intrinsic
    def neg(typingctx, a):
        """-a mod p."""

        def codegen(context, builder, signature, args):
            x = wide(builder, unpack(builder, args[0]))
            zero = builder.icmp_unsigned("==", x, ir.Constant(i256, 0))
            r = builder.select(zero, x, builder.sub(p256, x))
            return pack(context, builder, narrow(builder, r))

        return limb(limb), codegen

    return SimpleNamespace(mul=mul, sqr=sqr, add=add, sub=sub, neg=neg, dbl=dbl, mac=mac, redc_sum=redc_sum)


def field_ops(p: int) -> SimpleNamespace:
    """mul, sqr, add, sub, neg, dbl on Montgomery limb tuples modulo p (p < 2^254)."""
    if p >> 254:
        raise ValueError("modulus must be below 2^254")
    return _python_ops(p) if config.DISABLE_JIT else _jit_ops(p)
