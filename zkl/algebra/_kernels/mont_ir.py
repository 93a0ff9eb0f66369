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

from numba import config, types
from numba.extending import intrinsic

from zkl.algebra.constants import int_to_limbs



def _python_ops(p: int) -> SimpleNamespace:
    """Exact Python-int twins (used when the JIT is disabled)."""
    rinv = pow(1 << 256, -1, p)

    def val(a) -> int:
        return int(a[0]) | int(a[1]) << 64 | int(a[2]) << 128 | int(a[3]) << 192

    tup = int_to_limbs

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

    def dbl(a):
        """2a mod p."""
        return tup(2 * val(a) % p)

    return SimpleNamespace(mul=mul, sqr=sqr, add=add, sub=sub, neg=neg, dbl=dbl)


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

    return SimpleNamespace(mul=mul, sqr=sqr, add=add, sub=sub, neg=neg, dbl=dbl)


def field_ops(p: int) -> SimpleNamespace:
    """mul, sqr, add, sub, neg, dbl on Montgomery limb tuples modulo p (p < 2^254)."""
    if p >> 254:
        raise ValueError("modulus must be below 2^254")
    return _python_ops(p) if config.DISABLE_JIT else _jit_ops(p)
