"""The circuit api: declarations, linear combinations, constraint counts, labels, solving."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkl.circuits import LinComb, Public, R, Secret, Circuit, compile, solve
from zkl.circuits.builder import Builder
from zkl.errors import CircuitError, FieldElementOutOfRange, MalformedInput, ShapeMismatch, UnsatisfiedConstraint


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


class Mul(Circuit):
    x = Public()
    y = Secret()

    def define(self, api):
        api.assert_equal(api.mul(self.y, self.y), self.x)


class Linear(Circuit):
    """Many free operations, then one product of two linear combinations."""

    out = Public()
    a = Secret()
    b = Secret()
    c = Secret()

    def define(self, api):
        s = api.add(self.a, self.b, self.c)
        t = api.sub(api.mul(self.a, 5), api.neg(self.b))  # 5a + b
        u = 3 * s - t + 7  # -2a + 2b + 3c + 7
        api.assert_equal(api.mul(u, api.add(s, 1)), self.out)


class Shapes(Circuit):
    """Arrays of inputs, public ones declared after secret ones."""

    s = Secret((2, 3))
    p = Public(2)
    q = Secret()
    o = Public()

    def define(self, api):
        total = api.lincomb([(1, v) for row in self.s for v in row] + [(1, self.q)])
        api.assert_equal(total, api.add(self.p[0], self.p[1], self.o))


class Chain(Circuit):
    """A parameter from __init__ and an input declared there with a shape depending on it."""

    out = Public()

    def __init__(self, n: int = 4, step: int = 1):
        self.n = n
        self.step = step
        self.xs = Secret(n)

    def define(self, api):
        acc = 1
        for x in self.xs:
            acc = api.mul(acc, api.add(x, self.step))
        api.assert_equal(acc, self.out)


class Scoped(Circuit):
    x = Public()
    y = Secret()

    def define(self, api):
        with api.scope("outer"):
            z = api.mul(self.y, self.y)
            with api.scope("inner"):
                api.assert_equal(z, self.x)
        api.constraint(self.y, 1, self.y, "raw")


class Hinted(Circuit):
    x = Public()
    q = Secret()

    def define(self, api):
        # x = 7 * quotient + remainder, with quotient and remainder from one hint
        quot, rem = api.hint(lambda v, d: [v // d, v % d], self.x, 7, n_outputs=2)
        api.range_check(rem, 3)
        api.assert_equal(api.add(api.mul(quot, 7), rem), self.x)
        api.assert_equal(quot, self.q)


class Branchy(Circuit):
    """Wrong on purpose: its structure depends on whether it is solving."""

    x = Public()

    def define(self, api):
        if api.solving:
            api.mul(self.x, self.x)


def test_mul_example_compiles_solves_and_checks():
    r1cs = compile(Mul())
    assert (r1cs.n_constraints, r1cs.n_wires, r1cs.n_public, r1cs.n_private_inputs) == (2, 4, 1, 1)
    assert r1cs.wire_names == ["one", "x", "y", "mul"]
    assert r1cs.labels == ["mul", "assert_equal"]
    witness = solve(Mul(), {"x": 9, "y": 3})
    assert witness.values == [1, 9, 3, 9]
    assert witness.public == [9]
    r1cs.check(witness)
    assert Mul().solve(x=9, y=R - 3).values == [1, 9, R - 3, 9]


def test_wrong_witness_names_constraint_and_index():
    with pytest.raises(UnsatisfiedConstraint) as err:
        solve(Mul(), {"x": 10, "y": 3})
    assert (err.value.index, err.value.label) == (1, "assert_equal")
    assert "9" in str(err.value) and "10" in str(err.value)


def test_linear_operations_are_free_and_one_product_is_one_constraint():
    r1cs = compile(Linear())
    assert r1cs.n_constraints == 2  # the product and the assert_equal
    assert r1cs.n_wires == 1 + 4 + 1
    a, b, c = 2, 3, 4  # wires 2, 3, 4
    assert r1cs.a.row(0) == {2: R - 2, 3: 2, 4: 3, 0: 7}
    assert r1cs.b.row(0) == {2: 1, 3: 1, 4: 1, 0: 1}
    u, s = -2 * a + 2 * b + 3 * c + 7, a + b + c + 1
    r1cs.check(solve(Linear(), {"out": u * s % R, "a": a, "b": b, "c": c}))


def test_constant_folding_and_multiplication_by_constants():
    builder = Builder(["x", "y"], 1)
    x, y = builder.input(1), builder.input(2)
    assert builder.mul(3, 4) == 12
    assert builder.add(R - 1, 2) == 1
    assert builder.sub(0, 1) == R - 1
    assert builder.div(6, 3) == 2
    assert builder.inverse(2) * 2 % R == 1
    assert builder.mul(x, 0) == 0
    assert builder.mul(x, 1) is x
    assert builder.mul(7, x).terms == {1: 7}
    assert builder.is_zero(0) == 1 and builder.is_equal(5, 6) == 0
    assert builder.select(1, x, y) is x
    assert builder.n_constraints == 0 and builder.n_wires == 3
    z = builder.mul(builder.add(x, 1), builder.sub(y, x))
    assert isinstance(z, LinComb) and builder.n_constraints == 1 and builder.n_wires == 4
    with pytest.raises(CircuitError):
        builder.assert_equal(3, 4)
    with pytest.raises(CircuitError):
        builder.constraint(2, 3, 5)


def test_operators_match_api_and_refuse_products_and_truth_values():
    builder = Builder(["x", "y"], 0)
    x, y = builder.input(1), builder.input(2)
    assert (x + y).terms == builder.add(x, y).terms
    assert (2 - x).terms == {0: 2, 1: R - 1}
    assert (x * 3 + 1).terms == {1: 3, 0: 1}
    assert (-x).terms == {1: R - 1}
    assert (x - x).terms == {}  # cancelled, but still a variable
    assert x * 0 == 0
    with pytest.raises(CircuitError):
        x * y
    with pytest.raises(CircuitError):
        bool(x)
    with pytest.raises(CircuitError):
        builder.add(x, "3")


def test_wire_order_is_one_public_then_secret_row_major():
    circuit = Shapes()
    r1cs = compile(circuit)
    assert r1cs.wire_names[:11] == ["one", "p[0]", "p[1]", "o", "s[0][0]", "s[0][1]", "s[0][2]", "s[1][0]",
                                    "s[1][1]", "s[1][2]", "q"]
    assert (r1cs.n_public_inputs, r1cs.n_private_inputs) == (3, 7)
    witness = solve(circuit, {"s": [[1, 2, 3], [4, 5, 6]], "p": ["10", 11], "o": 0, "q": 0})
    assert witness.values[:11] == [1, 10, 11, 0, 1, 2, 3, 4, 5, 6, 0]
    assert witness.public == [10, 11, 0]
    r1cs.check(witness)


def test_parameters_and_inputs_declared_in_init():
    r1cs = compile(Chain(n=3, step=2))
    assert Chain(n=3, step=2).params() == {"n": 3, "step": 2}
    assert Chain().params() == {"n": 4, "step": 1}
    assert r1cs.wire_names[:5] == ["one", "out", "xs[0]", "xs[1]", "xs[2]"]
    assert r1cs.n_constraints == 3  # 1 * (x0 + 2) folds; two products; one assert
    witness = solve(Chain(n=3, step=2), {"out": 3 * 4 * 5, "xs": [1, 2, 3]})
    r1cs.check(witness)
    assert compile(Chain(n=5)).n_private_inputs == 5


def test_assignment_validation_messages():
    with pytest.raises(MalformedInput, match="missing a value for input 'y'"):
        solve(Mul(), {"x": 1})
    with pytest.raises(MalformedInput, match="unknown input 'z'"):
        solve(Mul(), {"x": 1, "y": 1, "z": 2})
    with pytest.raises(FieldElementOutOfRange, match=r"\[0, r\)"):
        solve(Mul(), {"x": R, "y": 1})
    with pytest.raises(FieldElementOutOfRange):
        solve(Mul(), {"x": -1, "y": 1})
    with pytest.raises(FieldElementOutOfRange):
        solve(Mul(), {"x": "nine", "y": 1})
    with pytest.raises(ShapeMismatch, match=r"shape \(3,\)"):
        solve(Chain(n=3), {"out": 1, "xs": [1, 2]})
    with pytest.raises(ShapeMismatch):
        solve(Shapes(), {"s": [[1, 2, 3], [4, 5]], "p": [1, 2], "o": 0, "q": 0})


def test_scopes_label_constraints_and_errors():
    r1cs = compile(Scoped())
    assert r1cs.labels == ["outer/mul", "outer/inner/assert_equal", "raw"]
    assert r1cs.wire_names[3] == "outer/mul"
    with pytest.raises(UnsatisfiedConstraint) as err:
        solve(Scoped(), {"x": 5, "y": 2})
    assert err.value.label == "outer/inner/assert_equal" and err.value.index == 1
    witness = solve(Scoped(), {"x": 5, "y": 2}, strict=False)
    assert witness.failures == [(1, "outer/inner/assert_equal")]
    with pytest.raises(UnsatisfiedConstraint) as err:
        r1cs.check(witness)
    assert err.value.label == "outer/inner/assert_equal"


def test_hints_make_secret_wires_the_caller_constrains():
    r1cs = compile(Hinted())
    assert r1cs.wire_names[3:5] == ["hint:<lambda>[0]", "hint:<lambda>[1]"]
    witness = solve(Hinted(), {"x": 100, "q": 14})
    assert witness.values[3:5] == [14, 2]
    r1cs.check(witness)
    with pytest.raises(UnsatisfiedConstraint):
        solve(Hinted(), {"x": 100, "q": 13})


def test_hint_output_count_is_checked():
    class BadHint(Circuit):
        x = Public()

        def define(self, api):
            api.hint(lambda v: [v, v], self.x, n_outputs=3)

    compile(BadHint(), cache=False)
    with pytest.raises(CircuitError, match="must return 3 values, not 2"):
        solve(BadHint(), {"x": 1})


def test_solver_detects_structure_that_depends_on_values():
    r1cs = compile(Branchy())
    with pytest.raises(CircuitError, match="must not depend on input values"):
        solve(Branchy(), {"x": 3}, r1cs=r1cs, compiled=False)
    # the compiled solver replays the recorded (compile-mode) structure: no product wire here
    assert len(solve(Branchy(), {"x": 3}, r1cs=r1cs)) == r1cs.n_wires == 2


def test_println_prints_values_only_while_solving(capsys):
    class Printing(Circuit):
        x = Public()

        def define(self, api):
            api.println("x is", self.x, [self.x, 2])

    compile(Printing(), cache=False)
    assert capsys.readouterr().out == ""
    solve(Printing(), {"x": 5})
    assert capsys.readouterr().out == "x is 5 [5, 2]\n"


def test_circuit_without_define_and_bad_declarations():
    class Empty(Circuit):
        pass

    with pytest.raises(NotImplementedError):
        compile(Empty(), cache=False)
    with pytest.raises(CircuitError):
        Secret("three")
    with pytest.raises(CircuitError):
        compile("not a circuit")


# -- mul_add and linear combinations ---------------------------------------------------------


class MulAddChain(Circuit):
    """x_{i+1} = x_i * y + (x_i + y + i): with mul_add each step is one wire and one
    constraint; with mul and add the linear combination carried along grows every step."""

    x = Secret()
    y = Secret()
    out = Public()

    def __init__(self, n: int = 8, fused: bool = True, generic: bool = False, sub: bool = False):
        self.n, self.fused, self.generic, self.sub = n, fused, generic, sub

    def define(self, api):
        from zkl.circuits.api import API

        v = self.x
        for i in range(self.n):
            c = api.add(v, self.y, i)
            if not self.fused:
                v = api.add(api.mul(v, self.y), c)
            elif self.sub:  # a * b - (-c)
                v = (API.mul_sub if self.generic else type(api).mul_sub)(api, v, self.y, api.neg(c))
            elif self.generic:  # the API's default (hint + constraint), as another API subclass gets it
                v = API.mul_add(api, v, self.y, c)
            else:
                v = api.mul_add(v, self.y, c)
        api.assert_equal(v, self.out)

    def native(self, x: int, y: int) -> int:
        for i in range(self.n):
            x = (x * y + x + y + i) % R
        return x


def test_mul_add_is_one_wire_and_one_constraint():
    builder = Builder(["x", "y"], 0)
    x, y = builder.input(1), builder.input(2)
    with builder.scope("g"):
        w = builder.mul_add(x, y, builder.add(x, 5), label="fma")
    assert isinstance(w, LinComb) and w.terms == {3: 1}
    assert builder.n_constraints == 1 and builder.n_wires == 4
    r1cs = builder.finish()
    assert r1cs.labels == ["g/fma"] and r1cs.wire_names[3] == "g/fma"
    assert (r1cs.a.row(0), r1cs.b.row(0), r1cs.c.row(0)) == ({1: 1}, {2: 1}, {3: 1, 1: R - 1, 0: R - 5})
    # constants fold: a constant factor makes the linear a * b + c
    assert builder.mul_add(3, 4, 5) == 17
    assert builder.mul_add(x, 2, 1).terms == {1: 2, 0: 1}
    assert builder.mul_add(x, y).terms == {4: 1} and builder.n_constraints == 2


def test_mul_add_solves_checks_and_keeps_rows_short():
    rng = random.Random(3)
    for n in (1, 8, 40):
        fused, plain = MulAddChain(n), MulAddChain(n, fused=False)
        r1cs, r1cs_plain = compile(fused), compile(plain)
        assert r1cs.n_constraints == r1cs_plain.n_constraints == n + 1
        x, y = rng.randrange(R), rng.randrange(R)
        assignment = {"x": x, "y": y, "out": fused.native(x, y)}
        witness = solve(fused, assignment, r1cs=r1cs)
        r1cs.check(witness)
        r1cs_plain.check(solve(plain, assignment, r1cs=r1cs_plain))
        with pytest.raises(UnsatisfiedConstraint, match="assert_equal"):
            solve(fused, {**assignment, "out": (assignment["out"] + 1) % R})
        wire = r1cs.n_wires - 1  # the last mul_add wire: fixed by its constraint
        assert not r1cs.is_satisfied(witness.with_values({wire: (witness[wire] + 1) % R}))
        nnz = sum(m.nnz for m in r1cs.matrices)
        assert nnz <= 6 * (n + 1)  # a, b, and w, x, y, one per row
    growing = sum(m.nnz for m in compile(MulAddChain(40, fused=False)).matrices)  # about n^2 / 2
    assert growing > 3 * sum(m.nnz for m in compile(MulAddChain(40)).matrices)


@pytest.mark.parametrize("sub", [False, True])
def test_mul_add_and_mul_sub_defaults_match_the_builder_and_solver_fast_paths(sub):
    fast, generic = compile(MulAddChain(6, sub=sub)), compile(MulAddChain(6, generic=True, sub=sub))
    assert (fast.n_constraints, fast.n_wires) == (generic.n_constraints, generic.n_wires) == (7, 10)
    for x, y in zip(fast.matrices, generic.matrices):
        assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        assert np.array_equal(x.coeffs, y.coeffs)
    assert fast.labels[:6] == ["mul_sub" if sub else "mul_add"] * 6
    assignment = {"x": 3, "y": 7, "out": MulAddChain(6).native(3, 7)}
    witness = solve(MulAddChain(6, sub=sub), assignment, r1cs=fast)
    fast.check(witness)
    assert witness.values == solve(MulAddChain(6, generic=True, sub=sub), assignment).values


def test_mul_sub_is_a_times_b_equals_w_plus_c():
    builder = Builder(["x", "y"], 0)
    x, y = builder.input(1), builder.input(2)
    w = builder.mul_sub(x, y, builder.add(x, 5))
    r1cs = builder.finish()
    assert w.terms == {3: 1} and r1cs.labels == ["mul_sub"]
    assert (r1cs.a.row(0), r1cs.b.row(0), r1cs.c.row(0)) == ({1: 1}, {2: 1}, {3: 1, 1: 1, 0: 5})
    assert builder.mul_sub(3, 4, 5) == 7 and builder.mul_sub(x, 2, 1).terms == {1: 2, 0: R - 1}
    assert builder.mul_sub(x, y, 9).terms == {4: 1} and builder.n_constraints == 2


def test_lincomb_takes_coefficients_of_any_size_or_sign_in_both_modes():
    from zkl.circuits.solver import Solver

    builder = Builder(["x", "y"], 0)
    x, y = builder.input(1), builder.input(2)
    terms = [(R + 2, x), (-2, x), (np.int64(-3), y), (2 * R + 5, 4), (1, y), (R - 1, builder.add(y, 7))]
    out = builder.lincomb(terms, constant=-(R + 1))
    # x: 2 - 2 = 0 (dropped), y: -3 + 1 - 1 = -3, constant: 20 - 7 - 1 = 12
    assert out.terms == {2: R - 3, 0: 12}
    assert builder.lincomb([(R, x), (5, 2)], 1).terms == {0: 11}  # a variable term, even times 0: a variable
    assert builder.lincomb([(R, 3), (5, 2)], 1) == 11  # only constants: an int
    assert isinstance(builder.lincomb([(R, x)]), LinComb) and builder.lincomb([(R, x)]).terms == {}
    assert builder.lincomb([(1, x), (-1, x)], 3).terms == {0: 3}
    solver = Solver([1, 10, 100])
    xv, yv = solver.input(1), solver.input(2)
    terms_v = [(R + 2, xv), (-2, xv), (np.int64(-3), yv), (2 * R + 5, 4), (1, yv), (R - 1, solver.add(yv, 7))]
    assert solver.lincomb(terms_v, constant=-(R + 1)).v == (-3 * 100 + 12) % R
    assert solver.lincomb([(R, xv), (5, 2)], 1).v == 11 and solver.lincomb([(R, 3), (5, 2)], 1) == 11
    with pytest.raises(CircuitError):
        builder.lincomb([("2", x)])
    with pytest.raises(CircuitError):
        solver.lincomb([(2, x)])  # a compile-mode variable in the solver
