"""Compile mode: run `define` over `LinComb` variables and record the R1CS.

Each constraint is kept as three references to the immutable term dicts of its linear
combinations, so recording costs a few list appends; `finish()` flattens them once into the
CSR arrays of `R1CS`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from zkl.circuits.api import API
from zkl.circuits.field import R, ints_to_limbs
from zkl.circuits.lincomb import LinComb, Value, Variable, constant, lc_add, lc_add_constant, lc_scale
from zkl.circuits.r1cs import R1CS, SparseRows
from zkl.errors import CircuitError

_ONE: dict[int, int] = {0: 1}


def _terms(x: Variable) -> dict[int, int]:
    """Return the term dict of a variable or constant (constant k is {0: k})."""
    if type(x) is LinComb:
        return x.terms
    k = _const(x)
    return {0: k} if k else {}


def _const(x: object) -> int:
    """Return an int constant mod r, refusing solve-mode values."""
    if type(x) is Value:
        raise CircuitError("a solve-mode Value reached the compiler; do not keep variables between runs")
    return constant(x)


class Builder(API):
    """Records constraints while `define` runs; `finish()` returns the R1CS."""

    solving = False

    def __init__(self, input_names: list[str], n_public: int) -> None:
        super().__init__()
        self._names: list[str] = ["one", *input_names]
        self._n_public = n_public
        self._n_private = len(input_names) - n_public
        self._a: list[dict[int, int]] = []
        self._b: list[dict[int, int]] = []
        self._c: list[dict[int, int]] = []
        self._labels: list[str] = []

    def input(self, index: int) -> LinComb:
        """Return the variable of input wire `index` (1-based, after the constant one)."""
        return LinComb({index: 1})

    @property
    def n_wires(self) -> int:
        """Number of wires allocated so far, the constant one included."""
        return len(self._names)

    @property
    def n_constraints(self) -> int:
        """Number of constraints recorded so far."""
        return len(self._labels)

    # -- primitives -------------------------------------------------------------------------

    def add(self, a: Variable, b: Variable, *more: Variable) -> Variable:
        if more:
            return self.lincomb([(1, x) for x in (a, b, *more)])
        ta, tb = type(a) is LinComb, type(b) is LinComb
        if ta and tb:
            return LinComb(lc_add(a.terms, b.terms))
        if ta:
            k = _const(b)
            return LinComb(lc_add_constant(a.terms, k)) if k else a
        if tb:
            k = _const(a)
            return LinComb(lc_add_constant(b.terms, k)) if k else b
        return (_const(a) + _const(b)) % R

    def sub(self, a: Variable, b: Variable) -> Variable:
        if type(b) is LinComb:
            nb = LinComb(lc_scale(b.terms, R - 1))
            return self.add(a, nb)
        k = _const(b)
        if type(a) is LinComb:
            return LinComb(lc_add_constant(a.terms, R - k)) if k else a
        return (_const(a) - k) % R

    def neg(self, a: Variable) -> Variable:
        if type(a) is LinComb:
            return LinComb(lc_scale(a.terms, R - 1))
        return -_const(a) % R

    def mul(self, a: Variable, b: Variable, *more: Variable) -> Variable:
        if more:
            out = self.mul(a, b)
            for x in more:
                out = self.mul(out, x)
            return out
        if type(a) is LinComb:
            if type(b) is LinComb:
                w = len(self._names)
                label = self._prefix + "mul"
                self._names.append(label)
                self._a.append(a.terms)
                self._b.append(b.terms)
                self._c.append({w: 1})
                self._labels.append(label)
                return LinComb({w: 1})
            return self._scale(a, _const(b))
        if type(b) is LinComb:
            return self._scale(b, _const(a))
        return _const(a) * _const(b) % R

    def mul_add(self, a: Variable, b: Variable, c: Variable = 0, label: str = "mul_add") -> Variable:
        if type(a) is LinComb and type(b) is LinComb:
            if type(c) is LinComb:
                return self._product_wire(a, b, lc_scale(c.terms, R - 1), label)
            k = _const(c)
            return self._product_wire(a, b, {0: R - k} if k else {}, label)
        return self.add(self.mul(a, b), c)

    def mul_sub(self, a: Variable, b: Variable, c: Variable = 0, label: str = "mul_sub") -> Variable:
        if type(a) is LinComb and type(b) is LinComb:
            return self._product_wire(a, b, _terms(c), label)
        return self.sub(self.mul(a, b), c)

    def _product_wire(self, a: LinComb, b: LinComb, rest: dict[int, int], label: str) -> LinComb:
        """Record a * b = w + rest for a new wire w named and labelled scope/label; return w."""
        w = len(self._names)
        name = self._prefix + label
        self._names.append(name)
        self._a.append(a.terms)
        self._b.append(b.terms)
        self._c.append(lc_add({w: 1}, rest) if rest else {w: 1})
        self._labels.append(name)
        return LinComb({w: 1})

    @staticmethod
    def _scale(a: LinComb, k: int) -> Variable:
        """Return k * a, folding k = 0 to the constant 0 and k = 1 to a itself."""
        if k == 0:
            return 0
        if k == 1:
            return a
        return LinComb(lc_scale(a.terms, k))

    def lincomb(self, terms: Iterable[tuple[int, Variable]], constant: int = 0) -> Variable:
        # sums are reduced mod r once per wire at the end, not once per term
        acc: dict[int, int] = {}
        get = acc.get
        k0 = _const(constant)
        variable = False
        for c, x in terms:
            if type(c) is not int:
                c = _const(c)
            if type(x) is LinComb:
                variable = True
                if c == 1:
                    for w, v in x.terms.items():
                        acc[w] = get(w, 0) + v
                elif c:
                    for w, v in x.terms.items():
                        acc[w] = get(w, 0) + c * v
            else:
                k0 += c * _const(x)
        if not variable:
            return k0 % R
        k0 %= R
        if k0:
            acc[0] = get(0, 0) + k0
        out = {}
        for w, v in acc.items():
            v %= R
            if v:
                out[w] = v
        return LinComb(out)

    def constraint(self, a: Variable, b: Variable, c: Variable, label: str = "constraint") -> None:
        if type(a) is not LinComb and type(b) is not LinComb and type(c) is not LinComb:
            if _const(a) * _const(b) % R != _const(c):
                raise CircuitError(f"constraint '{self._prefix}{label}' on constants can never hold: "
                                   f"{_const(a)} * {_const(b)} != {_const(c)}")
            return
        self._a.append(_terms(a))
        self._b.append(_ONE if type(b) is int and b == 1 else _terms(b))
        self._c.append(_terms(c))
        self._labels.append(self._prefix + label)

    def hint(self, fn: Callable[..., Any], *inputs: Any, n_outputs: int | None = None) -> Any:
        k = 1 if n_outputs is None else n_outputs
        if not isinstance(k, int) or k < 0:
            raise CircuitError(f"n_outputs of a hint must be a non-negative integer, not {n_outputs!r}")
        w = len(self._names)
        name = f"{self._prefix}hint:{getattr(fn, '__name__', 'hint')}"
        if n_outputs is None:
            self._names.append(name)
            return LinComb({w: 1})
        self._names.extend(f"{name}[{i}]" for i in range(k))
        return [LinComb({w + i: 1}) for i in range(k)]

    # -- result -----------------------------------------------------------------------------

    def finish(self) -> R1CS:
        """Return the recorded constraint system as an R1CS of NumPy arrays."""
        return R1CS(
            a=_rows(self._a), b=_rows(self._b), c=_rows(self._c),
            n_wires=len(self._names), n_public_outputs=0, n_public_inputs=self._n_public,
            n_private_inputs=self._n_private, wire_names=self._names, labels=self._labels,
        )


def _rows(rows: list[dict[int, int]]) -> SparseRows:
    """Flatten a list of term dicts into CSR arrays.

    The loops run in C (`chain`, `map`, `np.fromiter`). Coefficients repeat a lot (1, r - 1, a
    gadget's constants): one pass numbers the distinct ones in order of appearance (a dict
    whose missing keys get its length), each is converted to limbs once, and rows gather them.
    """
    counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    nnz = int(indptr[-1])
    indices = np.fromiter(chain.from_iterable(rows), dtype=np.int32, count=nnz)
    numbers: defaultdict[int, int] = defaultdict()
    numbers.default_factory = numbers.__len__
    which = np.fromiter(map(numbers.__getitem__, chain.from_iterable(map(dict.values, rows))), dtype=np.int64,
                        count=nnz)
    return SparseRows(indptr, indices, ints_to_limbs(list(numbers))[which])
