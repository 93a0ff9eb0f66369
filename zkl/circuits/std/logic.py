"""Boolean logic on variables asserted (or known) to be 0 or 1."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkl.circuits.lincomb import Variable
from zkl.circuits.std.bits import assert_boolean

if TYPE_CHECKING:
    from zkl.circuits.api import API


def _booleans(api: API, *xs: Variable) -> None:
    """Assert each argument boolean (free for known booleans and constants 0, 1)."""
    for x in xs:
        assert_boolean(api, x)


def not_(api: API, a: Variable) -> Variable:
    """Return 1 - a."""
    _booleans(api, a)
    out = api.sub(1, a)
    api.mark_bits(out, 1)
    return out


def and_(api: API, a: Variable, b: Variable) -> Variable:
    """Return a * b (one constraint)."""
    _booleans(api, a, b)
    out = api.mul(a, b)
    api.mark_bits(out, 1)
    return out


def or_(api: API, a: Variable, b: Variable) -> Variable:
    """Return a + b - a * b (one constraint)."""
    _booleans(api, a, b)
    out = api.sub(api.add(a, b), api.mul(a, b))
    api.mark_bits(out, 1)
    return out


def xor(api: API, a: Variable, b: Variable) -> Variable:
    """Return a + b - 2 * a * b (one constraint)."""
    _booleans(api, a, b)
    out = api.sub(api.add(a, b), api.mul(2, api.mul(a, b)))
    api.mark_bits(out, 1)
    return out
