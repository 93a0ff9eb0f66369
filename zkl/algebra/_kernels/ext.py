"""Field operations generic over Fq and Fq2, so curve formulas are written once for G1 and G2.

Each name dispatches on its argument type: an Fq element is a 4-tuple of
uint64, an Fq2 element a pair of those.  Under numba the choice is made at
compile time (an `overload`); in plain Python the stub dispatches itself.
`is_fq2_type` is the compile-time test other modules' overloads use, `one_like`
and `zero_like` the constants of an element's field.
"""

from __future__ import annotations

from numba import types
from numba.extending import overload

from zkl.algebra._kernels import fq, fq2


def is_fq2_type(t) -> bool:
    """A numba type is that of an Fq2 element (a pair of limb tuples), not of an Fq one."""
    return isinstance(t, types.BaseTuple) and isinstance(t[0], types.BaseTuple)


def _is_fq2_value(a) -> bool:
    return isinstance(a[0], tuple)


def _unary(name: str, on_fq, on_fq2):
    def stub(a):
        return on_fq2(a) if _is_fq2_value(a) else on_fq(a)

    stub.__name__ = stub.__qualname__ = name

    @overload(stub, inline="always")
    def _typed(a):
        impl = on_fq2 if is_fq2_type(a) else on_fq
        return lambda a: impl(a)

    return stub


def _binary(name: str, on_fq, on_fq2):
    def stub(a, b):
        return on_fq2(a, b) if _is_fq2_value(a) else on_fq(a, b)

    stub.__name__ = stub.__qualname__ = name

    @overload(stub, inline="always")
    def _typed(a, b):
        impl = on_fq2 if is_fq2_type(a) else on_fq
        return lambda a, b: impl(a, b)

    return stub


f_add = _binary("f_add", fq.fq_add, fq2.fq2_add)
f_sub = _binary("f_sub", fq.fq_sub, fq2.fq2_sub)
f_mul = _binary("f_mul", fq.fq_mul, fq2.fq2_mul)
f_eq = _binary("f_eq", fq.fq_eq, fq2.fq2_eq)
f_neg = _unary("f_neg", fq.fq_neg, fq2.fq2_neg)
f_dbl = _unary("f_dbl", fq.fq_dbl, fq2.fq2_dbl)
f_sqr = _unary("f_sqr", fq.fq_sqr, fq2.fq2_sqr)
f_inv = _unary("f_inv", fq.fq_inv, fq2.fq2_inv)
f_is_zero = _unary("f_is_zero", fq.fq_is_zero, fq2.fq2_is_zero)


def one_like(a):
    """The one (Montgomery form) of a's field."""
    return fq2.ONE if _is_fq2_value(a) else fq.ONE


@overload(one_like)
def _one_like_typed(a):
    if is_fq2_type(a):
        return lambda a: fq2.ONE
    return lambda a: fq.ONE


def zero_like(a):
    """The zero of a's field."""
    return fq2.ZERO if _is_fq2_value(a) else fq.ZERO


@overload(zero_like)
def _zero_like_typed(a):
    if is_fq2_type(a):
        return lambda a: fq2.ZERO
    return lambda a: fq.ZERO
