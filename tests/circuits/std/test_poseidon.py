"""The Poseidon gadget against its native twin (zkl.crypto.poseidon_hash, equal to circomlibjs):
outputs on random inputs, constraint counts, soundness (wrong output, wrong preimage, tampered
wires), and circom's own count for Poseidon(2)."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkl.circuits import Circuit, Public, R, Secret, audit, compile, read_r1cs, solve
from zkl.circuits.std.poseidon import constraint_count, poseidon
from zkl.circuits.testing import assert_circuit
from zkl.crypto.poseidon import N_ROUNDS_P, poseidon_hash
from zkl.errors import CircuitError, UnsatisfiedConstraint
from tests.paths import FIXTURES, ROOT

EXPECTED = [213, 240, 261, 297, 321, 354, 381, 402, 417, 459, 465, 504, 543, 537, 573, 609]
"""Constraints of Poseidon over 1..16 variable inputs: 3 per S-box, 3 * (8 t + R_P) - 3."""


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


class Hash(Circuit):
    """out == Poseidon(x[0..n-1])."""

    def __init__(self, n: int = 2):
        self.x = Secret(n)
        self.out = Public()

    def define(self, api):
        api.assert_equal(poseidon(api, self.x), self.out)


class MixedHash(Circuit):
    """Poseidon over a mix of constants and variables, and a constant-only hash."""

    x = Secret(2)
    out = Public()

    def define(self, api):
        h = poseidon(api, [self.x[0], 7, self.x[1]])
        api.assert_equal(h, self.out)
        api.assert_equal(poseidon(api, [1, 2]), poseidon_hash([1, 2]))


class Chain(Circuit):
    """h_{i+1} = Poseidon(h_i, x); out == h_n."""

    x = Secret()
    out = Public()

    def __init__(self, n: int = 4):
        self.n = n

    def define(self, api):
        h = self.x
        for _ in range(self.n):
            h = poseidon(api, [h, self.x])
        api.assert_equal(h, self.out)


def _random_inputs(rng: random.Random, n: int) -> list[int]:
    edge = [0, 1, R - 1, (R - 1) // 2, 2**253]
    return [rng.choice(edge) if rng.random() < 0.2 else rng.randrange(R) for _ in range(n)]


def test_constraint_counts():
    assert [constraint_count(n) for n in range(1, 17)] == EXPECTED
    for n in range(1, 17):
        t = n + 1
        assert constraint_count(n) == 3 * (8 * t + N_ROUNDS_P[t - 2]) - 3
    assert constraint_count(2) <= 240  # circom/circomlib Poseidon(2) with --O2
    for n in (1, 2, 4, 5, 16):
        assert compile(Hash(n)).n_constraints == EXPECTED[n - 1] + 1  # + the output check


@pytest.mark.parametrize("n", range(1, 17))
def test_matches_native_twin(n):
    rng = random.Random(1000 + n)
    circuit = Hash(n)
    r1cs = compile(circuit)
    rounds = 4 if n <= 6 else 1
    for _ in range(rounds):
        xs = _random_inputs(rng, n)
        witness = solve(circuit, {"x": xs, "out": poseidon_hash(xs)}, r1cs=r1cs)
        r1cs.check(witness)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=R - 1), min_size=2, max_size=2))
def test_property_two_inputs(xs):
    circuit = Hash(2)
    solve(circuit, {"x": xs, "out": poseidon_hash(xs)})
    with pytest.raises(UnsatisfiedConstraint):
        solve(circuit, {"x": xs, "out": (poseidon_hash(xs) + 1) % R})


def test_constants_fold_and_mix():
    circuit = MixedHash()
    r1cs = compile(circuit)
    # the S-box of the constant input folds, and so does the constant hash
    assert r1cs.n_constraints == constraint_count(3) - 3 + 1
    xs = [5, 11]
    r1cs.check(solve(circuit, {"x": xs, "out": poseidon_hash([5, 7, 11])}, r1cs=r1cs))


def test_chain_compiles_and_solves_alike():
    circuit = Chain(4)
    r1cs = compile(circuit)
    assert r1cs.n_constraints == 4 * 240 + 1
    h = 9
    for _ in range(4):
        h = poseidon_hash([h, 9])
    r1cs.check(solve(circuit, {"x": 9, "out": h}, r1cs=r1cs))


def test_soundness_wrong_output_and_preimage():
    rng = random.Random(7)
    for n in (1, 2, 5):
        xs = _random_inputs(rng, n)
        out = poseidon_hash(xs)
        other = list(xs)
        other[-1] = (other[-1] + 1) % R
        assert_circuit(Hash(n), valid=[{"x": xs, "out": out}],
                       invalid=[{"x": xs, "out": (out + 1) % R}, {"x": other, "out": out},
                                {"x": xs, "out": poseidon_hash(other)}],
                       tamper_rounds=2)


def test_tampered_witness_fails():
    rng = random.Random(11)
    circuit = Hash(2)
    r1cs = compile(circuit)
    xs = _random_inputs(rng, 2)
    witness = solve(circuit, {"x": xs, "out": poseidon_hash(xs)}, r1cs=r1cs)
    # every wire of Poseidon is a product: changing any one of them breaks a constraint
    for wire in [1, 2, 3] + rng.sample(range(4, r1cs.n_wires), 40):
        tampered = witness.with_values({wire: (witness[wire] + rng.randrange(1, R)) % R})
        with pytest.raises(UnsatisfiedConstraint):
            r1cs.check(tampered)


def test_audit_clean():
    for n in (1, 2, 4, 5):
        report = audit(compile(Hash(n)))
        assert report.ok and not report.unconstrained_secret_inputs


def test_bad_arity():
    class Empty(Circuit):
        x = Secret()

        def define(self, api):
            poseidon(api, [])

    class TooMany(Circuit):
        x = Secret(17)

        def define(self, api):
            poseidon(api, self.x)

    for circuit in (Empty(), TooMany()):
        with pytest.raises(CircuitError):
            compile(circuit, cache=False)


@pytest.mark.js
def test_circom_count_matches(tmp_path):
    """circom2 --O2 on circomlib's Poseidon(2) fixture: as many constraints as the gadget."""
    circom = ROOT / "js" / "node_modules" / ".bin" / "circom2"
    if shutil.which("node") is None or not circom.exists():
        pytest.skip("node or js/node_modules/circom2 is missing")
    source = (FIXTURES / "poseidon.circom").relative_to(ROOT)
    done = subprocess.run([str(circom), str(source), "--r1cs", "--O2", "-l", "js", "-o", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    theirs = read_r1cs(tmp_path / "poseidon.r1cs")
    assert theirs.n_constraints == constraint_count(2) == 240
