"""The circuit api: declarations, linear combinations, constraint counts, labels, solving."""

from __future__ import annotations

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
        solve(Branchy(), {"x": 3}, r1cs=r1cs)


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
