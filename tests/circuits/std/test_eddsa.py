"""EdDSA-Poseidon verification in a circuit against the native twin (zkl.crypto.eddsa) and
circomlibjs signPoseidon (through tests/js/oracle_crypto.cjs): valid signatures verify, forged
ones (changed S, R8, message or key, S >= l, a small-order key, off-curve points) cannot be
proven, and the `enabled` switch."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from zkl.circuits import Circuit, Public, R, Secret, audit, compile, solve
from zkl.circuits.std import babyjubjub as bjj
from zkl.circuits.std.babyjubjub import Point
from zkl.circuits.std.eddsa import Signature, dummy_signature, verify_eddsa
from zkl.circuits.testing import assert_circuit
from zkl.crypto import babyjubjub as nb
from zkl.crypto import eddsa as ne
from zkl.crypto.poseidon import poseidon_hash
from zkl.errors import UnsatisfiedConstraint
from tests.paths import ORACLES, ROOT

ORACLE = ORACLES / "oracle_crypto.cjs"
L = nb.SUBGROUP_ORDER
CIRCOMLIB_CONSTRAINTS = 4217  # EdDSAPoseidonVerifier, circom --O2
bjj.register_attacks()


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


class Verify(Circuit):
    """sig = (r8, s) signs m under a, checked always or iff `enabled`."""

    a = Public(2)
    m = Public()
    r8 = Secret(2)
    s = Secret()

    def __init__(self, switch: bool = False):
        self.switch = switch
        if switch:
            self.enabled = Public()

    def define(self, api):
        enabled = self.enabled if self.switch else 1
        verify_eddsa(api, Point(*self.a), self.m, Signature(Point(*self.r8), self.s), enabled)


def _assignment(key: bytes, m: int) -> dict:
    a = ne.public_key(key)
    sig = ne.sign(key, m)
    return {"a": [a.x, a.y], "m": m, "r8": [sig.r8.x, sig.r8.y], "s": sig.s}


def _keys(rng: random.Random, n: int) -> list[bytes]:
    return [bytes(rng.randrange(256) for _ in range(32)) for _ in range(n)]


def only(target, attack):
    """A malicious prover attacking one hint only (others honest, recomputed)."""
    def override(fn, args, honest):
        return list(attack(args, honest)) if fn is target else honest
    return override


def test_constraint_count():
    r1cs = compile(Verify())
    assert r1cs.n_constraints == 3289 < CIRCOMLIB_CONSTRAINTS
    assert compile(Verify(switch=True)).n_constraints == 3289 + 7


def test_valid_signatures_verify():
    rng = random.Random(1)
    circuit = Verify()
    r1cs = compile(circuit)
    for key, m in zip(_keys(rng, 4), [0, 1, R - 1, rng.randrange(R)]):
        assignment = _assignment(key, m)
        a = nb.Point(*assignment["a"])
        assert ne.verify(a, m, ne.Signature(nb.Point(*assignment["r8"]), assignment["s"]))
        r1cs.check(solve(circuit, assignment, r1cs=r1cs))


def test_forgeries_rejected():
    rng = random.Random(2)
    key, other_key = _keys(rng, 2)
    # a message whose S leaves room for S + l below 2^251: only the S < l check refuses it
    m = next(m for m in range(1, 1000) if _assignment(key, m)["s"] + L < 2**251)
    good = _assignment(key, m)
    other = _assignment(other_key, m)
    r8 = nb.Point(*good["r8"])
    a = nb.Point(*good["a"])
    invalid = [
        {**good, "s": (good["s"] + 1) % R},                      # changed S
        {**good, "s": good["s"] + L},                            # S >= l: the same point [S]B8
        {**good, "s": good["s"] + 3 * L},                        # beyond 251 bits
        {**good, "r8": _xy(nb.add(r8, nb.BASE8))},               # changed R8
        {**good, "r8": _xy(nb.add(r8, nb.scalar_mul(nb.GENERATOR, L)))},  # R8 + a point of order 8
        {**good, "m": (m + 1) % R},                              # changed message
        {**good, "a": other["a"]},                               # another key
        {**other, "r8": good["r8"], "s": good["s"]},
        {**good, "r8": [r8.x, (r8.y + 1) % R]},                  # R8 off the curve
        {**good, "a": [a.x, (a.y + 1) % R]},                     # A off the curve
    ]
    assert_circuit(Verify(), valid=[good], invalid=invalid, tamper_rounds=1,
                   hints=[only(bjj.run_hint, bjj.ATTACKS[bjj.run_hint][0])])


def test_hash_alias_rejected():
    """A signature made for the challenge h + r (or h - r) instead of h: it would verify if the
    bits of h could alias (254 raw bits of a field element can); the decomposition refuses it."""
    rng = random.Random(7)
    (key,) = _keys(rng, 1)
    scalar = ne.derive_scalar(key)  # S = nonce + h * scalar (mod l), and 8A = [scalar] B8
    low, z_fits = bjj._Z_LOW, 1 << (bjj._LADDER_BITS + 1)
    cases = {}
    for m in range(1, 200):
        good = _assignment(key, m)
        r8, a = good["r8"], good["a"]
        h = poseidon_hash([*r8, *a, m])
        if h + low + R < z_fits and +1 not in cases:
            cases[+1] = good
        elif h + low - R >= 0 and -1 not in cases:
            cases[-1] = good
        if len(cases) == 2:
            break
    attack = only(bjj.ladder_scalar_hint, bjj.ATTACKS[bjj.ladder_scalar_hint][0])
    for sign, good in cases.items():
        forged = {**good, "s": (good["s"] + sign * R * scalar) % L}
        assert forged["s"] != good["s"]
        assert_circuit(Verify(), valid=[good], invalid=[forged], tamper_rounds=0, hints=[attack])


def _xy(p: nb.Point) -> list[int]:
    return [p.x, p.y]


def test_small_order_key_rejected():
    """With 8A = identity every message verifies ([S]B8 = R8 for R8 = [S]B8): refused, by the
    small-order check (8A.x != 0) and, redundantly, by the ladder [h](8A), which has no witness
    for the identity as base (its Montgomery image divides by 1 - y = 0)."""
    rng = random.Random(3)
    torsion = nb.scalar_mul(nb.GENERATOR, L)
    s = rng.randrange(L)
    r8 = nb.mul_base(s)
    invalid = [{"a": _xy(nb.scalar_mul(torsion, i)), "m": rng.randrange(R), "r8": _xy(r8), "s": s}
               for i in (0, 1, 2, 4)]
    for forged in invalid:  # the equation itself holds
        assert nb.scalar_mul(nb.Point(*forged["a"]), 8) == nb.IDENTITY
        assert not ne.verify(nb.Point(*forged["a"]), forged["m"], ne.Signature(r8, s))
    assert_circuit(Verify(), invalid=invalid, tamper_rounds=1)


def test_enabled_switch():
    rng = random.Random(4)
    (key,) = _keys(rng, 1)
    good = _assignment(key, 42)
    garbage = {"a": [0, 0], "m": 5, "r8": [1, 2], "s": R - 1}
    valid = [{**good, "enabled": 1}, {**good, "enabled": 0}, {**garbage, "enabled": 0},
             {**{k: [0, 0] if k in ("a", "r8") else 0 for k in good}, "enabled": 0}]
    # a non-boolean switch e blends inputs and dummy: inputs d + (X - d) / e select exactly the
    # values X of a valid signature, while the inputs themselves (key, message) are anything
    (da, dm, (dr8, ds)), half = dummy_signature(), pow(2, -1, R)
    def blend(x, d):
        return (d + (x - d) * half) % R
    blended = {"a": [blend(v, d) for v, d in zip(good["a"], da)], "m": blend(good["m"], dm),
               "r8": [blend(v, d) for v, d in zip(good["r8"], dr8)], "s": blend(good["s"], ds), "enabled": 2}
    invalid = [{**garbage, "enabled": 1}, {**good, "s": good["s"] + 1, "enabled": 1},
               {**good, "enabled": 2}, {**garbage, "enabled": R - 1}, blended]
    assert_circuit(Verify(switch=True), valid=valid, invalid=invalid, tamper_rounds=1)
    a, m, (r8, s) = dummy_signature()
    assert ne.verify(nb.Point(*a), m, ne.Signature(nb.Point(*r8), s))


def test_constant_enabled():
    class Off(Circuit):
        a = Public(2)

        def define(self, api):
            verify_eddsa(api, Point(*self.a), 1, Signature(Point(0, 0), 0), enabled=0)
            api.assert_equal(api.add(self.a[0], self.a[1]), api.add(self.a[1], self.a[0]))

    assert compile(Off()).n_constraints == 1


def test_tampered_witness_fails():
    rng = random.Random(5)
    circuit = Verify()
    r1cs = compile(circuit)
    witness = solve(circuit, _assignment(_keys(rng, 1)[0], 7), r1cs=r1cs)
    for wire in range(1, 7):  # a.x, a.y, m, r8.x, r8.y, s
        with pytest.raises(UnsatisfiedConstraint):
            r1cs.check(witness.with_values({wire: (witness[wire] + 1) % R}))


def test_audit_clean():
    for circuit in (Verify(), Verify(switch=True)):
        report = audit(compile(circuit))
        assert report.ok and not report.unconstrained_secret_inputs


@pytest.mark.js
def test_circomlibjs_signatures_verify():
    """Signatures made by circomlibjs signPoseidon verify in-circuit (and match zkl's)."""
    if shutil.which("node") is None or not (ROOT / "js" / "node_modules" / "circomlibjs").exists():
        pytest.skip("node or js/node_modules/circomlibjs is missing")
    rng = random.Random(6)
    keys = _keys(rng, 3)
    msgs = [0, R - 1, rng.randrange(R)]
    request = {"prv2pub": [k.hex() for k in keys], "sign": [[k.hex(), str(m)] for k, m in zip(keys, msgs)]}
    done = subprocess.run(["node", str(ORACLE)], input=json.dumps(request), capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    circuit = Verify()
    r1cs = compile(circuit)
    for key, m, a, sig in zip(keys, msgs, answer["prv2pub"], answer["sign"]):
        assignment = {"a": [int(a[0]), int(a[1])], "m": m, "r8": [int(v) for v in sig["r8"]], "s": int(sig["s"])}
        assert assignment == _assignment(key, m)
        r1cs.check(solve(circuit, assignment, r1cs=r1cs))
