"""Circuit variables: linear combinations of wires (compile mode) and plain values (solve mode).

`define` runs twice with the same code: once under a `Builder`, where every variable is a
`LinComb` (a sparse map wire -> coefficient, wire 0 being the constant one), and once under a
`Solver`, where every variable is a `Value` (its field element). Constants are plain Python
ints in both modes, so whether a variable is constant is decided by the code alone and both
runs create the same wires and constraints in the same order.

Both classes support the free, linear operations with operators: `x + y`, `x - y`, `-x`,
`3 * x`, `x * 3`. A product of two variables needs `api.mul` (it costs a constraint), and a
variable has no truth value (`if x:` raises), so `define` cannot branch on witness values.
"""

from __future__ import annotations

from typing import Union

import numpy as np

from zkl.circuits.field import R
from zkl.errors import CircuitError


def constant(x: object) -> int:
    """Return an integer constant reduced mod r; raise CircuitError for anything else."""
    if type(x) is int:
        return x % R
    if isinstance(x, (int, np.integer)):
        return int(x) % R
    raise CircuitError(f"expected a circuit variable or an integer constant, not {type(x).__name__}")


def lc_add(t1: dict[int, int], t2: dict[int, int]) -> dict[int, int]:
    """Return the terms of the sum of two linear combinations (new dict, zero terms dropped)."""
    if len(t1) < len(t2):
        t1, t2 = t2, t1
    out = t1.copy()
    for w, c in t2.items():
        s = out.get(w)
        if s is None:
            out[w] = c
        else:
            s = (s + c) % R
            if s:
                out[w] = s
            else:
                del out[w]
    return out


def lc_scale(t: dict[int, int], k: int) -> dict[int, int]:
    """Return the terms of k times a linear combination (k a nonzero canonical constant)."""
    return {w: c * k % R for w, c in t.items()}


def lc_add_constant(t: dict[int, int], k: int) -> dict[int, int]:
    """Return the terms of a linear combination plus a constant k (canonical)."""
    out = t.copy()
    s = (out.get(0, 0) + k) % R
    if s:
        out[0] = s
    else:
        out.pop(0, None)
    return out


class LinComb:
    """A linear combination sum(c_w * wire_w) over Fr; the compile-mode variable.

    `terms` maps wire index -> nonzero coefficient (wire 0 is the constant one) and is never
    mutated after construction, so constraints may hold references to it. `bits` is a known
    bound on the value (the value is < 2**bits; 1 means boolean), 0 when unknown.
    """

    __slots__ = ("terms", "bits")

    def __init__(self, terms: dict[int, int], bits: int = 0) -> None:
        self.terms = terms
        self.bits = bits

    def __repr__(self) -> str:
        parts = [("" if c == 1 else f"{c}*") + ("1" if w == 0 else f"w{w}") for w, c in self.terms.items()]
        return f"LinComb({' + '.join(parts) or '0'})"

    def __bool__(self) -> bool:
        raise CircuitError("a circuit variable has no truth value in define; use api.select or api.is_zero")

    def __add__(self, other: object) -> LinComb:
        if type(other) is LinComb:
            return LinComb(lc_add(self.terms, other.terms))
        k = _operand(other)
        return LinComb(lc_add_constant(self.terms, k)) if k else self

    __radd__ = __add__

    def __neg__(self) -> LinComb:
        return LinComb(lc_scale(self.terms, R - 1))

    def __sub__(self, other: object) -> LinComb:
        if type(other) is LinComb:
            return LinComb(lc_add(self.terms, lc_scale(other.terms, R - 1)))
        k = _operand(other)
        return LinComb(lc_add_constant(self.terms, R - k)) if k else self

    def __rsub__(self, other: object) -> LinComb:
        return (-self) + other

    def __mul__(self, other: object) -> LinComb | int:
        if isinstance(other, (LinComb, Value)):
            raise CircuitError("the product of two variables costs a constraint: use api.mul(x, y)")
        k = _operand(other)
        if k == 0:
            return 0
        return self if k == 1 else LinComb(lc_scale(self.terms, k))

    __rmul__ = __mul__


class Value:
    """A field element standing for a variable while the witness is solved; the solve-mode variable.

    `v` is the canonical value in [0, r); `bits` mirrors `LinComb.bits`.
    """

    __slots__ = ("v", "bits")

    def __init__(self, v: int, bits: int = 0) -> None:
        self.v = v
        self.bits = bits

    def __repr__(self) -> str:
        return f"Value({self.v})"

    def __bool__(self) -> bool:
        raise CircuitError("a circuit variable has no truth value in define; use api.select or api.is_zero")

    def __add__(self, other: object) -> Value:
        if type(other) is Value:
            return Value((self.v + other.v) % R)
        k = _operand(other)
        return Value((self.v + k) % R) if k else self

    __radd__ = __add__

    def __neg__(self) -> Value:
        return Value(-self.v % R)

    def __sub__(self, other: object) -> Value:
        if type(other) is Value:
            return Value((self.v - other.v) % R)
        k = _operand(other)
        return Value((self.v - k) % R) if k else self

    def __rsub__(self, other: object) -> Value:
        return Value((_operand(other) - self.v) % R)

    def __mul__(self, other: object) -> Value | int:
        if isinstance(other, (LinComb, Value)):
            raise CircuitError("the product of two variables costs a constraint: use api.mul(x, y)")
        k = _operand(other)
        if k == 0:
            return 0
        return self if k == 1 else Value(self.v * k % R)

    __rmul__ = __mul__


def _operand(x: object) -> int:
    """Return the constant operand of an operator, refusing a variable of the other mode."""
    if isinstance(x, (LinComb, Value)):
        raise CircuitError("cannot mix compile-mode and solve-mode variables")
    return constant(x)


Variable = Union[LinComb, Value, int]
"""What api methods take and return: a variable of the current mode, or an int constant."""
