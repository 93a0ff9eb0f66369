"""Groth16 interop with the real snarkjs 0.7.6 and circom 2 from js/node_modules.

Artifacts are made at test time in one session-scoped directory: circom2 compiles the fixture
circuits of tests/fixtures (.r1cs, witness generator), snarkjs makes a small
powers-of-tau (power 7: new, one contribution, prepare phase2) and its .zkeys.  Poseidon needs
2^10 rows, too many for a fast snarkjs ceremony, so its .ptau is written by zkl
(`write_ptau`) and snarkjs's `groth16 setup` runs on that.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkl.algebra.msm import msm_g1
from zkl.algebra.ntt import domain
from zkl.algebra.constants import R
from zkl.algebra.points import g1_from_array
from zkl.circuits import Circuit, Public, Secret, compile, read_r1cs, solve
from zkl.circuits.circom import read_wtns_limbs
from zkl.prover import prove, public_inputs, read_ptau, read_zkey, setup, setup_from_ptau, write_zkey
from zkl.verifier import write_proof, write_public, write_verifying_key
from zkl.prover.ptau import write_ptau
from tests.circuits import circom_tools
from tests.paths import FIXTURES, ROOT

pytestmark = [pytest.mark.js, pytest.mark.slow]

JS = ROOT / "js"
CIRCOM = JS / "node_modules" / "circom2" / "cli.js"
SNARKJS = JS / "node_modules" / "snarkjs" / "build" / "cli.cjs"
INPUTS = {"multiplier": {"k": "5", "a": "3", "b": "7"},
          "comparators": {"x": "181", "a": "1000", "b": "1234"},
          "poseidon": {"in": ["1", "2"]}}


def _run(*args: object, cwd: Path = ROOT, expect: int | None = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300)
    if expect is not None:
        assert done.returncode == expect, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def snarkjs(*args: object, expect: int | None = 0) -> subprocess.CompletedProcess:
    return _run("node", SNARKJS, *args, expect=expect)


def snarkjs_verifies(vk: Path, public: Path, proof: Path) -> bool:
    done = snarkjs("groth16", "verify", vk, public, proof, expect=None)
    ok = done.returncode == 0 and "OK" in done.stdout
    assert ok or "Invalid proof" in done.stdout + done.stderr, done.stdout + done.stderr
    return ok


@pytest.fixture(scope="session")
def art(tmp_path_factory):
    """Compiled circuits, witnesses, a snarkjs ptau (power 7), a zkl ptau (power 10) and snarkjs .zkeys."""
    if shutil.which("node") is None or not CIRCOM.exists() or not SNARKJS.exists():
        pytest.skip("node or js/node_modules (circom2, snarkjs) is missing: run `npm ci --prefix js`")
    out = tmp_path_factory.mktemp("groth16_js")
    for name in INPUTS:
        circom_tools.circom(FIXTURES / f"{name}.circom", out)
        (out / f"{name}.json").write_text(json.dumps(INPUTS[name]))
        _run("node", out / f"{name}_js" / "generate_witness.js", out / f"{name}_js" / f"{name}.wasm",
             out / f"{name}.json", out / f"{name}.wtns")
    snarkjs("powersoftau", "new", "bn128", "7", out / "pot7_0.ptau")
    snarkjs("powersoftau", "contribute", out / "pot7_0.ptau", out / "pot7_1.ptau", "--name=zkl tests",
            "-e=zkl test entropy")
    snarkjs("powersoftau", "prepare", "phase2", out / "pot7_1.ptau", out / "pot7.ptau")
    write_ptau(out / "zkl10.ptau", 10)
    for name in INPUTS:
        ptau = "zkl10.ptau" if name == "poseidon" else "pot7.ptau"
        snarkjs("groth16", "setup", out / f"{name}.r1cs", out / ptau, out / f"{name}.zkey")
        snarkjs("zkey", "export", "verificationkey", out / f"{name}.zkey", out / f"{name}.vk.json")
    return out


@pytest.mark.parametrize("name", list(INPUTS))
def test_zkl_proves_with_snarkjs_zkey(art, name, tmp_path):
    pk = read_zkey(art / f"{name}.zkey")
    witness = read_wtns_limbs(art / f"{name}.wtns")
    proof = prove(pk, witness)
    write_proof(proof, tmp_path / "proof.json")
    write_public(public_inputs(pk, witness), tmp_path / "public.json")
    assert snarkjs_verifies(art / f"{name}.vk.json", tmp_path / "public.json", tmp_path / "proof.json")
    # the same proof against a wrong public input
    public = json.loads((tmp_path / "public.json").read_text())
    public[0] = str((int(public[0]) + 1) % R)
    (tmp_path / "public.json").write_text(json.dumps(public))
    assert not snarkjs_verifies(art / f"{name}.vk.json", tmp_path / "public.json", tmp_path / "proof.json")


@pytest.mark.parametrize("name", list(INPUTS))
def test_setup_from_ptau_is_byte_identical(art, name, tmp_path):
    ptau = art / ("zkl10.ptau" if name == "poseidon" else "pot7.ptau")
    pk = setup_from_ptau(read_r1cs(art / f"{name}.r1cs"), ptau)
    write_zkey(pk, tmp_path / "zkl.zkey")
    assert (tmp_path / "zkl.zkey").read_bytes() == (art / f"{name}.zkey").read_bytes()


def test_snarkjs_zkey_verify_accepts_zkl_key(art, tmp_path):
    pk = setup_from_ptau(read_r1cs(art / "comparators.r1cs"), art / "pot7.ptau")
    write_zkey(pk, tmp_path / "zkl.zkey")
    assert "ZKey Ok" in snarkjs("zkey", "verify", art / "comparators.r1cs", art / "pot7.ptau",
                                tmp_path / "zkl.zkey").stdout


def test_contribution_to_zkl_key(art, tmp_path):
    """snarkjs contributes to a key from zkl's local setup; zkl reads the result and proves with it."""
    write_zkey(setup(read_r1cs(art / "poseidon.r1cs")), tmp_path / "zkl.zkey")
    snarkjs("zkey", "contribute", tmp_path / "zkl.zkey", tmp_path / "c1.zkey", "--name=zkl test", "-e=more entropy")
    snarkjs("zkey", "export", "verificationkey", tmp_path / "c1.zkey", tmp_path / "vk.json")
    pk = read_zkey(tmp_path / "c1.zkey")
    assert len(pk.mpc) > 68 and pk.mpc[64:68] == b"\x01\x00\x00\x00"  # one contribution, kept
    witness = read_wtns_limbs(art / "poseidon.wtns")
    write_proof(prove(pk, witness), tmp_path / "proof.json")
    write_public(public_inputs(pk, witness), tmp_path / "public.json")
    assert snarkjs_verifies(tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json")
    write_zkey(pk, tmp_path / "again.zkey")  # same sections (snarkjs's contribute writes them in another order)
    assert _section_map(tmp_path / "again.zkey") == _section_map(tmp_path / "c1.zkey")


def _section_map(path: Path) -> dict[int, bytes]:
    import struct

    data = path.read_bytes()
    out, pos = {}, 12
    for _ in range(struct.unpack_from("<I", data, 8)[0]):
        kind, size = struct.unpack_from("<IQ", data, pos)
        out[kind] = data[pos + 12: pos + 12 + size]
        pos += 12 + size
    return out


def test_snarkjs_ptau_lagrange_blocks(art):
    """The prepared sections hold [L_j(tau)] in natural order for snarkjs's roots (checked by MSM of the powers)."""
    pt = read_ptau(art / "pot7.ptau")
    assert (pt.power, pt.n_contributions, pt.prepared) == (7, 1, True)
    for log_m, j in ((2, 1), (7, 100), (8, 3)):  # 8 = power + 1: the block made without [tau^255]
        m = 1 << log_m
        w_inv, m_inv = pow(domain(log_m), -1, R), pow(m, -1, R)
        count = min(m, pt.tau_g1.shape[0])
        expect = msm_g1(pt.tau_g1[:count], [pow(w_inv, j * k, R) * m_inv % R for k in range(count)])
        assert g1_from_array(pt.lagrange("tau_g1", log_m)[j: j + 1])[0] == expect


@pytest.mark.parametrize("name", ["comparators", "poseidon"])
def test_snarkjs_proves_with_zkl_zkey(art, name, tmp_path):
    pk = setup(read_r1cs(art / f"{name}.r1cs"))
    write_zkey(pk, tmp_path / "zkl.zkey")
    snarkjs("groth16", "prove", tmp_path / "zkl.zkey", art / f"{name}.wtns", tmp_path / "proof.json",
            tmp_path / "public.json")
    write_verifying_key(pk.vk, tmp_path / "vk.json")
    assert snarkjs_verifies(tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json")
    verify = _zkl_verify()
    if verify is not None:
        from zkl.verifier.snarkjs_json import read_proof, read_public

        public = read_public(tmp_path / "public.json")
        assert verify(pk.vk, public, read_proof(tmp_path / "proof.json"))
        assert not verify(pk.vk, [(public[0] + 1) % R, *public[1:]], read_proof(tmp_path / "proof.json"))


@pytest.mark.parametrize("source", ["snarkjs", "zkl"])
def test_verification_key_export_matches_snarkjs(art, source, tmp_path):
    from zkl.cli import main

    zkey = art / "comparators.zkey"
    if source == "zkl":
        zkey = tmp_path / "zkl.zkey"
        write_zkey(setup(read_r1cs(art / "comparators.r1cs")), zkey)
    snarkjs("zkey", "export", "verificationkey", zkey, tmp_path / "snarkjs.json")
    result = CliRunner().invoke(main, ["zkey", "export", "verificationkey", str(zkey), str(tmp_path / "zkl.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "zkl.json").read_text()) == json.loads((tmp_path / "snarkjs.json").read_text())
    assert (tmp_path / "zkl.json").read_text() == (tmp_path / "snarkjs.json").read_text()


class Range(Circuit):
    """A Python circuit: out = x * y + k with x < 2^16 (bits), k public."""

    out = Public()
    k = Public()
    x = Secret()
    y = Secret()

    def define(self, api):
        api.to_binary(self.x, 16)
        api.assert_equal(api.add(api.mul(self.x, self.y), self.k), self.out)


def test_python_circuit_end_to_end(tmp_path):
    if shutil.which("node") is None or not SNARKJS.exists():
        pytest.skip("node or snarkjs is missing")
    from zkl.cli import main

    circuit = Range()
    r1cs = compile(circuit, cache=False)
    r1cs.write(str(tmp_path / "range.r1cs"))
    runner = CliRunner()
    result = runner.invoke(main, ["groth16", "setup", str(tmp_path / "range.r1cs"), str(tmp_path / "range.zkey"),
                                  "--quiet"])
    assert result.exit_code == 0, result.output
    (tmp_path / "range_circuit.py").write_text(
        "from zkl.circuits import Circuit, Public, Secret\n\n"
        "class Range(Circuit):\n"
        "    out = Public()\n    k = Public()\n    x = Secret()\n    y = Secret()\n\n"
        "    def define(self, api):\n"
        "        api.to_binary(self.x, 16)\n"
        "        api.assert_equal(api.add(api.mul(self.x, self.y), self.k), self.out)\n")
    (tmp_path / "input.json").write_text(json.dumps({"out": str(1234 * 99 + 7), "k": "7", "x": "1234", "y": "99"}))
    result = runner.invoke(main, ["groth16", "fullprove", str(tmp_path / "input.json"),
                                  f"{tmp_path / 'range_circuit.py'}:Range", str(tmp_path / "range.zkey"),
                                  str(tmp_path / "proof.json"), str(tmp_path / "public.json"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "public.json").read_text()) == [str(1234 * 99 + 7), "7"]
    result = runner.invoke(main, ["zkey", "export", "verificationkey", str(tmp_path / "range.zkey"),
                                  str(tmp_path / "vk.json")])
    assert result.exit_code == 0, result.output
    assert snarkjs_verifies(tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json")
    (tmp_path / "public.json").write_text(json.dumps([str(1234 * 99 + 8), "7"]))
    assert not snarkjs_verifies(tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json")
    verify = _zkl_verify()
    if verify is not None:
        pk = read_zkey(tmp_path / "range.zkey")
        witness = solve(circuit, {"out": 1234 * 99 + 7, "k": 7, "x": 1234, "y": 99}, r1cs=r1cs)
        proof = prove(pk, witness, r1cs=r1cs)
        assert verify(pk.vk, witness.public, proof)
        assert not verify(pk.vk, [witness.public[0] + 1, 7], proof)


def _zkl_verify():
    """zkl.verifier.groth16.verify when the verifier package has it, else None."""
    try:
        from zkl.verifier.groth16 import verify
    except ImportError:
        return None
    return verify
