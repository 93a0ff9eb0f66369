"""Solve mode: run `define` over `Value` variables (plain ints mod r) and collect the witness.

The solver allocates wires and counts constraints exactly as the Builder does, appending each
new wire's value to the assignment vector, and checks every explicit constraint as it goes
(products made by `mul` hold by construction). A failed check raises UnsatisfiedConstraint
with the index and the scoped label the Builder gave the same constraint. With
`strict=False` failures are recorded instead, and the (unsatisfying) vector is still
returned: soundness tests tamper with hints that way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from zkl.circuits.api import API
from zkl.circuits.field import R
from zkl.circuits.lincomb import LinComb, Value, Variable, constant
from zkl.errors import CircuitError, UnsatisfiedConstraint

HintOverride = Callable[[Callable[..., Any], list[Any], list[int]], Iterable[int]]
"""fn(hint_fn, input_values, honest_outputs) -> outputs to use instead (a malicious prover)."""


def _const(x: object) -> int:
    """Return an int constant mod r, refusing compile-mode variables."""
    if type(x) is LinComb:
        raise CircuitError("a compile-mode LinComb reached the solver; do not keep variables between runs")
    return constant(x)


def _val(x: Variable) -> int:
    """Return the value of a variable or constant."""
    return x.v if type(x) is Value else _const(x)


def _values(x: Any) -> Any:
    """Return the values of a (nested list of) variables as ints (lists stay lists)."""
    if type(x) is Value:
        return x.v
    if isinstance(x, (list, tuple)):
        return [_values(y) for y in x]
    return _const(x)


def hint_outputs(fn: Callable[..., Any], out: list[Any], k: int) -> list[int]:
    """A hint's k outputs as ints mod r; CircuitError naming the hint for a wrong count or a non-integer."""
    if len(out) != k:
        raise CircuitError(f"hint {getattr(fn, '__name__', fn)!s} must return {k} values, not {len(out)}")
    try:
        return [int(v) % R for v in out]
    except (TypeError, ValueError):
        raise CircuitError(f"hint {getattr(fn, '__name__', fn)!s} must return integers, not {out!r}") from None


class Solver(API):
    """Evaluates `define` on values; `values` is the assignment vector it extends."""

    solving = True

    def __init__(self, values: list[int], *, strict: bool = True,
                 hint_override: HintOverride | None = None) -> None:
        super().__init__()
        self.values = values
        self.n_constraints = 0
        self.strict = strict
        self.failures: list[tuple[int, str]] = []
        self._override = hint_override

    def input(self, index: int) -> Value:
        """Return the variable of input wire `index`."""
        return Value(self.values[index])

    @property
    def n_wires(self) -> int:
        """Number of wires allocated so far, the constant one included."""
        return len(self.values)

    # -- primitives -------------------------------------------------------------------------

    def add(self, a: Variable, b: Variable, *more: Variable) -> Variable:
        if more:
            return self.lincomb([(1, x) for x in (a, b, *more)])
        ta, tb = type(a) is Value, type(b) is Value
        if ta and tb:
            return Value((a.v + b.v) % R)
        if ta:
            k = _const(b)
            return Value((a.v + k) % R) if k else a
        if tb:
            k = _const(a)
            return Value((b.v + k) % R) if k else b
        return (_const(a) + _const(b)) % R

    def sub(self, a: Variable, b: Variable) -> Variable:
        if type(b) is Value:
            return Value((_val(a) - b.v) % R)
        k = _const(b)
        if type(a) is Value:
            return Value((a.v - k) % R) if k else a
        return (_const(a) - k) % R

    def neg(self, a: Variable) -> Variable:
        if type(a) is Value:
            return Value(-a.v % R)
        return -_const(a) % R

    def mul(self, a: Variable, b: Variable, *more: Variable) -> Variable:
        if more:
            out = self.mul(a, b)
            for x in more:
                out = self.mul(out, x)
            return out
        if type(a) is Value:
            if type(b) is Value:
                v = a.v * b.v % R
                self.values.append(v)
                self.n_constraints += 1
                return Value(v)
            return self._scale(a, _const(b))
        if type(b) is Value:
            return self._scale(b, _const(a))
        return _const(a) * _const(b) % R

    def mul_add(self, a: Variable, b: Variable, c: Variable = 0, label: str = "mul_add") -> Variable:
        if type(a) is Value and type(b) is Value:
            v = (a.v * b.v + _val(c)) % R
            self.values.append(v)
            self.n_constraints += 1
            return Value(v)
        return self.add(self.mul(a, b), c)

    def mul_sub(self, a: Variable, b: Variable, c: Variable = 0, label: str = "mul_sub") -> Variable:
        if type(a) is Value and type(b) is Value:
            v = (a.v * b.v - _val(c)) % R
            self.values.append(v)
            self.n_constraints += 1
            return Value(v)
        return self.sub(self.mul(a, b), c)

    @staticmethod
    def _scale(a: Value, k: int) -> Variable:
        """Return k * a with the Builder's folding (k = 0 -> 0, k = 1 -> a)."""
        if k == 0:
            return 0
        if k == 1:
            return a
        return Value(a.v * k % R)

    def lincomb(self, terms: Iterable[tuple[int, Variable]], constant: int = 0) -> Variable:
        # int coefficients are used as given (any size or sign) and the sum reduced once
        acc = _const(constant)
        variable = False
        for c, x in terms:
            if type(c) is not int:
                c = _const(c)
            if type(x) is Value:
                variable = True
                acc += c * x.v
            else:
                acc += c * _const(x)
        return Value(acc % R) if variable else acc % R

    def constraint(self, a: Variable, b: Variable, c: Variable, label: str = "constraint") -> None:
        va, vb, vc = _val(a), _val(b), _val(c)
        if type(a) is not Value and type(b) is not Value and type(c) is not Value:
            if va * vb % R != vc:
                raise CircuitError(f"constraint '{self._prefix}{label}' on constants can never hold: "
                                   f"{va} * {vb} != {vc}")
            return
        if (va * vb - vc) % R:
            self._fail(self._prefix + label, f"{va} * {vb} != {vc}")
        self.n_constraints += 1

    def _fail(self, label: str, detail: str) -> None:
        """Raise (strict) or record the failure of the constraint about to be counted."""
        if self.strict:
            raise UnsatisfiedConstraint(self.n_constraints, label, detail)
        self.failures.append((self.n_constraints, label))

    def hint(self, fn: Callable[..., Any], *inputs: Any, n_outputs: int | None = None) -> Any:
        k = 1 if n_outputs is None else n_outputs
        if not isinstance(k, int) or k < 0:
            raise CircuitError(f"n_outputs of a hint must be a non-negative integer, not {n_outputs!r}")
        args = [_values(x) for x in inputs]
        try:
            out = fn(*args)
            out = [out] if n_outputs is None else list(out)
        except Exception:
            if self.strict and self._override is None:
                raise
            out = [0] * k
        if self._override is not None:
            out = list(self._override(fn, args, out))
        out = hint_outputs(fn, out, k)
        self.values.extend(out)
        if n_outputs is None:
            return Value(out[0])
        return [Value(v) for v in out]

    def println(self, *args: Any) -> None:
        print(*(_values(a) if isinstance(a, (Value, list, tuple)) else a for a in args))
