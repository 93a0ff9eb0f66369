"""Groth16 verification without node: simulated keys and proofs (zkl.verifier.testing), py_ecc as the oracle.

Covers verify (valid, tampered, malformed input and the order of the checks),
batch_verify (bisection finds exactly the invalid proofs), the snarkjs JSON
formats on zkl's own objects (round trips, malformed files), the CLI command,
and the verifier kernels with the JIT off.  Interop with the real snarkjs is in
tests/test_verifier_snarkjs.py.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from zkl.algebra.constants import Q, R
from zkl.algebra.pairing import pairing
from zkl.algebra.points import G1Point, G2Point
from zkl.commands.groth16 import verify_command
from zkl.errors import FieldElementOutOfRange, FormatError, MalformedInput, NotInSubgroup, NotOnCurve, ShapeMismatch
from zkl.verifier import (
    BatchResult,
    PreparedVerifyingKey,
    Proof,
    VerifyingKey,
    alpha_beta,
    batch_verify,
    prepare_verifying_key,
    proof_from_snarkjs_json,
    public_from_snarkjs_json,
    read_proof,
    read_public,
    read_verifying_key,
    verify,
    vk_from_snarkjs_json,
    write_proof,
    write_public,
    write_verifying_key,
)
from zkl.verifier import groth16 as groth16_module
from zkl.verifier.snarkjs_json import SNARKJS_GT_EXPONENT, alphabeta_from_snarkjs_json, dumps, gt_from_json
from zkl.verifier.testing import simulate, twist_point_outside_subgroup

# --------------------------------------------------------------------------- helpers


def neg1(p: G1Point) -> G1Point:
    return p if p.is_infinity() else G1Point(p.x, (Q - p.y) % Q)


def neg2(p: G2Point) -> G2Point:
    return p if p.is_infinity() else G2Point(p.x, ((Q - p.y[0]) % Q, (Q - p.y[1]) % Q))


def pyecc_verify(vk: VerifyingKey, inputs: list[int], proof: Proof) -> bool:
    """py_ecc's Groth16 check (the oracle)."""
    from py_ecc import optimized_bn128 as b
    from py_ecc.optimized_bn128 import optimized_pairing as op

    def g1(p):
        return b.Z1 if p.is_infinity() else (b.FQ(p.x), b.FQ(p.y), b.FQ.one())

    def g2(p):
        return b.Z2 if p.is_infinity() else (b.FQ2(list(p.x)), b.FQ2(list(p.y)), b.FQ2.one())

    vk_x = g1(vk.gamma_abc_g1[0])
    for x, p in zip(inputs, vk.gamma_abc_g1[1:]):
        vk_x = b.add(vk_x, b.multiply(g1(p), x))
    f = op.pairing(g2(proof.b), b.neg(g1(proof.a)), final_exponentiate=False)
    f = f * op.pairing(g2(vk.beta_g2), g1(vk.alpha_g1), final_exponentiate=False)
    f = f * op.pairing(g2(vk.gamma_g2), vk_x, final_exponentiate=False)
    f = f * op.pairing(g2(vk.delta_g2), g1(proof.c), final_exponentiate=False)
    return op.final_exponentiate(f) == b.FQ12.one()


@pytest.fixture(scope="module")
def sim():
    """A key with 3 public inputs and 12 valid proofs."""
    return simulate(3, 12, seed=11)


@pytest.fixture(scope="module")
def pvk(sim):
    return prepare_verifying_key(sim.vk)


def tampered(sim) -> dict[str, tuple[list[int], Proof]]:
    """Proof 0 with one part replaced by another valid group element."""
    (x, p), (_, q) = sim.items[0], sim.items[1]
    return {
        "A": (x, Proof(q.a, p.b, p.c)),
        "-A": (x, Proof(neg1(p.a), p.b, p.c)),
        "B": (x, Proof(p.a, q.b, p.c)),
        "-B": (x, Proof(p.a, neg2(p.b), p.c)),
        "C": (x, Proof(p.a, p.b, q.c)),
        "C=G": (x, Proof(p.a, p.b, G1Point(1, 2))),
        "x0": ([(x[0] + 1) % R, *x[1:]], p),
        "x2": ([*x[:2], (x[2] + R - 1) % R], p),
        "swap": ([x[1], x[0], x[2]], p),
    }


# --------------------------------------------------------------------------- verify


def test_simulated_proofs_verify(sim, pvk):
    from py_ecc import optimized_bn128 as b

    beta = b.normalize(b.multiply(b.G2, sim.trapdoor["beta"]))
    assert sim.vk.beta_g2 == G2Point(tuple(int(c) for c in beta[0].coeffs), tuple(int(c) for c in beta[1].coeffs))
    alpha = b.normalize(b.multiply(b.G1, sim.trapdoor["alpha"]))
    assert sim.vk.alpha_g1 == G1Point(int(alpha[0]), int(alpha[1]))
    for x, p in sim.items:
        assert verify(pvk, x, p) is True
        assert verify(sim.vk, x, p) is True  # an unprepared key works too (cached preparation)
    assert isinstance(pvk, PreparedVerifyingKey) and pvk.n_public == 3


@pytest.mark.parametrize("n_public", [0, 1, 5])
def test_other_input_counts(n_public):
    s = simulate(n_public, 2, seed=100 + n_public)
    for x, p in s.items:
        assert verify(s.vk, x, p)
    x, p = s.items[0]
    assert not verify(s.vk, x, Proof(p.a, p.b, s.items[1][1].c))


def test_tampered_proofs_are_rejected(sim, pvk):
    for name, (x, p) in tampered(sim).items():
        assert verify(pvk, x, p) is False, name


def test_agrees_with_py_ecc(sim):
    x, p = sim.items[2]
    assert pyecc_verify(sim.vk, x, p) is True and verify(sim.vk, x, p) is True
    x, p = tampered(sim)["x0"]
    assert pyecc_verify(sim.vk, x, p) is False and verify(sim.vk, x, p) is False


def test_alpha_beta_is_the_pairing(sim, pvk):
    e = pairing(sim.vk.alpha_g1, sim.vk.beta_g2)
    assert pvk.alpha_g1_beta_g2 == e == alpha_beta(sim.vk)
    assert not e.is_one()


def test_points_at_infinity():
    """vk_x = infinity (public inputs cancel IC_0), a proof with A = infinity, C = infinity."""
    base = simulate(1, 1, seed=5)
    logs = base.trapdoor["ic_logs"]
    x = (-logs[0]) * pow(logs[1], -1, R) % R  # l_0 + x l_1 = 0: vk_x is the point at infinity
    s = simulate(1, 1, seed=5, inputs=[[x]])
    assert s.vk == base.vk
    (inputs, p), = s.items
    assert verify(s.vk, inputs, p)
    assert not verify(s.vk, inputs, Proof(G1Point.infinity(), p.b, p.c))
    assert not verify(s.vk, inputs, Proof(p.a, G2Point.infinity(), p.c))
    assert not verify(s.vk, inputs, Proof(p.a, p.b, G1Point.infinity()))
    assert not verify(s.vk, [(x + 1) % R], p)


def test_wrong_number_of_public_inputs(sim, pvk):
    x, p = sim.items[0]
    for bad in (x[:2], [*x, 0], []):
        with pytest.raises(ShapeMismatch, match="expects 3 public input"):
            verify(pvk, bad, p)


@pytest.mark.parametrize("value", [R, R + 1, 2**256, -1])
def test_public_input_out_of_range(sim, pvk, value):
    x, p = sim.items[0]
    with pytest.raises(FieldElementOutOfRange, match=r"public input 1 must be in \[0, r\)"):
        verify(pvk, [x[0], value, x[2]], p)


def test_public_input_types(sim, pvk):
    x, p = sim.items[0]
    for bad in ([x[0], True, x[2]], [x[0], "5", x[2]], [x[0], 5.0, x[2]]):
        with pytest.raises(FieldElementOutOfRange, match="must be an int"):
            verify(pvk, bad, p)
    with pytest.raises(MalformedInput):
        verify(pvk, "123", p)


def test_public_inputs_are_checked_before_any_pairing(sim, pvk, monkeypatch):
    """As snarkjs: a public input >= r is reported even when the proof is also broken, and no pairing runs."""
    x, p = sim.items[0]

    def boom(*args):
        raise AssertionError("a pairing ran")

    monkeypatch.setattr(groth16_module._k, "_verify_inputs", boom)
    monkeypatch.setattr(groth16_module, "pairing_check_prepared", boom)
    off_curve = Proof(G1Point(1, 3), p.b, p.c)
    with pytest.raises(FieldElementOutOfRange, match="public input 0"):
        verify(pvk, [R, *x[1:]], off_curve)
    with pytest.raises(ShapeMismatch):
        verify(pvk, x[:1], off_curve)


def test_malformed_proof_points(sim, pvk):
    x, p = sim.items[0]
    cases = [
        (Proof(G1Point(1, 3), p.b, p.c), NotOnCurve, r"A \(pi_a\) must be a point of G1"),
        (Proof(p.a, p.b, G1Point(p.c.x, (p.c.y + 1) % Q)), NotOnCurve, r"C \(pi_c\) must be a point of G1"),
        (Proof(G1Point(p.a.x + Q, p.a.y), p.b, p.c), FieldElementOutOfRange, r"A \(pi_a\) x must be in \[0, q\)"),
        (Proof(p.a, p.b, G1Point(p.c.x, -1)), FieldElementOutOfRange, r"C \(pi_c\) y must be in \[0, q\)"),
        (Proof(p.a, G2Point(p.b.x, ((p.b.y[0] + 1) % Q, p.b.y[1])), p.c), NotOnCurve, r"B \(pi_b\) .* off the twist"),
        (Proof(p.a, G2Point((p.b.x[0], p.b.x[1] + Q), p.b.y), p.c), FieldElementOutOfRange, r"B \(pi_b\) x.c1"),
        (Proof(p.a, twist_point_outside_subgroup(), p.c), NotInSubgroup, r"B \(pi_b\) must be in the order-r subgroup"),
        (Proof(p.a, p.b, (p.c.x, p.c.y)), MalformedInput, "must be a G1Point"),
        (Proof(p.a, G2Point(p.b.x, 5), p.c), MalformedInput, "must be an Fq2 pair"),
    ]
    for proof, error, message in cases:
        with pytest.raises(error, match=message):
            verify(pvk, x, proof)
    with pytest.raises(MalformedInput, match="must be a Proof"):
        verify(pvk, x, (p.a, p.b, p.c))


def test_twist_point_is_on_the_twist_but_not_in_the_subgroup():
    t = twist_point_outside_subgroup()
    from py_ecc import optimized_bn128 as b

    pt = (b.FQ2(list(t.x)), b.FQ2(list(t.y)), b.FQ2.one())
    assert b.is_on_curve(pt, b.b2)
    assert b.multiply(pt, R) != b.Z2 and not b.is_inf(b.multiply(pt, R))


def test_malformed_verifying_key(sim):
    vk = sim.vk
    bad_g2 = twist_point_outside_subgroup()
    cases = [
        (VerifyingKey(vk.alpha_g1, bad_g2, vk.gamma_g2, vk.delta_g2, vk.gamma_abc_g1), NotInSubgroup, "beta_g2"),
        (VerifyingKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, bad_g2, vk.gamma_abc_g1), NotInSubgroup, "delta_g2"),
        (VerifyingKey(G1Point(1, 3), vk.beta_g2, vk.gamma_g2, vk.delta_g2, vk.gamma_abc_g1), NotOnCurve, "alpha_g1"),
        (VerifyingKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, (*vk.gamma_abc_g1[:2], G1Point(2, 2))),
         NotOnCurve, r"IC\[2\]"),
        (VerifyingKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, ()), MalformedInput, "non-empty"),
        (VerifyingKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, list(vk.gamma_abc_g1)), MalformedInput,
         "tuple"),
    ]
    x, p = sim.items[0]
    for key, error, message in cases:
        with pytest.raises(error, match=message):
            prepare_verifying_key(key)
        with pytest.raises(error, match=message):
            verify(key, x[: key.n_public] if key.gamma_abc_g1 else [], p)
    with pytest.raises(MalformedInput, match="VerifyingKey"):
        verify("vk", x, p)


# --------------------------------------------------------------------------- batch


@pytest.fixture(scope="module")
def batch_sim():
    return simulate(2, 20, seed=21)


def test_batch_all_valid(batch_sim):
    result = batch_verify(batch_sim.vk, batch_sim.items)
    assert result == BatchResult(True, (), 20) and bool(result)
    assert batch_verify(batch_sim.vk, batch_sim.items[:1]).ok
    assert batch_verify(batch_sim.vk, []) == BatchResult(True, (), 0)


def test_batch_finds_the_invalid_proofs(batch_sim):
    items = list(batch_sim.items)
    rnd = random.Random(3)
    for bad in ([0], [19], [7], [3, 4], [0, 10, 19], list(range(20)), [1, 2, 3, 5, 8, 13]):
        broken = list(items)
        for i in bad:
            x, p = items[i]
            kind = rnd.choice("ABCx")
            if kind == "A":
                broken[i] = (x, Proof(neg1(p.a), p.b, p.c))
            elif kind == "B":
                broken[i] = (x, Proof(p.a, items[(i + 1) % 20][1].b, p.c))
            elif kind == "C":
                broken[i] = (x, Proof(p.a, p.b, items[(i + 1) % 20][1].c))
            else:
                broken[i] = ([(x[0] + 1) % R, x[1]], p)
        result = batch_verify(batch_sim.vk, broken, rng=random.Random(len(bad)))
        assert not result.ok and result.invalid_indices == tuple(sorted(bad)), (bad, result)
        assert batch_verify(batch_sim.vk, broken, find_invalid=False) == BatchResult(False, (), 20)


def test_batch_agrees_with_verify(batch_sim):
    """Random mixes of valid and tampered proofs: the batch's verdicts are verify's."""
    rnd = random.Random(9)
    items = list(batch_sim.items[:8])
    for _ in range(3):
        mixed = [(x, Proof(p.a, p.b, neg1(p.c))) if rnd.random() < 0.3 else (x, p) for x, p in items]
        expected = tuple(i for i, (x, p) in enumerate(mixed) if not verify(batch_sim.vk, x, p))
        assert batch_verify(batch_sim.vk, mixed).invalid_indices == expected


def test_batch_cancelling_errors_are_caught(batch_sim):
    """Two proofs whose errors cancel in an unweighted sum (C_0 + D, C_1 - D) must both fail."""
    from py_ecc import optimized_bn128 as b

    def shift(p: G1Point, k: int) -> G1Point:
        x, y = b.normalize(b.add((b.FQ(p.x), b.FQ(p.y), b.FQ.one()), b.multiply(b.G1, k % R)))
        return G1Point(int(x), int(y))

    (x0, p0), (x1, p1) = batch_sim.items[:2]
    items = [(x0, Proof(p0.a, p0.b, shift(p0.c, 1))), (x1, Proof(p1.a, p1.b, shift(p1.c, -1)))]
    assert batch_verify(batch_sim.vk, items).invalid_indices == (0, 1)


def test_batch_malformed_items(batch_sim):
    x, p = batch_sim.items[0]
    items = list(batch_sim.items[:4])
    with pytest.raises(FieldElementOutOfRange, match="batch item 2: public input 1"):
        batch_verify(batch_sim.vk, [*items[:2], ([x[0], R], p), items[3]])
    with pytest.raises(ShapeMismatch):
        batch_verify(batch_sim.vk, [*items[:2], (x[:1], p)])
    with pytest.raises(NotInSubgroup, match=r"batch item 1: B \(pi_b\)"):
        batch_verify(batch_sim.vk, [items[0], (x, Proof(p.a, twist_point_outside_subgroup(), p.c))])
    with pytest.raises(NotOnCurve, match=r"batch item 3: C \(pi_c\)"):
        batch_verify(batch_sim.vk, [*items[:3], (x, Proof(p.a, p.b, G1Point(1, 1)))])
    with pytest.raises(MalformedInput, match="batch item 1 must be a"):
        batch_verify(batch_sim.vk, [items[0], p])


# --------------------------------------------------------------------------- snarkjs JSON on zkl objects


def test_json_round_trip(sim, tmp_path):
    x, p = sim.items[0]
    write_verifying_key(sim.vk, tmp_path / "vk.json")
    write_proof(p, tmp_path / "proof.json")
    write_public(x, tmp_path / "public.json")
    assert read_verifying_key(tmp_path / "vk.json") == sim.vk
    assert read_proof(tmp_path / "proof.json") == p
    assert read_public(tmp_path / "public.json") == x
    obj = json.loads((tmp_path / "vk.json").read_text())
    assert list(obj) == ["protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2",
                         "vk_alphabeta_12", "IC"]
    assert list(json.loads((tmp_path / "proof.json").read_text())) == ["pi_a", "pi_b", "pi_c", "protocol", "curve"]
    assert obj["nPublic"] == 3 and len(obj["IC"]) == 4 and obj["vk_beta_2"][2] == ["1", "0"]
    text = (tmp_path / "proof.json").read_text()
    assert text == dumps(p.to_snarkjs_json()) and text.startswith('{\n "pi_a": [\n  "') and not text.endswith("\n")
    assert alphabeta_from_snarkjs_json(obj) == alpha_beta(sim.vk) ** SNARKJS_GT_EXPONENT
    assert VerifyingKey.from_snarkjs_json(sim.vk.to_snarkjs_json()) == sim.vk
    assert Proof.from_snarkjs_json(p.to_snarkjs_json()) == p


def test_json_infinity_points():
    inf = Proof(G1Point.infinity(), G2Point.infinity(), G1Point.infinity())
    obj = inf.to_snarkjs_json()
    assert obj["pi_a"] == ["0", "1", "0"] and obj["pi_b"] == [["0", "0"], ["1", "0"], ["0", "0"]]
    assert proof_from_snarkjs_json(obj) == inf
    two = {"pi_a": obj["pi_a"][:2], "pi_b": obj["pi_b"], "pi_c": ["1", "2"], "protocol": "groth16"}
    with pytest.raises(NotOnCurve, match=r"A \(pi_a\)"):
        proof_from_snarkjs_json(two)  # [x, y] without z is affine, and (0, 1) is not on G1
    # z = 0 is the point at infinity whatever x and y are, as snarkjs (ffjavascript's fromObject) reads it
    assert proof_from_snarkjs_json({**two, "pi_a": ["5", "1", "0"]}).a == G1Point.infinity()
    with pytest.raises(NotOnCurve, match=r"'pi_a' must be a point of G1, not \(0, 0\)"):
        proof_from_snarkjs_json({**two, "pi_a": ["0", "0", "1"]})  # affine (0, 0) is not zkl's infinity
    assert proof_from_snarkjs_json({**two, "pi_a": ["1", "2"]}).c == G1Point(1, 2)


def _mutations(vk_obj: dict, proof_obj: dict):
    """(which object, mutated copy, error class, message pattern)."""
    def edit(obj, path, value):
        obj = json.loads(json.dumps(obj))
        target = obj
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return obj

    p = proof_obj
    yield "proof", edit(p, ["pi_b"], KeyError), FormatError, "'pi_b'"
    yield "proof", edit(p, ["protocol"], "plonk"), FormatError, "'protocol' must be 'groth16'"
    yield "proof", edit(p, ["curve"], "bls12381"), FormatError, "'curve' must be 'bn128'"
    yield "proof", edit(p, ["pi_a", 0], "0x12"), FormatError, r"'pi_a'\[0\] must be a decimal string"
    yield "proof", edit(p, ["pi_a", 1], "12a"), FormatError, r"'pi_a'\[1\] must be a decimal string"
    yield "proof", edit(p, ["pi_a", 1], 12), FormatError, r"'pi_a'\[1\] must be a decimal string, not a number"
    yield "proof", edit(p, ["pi_a", 0], "-5"), FormatError, "decimal string"
    yield "proof", edit(p, ["pi_a", 0], str(Q)), FormatError, "below q"
    yield "proof", edit(p, ["pi_a"], ["1", "2", "1", "1"]), FormatError, "G1 point"
    yield "proof", edit(p, ["pi_a", 2], "2"), NotOnCurve, r"A \(pi_a\)"  # Jacobian z = 2: another (x, y)
    yield "proof", edit(p, ["pi_b", 0], ["1"]), FormatError, "Fq2 pair"
    yield "proof", edit(p, ["pi_b", 2], ["1", "1"]), NotOnCurve, r"B \(pi_b\)"
    yield "proof", edit(p, ["pi_c", 1], "3"), NotOnCurve, r"C \(pi_c\)"
    yield "proof", [], FormatError, "must be a JSON object"
    v = vk_obj
    yield "vk", edit(v, ["IC"], KeyError), FormatError, "'IC'"
    yield "vk", edit(v, ["nPublic"], 2), FormatError, "nPublic \\+ 1 = 3 points, not 4"
    yield "vk", edit(v, ["nPublic"], "3"), FormatError, "'nPublic' must be a non-negative integer"
    yield "vk", edit(v, ["protocol"], "fflonk"), FormatError, "'protocol'"
    yield "vk", edit(v, ["vk_alphabeta_12", 1], []), FormatError, "'vk_alphabeta_12'"
    yield "vk", edit(v, ["IC", 1, 0], "x"), FormatError, r"'IC'\[1\]\[0\]"
    yield "vk", edit(v, ["vk_gamma_2", 1, 0], str(Q + 5)), FormatError, \
        r"'vk_gamma_2'\[1\]\[0\] must be a coordinate below q"


def test_malformed_json_objects(sim):
    vk_obj = sim.vk.to_snarkjs_json()
    proof_obj = sim.items[0][1].to_snarkjs_json()
    count = 0
    for which, obj, error, message in _mutations(vk_obj, proof_obj):
        parse = proof_from_snarkjs_json if which == "proof" else vk_from_snarkjs_json
        with pytest.raises(error, match=message):
            parse(obj)
        count += 1
    assert count == 21
    for bad, message in (({"0": 1}, "list"), (["1", 2], r"\[1\] must be a decimal string"), (["1", "a"], r"\[1\]")):
        with pytest.raises(FormatError, match=message):
            public_from_snarkjs_json(bad)
    with pytest.raises(FormatError, match="Fq12"):
        gt_from_json([[["1", "2"]] * 3], "gt")


def test_malformed_files(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        read_proof(tmp_path / "bad.json")
    with pytest.raises(FormatError, match="cannot read"):
        read_verifying_key(tmp_path / "missing.json")


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def files(sim, tmp_path):
    x, p = sim.items[0]
    write_verifying_key(sim.vk, tmp_path / "vk.json")
    write_public(x, tmp_path / "public.json")
    write_proof(p, tmp_path / "proof.json")
    return tmp_path


def _cli(*args):
    return CliRunner().invoke(verify_command, [str(a) for a in args])


def test_cli_ok_invalid_error(files, sim):
    ok = _cli(files / "vk.json", files / "public.json", files / "proof.json")
    assert ok.exit_code == 0 and ok.output.strip() == "OK"
    x = sim.items[0][0]
    write_public([x[0], x[1], (x[2] + 1) % R], files / "other.json")
    bad = _cli(files / "vk.json", files / "other.json", files / "proof.json")
    assert bad.exit_code == 1 and bad.output.strip() == "INVALID: proof does not verify"
    write_public([x[0], R, x[2]], files / "big.json")
    err = _cli(files / "vk.json", files / "big.json", files / "proof.json")
    assert err.exit_code == 2 and err.output.startswith("ERROR: public input 1 must be in [0, r)")
    err = _cli(files / "vk.json", files / "public.json", files / "nope.json")
    assert err.exit_code == 2 and "ERROR: cannot read" in err.output


def test_cli_json(files):
    out = _cli(files / "vk.json", files / "public.json", files / "proof.json", "--json")
    obj = json.loads(out.output)
    assert out.exit_code == 0 and obj["valid"] is True and obj["status"] == "ok" and obj["n_public"] == 3
    out = _cli(files / "vk.json", files / "proof.json", files / "public.json", "--json")  # files swapped
    obj = json.loads(out.output)
    assert out.exit_code == 2 and obj["status"] == "error" and "must be a JSON list" in obj["reason"]


# --------------------------------------------------------------------------- kernels without the JIT


_NOJIT = textwrap.dedent(
    r"""
    import numpy as np
    from numba import config
    assert config.DISABLE_JIT
    from py_ecc import optimized_bn128 as b
    from zkl.algebra.constants import Q
    from zkl.algebra.limbs import ints_to_limbs
    from zkl.verifier import _kernels as K

    G = (b.FQ(1), b.FQ(2), b.FQ.one())
    pts = [b.normalize(b.multiply(G, k)) for k in (3, 5, 7)]
    g1n = ints_to_limbs([int(c) for p in pts for c in p]).reshape(3, 2, 4)
    g1 = K._mont_g1(g1n)
    codes = np.zeros(3, dtype=np.int8)
    K._codes(g1, codes)
    assert codes.tolist() == [0, 0, 0]
    bad = g1n.copy(); bad[1, 1, 0] += np.uint64(1)
    K._codes(K._mont_g1(bad), codes)
    assert codes.tolist() == [0, 2, 0]
    scalars = ints_to_limbs([2**64 + 9, 0, 45])
    acc = K._lincomb_jac(g1, scalars)
    out = np.zeros((1, 2, 4), dtype=np.uint64)
    K._st_neg_affine(out, 0, acc)
    from zkl.algebra.limbs import limbs_to_ints
    want = b.normalize(b.neg(b.add(b.multiply(G, 3 * (2**64 + 9)), b.multiply(G, 7 * 45))))
    assert limbs_to_ints(out) == [int(want[0]), int(want[1])]  # the kernel writes normal form
    scaled = np.zeros((3, 2, 4), dtype=np.uint64)
    K._scale_g1(g1, ints_to_limbs([2, 1, 0]), scaled)
    want = [b.normalize(b.multiply(G, 6)), b.normalize(b.multiply(G, 5))]
    assert limbs_to_ints(scaled) == [int(want[0][0]), int(want[0][1]), int(want[1][0]), int(want[1][1]), 0, 0]
    print("ok")
    """
)


def test_kernels_without_jit():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", _NOJIT], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


def test_verifier_imports_no_prover_or_circuits():
    """A base layer only verifies: importing zkl.verifier (and its CLI command) pulls in neither."""
    script = (
        "import sys, zkl.verifier, zkl.verifier.testing, zkl.commands.groth16\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('zkl.prover', 'zkl.circuits')))\n"
        "print(bad)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr[-2000:]
