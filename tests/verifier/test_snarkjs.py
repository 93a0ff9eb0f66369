"""Groth16 interop with the real snarkjs 0.7.6 and circom 2 from js/node_modules (`npm ci --prefix js`).

A session-scoped fixture builds, once per run in a tmp dir, the circuit of
tests/fixtures/verifier_fixture.circom (a product and circomlib's
Poseidon, public signals [c, h, x, y]), a powers-of-tau ceremony, a
contributed .zkey, its verification_key.json, and four proofs with their
public.json (tests/oracles/snarkjs_build.py lists the commands).  Then: snarkjs
proofs verify with zkl; tampered ones are rejected by zkl and by `snarkjs
groth16 verify`; malformed inputs raise; our JSON round-trips snarkjs's files
byte for byte; vk_alphabeta_12 equals snarkjs's; files written by zkl verify
with snarkjs; batch verification names the tampered proof.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.oracles import snarkjs_build
from zkl.algebra.constants import Q, R
from zkl.algebra.points import G1Point, G2Point
from zkl.commands.groth16 import verify_command
from zkl.errors import FieldElementOutOfRange, FormatError, NotInSubgroup, NotOnCurve
from zkl.verifier import (
    Proof,
    alpha_beta,
    batch_verify,
    prepare_verifying_key,
    proof_from_snarkjs_json,
    read_proof,
    read_public,
    read_verifying_key,
    verify,
    vk_from_snarkjs_json,
    write_proof,
    write_public,
    write_verifying_key,
)
from zkl.verifier.snarkjs_json import (
    dumps,
    gt_from_json,
    proof_to_snarkjs_json,
    public_to_snarkjs_json,
    to_snarkjs_gt,
    vk_to_snarkjs_json,
)
from zkl.verifier.testing import simulate, twist_point_outside_subgroup

pytestmark = [pytest.mark.js, pytest.mark.slow]


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory):
    """snarkjs's files for the fixture circuit (built once per session)."""
    if not snarkjs_build.available():
        pytest.skip("node or js/node_modules (circom2, snarkjs) is missing: run `npm ci --prefix js`")
    return snarkjs_build.build(tmp_path_factory.mktemp("snarkjs_verifier"))


@pytest.fixture(scope="module")
def loaded(artifacts):
    vk = read_verifying_key(artifacts.vk)
    items = [(read_public(pub), read_proof(pr)) for pub, pr in zip(artifacts.publics, artifacts.proofs)]
    return vk, items


def snarkjs_verifies(paths: list[tuple[Path, Path, Path]]) -> list[bool]:
    """`snarkjs groth16 verify vk public proof` for each triple (two processes at a time): exit 0 or not."""
    results = []
    for i in range(0, len(paths), 2):
        procs = [subprocess.Popen(["node", str(snarkjs_build.SNARKJS), "groth16", "verify", *map(str, t)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for t in paths[i:i + 2]]
        for p in procs:
            out, _ = p.communicate(timeout=120)
            assert p.returncode in (0, 1), out
            results.append(p.returncode == 0)
    return results


def test_fixture_is_not_degenerate(artifacts, loaded):
    vk, items = loaded
    assert vk.n_public == 4
    assert len({p for p in vk.gamma_abc_g1}) == 5 and not any(p.is_infinity() for p in vk.gamma_abc_g1)
    assert vk.gamma_g2 != vk.delta_g2
    x = json.loads(Path(artifacts.dir / "input_2.json").read_text())
    assert items[2][0][2:] == [int(x["x"]), int(x["y"])]  # public signals: outputs c, h, then x, y
    assert items[2][0][0] == int(x["a"]) * int(x["b"]) + int(x["x"])


def test_snarkjs_proofs_verify_with_zkl(loaded):
    vk, items = loaded
    pvk = prepare_verifying_key(vk)
    for x, p in items:
        assert verify(pvk, x, p) is True
        assert verify(vk, x, p) is True


def test_json_round_trips_snarkjs_files(artifacts, loaded):
    vk, items = loaded
    text = artifacts.vk.read_text()
    assert vk_to_snarkjs_json(vk) == json.loads(text)
    assert dumps(vk_to_snarkjs_json(vk)) == text  # byte for byte, key order and indentation included
    for (x, p), pub, pr in zip(items, artifacts.publics, artifacts.proofs):
        assert dumps(proof_to_snarkjs_json(p)) == pr.read_text()
        assert dumps(public_to_snarkjs_json(x)) == pub.read_text()


def test_alphabeta_equals_snarkjs(artifacts, loaded):
    vk, _ = loaded
    theirs = gt_from_json(json.loads(artifacts.vk.read_text())["vk_alphabeta_12"], "vk_alphabeta_12")
    ours = alpha_beta(vk)
    assert to_snarkjs_gt(ours) == theirs
    assert ours != theirs  # snarkjs's final exponentiation is a different (fixed) power of ours
    assert (theirs ** R).is_one()


def _tampered(items) -> dict[str, tuple[list[int], Proof]]:
    (x, p), (_, q) = items[0], items[2]
    return {
        "A": (x, Proof(q.a, p.b, p.c)),
        "B": (x, Proof(p.a, q.b, p.c)),
        "C": (x, Proof(p.a, p.b, q.c)),
        "public input": ([x[0], x[1], x[2] + 1, x[3]], p),
    }


def test_tampered_proofs_rejected_by_zkl_and_snarkjs(artifacts, loaded, tmp_path):
    vk, items = loaded
    triples = [(artifacts.vk, artifacts.publics[0], artifacts.proofs[0])]
    for name, (x, p) in _tampered(items).items():
        assert verify(vk, x, p) is False, name
        write_public(x, tmp_path / f"public_{name}.json")
        write_proof(p, tmp_path / f"proof_{name}.json")
        triples.append((artifacts.vk, tmp_path / f"public_{name}.json", tmp_path / f"proof_{name}.json"))
    assert snarkjs_verifies(triples) == [True, False, False, False, False]


def test_zkl_files_verify_with_snarkjs(tmp_path):
    """A key and proof written by zkl (a simulated setup) pass `snarkjs groth16 verify`; a tampered one fails."""
    sim = simulate(2, 2, seed=3)
    (x, p), (_, q) = sim.items
    write_verifying_key(sim.vk, tmp_path / "vk.json")
    write_public(x, tmp_path / "public.json")
    write_proof(p, tmp_path / "proof.json")
    write_proof(Proof(p.a, p.b, q.c), tmp_path / "bad.json")
    assert snarkjs_verifies([(tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json"),
                             (tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "bad.json")]) == [True, False]


def test_malformed_inputs_raise(artifacts, loaded, tmp_path):
    vk, items = loaded
    x, p = items[0]
    with pytest.raises(FieldElementOutOfRange, match="public input 3"):
        verify(vk, [*x[:3], x[3] + R], p)
    proof_obj = json.loads(artifacts.proofs[0].read_text())
    off = json.loads(json.dumps(proof_obj))
    off["pi_a"][1] = str((int(off["pi_a"][1]) + 1) % Q)
    with pytest.raises(NotOnCurve, match=r"A \(pi_a\)"):
        proof_from_snarkjs_json(off)
    big = json.loads(json.dumps(proof_obj))
    big["pi_c"][0] = str(int(big["pi_c"][0]) + Q)
    with pytest.raises(FormatError, match=r"'pi_c'\[0\] must be a coordinate below q"):
        proof_from_snarkjs_json(big)
    with pytest.raises(FieldElementOutOfRange, match=r"C \(pi_c\) x must be in \[0, q\)"):
        verify(vk, x, Proof(p.a, p.b, G1Point(p.c.x + Q, p.c.y)))
    t = twist_point_outside_subgroup()
    outside = json.loads(json.dumps(proof_obj))
    outside["pi_b"] = [[str(t.x[0]), str(t.x[1])], [str(t.y[0]), str(t.y[1])], ["1", "0"]]
    with pytest.raises(NotInSubgroup, match=r"B \(pi_b\)"):
        proof_from_snarkjs_json(outside)
    with pytest.raises(NotInSubgroup):
        verify(vk, x, proof_from_snarkjs_json(outside, validate=False))
    vk_obj = json.loads(artifacts.vk.read_text())
    vk_obj["vk_delta_2"] = outside["pi_b"]
    with pytest.raises(NotInSubgroup, match="vk_delta_2|delta_g2"):
        vk_from_snarkjs_json(vk_obj)
    # snarkjs too refuses a public input >= r (before any pairing)
    write_public([*x[:3], x[3] + R], tmp_path / "big_public.json")
    assert snarkjs_verifies([(artifacts.vk, tmp_path / "big_public.json", artifacts.proofs[0])]) == [False]


def test_batch_of_snarkjs_proofs(loaded):
    vk, items = loaded
    batch = items + items[::-1]  # 8 valid proofs
    assert batch_verify(vk, batch).ok
    bad = list(batch)
    bad[5] = _tampered(items)["C"]
    result = batch_verify(vk, bad)
    assert not result.ok and result.invalid_indices == (5,)
    bad[0] = _tampered(items)["public input"]
    assert batch_verify(vk, bad).invalid_indices == (0, 5)


def test_cli_on_snarkjs_files(artifacts, loaded, tmp_path):
    vk, items = loaded
    runner = CliRunner()
    ok = runner.invoke(verify_command, [str(artifacts.vk), str(artifacts.publics[1]), str(artifacts.proofs[1])])
    assert ok.exit_code == 0 and ok.output.strip() == "OK"
    mixed = runner.invoke(verify_command, [str(artifacts.vk), str(artifacts.publics[1]), str(artifacts.proofs[2])])
    assert mixed.exit_code == 1 and mixed.output.strip() == "INVALID: proof does not verify"
    obj = json.loads(artifacts.vk.read_text())
    obj["curve"] = "bls12381"
    (tmp_path / "vk.json").write_text(json.dumps(obj))
    err = runner.invoke(verify_command, [str(tmp_path / "vk.json"), str(artifacts.publics[1]),
                                         str(artifacts.proofs[1]), "--json"])
    assert err.exit_code == 2 and "'curve' must be 'bn128'" in json.loads(err.output)["reason"]
    # G2 coordinates keep snarkjs's [c0, c1] order: swapping them breaks the point
    p = items[1][1]
    swapped = Proof(p.a, G2Point((p.b.x[1], p.b.x[0]), (p.b.y[1], p.b.y[0])), p.c)
    with pytest.raises((NotOnCurve, NotInSubgroup)):
        verify(vk, items[1][0], swapped)
