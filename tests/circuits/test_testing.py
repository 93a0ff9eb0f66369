"""The soundness tools have teeth: assert_circuit and audit catch planted under-constrained gadgets."""

from __future__ import annotations

import pytest

from zkl.circuits import Circuit, Public, R, Secret, audit, compile
from zkl.circuits.std.arith import inverse_hint
from zkl.circuits.std.bits import bits_hint
from zkl.circuits.testing import assert_circuit


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


class RangeWithoutBooleans(Circuit):
    """Planted bug: bits recompose to x but are never asserted boolean."""

    x = Secret()

    def define(self, api):
        bits = api.hint(bits_hint, self.x, 4, n_outputs=4)
        api.assert_equal(api.from_binary(bits, check=False), self.x)


class RangeWithoutRecomposition(Circuit):
    """Planted bug: bits asserted boolean but never tied to x (x is unconstrained)."""

    x = Secret()

    def define(self, api):
        for b in api.hint(bits_hint, self.x, 4, n_outputs=4):
            api.assert_boolean(b)


class ToBinary254WithoutAliasCheck(Circuit):
    """Planted bug: 254 boolean bits recomposed mod r, no check that they encode a value < r."""

    x = Secret()
    bits = Public(254)

    def define(self, api):
        bits = api.hint(bits_hint, self.x, 254, n_outputs=254)
        api.assert_equal(api.from_binary(bits), self.x)
        for b, expected in zip(bits, self.bits):
            api.assert_equal(b, expected)


class IsZeroWithoutProduct(Circuit):
    """Planted bug: out = 1 - x * m without the constraint x * out = 0."""

    x = Secret()
    out = Public()

    def define(self, api):
        m = api.hint(inverse_hint, self.x)
        api.assert_equal(api.sub(1, api.mul(self.x, m)), self.out)


class LessThanWithoutRangeChecks(Circuit):
    """Planted bug: circomlib's LessThan(8) without range checks on its inputs."""

    a = Secret()
    b = Secret()
    lt = Public()

    def define(self, api):
        bits = api.to_binary(api.add(api.sub(self.a, self.b), 256), 9)
        api.assert_equal(api.sub(1, bits[8]), self.lt)


class CopyNotTied(Circuit):
    """Planted bug: a copy of x is range-checked, but the copy is never tied to x."""

    x = Secret()

    def define(self, api):
        copy = api.hint(lambda v: v, self.x)
        api.range_check(copy, 4)


class ForgottenHint(Circuit):
    """Planted bug: a hint output that nothing constrains."""

    x = Public()

    def define(self, api):
        root = api.hint(lambda v: 3, self.x)
        api.assert_equal(api.mul(self.x, self.x), 9)
        del root


def bits_of(x: int, n: int) -> list[int]:
    return [(x >> i) & 1 for i in range(n)]


def test_assert_circuit_catches_non_boolean_bits():
    with pytest.raises(AssertionError, match="malicious hints"):
        assert_circuit(RangeWithoutBooleans(), valid=[{"x": 5}], invalid=[{"x": 16}])


def test_assert_circuit_catches_the_alias_of_a_254_bit_decomposition():
    with pytest.raises(AssertionError, match="malicious hints"):
        assert_circuit(ToBinary254WithoutAliasCheck(), valid=[{"x": 5, "bits": bits_of(5, 254)}],
                       invalid=[{"x": 5, "bits": bits_of(R + 5, 254)}], tamper_rounds=0)


def test_assert_circuit_catches_a_missing_is_zero_constraint():
    with pytest.raises(AssertionError, match="malicious hints"):
        assert_circuit(IsZeroWithoutProduct(), valid=[{"x": 0, "out": 1}, {"x": 3, "out": 0}],
                       invalid=[{"x": 3, "out": 1}])


def test_assert_circuit_catches_missing_range_checks_through_the_honest_solver():
    with pytest.raises(AssertionError, match="solver accepted"):
        assert_circuit(LessThanWithoutRangeChecks(), valid=[{"a": 3, "b": 5, "lt": 1}],
                       invalid=[{"a": R - 1, "b": 5, "lt": 1}])


def test_assert_circuit_catches_direct_assignment_of_inputs():
    with pytest.raises(AssertionError, match="valid witness with the invalid inputs"):
        assert_circuit(CopyNotTied(), valid=[{"x": 5}], invalid=[{"x": 99}], tamper_rounds=0)


def test_assert_circuit_checks_full_vectors_given_directly():
    r1cs = compile(IsZeroWithoutProduct())
    forged = [1, 1, 3, 0, 0]  # one, out, x, m, x*m
    assert r1cs.n_wires == len(forged) and r1cs.is_satisfied(forged)
    with pytest.raises(AssertionError, match="given directly"):
        assert_circuit(IsZeroWithoutProduct(), invalid=[forged])


def test_audit_catches_an_unconstrained_secret_input_and_hint():
    report = audit(compile(RangeWithoutRecomposition()))
    assert not report.ok
    assert report.unconstrained_secret_inputs == [1] and report.names[1] == "x"
    assert report.single_use_wires == [2, 3, 4, 5]
    forgotten = audit(compile(ForgottenHint(), cache=False))
    assert not forgotten.ok and forgotten.unused_wires == [2]
    assert forgotten.kinds[2] == "internal" and forgotten.names[2] == "hint:<lambda>"
    assert forgotten.to_dict()["unused_wires"] == [{"wire": 2, "name": "hint:<lambda>", "kind": "internal"}]


class EveryGadget(Circuit):
    """Every std gadget once, each result tied to the public output."""

    a = Secret()
    b = Secret()
    bits = Secret(2)
    out = Public()

    def define(self, api):
        results = [
            api.inverse(api.add(self.a, 1)), api.div(self.a, api.add(self.b, 1)), api.is_zero(self.a),
            api.is_equal(self.a, self.b), api.from_binary(api.to_binary(self.a, 254)),
            api.less_than(self.a, self.b, 16), api.cmp(self.a, self.b, 16), api.select(self.bits[0], self.a, self.b),
            api.lookup2(self.bits[0], self.bits[1], self.a, self.b, 3, 4), api.xor(self.bits[0], self.bits[1]),
            api.materialize(api.add(self.a, self.b)),
        ]
        api.assert_less_or_equal(self.a, self.b, 16)
        api.assert_less_or_equal(self.a, 1000)
        api.assert_nonzero(api.add(self.b, 1))
        api.assert_equal(api.lincomb([(i + 1, x) for i, x in enumerate(results)]), self.out)


def test_audit_passes_the_sound_gadgets():
    report = audit(compile(EveryGadget()))
    assert report.ok and not report.unconstrained_secret_inputs and not report.unused_public_inputs


class RangeWithoutBooleansBesideNonzero(Circuit):
    """Planted bug: RangeWithoutBooleans, next to a sound assert_nonzero. Attacking every hint at
    once also breaks the inverse of assert_nonzero, which hides the bug; the bits attack alone
    (the inverse honest) exposes it."""

    x = Secret()
    y = Secret()

    def define(self, api):
        api.assert_nonzero(self.y)
        bits = api.hint(bits_hint, self.x, 4, n_outputs=4)
        api.assert_equal(api.from_binary(bits, check=False), self.x)


def test_assert_circuit_tries_each_hint_attack_alone():
    with pytest.raises(AssertionError, match="attack 1 on bits_hint alone"):
        assert_circuit(RangeWithoutBooleansBesideNonzero(), valid=[{"x": 5, "y": 5}], invalid=[{"x": 16, "y": 5}],
                       tamper_rounds=0)


def test_gadget_modules_register_their_attacks_at_import():
    """Importing any gadget module first works (no import cycle through zkl.circuits.testing), and
    the attacks of every std hint are registered without calling anything."""
    import subprocess
    import sys

    code = """
import importlib, sys
importlib.import_module(sys.argv[1])
from zkl.circuits.testing import ADVERSARIES
from zkl.circuits import adversaries
from zkl.circuits.std import arith, babyjubjub, bits
assert ADVERSARIES is adversaries.ADVERSARIES
expected = {bits.bits_hint: 4, bits.run_hint: 4, arith.inverse_hint: 3, arith.div_hint: 3, arith.identity_hint: 2,
            babyjubjub.ladder_scalar_hint: 2, babyjubjub.eighth_hint: 2}
assert {fn: len(ADVERSARIES.get(fn, [])) for fn in expected} == expected, ADVERSARIES
assert babyjubjub.run_hint is bits.run_hint and babyjubjub.ATTACKS[bits.run_hint] == bits.RUN_ATTACKS
babyjubjub.register_attacks()  # idempotent
assert len(ADVERSARIES[bits.run_hint]) == 4
print("ok")
"""
    for module in ("zkl.circuits.std.babyjubjub", "zkl.circuits.std.bits", "zkl.circuits.std.eddsa",
                   "zkl.circuits.testing", "zkl.circuits.adversaries", "zkl.circuits"):
        done = subprocess.run([sys.executable, "-c", code, module], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == "ok", (module, done.stderr[-2000:])
