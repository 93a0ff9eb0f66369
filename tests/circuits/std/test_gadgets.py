"""Every std gadget: values that must pass, values that must fail (also against malicious
provers, via assert_circuit), constraint counts, and hypothesis properties."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkl.circuits import Circuit, Public, R, Secret, compile, solve
from zkl.circuits.testing import assert_circuit
from zkl.errors import CircuitError, UnsatisfiedConstraint

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


def inv(x: int) -> int:
    return pow(x, -1, R)


# -- circuits, one per gadget ---------------------------------------------------------------


class Inverse(Circuit):
    x = Secret()
    y = Public()

    def define(self, api):
        api.assert_equal(api.inverse(self.x), self.y)


class Div(Circuit):
    a = Secret()
    b = Secret()
    q = Public()

    def __init__(self, unchecked: bool = False):
        self.unchecked = unchecked

    def define(self, api):
        q = api.div_unchecked(self.a, self.b) if self.unchecked else api.div(self.a, self.b)
        api.assert_equal(q, self.q)


class IsZero(Circuit):
    x = Secret()
    y = Secret()
    zero = Public()
    equal = Public()

    def define(self, api):
        api.assert_equal(api.is_zero(self.x), self.zero)
        api.assert_equal(api.is_equal(self.x, self.y), self.equal)


class NonZero(Circuit):
    x = Secret()

    def define(self, api):
        api.assert_nonzero(self.x)


class Boolean(Circuit):
    x = Secret()

    def define(self, api):
        api.assert_boolean(self.x)


class ToBinary(Circuit):
    x = Secret()

    def __init__(self, n: int = 8):
        self.n = n
        self.bits = Public(n)

    def define(self, api):
        for b, expected in zip(api.to_binary(self.x, self.n), self.bits):
            api.assert_equal(b, expected)


class FromBinary(Circuit):
    bits = Secret(3)
    x = Public()

    def define(self, api):
        api.assert_equal(api.from_binary(self.bits), self.x)


class RangeCheck(Circuit):
    x = Secret()

    def __init__(self, n: int = 8):
        self.n = n

    def define(self, api):
        api.range_check(self.x, self.n)


class LessOrEqual(Circuit):
    a = Secret()
    b = Secret()

    def __init__(self, n: int = 8):
        self.n = n

    def define(self, api):
        api.assert_less_or_equal(self.a, self.b, self.n)


class LessOrEqualConstant(Circuit):
    a = Secret()

    def __init__(self, k: int = 100):
        self.k = k

    def define(self, api):
        api.assert_less_or_equal(self.a, self.k)


class Compare(Circuit):
    a = Secret()
    b = Secret()
    lt = Public()
    le = Public()
    cmp = Public()

    def __init__(self, n: int = 8):
        self.n = n

    def define(self, api):
        api.assert_equal(api.less_than(self.a, self.b, self.n), self.lt)
        api.assert_equal(api.less_or_equal(self.a, self.b, self.n), self.le)
        api.assert_equal(api.cmp(self.a, self.b, self.n), self.cmp)


class Select(Circuit):
    c = Secret()
    a = Secret()
    b = Secret()
    out = Public()

    def define(self, api):
        api.assert_equal(api.select(self.c, self.a, self.b), self.out)


_RNG = random.Random(4)
TABLE16 = [_RNG.randrange(R) for _ in range(16)]


class Lookup(Circuit):
    bits = Secret(4)
    table = Secret(4)
    out2 = Public()
    out2_const = Public()
    out4 = Public()

    def define(self, api):
        b = self.bits
        api.assert_equal(api.lookup2(b[0], b[1], *self.table), self.out2)
        api.assert_equal(api.lookup2(b[0], b[1], 10, 20, 30, 40), self.out2_const)
        api.assert_equal(api.lookup4(b[0], b[1], b[2], b[3], TABLE16), self.out4)


class Logic(Circuit):
    a = Secret()
    b = Secret()
    out = Public(4)

    def define(self, api):
        for got, want in zip([api.and_(self.a, self.b), api.or_(self.a, self.b), api.xor(self.a, self.b),
                              api.not_(self.a)], self.out):
            api.assert_equal(got, want)


class Materialize(Circuit):
    a = Secret(3)
    out = Public()

    def define(self, api):
        s = api.materialize(api.add(*self.a))
        api.assert_equal(api.mul(s, s), self.out)


# -- helpers ---------------------------------------------------------------------------------


def bits_of(x: int, n: int) -> list[int]:
    return [(x >> i) & 1 for i in range(n)]


def compare(a: int, b: int) -> dict[str, int]:
    return {"a": a, "b": b, "lt": int(a < b), "le": int(a <= b), "cmp": ((a > b) - (a < b)) % R}


def count(circuit: Circuit) -> int:
    return compile(circuit).n_constraints


# -- soundness per gadget ----------------------------------------------------------------------


def test_inverse():
    assert_circuit(Inverse(), valid=[{"x": 5, "y": inv(5)}, {"x": R - 1, "y": R - 1}],
                   invalid=[{"x": 5, "y": inv(5) + 1}, {"x": 0, "y": 0}, {"x": 0, "y": 1}])
    assert count(Inverse()) == 2


def test_div_asserts_a_nonzero_divisor():
    assert_circuit(Div(), valid=[{"a": 10, "b": 5, "q": 2}, {"a": 0, "b": 3, "q": 0}, {"a": 1, "b": 3, "q": inv(3)}],
                   invalid=[{"a": 10, "b": 5, "q": 3}, {"a": 0, "b": 0, "q": 7}, {"a": 0, "b": 0, "q": 0}])


def test_div_unchecked_leaves_zero_over_zero_free_as_documented():
    r1cs = assert_circuit(Div(unchecked=True), valid=[{"a": 10, "b": 5, "q": 2}],
                          invalid=[{"a": 10, "b": 5, "q": 3}, {"a": 1, "b": 0, "q": 0}])
    assert r1cs.n_constraints == 2
    # 0 / 0: any quotient satisfies the single constraint q * b = a
    assert r1cs.is_satisfied([1, 7, 0, 0, 7])


def test_is_zero_and_is_equal():
    assert_circuit(IsZero(), valid=[{"x": 0, "y": 0, "zero": 1, "equal": 1}, {"x": 5, "y": 5, "zero": 0, "equal": 1},
                                    {"x": 5, "y": 6, "zero": 0, "equal": 0}, {"x": 0, "y": R - 1, "zero": 1, "equal": 0}],
                   invalid=[{"x": 0, "y": 0, "zero": 0, "equal": 1}, {"x": 5, "y": 5, "zero": 1, "equal": 1},
                            {"x": 5, "y": 5, "zero": 0, "equal": 0}, {"x": 5, "y": 6, "zero": 0, "equal": 1},
                            {"x": 5, "y": 6, "zero": 0, "equal": 2}])
    assert count(IsZero()) == 2 + 2 + 2


def test_assert_nonzero_and_boolean():
    assert_circuit(NonZero(), valid=[{"x": 1}, {"x": R - 1}], invalid=[{"x": 0}])
    assert_circuit(Boolean(), valid=[{"x": 0}, {"x": 1}], invalid=[{"x": 2}, {"x": R - 1}, {"x": (R + 1) // 2}])
    assert count(NonZero()) == 1 and count(Boolean()) == 1


def test_to_binary_rejects_one_past_the_range_and_non_boolean_bits():
    assert_circuit(ToBinary(8), valid=[{"x": x, "bits": bits_of(x, 8)} for x in (0, 1, 170, 255)],
                   invalid=[{"x": 256, "bits": bits_of(256, 8)}, {"x": 256, "bits": [0] * 8},
                            {"x": R - 1, "bits": bits_of(R - 1, 8)}, {"x": 5, "bits": bits_of(4, 8)}])
    assert count(ToBinary(8)) == 9 + 8


def test_to_binary_254_rejects_the_alias_x_plus_r():
    assert R + 5 < 2**254
    assert_circuit(ToBinary(254), valid=[{"x": R - 1, "bits": bits_of(R - 1, 254)}, {"x": 5, "bits": bits_of(5, 254)}],
                   invalid=[{"x": 5, "bits": bits_of(R + 5, 254)}, {"x": 0, "bits": bits_of(R, 254)}],
                   tamper_rounds=2)


def test_from_binary_asserts_boolean_bits():
    assert_circuit(FromBinary(), valid=[{"bits": [1, 0, 1], "x": 5}, {"bits": [1, 1, 1], "x": 7}],
                   invalid=[{"bits": [1, 0, 1], "x": 4}, {"bits": [3, 1, 0], "x": 5}, {"bits": [R - 1, 1, 0], "x": 1}])
    assert count(FromBinary()) == 3 + 1


def test_range_check_costs_n_plus_one_and_rejects_one_past():
    assert_circuit(RangeCheck(8), valid=[{"x": 0}, {"x": 255}], invalid=[{"x": 256}, {"x": R - 1}, {"x": 2**200}])
    assert count(RangeCheck(8)) == 9 and count(RangeCheck(64)) == 65


def test_assert_less_or_equal_is_sound_for_any_field_values():
    assert_circuit(LessOrEqual(8), valid=[{"a": 3, "b": 5}, {"a": 5, "b": 5}, {"a": 0, "b": 255}, {"a": 255, "b": 255}],
                   invalid=[{"a": 6, "b": 5}, {"a": 1, "b": 0}, {"a": 255, "b": 0}, {"a": R - 1, "b": 0},
                            {"a": R - 1, "b": 5}, {"a": 5, "b": R - 1}, {"a": 256, "b": 300}])
    assert count(LessOrEqual(8)) == 18


def test_assert_less_or_equal_a_constant():
    for k in (0, 1, 5, 100, 255, 256, 2**64 - 1, R - 1):
        valid = [{"a": a} for a in {0, k // 2, k}]
        invalid = [{"a": a} for a in {k + 1, R - 1} if a <= R - 1 and a > k]
        assert_circuit(LessOrEqualConstant(k), valid=valid, invalid=invalid, tamper_rounds=2)


def test_less_than_less_or_equal_and_cmp():
    valid = [compare(a, b) for a, b in [(3, 5), (5, 5), (6, 5), (0, 255), (255, 0), (0, 0), (255, 255)]]
    invalid = [{**compare(3, 5), "lt": 0}, {**compare(6, 5), "lt": 1}, {**compare(5, 5), "le": 0},
               {**compare(3, 5), "cmp": 1}, {**compare(3, 5), "cmp": 0}, {**compare(6, 5), "cmp": R - 1},
               {**compare(256, 0), "lt": 0, "le": 0, "cmp": 1}, {"a": R - 1, "b": 5, "lt": 1, "le": 1, "cmp": R - 1},
               {"a": R - 1, "b": 5, "lt": 0, "le": 0, "cmp": 1}]
    assert_circuit(Compare(8), valid=valid, invalid=invalid, tamper_rounds=4)


def test_select():
    assert_circuit(Select(), valid=[{"c": 1, "a": 4, "b": 9, "out": 4}, {"c": 0, "a": 4, "b": 9, "out": 9}],
                   invalid=[{"c": 1, "a": 4, "b": 9, "out": 9}, {"c": 2, "a": 4, "b": 9, "out": R - 1},
                            {"c": 2, "a": 4, "b": 9, "out": 4}])
    assert count(Select()) == 1 + 1 + 1  # boolean check, product, assert_equal


def test_lookup2_and_lookup4():
    table = [11, 22, 33, 44]

    def case(i: int) -> dict:
        return {"bits": bits_of(i, 4), "table": table, "out2": table[i % 4], "out2_const": 10 * (i % 4 + 1),
                "out4": TABLE16[i]}

    valid = [case(i) for i in range(16)]
    invalid = [{**case(5), "out2": 11}, {**case(5), "out2_const": 10}, {**case(5), "out4": TABLE16[4]},
               {**case(1), "bits": [2, 0, 0, 0], "out2": 22, "out2_const": 20, "out4": TABLE16[2]}]
    assert_circuit(Lookup(), valid=valid, invalid=invalid, tamper_rounds=3)
    # 4 boolean checks + 3 (variable lookup2) + 1 (constant lookup2) + 7 (constant lookup4) + 3 asserts
    assert count(Lookup()) == 4 + 3 + 1 + 7 + 3


def test_logic():
    valid = [{"a": a, "b": b, "out": [a & b, a | b, a ^ b, 1 - a]} for a in (0, 1) for b in (0, 1)]
    invalid = [{"a": 1, "b": 1, "out": [1, 1, 1, 0]}, {"a": 2, "b": 0, "out": [0, 1, 1, 0]},
               {"a": 0, "b": 2, "out": [0, 2, 2, 1]}]
    assert_circuit(Logic(), valid=valid, invalid=invalid)
    assert count(Logic()) == 2 + 3 + 4


def test_materialize_costs_one_constraint():
    assert_circuit(Materialize(), valid=[{"a": [1, 2, 3], "out": 36}], invalid=[{"a": [1, 2, 3], "out": 35}])
    assert count(Materialize()) == 3


def test_gadget_misuse_is_a_circuit_error():
    class Misuse(Circuit):
        x = Secret()

        def __init__(self, case: str = ""):
            self.case = case

        def define(self, api):
            {"bits": lambda: api.to_binary(self.x, 255), "cmp": lambda: api.less_than(self.x, 1, 253),
             "le": lambda: api.assert_less_or_equal(self.x, self.x), "sel": lambda: api.select(2, 1, 0),
             "lk": lambda: api.lookup([self.x], [1, 2, 3]), "k": lambda: api.to_binary(256, 8),
             "l4": lambda: api.lookup4(self.x, self.x, self.x, self.x, [0] * 8)}[self.case]()

    for case in ("bits", "cmp", "le", "sel", "lk", "k", "l4"):
        with pytest.raises(CircuitError):
            compile(Misuse(case), cache=False)


# -- properties ---------------------------------------------------------------------------


@PROPERTY
@given(n=st.integers(1, 64), data=st.data())
def test_property_to_binary_accepts_exactly_the_range(n, data):
    circuit = ToBinary(n)
    r1cs = compile(circuit)
    x = data.draw(st.integers(0, 2**n - 1))
    r1cs.check(solve(circuit, {"x": x, "bits": bits_of(x, n)}, r1cs=r1cs))
    y = data.draw(st.integers(2**n, R - 1))
    with pytest.raises(UnsatisfiedConstraint):
        solve(circuit, {"x": y, "bits": bits_of(y, n)}, r1cs=r1cs)


@PROPERTY
@given(n=st.sampled_from([1, 8, 32, 252]), data=st.data())
def test_property_comparisons_agree_with_integers(n, data):
    circuit = Compare(n)
    r1cs = compile(circuit)
    a = data.draw(st.integers(0, 2**n - 1))
    b = data.draw(st.one_of(st.integers(0, 2**n - 1), st.just(a), st.just(min(a + 1, 2**n - 1))))
    r1cs.check(solve(circuit, compare(a, b), r1cs=r1cs))
    le = LessOrEqual(n)
    if a <= b:
        solve(le, {"a": a, "b": b})
    else:
        with pytest.raises(UnsatisfiedConstraint):
            solve(le, {"a": a, "b": b})


@PROPERTY
@given(k=st.integers(0, R - 1), data=st.data())
def test_property_less_or_equal_constant(k, data):
    circuit = LessOrEqualConstant(k)
    a = data.draw(st.integers(0, R - 1))
    if a <= k:
        compile(circuit).check(solve(circuit, {"a": a}))
    else:
        with pytest.raises(UnsatisfiedConstraint):
            solve(circuit, {"a": a})


class Program(Circuit):
    """A random straight-line program over three inputs, from a seed."""

    xs = Secret(3)
    out = Public()

    def __init__(self, seed: int = 0, length: int = 12):
        self.seed = seed
        self.length = length

    def ops(self):
        rng = random.Random(self.seed)
        return [(rng.choice("+-*ck"), rng.randrange(100), rng.randrange(100)) for _ in range(self.length)]

    def define(self, api):
        vals = list(self.xs) + [7]
        for op, i, j in self.ops():
            a, b = vals[i % len(vals)], vals[j % len(vals)]
            vals.append({"+": lambda: api.add(a, b), "-": lambda: api.sub(a, b), "*": lambda: api.mul(a, b),
                         "c": lambda: api.mul(a, j), "k": lambda: a * 3 - b + j}[op]())
        api.assert_equal(vals[-1], self.out)

    def native(self, xs):
        vals = list(xs) + [7]
        for op, i, j in self.ops():
            a, b = vals[i % len(vals)], vals[j % len(vals)]
            vals.append({"+": a + b, "-": a - b, "*": a * b, "c": a * j, "k": a * 3 - b + j}[op] % R)
        return vals[-1]


@PROPERTY
@given(seed=st.integers(0, 10**6), xs=st.lists(st.integers(0, R - 1), min_size=3, max_size=3))
def test_property_compile_and_solve_agree_with_native_arithmetic(seed, xs):
    circuit = Program(seed)
    r1cs = compile(circuit)
    out = circuit.native(xs)
    witness = solve(circuit, {"xs": xs, "out": out}, r1cs=r1cs)
    r1cs.check(witness)
    products = sum(1 for label in r1cs.labels if label == "mul")
    assert r1cs.n_constraints == products + 1
    assert not r1cs.is_satisfied(witness.with_values({r1cs.n_wires - 1: (witness[-1] + 1) % R})) or products == 0


# -- bits <= constant, one constraint per run ---------------------------------------------------


class BitsLe(Circuit):
    """sum(bits[i] 2^i) <= k for explicit bits (asserted boolean by the gadget)."""

    def __init__(self, n: int = 5, k: int = 0):
        self.n, self.k = n, k
        self.bits = Secret(n)

    def define(self, api):
        from zkl.circuits.std.bits import assert_bits_le_constant

        assert_bits_le_constant(api, self.bits, self.k)


def test_bits_le_constant_exhaustive_and_costs():
    from zkl.circuits.std.bits import bits_le_cost

    n = 5
    for k in range(1 << n):
        circuit = BitsLe(n, k)
        r1cs = compile(circuit)
        assert r1cs.n_constraints == n * (k < (1 << n) - 1) + bits_le_cost(n, k)
        for x in range(1 << n):
            witness = solve(circuit, {"bits": bits_of(x, n)}, r1cs=r1cs, strict=False)
            assert r1cs.is_satisfied(witness) == (x <= k), (k, x)
    # runs of the constant from the top; a final run of ones is free
    assert bits_le_cost(8, 0b10110011) == 4 and bits_le_cost(8, 0b10110000) == 4 and bits_le_cost(8, 0) == 1
    assert bits_le_cost(8, 255) == 0 and bits_le_cost(9, 255) == 1
    assert bits_le_cost(254, R - 1) == 106


def test_bits_le_constant_soundness():
    from zkl.circuits.std.bits import RUN_ATTACKS, run_hint

    def alone(attack):
        return lambda fn, args, honest: list(attack(args, honest)) if fn is run_hint else honest

    k = 0b1011001110
    circuit = BitsLe(10, k)
    assert_circuit(circuit, valid=[{"bits": bits_of(x, 10)} for x in (0, k - 1, k, 0b1011000000)],
                   invalid=[{"bits": bits_of(x, 10)} for x in (k + 1, 0b1011010000, 0b1100000000, 1023)]
                   + [{"bits": [2] + bits_of(k >> 1, 9)}, {"bits": [R - 1] + bits_of(k >> 1, 9)}],
                   hints=[alone(attack) for attack in RUN_ATTACKS], tamper_rounds=4)


def test_to_binary_254_alias_check_costs_106():
    assert count(ToBinary(254)) == 254 + 1 + 106 + 254
    assert count(ToBinary(253)) == 253 + 1 + 253


def test_assert_less_or_equal_a_constant_costs():
    from zkl.circuits.std.bits import bits_le_cost

    for k in (5, 100, 2**64 - 2, 2**64 - 1, R - 2, 2**253 + 12345):
        n = k.bit_length()
        assert count(LessOrEqualConstant(k)) == n + 1 + bits_le_cost(n, k)
    assert count(LessOrEqualConstant(R - 1)) == 0  # always true


class LessThanOnly(Circuit):
    """less_than alone (Compare also range-checks each input through less_or_equal's call)."""

    a = Secret()
    b = Secret()
    lt = Public()

    def __init__(self, n: int = 8, swap: bool = False):
        self.n, self.swap = n, swap

    def define(self, api):
        a, b = (self.b, self.a) if self.swap else (self.a, self.b)
        api.assert_equal(api.less_than(a, b, self.n), self.lt)


def test_less_than_alone_range_checks_both_inputs():
    for swap in (False, True):
        def case(a, b, lt):
            return {"a": b, "b": a, "lt": lt} if swap else {"a": a, "b": b, "lt": lt}
        valid = [case(3, 5, 1), case(5, 3, 0), case(0, 255, 1), case(255, 255, 0)]
        # a = r - 1 "below" b by field arithmetic; a = 2^n + 3 passes the (n+1)-bit check of a - b + 2^n
        invalid = [case(R - 1, 5, 1), case(R - 1, 5, 0), case(256 + 3, 5, 0), case(256 + 3, 5, 1),
                   case(5, 256 + 3, 1), case(5, R - 1, 0)]
        assert_circuit(LessThanOnly(8, swap), valid=valid, invalid=invalid, tamper_rounds=2)
