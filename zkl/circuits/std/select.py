"""Selection gadgets: select (a 2-way mux) and lookup in a table of 2**k entries (a mux tree)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from zkl.circuits.lincomb import Variable, constant
from zkl.circuits.std.bits import assert_boolean
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API


def select(api: API, cond: Variable, a: Variable, b: Variable) -> Variable:
    """Return b + cond * (a - b): a if cond is 1, b if 0; cond asserted boolean."""
    if api.is_constant(cond):
        c = constant(cond)
        if c not in (0, 1):
            raise CircuitError(f"select condition must be 0 or 1, not the constant {c}")
        return a if c else b
    assert_boolean(api, cond)
    out = api.add(b, api.mul(cond, api.sub(a, b)))
    na, nb = api.known_bits(a), api.known_bits(b)
    if na and nb:
        api.mark_bits(out, max(na, nb))
    return out


def lookup(api: API, bs: Sequence[Variable], table: Sequence[Variable]) -> Variable:
    """Return table[sum(bs[i] * 2**i)]: a tree of selects, low bit first."""
    k = len(bs)
    if len(table) != 1 << k:
        raise CircuitError(f"lookup with {k} selector bits needs {1 << k} table entries, not {len(table)}")
    level = list(table)
    for b in bs:
        level = [select(api, b, level[j + 1], level[j]) for j in range(0, len(level), 2)]
    return level[0]
