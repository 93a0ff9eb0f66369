"""The devnet settling on an EVM: step by step through `zkl rollup` on the in-process EVM (state kept in the
data directory between commands) and on anvil (`--rpc URL`), and `zkl demo --l1 evm|anvil` (real proofs,
batch 2, depth 4)."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from tests.anvil import gas_free_anvil, require_anvil

from zkl.cli import main

pytestmark = pytest.mark.slow  # proves: `pytest -m 'not slow'` skips it
pytest.importorskip("pyrevm", reason="the evm base layer needs pyrevm (pip install -e '.[evm]')")
pytest.importorskip("web3", reason="the rpc base layer needs web3 (pip install -e '.[evm]')")


@pytest.fixture(autouse=True)
def _cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("ZKL_CACHE_DIR", os.environ.get("ZKL_TEST_CACHE_DIR") or str(tmp_path_factory.getbasetemp()
                                                                                      / "zkl-cache"))


@pytest.fixture(scope="module")
def node():
    """anvil on a free loopback port, gas free; skip without it."""
    yield from gas_free_anvil()


def _zkl(data_dir, *args: str, ok: bool = True, group: str = "rollup") -> dict:
    result = CliRunner().invoke(main, [group, *args, "--data-dir", str(data_dir), "--json"])
    if not ok:
        assert result.exit_code != 0
        return {"error": result.output}
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.mark.parametrize("base", ["evm", "rpc"])
def test_devnet_story_step_by_step_on_an_evm(tmp_path, node, base) -> None:
    d = tmp_path / "net"
    where = ["--l1", "evm"] if base == "evm" else ["--rpc", node.url, "--gas-price", "0"]
    out = _zkl(d, "init", "-b", "2", "-d", "4", "--deposit-deadline", "30", *where)
    assert out["l1"]["base"] == base and out["l1"]["batches"] == 1 and out["l2"]["settled"] == 1
    if base == "rpc":
        assert int(out["domain"]["chain_id"]) == int(node.rpc("eth_chainId"), 16)
    _zkl(d, "user", "alice", "--l1-funds", "10000")
    _zkl(d, "user", "bob")
    assert _zkl(d, "deposit", "alice", "4000")["queue_index"] == 2
    assert _zkl(d, "deposit", "bob", "1000")["queue_index"] == 3
    _zkl(d, "deposit", "bob", "10**30", ok=False)
    out = _zkl(d, "seal")
    assert [b["number"] for b in out["batches"]] == [2] and out["l1_batches"] == 2
    status = _zkl(d, "status")
    assert status["users"]["alice"]["l2"] == 4000 and status["users"]["alice"]["l1"] == 6000
    fee = status["l2"]["min_fee"]
    _zkl(d, "transfer", "alice", "bob", "500")
    _zkl(d, "withdraw", "bob", "300")
    assert _zkl(d, "seal", "--all")["l1_batches"] == 3
    status = _zkl(d, "status")
    assert status["users"]["bob"]["l2"] == 1000 + 500 - 300 - fee and status["users"]["bob"]["claimable"] == 300
    assert _zkl(d, "claim", "bob")["claimed"] == 300
    _zkl(d, "claim", "bob", ok=False)  # already claimed: the contract's NothingToClaim
    assert _zkl(d, "status")["users"]["bob"]["l1"] == 1_000_000 - 1000 + 300
    sync = _zkl(d, "sync")  # the L2 state rebuilt from the chain's logs and calldata alone
    assert sync["match"] and sync["rebuilt_root"] == sync["l1_root"] == sync["l2_root"]
    # the chain, seen through the base layer
    l1 = _zkl(d, "l1-status")
    assert l1["base"] == base and l1["contract"]["batch_number"] == 3 and l1["contract"]["domain"] == status["domain"]
    assert l1["contract"]["vk_hash"] and l1["contract"]["escrow"] == 4000 + 1000 - 300 + 1
    events = _zkl(d, "l1-events", "--kind", "BatchFinalized")["events"]
    assert [e["data"]["number"] for e in events] == [1, 2, 3]
    accounts = _zkl(d, "l1-accounts")["accounts"]
    assert accounts[l1["contract"]["address"]] == l1["contract"]["escrow"]
    text = CliRunner().invoke(main, ["rollup", "l1-status", "--data-dir", str(d)])
    assert text.exit_code == 0 and f"L1 ({base})" in text.output
    # exodus: an overdue deposit; alice exits with her last final balance and gets the deposit back
    _zkl(d, "deposit", "alice", "1")
    alice_l2 = _zkl(d, "status")["users"]["alice"]["l2"]
    assert _zkl(d, "exit", "alice", "--mine", "40") == {"exited": alice_l2, "refunded": 1}
    status = _zkl(d, "status")
    assert status["l1"]["exodus"] is True and status["users"]["alice"]["l1"] == 6000 + alice_l2
    _zkl(d, "exit", "alice", ok=False)  # only once


@pytest.mark.parametrize("l1", ["evm", "anvil"])
def test_demo_on_an_evm_reports_gas(tmp_path, l1) -> None:
    if l1 == "anvil":
        require_anvil()
    result = CliRunner().invoke(main, ["demo", "--data-dir", str(tmp_path / "net"), "-b", "2", "-d", "4",
                                       "--transfers", "2", "--withdrawals", "1", "--seed", "3", "--l1", l1, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["l1"] == l1 and summary["match"] and summary["final_root"] == summary["rebuilt_root"]
    assert summary["batches"] == 4 and summary["transactions"] == 7
    # a batch of two: the Groth16 verification (~214k) plus the commitment and storage; per tx a share of it
    assert 200_000 < summary["gas_per_batch"] < 320_000
    assert summary["gas_per_tx"] * summary["transactions"] >= 4 * 200_000
    assert summary["gas_deploy"] > 5_000_000
    embedded = CliRunner().invoke(main, ["demo", "--data-dir", str(tmp_path / "e"), "-b", "2", "-d", "4",
                                         "--transfers", "2", "--withdrawals", "1", "--seed", "3"])
    assert embedded.exit_code == 0 and "no gas" in embedded.output  # a sentence, not "None"


def test_demo_refuses_a_bad_base_layer(tmp_path) -> None:
    result = CliRunner().invoke(main, ["demo", "--data-dir", str(tmp_path / "n"), "--rpc", "http://127.0.0.1:9", "-b", "2", "-d", "4",
                                       "--json"])
    assert result.exit_code != 0 and "no JSON-RPC node answers at http://127.0.0.1:9" in result.output
