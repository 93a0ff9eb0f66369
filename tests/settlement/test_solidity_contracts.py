"""The committed Solidity artifacts (rebuilt byte for byte), their export, and what only the EVM contract checks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tests.settlement.conformance.rigs import make_rig
from tests.settlement.helpers import ALICE, ToyGroth16, deposit_record, pubkey_of

from zkl.crypto.babyjubjub import GENERATOR, SUBGROUP_ORDER, Point, scalar_mul

pytest.importorskip("pyrevm", reason="the evm base layer needs pyrevm (pip install -e '.[evm]')")
pytest.importorskip("eth_abi", reason="the evm base layer needs eth-abi (pip install -e '.[evm]')")

from zkl.cli import main  # noqa: E402
from zkl.settlement.evm import UNIT, _encode, address_of, proof_words  # noqa: E402
from zkl.settlement.solidity.build import ARTIFACTS, CONTRACTS, artifacts, build  # noqa: E402

EIP170 = 24_576


@pytest.fixture(scope="module")
def toy():
    return ToyGroth16(seed=41)


@pytest.fixture
def rig(tmp_path, toy):
    r = make_rig("evm", tmp_path, toy)
    yield r
    r.close()


@pytest.mark.js
def test_the_committed_artifacts_are_what_the_sources_compile_to():
    from tests.oracles.evm import require_solc

    require_solc()
    committed = json.loads(ARTIFACTS.read_text())
    assert build() == committed  # sources, compiler (pinned in js/package.json) and settings: the same bytes


def test_every_contract_fits_under_eip_170():
    sizes = {name: len(art.bytecode) for name, art in artifacts().items()}
    assert set(sizes) == set(CONTRACTS)
    # creation code holds the runtime code and the constructor: a bound on the deployed size
    assert all(size < EIP170 for size in sizes.values()), sizes


def test_contract_export_and_info(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["contract", "export", str(tmp_path / "out"), "--json"])
    assert out.exit_code == 0, out.output
    files = json.loads(out.output)["files"]
    assert "ZklRollup.abi.json" in files and "Rollup.sol" in files and "PoseidonT5.sol" in files
    abi = json.loads((tmp_path / "out" / "ZklRollup.abi.json").read_text())
    names = {e.get("name") for e in abi}
    assert {"submitBatch", "deposit", "claim", "exit", "refundDeposit", "votePause", "BatchFinalized",
            "WrongCommitment"} <= names
    assert bytes.fromhex((tmp_path / "out" / "ZklRollup.bin").read_text().strip()) == artifacts()["ZklRollup"].bytecode
    info = json.loads(runner.invoke(main, ["contract", "info", "--json"]).output)
    assert [c["name"] for c in info["contracts"]] == list(CONTRACTS) and info["compiler"].startswith("solc-js 0.8.28")


def _raw(rig, sender, name, *args, value=0, gas=None):
    """A transaction straight to the contract, past the Python client's own checks."""
    c = rig.contract
    return c.chain.transact(address_of(sender), c.address, _encode(name, *args), value=value, gas=gas)


def _error_name(receipt):
    from zkl.settlement.evm import _tables

    assert not receipt.success
    return _tables()[1][bytes(receipt.output[:4])][0]


def test_the_contract_itself_refuses_keys_anyone_could_sign_for(rig):
    # the client refuses any key outside the prime-order subgroup; the contract, on its own, every key of
    # small order (8 P = O: a signature by such a key needs no secret) and every point off the curve
    small = scalar_mul(GENERATOR, SUBGROUP_ORDER)  # order 8
    assert small != Point(0, 1)
    for x, y in ((0, 1), (small.x, small.y), (1, 2)):
        assert _error_name(_raw(rig, ALICE, "deposit", x, y, value=5 * UNIT)) == "MalformedInput"
    assert _error_name(_raw(rig, ALICE, "deposit", *pubkey_of(1), value=5 * UNIT + 1)) == "MalformedInput"
    assert _raw(rig, ALICE, "deposit", *pubkey_of(1), value=5 * UNIT).success


def test_a_short_gas_limit_reverts_rather_than_refusing_the_proof(rig):
    c = rig.contract
    c.deposit(pubkey_of(1), 1000, sender=ALICE)
    header, data, proof = rig.batch([deposit_record(1, pubkey_of(1), 1000)])
    words = [header.batch_number, header.old_root, header.new_root, header.fee_account, header.commitment]
    full = _raw(rig, c.sequencer, "submitBatch", words, data, proof_words(proof), gas=None)
    assert full.success
    # the same batch again with 120k gas on a fresh deployment: the pairing cannot run, and that is no BadProof
    rig2 = make_rig("evm", None, rig.toy)
    rig2.contract.deposit(pubkey_of(1), 1000, sender=ALICE)
    header, data, proof = rig2.batch([deposit_record(1, pubkey_of(1), 1000)])
    words = [header.batch_number, header.old_root, header.new_root, header.fee_account, header.commitment]
    short = _raw(rig2, rig2.contract.sequencer, "submitBatch", words, data, proof_words(proof), gas=150_000)
    assert not short.success and short.output[:4] != bytes.fromhex("7fcdd1f4")
    if short.output[:4]:
        assert _error_name(short) == "NotEnoughGas"
    assert rig2.contract.batch_number == 0
    assert full.gas > 150_000
