"""The api that `Circuit.define(self, api)` calls: arithmetic, assertions, hints and gadgets.

`API` documents every method and implements the gadgets once, on top of a few primitives
(`add`, `sub`, `neg`, `mul`, `lincomb`, `constraint`, `hint`) that `Builder` (records the R1CS)
and `Solver` (computes the witness) each implement. Constraint counts below are for
non-constant arguments; constants fold at no cost.

Costs in constraints: linear operations (add, sub, neg, lincomb, multiplication by a constant)
are free and create no wire; `mul` of two variables is 1, `mul_add` and `mul_sub` 1; `inverse` 1; `div` 2;
`is_zero` 2; `select` 1 (+1 if the condition is not known boolean); `to_binary(x, n)` n + 1
(n + 1 + 106 for n = 254); `assert_less_or_equal(a, b, n)` about 2n.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from zkl.circuits.lincomb import LinComb, Value, Variable
from zkl.circuits.std import arith, bits, comparators, logic, select
from zkl.errors import CircuitError


class API:
    """Builds (Builder) or evaluates (Solver) a circuit; `define` must use only these methods.

    Variables are opaque: combine them with api methods or the linear operators
    (`x + y`, `x - y`, `-x`, `k * x`). Every method accepts int constants wherever it accepts
    variables and folds constant arithmetic without constraints.
    """

    solving: bool = False
    """True while solving a witness (values known), False while compiling; never branch the
    structure of a circuit on it."""

    def __init__(self) -> None:
        self._scopes: list[str] = []
        self._prefix = ""

    # -- labels -------------------------------------------------------------------------

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """Prefix the labels of constraints made inside the block with `name/` (nestable)."""
        self._scopes.append(str(name))
        self._prefix = "/".join(self._scopes) + "/"
        try:
            yield
        finally:
            self._scopes.pop()
            self._prefix = "/".join(self._scopes) + "/" if self._scopes else ""

    def label(self, name: str) -> str:
        """Return `name` prefixed with the current scope path, as constraint labels are."""
        return self._prefix + name

    # -- primitives (implemented by Builder and Solver) ----------------------------------

    def add(self, a: Variable, b: Variable, *more: Variable) -> Variable:
        """Return a + b (+ more...). Free: no constraint, no wire."""
        raise NotImplementedError

    def sub(self, a: Variable, b: Variable) -> Variable:
        """Return a - b. Free."""
        raise NotImplementedError

    def neg(self, a: Variable) -> Variable:
        """Return -a. Free."""
        raise NotImplementedError

    def mul(self, a: Variable, b: Variable, *more: Variable) -> Variable:
        """Return a * b (* more...). One constraint `a * b = out` (a new wire) per product of two
        variables; free when a factor is constant."""
        raise NotImplementedError

    def mul_add(self, a: Variable, b: Variable, c: Variable = 0, label: str = "mul_add") -> Variable:
        """Return a * b + c as ONE new wire w, with the one constraint `a * b = w - c` (labelled
        `scope/label`): what `mul` costs, but the result is a single wire whatever the size of
        c, so formulas chained through it never copy growing linear combinations. Free (the
        linear a * b + c) when a or b is constant."""
        if self.is_constant(a) or self.is_constant(b):
            return self.add(self.mul(a, b), c)
        w = self.hint(arith.mul_add_hint, a, b, c)
        self.constraint(a, b, self.sub(w, c), label)
        return w

    def mul_sub(self, a: Variable, b: Variable, c: Variable = 0, label: str = "mul_sub") -> Variable:
        """Return a * b - c as ONE new wire w, with the one constraint `a * b = w + c`: `mul_add`
        of -c without negating c's terms. Free (the linear a * b - c) when a or b is constant."""
        if self.is_constant(a) or self.is_constant(b):
            return self.sub(self.mul(a, b), c)
        w = self.hint(arith.mul_sub_hint, a, b, c)
        self.constraint(a, b, self.add(w, c), label)
        return w

    def lincomb(self, terms: Iterable[tuple[int, Variable]], constant: int = 0) -> Variable:
        """Return sum(c * x for c, x in terms) + constant in one pass. Free."""
        raise NotImplementedError

    def constraint(self, a: Variable, b: Variable, c: Variable, label: str = "constraint") -> None:
        """Add the raw constraint a * b = c, labelled `scope/label`. One constraint (none and
        an immediate check when all three are constants)."""
        raise NotImplementedError

    def hint(self, fn: Callable[..., Any], *inputs: Any, n_outputs: int | None = None) -> Any:
        """Return new secret wires computed outside the constraints by `fn`. Constrains nothing.

        `fn` gets the values (ints in [0, r)) of `inputs` (variables, constants, or nested
        lists of them, passed through as lists of ints) and returns an int (n_outputs None:
        returns one variable) or a sequence of n_outputs ints (returns a list). The caller
        MUST constrain the outputs: a malicious prover may put anything in them.
        """
        raise NotImplementedError

    def println(self, *args: Any) -> None:
        """Print values while solving (variables shown by value); does nothing while compiling."""

    # -- bookkeeping ------------------------------------------------------------------------

    @staticmethod
    def is_constant(x: Variable) -> bool:
        """Return whether x is a constant (a Python int): known at compile time."""
        return not isinstance(x, (LinComb, Value))

    @staticmethod
    def known_bits(x: Variable) -> int:
        """Return n such that x < 2**n is already enforced (1: boolean), 0 when unknown."""
        if isinstance(x, (LinComb, Value)):
            return x.bits
        return max(1, int(x).bit_length())

    @staticmethod
    def mark_bits(x: Variable, n: int) -> None:
        """Record that constraints already enforce x < 2**n (only gadgets that enforce it call this)."""
        if isinstance(x, (LinComb, Value)) and (x.bits == 0 or n < x.bits):
            x.bits = n

    # -- arithmetic gadgets (std/arith.py) ---------------------------------------------------

    def square(self, a: Variable) -> Variable:
        """Return a * a. One constraint."""
        return self.mul(a, a)

    def inverse(self, a: Variable) -> Variable:
        """Return 1 / a. One constraint `a * out = 1`, which also asserts a != 0."""
        return arith.inverse(self, a)

    def div(self, a: Variable, b: Variable) -> Variable:
        """Return a / b. Two constraints (`b * inv = 1`, `a * inv = out`); asserts b != 0."""
        return arith.div(self, a, b)

    def div_unchecked(self, a: Variable, b: Variable) -> Variable:
        """Return a / b with one constraint `out * b = a`. If b = 0 (and a = 0) out is FREE:
        use only where b != 0 is enforced elsewhere."""
        return arith.div_unchecked(self, a, b)

    def materialize(self, a: Variable) -> Variable:
        """Return a single new wire equal to a (one constraint `a * 1 = out`), to cut a long
        linear combination that many constraints would otherwise copy."""
        return arith.materialize(self, a)

    def is_zero(self, a: Variable) -> Variable:
        """Return the boolean (a == 0). Two constraints (`a * m = 1 - out`, `a * out = 0`)."""
        return arith.is_zero(self, a)

    def is_equal(self, a: Variable, b: Variable) -> Variable:
        """Return the boolean (a == b). Two constraints."""
        return arith.is_zero(self, self.sub(a, b))

    # -- assertions ---------------------------------------------------------------------

    def assert_equal(self, a: Variable, b: Variable) -> None:
        """Assert a == b. One constraint `a * 1 = b`."""
        if self.is_constant(a) and self.is_constant(b):
            arith.check_constants_equal(a, b)
            return
        self.constraint(a, 1, b, "assert_equal")

    def assert_boolean(self, a: Variable) -> None:
        """Assert a is 0 or 1. One constraint `a * (1 - a) = 0`, none if already known boolean."""
        bits.assert_boolean(self, a)

    def assert_nonzero(self, a: Variable) -> None:
        """Assert a != 0. One constraint `a * inv = 1` with inv a hint."""
        arith.inverse(self, a, label="assert_nonzero")

    # -- bits (std/bits.py) ------------------------------------------------------------------

    def to_binary(self, a: Variable, n_bits: int = 254) -> list[Variable]:
        """Return the n_bits little-endian bits of a, asserting a < 2**n_bits.

        n_bits + 1 constraints (a boolean check per bit and the recomposition). For
        n_bits = 254, bits are also asserted to encode a value < r (no alias a + r), 106 more
        constraints (one per run of equal bits of r - 1), so the decomposition is unique for
        every field element.
        """
        return bits.to_binary(self, a, n_bits)

    def from_binary(self, bs: Sequence[Variable], check: bool = True) -> Variable:
        """Return sum(b_i * 2**i). Free, plus one boolean check per bit not known boolean when
        `check` (the default; pass False only for bits enforced boolean elsewhere)."""
        return bits.from_binary(self, bs, check)

    def range_check(self, a: Variable, n_bits: int) -> None:
        """Assert 0 <= a < 2**n_bits. n_bits + 1 constraints (none if already known)."""
        bits.range_check(self, a, n_bits)

    # -- boolean logic (std/logic.py) -------------------------------------------------------

    def not_(self, a: Variable) -> Variable:
        """Return 1 - a for a boolean a (asserted). Free beyond the boolean check."""
        return logic.not_(self, a)

    def and_(self, a: Variable, b: Variable) -> Variable:
        """Return a AND b for booleans a, b (asserted). One constraint."""
        return logic.and_(self, a, b)

    def or_(self, a: Variable, b: Variable) -> Variable:
        """Return a OR b for booleans a, b (asserted). One constraint."""
        return logic.or_(self, a, b)

    def xor(self, a: Variable, b: Variable) -> Variable:
        """Return a XOR b for booleans a, b (asserted). One constraint."""
        return logic.xor(self, a, b)

    # -- selection (std/select.py) ------------------------------------------------------

    def select(self, cond: Variable, a: Variable, b: Variable) -> Variable:
        """Return a if cond else b; cond asserted boolean. One constraint `cond * (a - b) = out - b`."""
        return select.select(self, cond, a, b)

    def lookup(self, bs: Sequence[Variable], table: Sequence[Variable]) -> Variable:
        """Return table[sum(bs[i] * 2**i)] for len(table) == 2**len(bs); bits asserted boolean.

        A mux tree: 2**(k-1) - 1 constraints for a constant table, 2**k - 1 otherwise.
        """
        return select.lookup(self, bs, table)

    def lookup2(self, b0: Variable, b1: Variable, i0: Variable, i1: Variable, i2: Variable,
                i3: Variable) -> Variable:
        """Return i[b0 + 2*b1] (gnark's Lookup2). 1 constraint for constant entries, else 3."""
        return select.lookup(self, [b0, b1], [i0, i1, i2, i3])

    def lookup4(self, b0: Variable, b1: Variable, b2: Variable, b3: Variable,
                table: Sequence[Variable]) -> Variable:
        """Return table[b0 + 2*b1 + 4*b2 + 8*b3] from 16 entries. 7 constraints for a constant
        table, else 15."""
        if len(table) != 16:
            raise CircuitError(f"lookup4 needs a table of 16 entries, not {len(table)}")
        return select.lookup(self, [b0, b1, b2, b3], table)

    # -- comparisons (std/comparators.py) ------------------------------------------------------

    def assert_less_or_equal(self, a: Variable, b: Variable, n_bits: int | None = None) -> None:
        """Assert a <= b as integers (field elements read in [0, r)).

        With a constant b of n = bit_length(b) bits: n + 1 constraints plus one per run of equal
        bits of b (at most 2n + 1; none for b = r - 1), sound for every field value of a.
        Otherwise n_bits (<= 252) is required: asserts a < 2**n_bits and
        b - a < 2**n_bits (about 2n constraints, fewer when a is already range-checked), which
        proves a <= b for any field values a, b; honest inputs need a, b < 2**n_bits.
        """
        comparators.assert_less_or_equal(self, a, b, n_bits)

    def less_than(self, a: Variable, b: Variable, n_bits: int) -> Variable:
        """Return the boolean (a < b); asserts a, b < 2**n_bits (n_bits <= 252). About 3n
        constraints (n + 2 if a and b are already range-checked)."""
        return comparators.less_than(self, a, b, n_bits)

    def less_or_equal(self, a: Variable, b: Variable, n_bits: int) -> Variable:
        """Return the boolean (a <= b); asserts a, b < 2**n_bits. Cost of less_than."""
        return self.sub(1, comparators.less_than(self, b, a, n_bits))

    def cmp(self, a: Variable, b: Variable, n_bits: int) -> Variable:
        """Return 1 if a > b, 0 if a == b, r - 1 (-1) if a < b; asserts a, b < 2**n_bits.
        less_than plus 2 constraints."""
        return comparators.cmp(self, a, b, n_bits)
