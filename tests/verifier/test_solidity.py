"""The Solidity verifier (zkl.verifier.solidity) compiled by solc-js and run in pyrevm, beside snarkjs's own.

For circuits with 1, 2, 4, 8 and 16 public inputs (pub_i * x == out_i style products), one key
made by zkl's setup; the same key exported as a verifier by zkl and by `snarkjs zkey export
solidityverifier`. Both contracts are called with the same calldata for: zkl's proof, snarkjs's
proof (from zkl's .zkey and .wtns), a tampered input, an input + r, a coordinate + q, A and C
swapped, B's coordinates in the other order, and a proof for other inputs. They must answer the
same, call for call; and ours must cost no more gas. With a gas limit below the pairing's cost,
snarkjs's answers false while ours reverts with NotEnoughGas.

The template (one bytecode per number of public inputs, the key given to its constructor) is run
beside the inlined verifier of the same key for 1, 3 and 5 inputs: the same answers, call for call,
within TEMPLATE_GAS_MARGIN gas; another key deployed from the same bytecode verifies its own proofs.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.oracles.evm import Chain, compile_solidity, keccak256, require_solc, selector, words
from tests.paths import JS
from zkl.algebra.constants import Q, R
from zkl.circuits import Circuit, Public, Secret, compile, solve
from zkl.prover import prove, setup, write_zkey
from zkl.verifier import verify
from zkl.verifier.keys import Proof
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotOnCurve, ShapeMismatch
from zkl.verifier.solidity import (
    solidity_calldata,
    solidity_verifier,
    solidity_verifier_template,
    verifier_constructor_args,
    verifying_key_from_constructor_args,
)

pytestmark = [pytest.mark.js, pytest.mark.slow]

SNARKJS = JS / "node_modules" / "snarkjs" / "build" / "cli.cjs"
NOT_ENOUGH_GAS = selector("NotEnoughGas()")
PROOF_INVALID = selector("ProofInvalid()")
#: the most gas a template verifier may cost beyond the inlined one, in any call (measured for 1-5 inputs:
#: verifyProof the same, requireValidProof +22)
TEMPLATE_GAS_MARGIN = 100


class Products(Circuit):
    """n public inputs p_i with p_i = (i + 1) * x * y for secret x, y (every input a wire of its own)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.p = Public(n)
        self.x = Secret()
        self.y = Secret()

    def define(self, api) -> None:  # noqa: ANN001
        xy = api.mul(self.x, self.y)
        for i in range(self.n):
            api.assert_equal(api.mul(i + 1, xy), self.p[i])


def _signature(n: int) -> str:
    return f"uint256[2],uint256[2][2],uint256[2],uint256[{n}]"


def _args(a: tuple, b: tuple, c: tuple, inputs: list[int]) -> bytes:
    """verifyProof's calldata after the selector: A, B (EIP-197 order), C, the inputs."""
    return words(*a, *b, *c, *inputs)


def _proof_words(proof: Proof) -> tuple[tuple, tuple, tuple]:
    return ((proof.a.x, proof.a.y), (proof.b.x[1], proof.b.x[0], proof.b.y[1], proof.b.y[0]), (proof.c.x, proof.c.y))


@pytest.fixture(scope="module")
def snarkjs_ok() -> bool:
    require_solc()
    if shutil.which("node") is None or not SNARKJS.exists():
        pytest.skip("needs snarkjs from js/ (npm ci --prefix js)")
    return True


def _snarkjs(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(SNARKJS), *map(str, args)], capture_output=True, text=True, timeout=300,
                          check=True)


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_agrees_with_snarkjs_call_for_call_and_costs_less(n, tmp_path, snarkjs_ok):
    circuit = Products(n)
    r1cs = compile(circuit, cache=False)
    pk = setup(r1cs)
    witness = solve(circuit, {"p": [(i + 1) * 3 * 7 for i in range(n)], "x": 3, "y": 7}, r1cs=r1cs)
    inputs = witness.public
    proof = prove(pk, witness)
    assert verify(pk.vk, inputs, proof)
    # snarkjs: its verifier of the same key, and its own proof of the same witness
    write_zkey(pk, tmp_path / "k.zkey")
    witness.write(tmp_path / "w.wtns")
    _snarkjs("zkey", "export", "solidityverifier", tmp_path / "k.zkey", tmp_path / "snarkjs.sol")
    _snarkjs("groth16", "prove", tmp_path / "k.zkey", tmp_path / "w.wtns", tmp_path / "proof.json",
             tmp_path / "public.json")
    from zkl.verifier import read_proof, read_public

    theirs = read_proof(tmp_path / "proof.json")
    assert read_public(tmp_path / "public.json") == inputs
    compiled = compile_solidity({"zkl.sol": solidity_verifier(pk.vk, contract_name="ZklVerifier"),
                                 "snarkjs.sol": (tmp_path / "snarkjs.sol").read_text()})
    chain = Chain()
    ours, snarkjs = chain.deploy(compiled["ZklVerifier"].bytecode), chain.deploy(compiled["Groth16Verifier"].bytecode)
    verify_proof = selector(f"verifyProof({_signature(n)})")
    require_valid = selector(f"requireValidProof({_signature(n)})")

    a, b, c = _proof_words(proof)
    cases = {
        "zkl's proof": (True, _args(a, b, c, inputs)),
        "snarkjs's proof": (True, _args(*_proof_words(theirs), inputs)),
        "an input changed": (False, _args(a, b, c, [inputs[0] + 1] + inputs[1:])),
        "an input + r (>= r)": (False, _args(a, b, c, [inputs[0] + R] + inputs[1:])),
        "the last input + r": (False, _args(a, b, c, inputs[:-1] + [inputs[-1] + R])),
        "A.y + q": (False, _args((a[0], a[1] + Q), b, c, inputs)),
        "C.x + q": (False, _args(a, b, (c[0] + Q, c[1]), inputs)),
        "A and C swapped": (False, _args(c, b, a, inputs)),
        "B in (c0, c1) order": (False, _args(a, (b[1], b[0], b[3], b[2]), c, inputs)),
        "A off the curve": (False, _args((a[0], (a[1] + 1) % Q), b, c, inputs)),
        "A at infinity": (False, _args((0, 0), b, c, inputs)),
        "another proof's A": (False, _args(_proof_words(theirs)[0], b, c, inputs)),
    }
    for name, (valid, data) in cases.items():
        mine, peer = chain.call(ours, verify_proof + data), chain.call(snarkjs, verify_proof + data)
        assert mine.success and peer.success, name
        assert mine.output == peer.output == words(int(valid)), name
        if 100_000 < peer.gas < 1_000_000:  # a full verification (early refusals cost ~26k in both; a failed
            assert mine.gas <= peer.gas, (name, mine.gas, peer.gas)  # precompile burns the gas it was given)
        required = chain.call(ours, require_valid + data)
        assert required.success == valid and (valid or PROOF_INVALID.hex() in required.output.decode()), name
    # the snarkjs trap: at a gas limit below the pairing's cost, snarkjs's verifier answers false; ours reverts
    data = verify_proof + cases["zkl's proof"][1]
    full = chain.call(ours, data).gas
    for limit in (40_000, 120_000, full - 30_000):
        mine, peer = chain.call(ours, data, gas=limit), chain.call(snarkjs, data, gas=limit)
        reason = mine.output.decode()
        assert not mine.success and (NOT_ENOUGH_GAS.hex() in reason or "OutOfGas" in reason), (limit, reason)
        assert peer.success and peer.output == words(0), limit  # the false answer a gas estimate settles on
    # the gas it used with plenty to spare, plus the 1/64 a call must leave behind (EIP-150), suffices
    assert chain.call(ours, data, gas=full + full // 63 + 100).output == words(1)
    # what `zkl zkey export soliditycalldata` prints is what snarkjs prints
    theirs_calldata = _snarkjs("zkey", "export", "soliditycalldata", tmp_path / "public.json",
                               tmp_path / "proof.json").stdout.strip()
    assert solidity_calldata(theirs, inputs) == theirs_calldata


def _failure(result) -> str:  # noqa: ANN001
    """How a call failed, without the gas pyrevm's message also holds: "revert 0x<data>" or "halt <reason>"."""
    message = result.output.decode()
    revert = re.fullmatch(r"Revert \{ gas_used: \d+, output: (0x[0-9a-f]*) \}", message)
    halt = re.fullmatch(r"Halt \{ reason: (.+), gas_used: \d+ \}", message)
    assert not result.success and (revert or halt), message
    return f"revert {revert.group(1)}" if revert else f"halt {halt.group(1)}"


def _keyed_proof(circuit: Products, r1cs) -> tuple:  # noqa: ANN001
    """A fresh key for the circuit, and a proof under it: (vk, proof, public inputs)."""
    n = circuit.n
    pk = setup(r1cs)
    witness = solve(circuit, {"p": [(i + 1) * 3 * 7 for i in range(n)], "x": 3, "y": 7}, r1cs=r1cs)
    proof = prove(pk, witness)
    assert verify(pk.vk, witness.public, proof)
    return pk.vk, proof, witness.public


@pytest.mark.parametrize("n", [1, 3, 5])
def test_the_template_given_the_key_at_deployment_answers_like_the_inlined_verifier(n):
    require_solc()
    circuit = Products(n)
    r1cs = compile(circuit, cache=False)
    vk, proof, inputs = _keyed_proof(circuit, r1cs)
    other_vk, other_proof, _ = _keyed_proof(circuit, r1cs)  # another key for the same circuit
    compiled = compile_solidity({"inlined.sol": solidity_verifier(vk, contract_name="Inlined"),
                                 "template.sol": solidity_verifier_template(n, contract_name="Template")})
    chain = Chain()
    inlined = chain.deploy(compiled["Inlined"].bytecode)
    args = verifier_constructor_args(vk, n_public=n)
    assert len(args) == 32 * (16 + 2 * n)
    template = chain.deploy(compiled["Template"].bytecode + args)
    other = chain.deploy(compiled["Template"].bytecode + verifier_constructor_args(other_vk, n_public=n))
    verify_proof = selector(f"verifyProof({_signature(n)})")
    require_valid = selector(f"requireValidProof({_signature(n)})")

    a, b, c = _proof_words(proof)
    cases = {
        "the proof": (True, _args(a, b, c, inputs)),
        "an input changed": (False, _args(a, b, c, [inputs[0] + 1] + inputs[1:])),
        "an input + r (>= r)": (False, _args(a, b, c, [inputs[0] + R] + inputs[1:])),
        "the last input + r": (False, _args(a, b, c, inputs[:-1] + [inputs[-1] + R])),
        "the last input 0": (False, _args(a, b, c, inputs[:-1] + [0])),
        "A.y + q": (False, _args((a[0], a[1] + Q), b, c, inputs)),
        "C.x + q": (False, _args(a, b, (c[0] + Q, c[1]), inputs)),
        "A and C swapped": (False, _args(c, b, a, inputs)),
        "B in (c0, c1) order": (False, _args(a, (b[1], b[0], b[3], b[2]), c, inputs)),
        "A off the curve": (False, _args((a[0], (a[1] + 1) % Q), b, c, inputs)),
        "A at infinity": (False, _args((0, 0), b, c, inputs)),
        "a proof under another key": (False, _args(*_proof_words(other_proof), inputs)),
    }
    for name, (valid, data) in cases.items():
        mine, reference = chain.call(template, verify_proof + data), chain.call(inlined, verify_proof + data)
        assert mine.success and reference.success, name
        assert mine.output == reference.output == words(int(valid)), name
        assert abs(mine.gas - reference.gas) <= TEMPLATE_GAS_MARGIN, (name, mine.gas, reference.gas)
        mine, reference = chain.call(template, require_valid + data), chain.call(inlined, require_valid + data)
        assert mine.success == reference.success == valid, name
        assert valid or _failure(mine) == _failure(reference) == f"revert 0x{PROOF_INVALID.hex()}", name
        assert abs(mine.gas - reference.gas) <= TEMPLATE_GAS_MARGIN, (name, mine.gas, reference.gas)
    # the same bytecode with the other key verifies that key's proofs, not the first key's
    assert chain.call(other, verify_proof + _args(*_proof_words(other_proof), inputs)).output == words(1)
    assert chain.call(other, verify_proof + cases["the proof"][1]).output == words(0)
    # short of gas: NotEnoughGas (or out of gas outright), as the inlined one
    data = verify_proof + cases["the proof"][1]
    for limit in (40_000, 120_000, chain.call(template, data).gas - 30_000):
        mine, reference = chain.call(template, data, gas=limit), chain.call(inlined, data, gas=limit)
        assert _failure(mine) == _failure(reference), limit
        assert _failure(mine) in (f"revert 0x{NOT_ENOUGH_GAS.hex()}", "halt OutOfGas(Basic)"), limit
    assert _failure(chain.call(template, data, gas=120_000)) == f"revert 0x{NOT_ENOUGH_GAS.hex()}"
    # which key it holds: keccak256 of the constructor arguments, and they read back as the key
    key_hash = selector("verifyingKeyHash()")
    assert chain.call(template, key_hash).output == keccak256(args)
    assert chain.call(other, key_hash).output == keccak256(verifier_constructor_args(other_vk))
    assert verifying_key_from_constructor_args(args, n) == vk
    # on chain too, constructor arguments of the wrong length are refused (the ABI decoder reverts)
    with pytest.raises(RuntimeError):
        chain.deploy(compiled["Template"].bytecode + args[:-32])


def test_a_key_without_public_inputs_compiles_to_an_argument_less_entry():
    require_solc()

    class Square(Circuit):
        x = Secret()

        def define(self, api) -> None:  # noqa: ANN001
            api.assert_equal(api.mul(self.x, self.x), 9)

    circuit = Square()
    r1cs = compile(circuit, cache=False)
    pk = setup(r1cs)
    proof = prove(pk, solve(circuit, {"x": 3}, r1cs=r1cs))
    compiled = compile_solidity({"v.sol": solidity_verifier(pk.vk)})
    chain = Chain()
    address = chain.deploy(compiled["Groth16Verifier"].bytecode)
    sig = "verifyProof(uint256[2],uint256[2][2],uint256[2])"
    a, b, c = _proof_words(proof)
    assert chain.call(address, selector(sig) + words(*a, *b, *c)).output == words(1)
    assert chain.call(address, selector(sig) + words(*c, *b, *a)).output == words(0)
    template = compile_solidity({"t.sol": solidity_verifier_template(0)})["Groth16Verifier"].bytecode
    args = verifier_constructor_args(pk.vk, n_public=0)
    deployed = chain.deploy(template + args)
    assert chain.call(deployed, selector(sig) + words(*a, *b, *c)).output == words(1)
    assert chain.call(deployed, selector(sig) + words(*c, *b, *a)).output == words(0)
    assert chain.call(deployed, selector("verifyingKeyHash()")).output == keccak256(args)


def test_bad_arguments_are_refused():
    with pytest.raises(MalformedInput):
        solidity_verifier("not a key")
    with pytest.raises(FieldElementOutOfRange):
        from zkl.verifier.testing import simulate

        sim = simulate(1, 1, seed=1)
        solidity_calldata(sim.items[0][1], [R])
    for bad in (-1, 1.0, True, "3"):
        with pytest.raises(MalformedInput, match="n_public"):
            solidity_verifier_template(bad)
    with pytest.raises(MalformedInput, match="identifier"):
        solidity_verifier_template(1, contract_name="1st")


def test_constructor_args_of_the_wrong_shape_are_refused():
    from zkl.verifier.testing import simulate

    vk = simulate(3, 1, seed=2).vk
    args = verifier_constructor_args(vk, n_public=3)
    assert len(args) == 32 * (16 + 2 * 3)
    assert verifier_constructor_args(vk) == args
    assert verifying_key_from_constructor_args(args, 3) == vk
    with pytest.raises(ShapeMismatch, match="the key has 3 public inputs .4 IC points., the verifier takes 5"):
        verifier_constructor_args(vk, n_public=5)
    for data, n in ((args[:-32], 3), (args + bytes(32), 3), (args, 5), (args, 2), (b"", 0)):
        with pytest.raises(ShapeMismatch, match=f"for {n} public inputs must be {32 * (16 + 2 * n)} bytes"):
            verifying_key_from_constructor_args(data, n)
    with pytest.raises(MalformedInput, match="VerifyingKey"):
        verifier_constructor_args(args)
    with pytest.raises(MalformedInput, match="bytes"):
        verifying_key_from_constructor_args(list(args), 3)
    off_curve = bytearray(args)
    off_curve[63] ^= 1  # alpha.y
    with pytest.raises(NotOnCurve):
        verifying_key_from_constructor_args(bytes(off_curve), 3)
    with pytest.raises(FieldElementOutOfRange):
        verifying_key_from_constructor_args(Q.to_bytes(32, "big") + args[32:], 3)


def test_cli_exports_the_verifier_from_a_zkey_or_a_vk_json_and_prints_calldata(tmp_path):
    from click.testing import CliRunner

    from zkl.cli import main
    from zkl.verifier import write_proof, write_public, write_verifying_key

    circuit = Products(2)
    r1cs = compile(circuit, cache=False)
    pk = setup(r1cs)
    witness = solve(circuit, {"p": [21, 42], "x": 3, "y": 7}, r1cs=r1cs)
    proof = prove(pk, witness)
    write_zkey(pk, tmp_path / "k.zkey")
    write_verifying_key(pk.vk, tmp_path / "vk.json")
    write_proof(proof, tmp_path / "proof.json")
    write_public(witness.public, tmp_path / "public.json")
    runner = CliRunner()
    for key in ("k.zkey", "vk.json"):
        out = runner.invoke(main, ["zkey", "export", "solidityverifier", str(tmp_path / key), str(tmp_path / f"{key}.sol")])
        assert out.exit_code == 0, out.output
        assert (tmp_path / f"{key}.sol").read_text() == solidity_verifier(pk.vk)
        assert "verifyProof for 2 public inputs" in out.output
    out = runner.invoke(main, ["zkey", "export", "soliditycalldata", str(tmp_path / "public.json"),
                               str(tmp_path / "proof.json")])
    assert out.exit_code == 0 and out.output.strip() == solidity_calldata(proof, witness.public)
    (tmp_path / "bad.json").write_text("[" * 100000)
    out = runner.invoke(main, ["zkey", "export", "solidityverifier", str(tmp_path / "bad.json"), str(tmp_path / "x.sol")])
    assert out.exit_code == 2 and "nesting" in out.output and not (tmp_path / "x.sol").exists()


def test_on_anvil_gas_estimation_finds_the_real_cost(tmp_path, snarkjs_ok):
    """On a real node (anvil), eth_estimateGas on snarkjs's verifier settles on a limit where verifyProof answers
    false; on ours it finds a limit where the proof verifies, and a mined transaction uses it."""
    from zkl.settlement.anvil import Anvil

    circuit = Products(3)
    r1cs = compile(circuit, cache=False)
    pk = setup(r1cs)
    witness = solve(circuit, {"p": [21, 42, 63], "x": 3, "y": 7}, r1cs=r1cs)
    proof = prove(pk, witness)
    write_zkey(pk, tmp_path / "k.zkey")
    _snarkjs("zkey", "export", "solidityverifier", tmp_path / "k.zkey", tmp_path / "snarkjs.sol")
    compiled = compile_solidity({"zkl.sol": solidity_verifier(pk.vk, contract_name="ZklVerifier"),
                                 "snarkjs.sol": (tmp_path / "snarkjs.sol").read_text()})
    data = "0x" + (selector(f"verifyProof({_signature(3)})") + _args(*_proof_words(proof), witness.public)).hex()
    with Anvil.start() as node:
        sender = node.accounts[0]

        def mined(tx: dict) -> dict:
            receipt = node.send(tx)
            assert receipt["status"] == "0x1", receipt
            return receipt

        ours = mined({"from": sender, "data": "0x" + compiled["ZklVerifier"].bytecode.hex()})["contractAddress"]
        theirs = mined({"from": sender, "data": "0x" + compiled["Groth16Verifier"].bytecode.hex()})["contractAddress"]
        call = {"from": sender, "data": data}
        estimate_ours = int(node.rpc("eth_estimateGas", {**call, "to": ours}), 16)
        estimate_theirs = int(node.rpc("eth_estimateGas", {**call, "to": theirs}), 16)
        assert estimate_theirs < 60_000 < 181_000 < estimate_ours  # snarkjs's "succeeds" before the pairing runs
        at = lambda to, gas: int(node.rpc("eth_call", {**call, "to": to, "gas": hex(gas)}, "latest"), 16)  # noqa: E731
        assert at(theirs, estimate_theirs) == 0 and at(ours, estimate_ours) == 1
        assert at(theirs, 1_000_000) == 1  # with enough gas both verify
        receipt = mined({**call, "to": ours, "gas": hex(estimate_ours)})
        assert int(receipt["gasUsed"], 16) <= estimate_ours
        assert node.rpc("eth_chainId") == "0x7a69"
    assert node.process.poll() is not None  # stopped
