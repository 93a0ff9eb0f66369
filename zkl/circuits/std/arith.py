"""Field arithmetic gadgets: inverse, division, is_zero, materialize (and the hints of mul_add, mul_sub)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkl.circuits import field
from zkl.circuits.adversaries import register
from zkl.circuits.field import R
from zkl.circuits.lincomb import Variable, constant
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API


def inverse_hint(x: int) -> int:
    """Hint: x^-1 mod r, or 0 for x = 0 (the constraint that follows then fails)."""
    return pow(x, -1, R) if x else 0


def div_hint(a: int, b: int) -> int:
    """Hint: a / b mod r, or 0 for b = 0."""
    return a * pow(b, -1, R) % R if b else 0


def mul_add_hint(a: int, b: int, c: int) -> int:
    """Hint: a * b + c (API.mul_add's generic form; Builder and Solver make the wire directly)."""
    return (a * b + c) % R


def mul_sub_hint(a: int, b: int, c: int) -> int:
    """Hint: a * b - c (API.mul_sub's generic form)."""
    return (a * b - c) % R


def identity_hint(x: int) -> int:
    """Hint: x itself."""
    return x


def check_constants_equal(a: Variable, b: Variable) -> None:
    """Raise CircuitError unless two constants are equal mod r (an assertion that can never hold)."""
    if constant(a) != constant(b):
        raise CircuitError(f"assert_equal of constants that differ: {constant(a)} != {constant(b)}")


def inverse(api: API, a: Variable, label: str = "inverse") -> Variable:
    """Return 1 / a with one constraint a * out = 1 (so a != 0)."""
    if api.is_constant(a):
        return field.inverse(constant(a))
    out = api.hint(inverse_hint, a)
    api.constraint(a, out, 1, label)
    return out


def div(api: API, a: Variable, b: Variable) -> Variable:
    """Return a / b asserting b != 0: inverse of b, then a product (2 constraints)."""
    if api.is_constant(b):
        return api.mul(a, field.inverse(constant(b)))
    return api.mul(a, inverse(api, b, "div"))


def div_unchecked(api: API, a: Variable, b: Variable) -> Variable:
    """Return a / b with the single constraint out * b = a (out free when a = b = 0)."""
    if api.is_constant(b):
        return api.mul(a, field.inverse(constant(b)))
    out = api.hint(div_hint, a, b)
    api.constraint(out, b, a, "div_unchecked")
    return out


def materialize(api: API, a: Variable) -> Variable:
    """Return one new wire equal to a (constraint a * 1 = out); constants pass through."""
    if api.is_constant(a):
        return a
    out = api.hint(identity_hint, a)
    api.constraint(a, 1, out, "materialize")
    api.mark_bits(out, api.known_bits(a))
    return out


def is_zero(api: API, a: Variable) -> Variable:
    """Return the boolean a == 0: t = a * m with m a hint, out = 1 - t, and a * out = 0."""
    if api.is_constant(a):
        return int(constant(a) == 0)
    m = api.hint(inverse_hint, a)
    t = api.mul(a, m)
    out = api.sub(1, t)
    api.constraint(a, out, 0, "is_zero")
    api.mark_bits(out, 1)
    return out


# -- known attacks on the hints of this module (tried by zkl.circuits.testing.assert_circuit) --


def _answer_zero(args: list, honest: list[int]) -> list[int]:
    """Answer 0."""
    return [0]


def _answer_one(args: list, honest: list[int]) -> list[int]:
    """Answer 1."""
    return [1]


def _answer_off_by_one(args: list, honest: list[int]) -> list[int]:
    """Answer the honest value plus one."""
    return [(honest[0] + 1) % R]


register(inverse_hint, [_answer_zero, _answer_one, _answer_off_by_one])
register(div_hint, [_answer_zero, _answer_one, _answer_off_by_one])
register(identity_hint, [_answer_off_by_one, _answer_zero])
