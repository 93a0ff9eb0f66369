"""Baby Jubjub gadgets against the native twin zkl.crypto.babyjubjub: point arithmetic,
on-curve / subgroup / small-order checks, fixed- and variable-base multiplication, bits vs
constants; soundness (off-curve points, non-boolean bits, aliased scalars, wrong results)."""

from __future__ import annotations

import random

import pytest

from zkl.circuits import Circuit, Public, R, Secret, audit, compile, solve
from zkl.circuits.std import babyjubjub as bjj
from zkl.circuits.std.babyjubjub import Point
from zkl.circuits.testing import assert_circuit
from zkl.crypto import babyjubjub as nb
from zkl.errors import CircuitError, UnsatisfiedConstraint

L = nb.SUBGROUP_ORDER
bjj.register_attacks()
TORSION8 = nb.scalar_mul(nb.GENERATOR, L)  # a point of order 8
SMALL_ORDER = [nb.scalar_mul(TORSION8, i) for i in range(8)]  # the 8-torsion, identity included


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


def only(target, attack):
    """A malicious prover that applies one known attack to one hint, every other hint honest
    (and computed from the attacked values): assert_circuit's known-attack rounds attack every
    hint at once, which breaks unrelated divisions before the attack is ever tested."""
    def override(fn, args, honest):
        return list(attack(args, honest)) if fn is target else honest
    return override


def targeted(*hint_fns):
    """Overrides for every attack in bjj.ATTACKS on the given hints, one at a time."""
    return [only(fn, attack) for fn in hint_fns for attack in bjj.ATTACKS[fn]]


def _subgroup_point(rng: random.Random) -> nb.Point:
    return nb.mul_base(rng.randrange(1, L))


def _xy(p: nb.Point) -> list[int]:
    return [p.x, p.y]


class Arith(Circuit):
    """On-curve p, q; s == p + q, d == 2p, n == -p."""

    p = Secret(2)
    q = Secret(2)
    s = Public(2)
    d = Public(2)
    n = Public(2)

    def define(self, api):
        p, q = Point(*self.p), Point(*self.q)
        bjj.assert_on_curve(api, p)
        bjj.assert_on_curve(api, q)
        bjj.assert_equal(api, bjj.add(api, p, q), Point(*self.s))
        bjj.assert_equal(api, bjj.double(api, p), Point(*self.d))
        bjj.assert_equal(api, bjj.negate(api, p), Point(*self.n))
        bjj.assert_sum(api, p, q, Point(*self.s))


class OnCurve(Circuit):
    p = Secret(2)

    def define(self, api):
        bjj.assert_on_curve(api, Point(*self.p))


class Subgroup(Circuit):
    p = Secret(2)

    def define(self, api):
        bjj.assert_on_curve(api, Point(*self.p))
        bjj.assert_in_subgroup(api, Point(*self.p))


class NotSmallOrder(Circuit):
    p = Secret(2)
    p8 = Public(2)

    def define(self, api):
        p = Point(*self.p)
        bjj.assert_on_curve(api, p)
        bjj.assert_equal(api, bjj.assert_not_small_order(api, p), Point(*self.p8))


class FixedBase(Circuit):
    """out == [k] base, k given as n explicit bits."""

    def __init__(self, n: int = 8, base: tuple[int, int] = (nb.BASE8.x, nb.BASE8.y)):
        self.n, self.base = n, base
        self.bits = Secret(n)
        self.out = Public(2)

    def define(self, api):
        bjj.assert_equal(api, bjj.mul_fixed(api, self.bits, Point(*self.base)), Point(*self.out))


class VariableBase(Circuit):
    """out == [k] p for p of order l, k a field element."""

    p = Secret(2)
    k = Secret()
    out = Public(2)

    def define(self, api):
        bjj.assert_equal(api, bjj.mul(api, Point(*self.p), self.k), Point(*self.out))


class BitsBetween(Circuit):
    """low <= sum(bits) <= high for explicit bits."""

    def __init__(self, n: int, low: int, high: int):
        self.n, self.low, self.high = n, low, high
        self.bits = Secret(n)

    def define(self, api):
        bjj.assert_bits_ge(api, self.bits, self.low)
        bjj.assert_bits_le(api, self.bits, self.high)


def test_arith_matches_twin():
    rng = random.Random(1)
    circuit = Arith()
    r1cs = compile(circuit)
    assert r1cs.n_constraints == 3 + 3 + 6 + 2 + 5 + 2 + 2 + 6
    points = [nb.IDENTITY, nb.GENERATOR, nb.BASE8, *SMALL_ORDER[1:3], _subgroup_point(rng), _subgroup_point(rng)]
    for p in points:
        for q in rng.sample(points, 3) + [p, nb.negate(p)]:
            s, d, n = nb.add(p, q), nb.double(p), nb.negate(p)
            r1cs.check(solve(circuit, {"p": _xy(p), "q": _xy(q), "s": _xy(s), "d": _xy(d), "n": _xy(n)},
                             r1cs=r1cs))


def test_off_curve_rejected():
    rng = random.Random(2)
    p = _subgroup_point(rng)
    off = [[p.x, (p.y + 1) % R], [0, 0], [1, 1], [p.y, p.x] if not nb.is_on_curve(nb.Point(p.y, p.x)) else [2, 3]]
    assert_circuit(OnCurve(), valid=[{"p": _xy(p)}, {"p": [0, 1]}, {"p": [0, R - 1]}],
                   invalid=[{"p": q} for q in off], tamper_rounds=2)


def test_subgroup_and_small_order():
    rng = random.Random(3)
    inside = [nb.IDENTITY, nb.BASE8, _subgroup_point(rng)]
    outside = [nb.GENERATOR, nb.add(_subgroup_point(rng), TORSION8), nb.add(nb.BASE8, SMALL_ORDER[4]),
               *SMALL_ORDER[1:]]
    assert_circuit(Subgroup(), valid=[{"p": _xy(p)} for p in inside],
                   invalid=[{"p": _xy(p)} for p in outside], tamper_rounds=2, hints=targeted(bjj.eighth_hint))
    assert compile(Subgroup()).n_constraints == 3 + 18
    valid = []
    for p in (nb.GENERATOR, _subgroup_point(rng), nb.add(nb.BASE8, TORSION8)):
        valid.append({"p": _xy(p), "p8": _xy(nb.scalar_mul(p, 8))})
    invalid = [{"p": _xy(t), "p8": [0, 1]} for t in SMALL_ORDER]
    assert_circuit(NotSmallOrder(), valid=valid, invalid=invalid, tamper_rounds=2)


@pytest.mark.parametrize("n", [1, 2, 7, 250, 251, 253])
def test_fixed_base_matches_twin(n):
    rng = random.Random(100 + n)
    circuit = FixedBase(n)
    r1cs = compile(circuit)
    scalars = {0, 1, (1 << n) - 1, rng.randrange(1 << n)} | ({L - 1, L} if n >= 251 else set())
    for k in sorted(scalars):
        out = nb.mul_base(k)
        bits = [(k >> i) & 1 for i in range(n)]
        r1cs.check(solve(circuit, {"bits": bits, "out": _xy(out)}, r1cs=r1cs))


def test_fixed_base_costs_and_other_bases():
    # 2 constraints per bit on Montgomery (+2 to convert back), then the final addition; the
    # explicit bits cost a boolean check each and the comparison of the result 2
    assert compile(FixedBase(251)).n_constraints == 125 + 124 * 3 + 2 + 6 + 251 + 2
    assert compile(FixedBase(250)).n_constraints == 125 + 124 * 3 + 2 + 3 + 250 + 2
    rng = random.Random(5)
    other = _subgroup_point(rng)
    circuit = FixedBase(16, (other.x, other.y))
    k = rng.randrange(1 << 16)
    compile(circuit).check(solve(circuit, {"bits": [(k >> i) & 1 for i in range(16)],
                                           "out": _xy(nb.scalar_mul(other, k))}))
    for bad in ((nb.GENERATOR.x, nb.GENERATOR.y), (0, 1)):  # order 8l, identity
        with pytest.raises(CircuitError):
            compile(FixedBase(4, bad), cache=False)


def test_fixed_base_soundness():
    rng = random.Random(6)
    n = 12
    k = rng.randrange(1 << n)
    bits = [(k >> i) & 1 for i in range(n)]
    out = nb.mul_base(k)
    two = list(bits)
    two[3] = 2  # a non-boolean bit
    blended = list(bits)
    blended[0], blended[1] = (bits[0] + 2) % R, (bits[1] - 1) % R  # same integer, not bits
    invalid = [{"bits": bits, "out": _xy(nb.mul_base(k + 1))}, {"bits": two, "out": _xy(nb.mul_base(k + 8))},
               {"bits": blended, "out": _xy(out)}, {"bits": bits, "out": [out.x, (out.y + 1) % R]}]
    assert_circuit(FixedBase(n), valid=[{"bits": bits, "out": _xy(out)}], invalid=invalid, tamper_rounds=2)


def test_variable_base_matches_twin():
    rng = random.Random(7)
    circuit = VariableBase()
    r1cs = compile(circuit)
    assert r1cs.n_constraints == 2063 + 2
    scalars = [0, 1, 2, 3, L - 1, L, L + 1, 7 * L, R - 1, R - L, (1 << 253) - 1, 1 << 253,
               rng.randrange(R), rng.randrange(R)]
    for k in scalars:
        p = rng.choice([nb.BASE8, _subgroup_point(rng), nb.scalar_mul(nb.GENERATOR, 8)])
        out = nb.scalar_mul(p, k)
        r1cs.check(solve(circuit, {"p": _xy(p), "k": k, "out": _xy(out)}, r1cs=r1cs))


def test_variable_base_soundness():
    rng = random.Random(8)
    p = _subgroup_point(rng)
    k = rng.randrange(R - 2**253, R)  # k + r - 2^253... in range of an alias if unchecked
    good = {"p": _xy(p), "k": k, "out": _xy(nb.scalar_mul(p, k))}
    invalid = [
        {**good, "out": _xy(nb.scalar_mul(p, k + R))},  # the alias k + r (what 254 raw bits allow)
        {**good, "out": _xy(nb.scalar_mul(p, k - R))},
        {**good, "out": _xy(nb.scalar_mul(p, k + 1))},
        {**good, "out": _xy(nb.scalar_mul(p, 2 * k))},
        {**good, "k": k - 1},
        {**good, "out": _xy(nb.IDENTITY)},
    ]
    small = {"p": [0, 1], "k": 5, "out": [0, 1]}  # the identity as base: no witness
    assert_circuit(VariableBase(), valid=[good], invalid=[*invalid, small], tamper_rounds=2,
                   hints=targeted(bjj.ladder_scalar_hint, bjj.run_hint))
    # small k: the alias k + r fits the 254 bits from above
    k = rng.randrange(2**64)
    good = {"p": _xy(p), "k": k, "out": _xy(nb.scalar_mul(p, k))}
    assert_circuit(VariableBase(), valid=[good], invalid=[{**good, "out": _xy(nb.scalar_mul(p, k + R))}],
                   tamper_rounds=0, hints=targeted(bjj.ladder_scalar_hint))


def test_bits_between_constants_exhaustive():
    rng = random.Random(9)
    n = 6
    for low, high in [(0, 63), (0, 0), (63, 63), (5, 40), (21, 42), (1, 62), *[sorted(rng.sample(range(64), 2))
                                                                          for _ in range(6)]]:
        circuit = BitsBetween(n, low, high)
        r1cs = compile(circuit)
        for x in range(1 << n):
            bits = [(x >> i) & 1 for i in range(n)]
            witness = solve(circuit, {"bits": bits}, r1cs=r1cs, strict=False)
            assert r1cs.is_satisfied(witness) == (low <= x <= high), (low, high, x)
    # one constraint per run of equal bits of the constant (the final run of ones is free), after
    # the 8 boolean checks of the explicit bits
    assert compile(BitsBetween(8, 0, 0b10110011)).n_constraints == 8 + 4  # 1 0 11 00 (11)
    assert compile(BitsBetween(8, 0b00110100, 255)).n_constraints == 8 + 4  # complement 11 00 1 0 (11)


def test_bits_between_soundness():
    circuit = BitsBetween(8, 37, 200)
    good = [{"bits": [(x >> i) & 1 for i in range(8)]} for x in (37, 100, 200)]
    bad = [{"bits": [(x >> i) & 1 for i in range(8)]} for x in (0, 36, 201, 255)]
    bad.append({"bits": [2, 0, 0, 0, 0, 0, 0, 0]})
    assert_circuit(circuit, valid=good, invalid=bad, tamper_rounds=3, hints=targeted(bjj.run_hint))


def test_tampered_witness_fails():
    rng = random.Random(10)
    circuit = VariableBase()
    r1cs = compile(circuit)
    p = _subgroup_point(rng)
    k = rng.randrange(R)
    witness = solve(circuit, {"p": _xy(p), "k": k, "out": _xy(nb.scalar_mul(p, k))}, r1cs=r1cs)
    for wire in range(1, 6):
        with pytest.raises(UnsatisfiedConstraint):
            r1cs.check(witness.with_values({wire: (witness[wire] + 1) % R}))


def test_audit_clean():
    for circuit in (Arith(), Subgroup(), NotSmallOrder(), FixedBase(251), VariableBase(), BitsBetween(8, 3, 99)):
        report = audit(compile(circuit))
        assert report.ok and not report.unconstrained_secret_inputs, circuit
