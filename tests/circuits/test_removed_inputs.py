"""circom 2.2's removed inputs: files whose header counts a private input that has no wire.

circom 2.2 drops a private input no non-linear constraint needs (its .sym line says wire -1)
but keeps it in the header's n_prv_in: at --O2 any private input used only linearly, at
--O1 (the default) one in no constraint.  snarkjs sets such files up and proves them; so
must zkl.  Each fixture of tests/fixtures/removed_*.circom is compiled at --O0, --O1 and
--O2 with circom2, and: zkl reads it (counts as `snarkjs r1cs info` prints them, removed
inputs named from the .sym), checks circom's witness, `zkl circuit info/check/audit` work
(the audit names the removed input), setup from a .ptau is byte-identical to `snarkjs
groth16 setup`, zkl's proofs verify with `snarkjs groth16 verify` and snarkjs's with zkl.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from tests.circuits import circom_tools
from tests.paths import FIXTURES
from zkl.circuits import audit, read_r1cs
from zkl.circuits.circom import read_sym, read_wtns_limbs

pytestmark = pytest.mark.js

INPUTS = {"linear": {"a": "21"}, "num2bits": {"a": "40000"}, "tagged": {"a": "7"}, "unused": {"a": "3", "b": "4"}}
LEVELS = ("--O0", "--O1", "--O2")
#: what circom 2.2 removes: (fixture, level) -> names of the private inputs left without a wire
REMOVED = {("linear", "--O2"): ["main.a"], ("num2bits", "--O2"): ["main.a"], ("tagged", "--O2"): ["main.a"],
           ("unused", "--O1"): ["main.a"], ("unused", "--O2"): ["main.a"]}
CASES = [(kind, level) for kind in INPUTS for level in LEVELS]
POWER = 6


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every fixture at every level: {(kind, level): (dir, circom's report)}, its witness, and a .ptau."""
    circom_tools.require()
    from zkl.prover.ptau import write_ptau

    root = tmp_path_factory.mktemp("removed")
    write_ptau(root / "pot.ptau", POWER)
    out = {}
    for kind, level in CASES:
        d = root / f"{kind}{level}"
        report = circom_tools.circom(FIXTURES / f"removed_{kind}.circom", d, level)
        (d / "input.json").write_text(json.dumps(INPUTS[kind]))
        circom_tools.witness(d, f"removed_{kind}", d / "input.json", d / "w.wtns")
        out[kind, level] = (d, report)
    return root, out


def _sections(path) -> dict[int, bytes]:
    """{section type: payload} of an iden3 container."""
    import struct

    data = path.read_bytes()
    out, pos = {}, 12
    for _ in range(struct.unpack_from("<I", data, 8)[0]):
        kind, size = struct.unpack_from("<IQ", data, pos)
        out[kind] = data[pos + 12: pos + 12 + size]
        pos += 12 + size
    return out


def zkl(*args: object) -> tuple[int, str]:
    from zkl.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize("kind,level", CASES)
def test_zkl_reads_checks_and_audits(built, kind, level):
    _, cases = built
    d, report = cases[kind, level]
    name = f"removed_{kind}"
    r1cs = read_r1cs(d / f"{name}.r1cs")
    info = circom_tools.snarkjs("r1cs", "info", d / f"{name}.r1cs")
    counts = {k: int(v) for k, v in re.findall(r"# of ([A-Za-z ]+): (\d+)", info)}
    assert counts == {"Wires": r1cs.n_wires, "Constraints": r1cs.n_constraints,
                      "Private Inputs": r1cs.n_private_inputs, "Public Inputs": r1cs.n_public_inputs,
                      "Labels": r1cs.n_labels, "Outputs": r1cs.n_public_outputs}
    removed = REMOVED.get((kind, level), [])
    assert r1cs.n_removed_inputs == len(removed) and (r1cs.removed_input_names or []) == removed
    # what circom says: "private inputs: 1 (none belong to witness)" and wire -1 in the .sym
    assert ("belong to witness" in report) == bool(removed)
    minus_one = {line.split(",")[3] for line in (d / f"{name}.sym").read_text().splitlines()
                 if line.split(",")[1] == "-1"}
    assert set(removed) <= minus_one
    assert r1cs.wire_kind(1) == "public output" and "main.a" not in r1cs.wire_names[1:] if removed else True
    witness = read_wtns_limbs(d / "w.wtns")
    assert len(witness) == r1cs.n_wires
    r1cs.check(witness)

    code, out = zkl("circuit", "info", d / f"{name}.r1cs", "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["wires"] == r1cs.n_wires and summary["private_inputs"] == r1cs.n_private_inputs
    assert summary.get("removed_inputs", 0) == len(removed)
    code, out = zkl("circuit", "info", d / f"{name}.r1cs")
    assert code == 0 and "private inputs" in out and ("removed inputs" in out) == bool(removed)
    code, out = zkl("circuit", "check", d / f"{name}.r1cs", d / "w.wtns")
    assert code == 0 and "witness is correct" in out, out

    report_obj = audit(r1cs)
    assert report_obj.removed_inputs == len(removed) and (report_obj.removed_input_names or []) == removed
    code, out = zkl("circuit", "audit", d / f"{name}.r1cs", "--json")
    data = json.loads(out)
    assert data["removed_inputs"] == {"count": len(removed), "names": removed or None}
    assert code == (0 if report_obj.ok else 1)
    if removed:
        assert code == 1
        code, out = zkl("circuit", "audit", d / f"{name}.r1cs")
        assert "private inputs in no constraint (removed by the compiler): 1: main.a" in " ".join(out.split())


@pytest.mark.slow
@pytest.mark.parametrize("kind,level", CASES)
def test_setup_and_prove_agree_with_snarkjs(built, kind, level, tmp_path):
    from zkl.prover import prove, public_inputs, read_zkey, setup_from_ptau, write_zkey
    from zkl.verifier import read_proof, read_public, read_verifying_key, verify, write_proof, write_public

    root, cases = built
    d, _ = cases[kind, level]
    name = f"removed_{kind}"
    r1cs_file, wtns = d / f"{name}.r1cs", d / "w.wtns"
    # setup from the .ptau: byte for byte snarkjs's key
    circom_tools.snarkjs("groth16", "setup", r1cs_file, root / "pot.ptau", tmp_path / "snarkjs.zkey")
    write_zkey(setup_from_ptau(read_r1cs(r1cs_file), root / "pot.ptau"), tmp_path / "zkl.zkey")
    assert (tmp_path / "zkl.zkey").read_bytes() == (tmp_path / "snarkjs.zkey").read_bytes()
    code, out = zkl("groth16", "setup", r1cs_file, tmp_path / "cli.zkey", "--ptau", root / "pot.ptau", "--quiet")
    assert code == 0, out
    assert (tmp_path / "cli.zkey").read_bytes() == (tmp_path / "snarkjs.zkey").read_bytes()
    circom_tools.snarkjs("zkey", "export", "verificationkey", tmp_path / "snarkjs.zkey", tmp_path / "vk.json")

    # a local setup and a proof by the zkl CLI: snarkjs verifies it
    code, out = zkl("groth16", "setup", r1cs_file, tmp_path / "local.zkey", "--quiet")
    assert code == 0, out
    code, out = zkl("groth16", "prove", tmp_path / "local.zkey", wtns, tmp_path / "p1.json", tmp_path / "x1.json",
                    "--quiet")
    assert code == 0, out
    code, out = zkl("zkey", "export", "verificationkey", tmp_path / "local.zkey", tmp_path / "local_vk.json")
    assert code == 0, out
    assert circom_tools.snarkjs_verifies(tmp_path / "local_vk.json", tmp_path / "x1.json", tmp_path / "p1.json")

    # zkl proves with snarkjs's key: snarkjs verifies
    pk = read_zkey(tmp_path / "snarkjs.zkey")
    witness = read_wtns_limbs(wtns)
    write_proof(prove(pk, witness), tmp_path / "p2.json")
    write_public(public_inputs(pk, witness), tmp_path / "x2.json")
    assert circom_tools.snarkjs_verifies(tmp_path / "vk.json", tmp_path / "x2.json", tmp_path / "p2.json")

    # snarkjs proves: zkl verifies (and rejects a changed public input)
    circom_tools.snarkjs("groth16", "prove", tmp_path / "snarkjs.zkey", wtns, tmp_path / "p3.json",
                         tmp_path / "x3.json")
    vk, public = read_verifying_key(tmp_path / "vk.json"), read_public(tmp_path / "x3.json")
    assert verify(vk, public, read_proof(tmp_path / "p3.json"))
    assert not verify(vk, [(public[0] + 1), *public[1:]], read_proof(tmp_path / "p3.json"))
    code, out = zkl("groth16", "verify", tmp_path / "vk.json", tmp_path / "x3.json", tmp_path / "p3.json")
    assert code == 0 and out.strip() == "OK"


def test_removed_inputs_survive_a_zkl_round_trip(built, tmp_path):
    """zkl writes such an R1CS back with circom's labels, so it reads back the same."""
    _, cases = built
    d, _ = cases["unused", "--O1"]
    r1cs = read_r1cs(d / "removed_unused.r1cs")
    r1cs.write(tmp_path / "again.r1cs", sym=True)
    back = read_r1cs(tmp_path / "again.r1cs")
    assert (back.n_private_inputs, back.n_removed_inputs, back.wire_names) == (2, 1, r1cs.wire_names)
    assert back.removed_input_names == ["main.a"]
    assert read_sym(tmp_path / "again.sym") == {1: "main.o", 3: "main.b", 2: "main.a"} == read_sym(
        d / "removed_unused.sym")
    assert _sections(tmp_path / "again.r1cs") == _sections(d / "removed_unused.r1cs")  # circom orders them 2, 1, 3
    bare = type(r1cs)(*r1cs.matrices, n_wires=r1cs.n_wires, n_public_outputs=1, n_public_inputs=0,
                      n_private_inputs=2, n_removed_inputs=1)
    bare.write(tmp_path / "bare.r1cs")
    again = read_r1cs(tmp_path / "bare.r1cs", sym=False)
    assert (again.n_removed_inputs, again.wire_kind(2)) == (1, "private input")
