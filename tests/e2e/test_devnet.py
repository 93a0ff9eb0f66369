"""`zkl rollup` devnet subcommands driven step by step on one data directory (real proofs, batch 2, depth 4)."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from zkl.cli import main

pytestmark = pytest.mark.slow  # proves (or fuzzes for a minute): `pytest -m 'not slow'` skips it


@pytest.fixture(autouse=True)
def _cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("ZKL_CACHE_DIR", os.environ.get("ZKL_TEST_CACHE_DIR") or str(tmp_path_factory.getbasetemp()
                                                                                      / "zkl-cache"))


def _zkl(data_dir, *args: str, ok: bool = True) -> dict:
    result = CliRunner().invoke(main, ["rollup", *args, "--data-dir", str(data_dir), "--json"])
    if not ok:
        assert result.exit_code != 0
        return {"error": result.output}
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output.strip().splitlines()[-1])


def test_devnet_story_step_by_step(tmp_path) -> None:
    d = tmp_path / "net"
    out = _zkl(d, "init", "-b", "2", "-d", "4", "--deposit-deadline", "30")
    assert out["l1"]["batches"] == 1 and out["l2"]["settled"] == 1  # the sequencer's fee account
    _zkl(d, "user", "alice", "--l1-funds", "10000")
    _zkl(d, "user", "bob")
    assert _zkl(d, "deposit", "alice", "4000")["queue_index"] == 2
    assert _zkl(d, "deposit", "bob", "1000")["queue_index"] == 3
    _zkl(d, "transfer", "alice", "bob", "10", ok=False)  # alice has no L2 account before a batch
    out = _zkl(d, "seal")
    assert [b["number"] for b in out["batches"]] == [2] and out["l1_batches"] == 2
    status = _zkl(d, "status")
    assert status["users"]["alice"]["l2"] == 4000 and status["users"]["alice"]["l1"] == 6000
    # the deployment domain: the L1 ledger's chain id (drawn at genesis) and the contract; shown for people too
    l1 = _zkl(d, "l1-status")
    assert status["domain"] == l1["contract"]["domain"] and int(status["domain"]["chain_id"]) == l1["chain_id"]
    text = CliRunner().invoke(main, ["rollup", "status", "--data-dir", str(d)])
    assert text.exit_code == 0 and status["domain"]["element"] in text.output and "chain id" in text.output
    assert "{" not in text.output and "'l2'" not in text.output  # tables, not a Python repr
    fee = status["l2"]["min_fee"]
    _zkl(d, "transfer", "alice", "bob", "500")
    _zkl(d, "withdraw", "bob", "300")
    _zkl(d, "withdraw", "bob", "10**9", ok=False)
    _zkl(d, "withdraw", "bob", "1000000", ok=False)  # more than bob holds: the mempool refuses it
    out = _zkl(d, "seal", "--all")
    assert out["l1_batches"] == 3
    status = _zkl(d, "status")
    assert status["users"]["bob"]["l2"] == 1000 + 500 - 300 - fee
    assert status["users"]["bob"]["claimable"] == 300
    assert _zkl(d, "claim", "bob")["claimed"] == 300
    _zkl(d, "claim", "bob", ok=False)  # already claimed
    assert _zkl(d, "status")["users"]["bob"]["l1"] == 1_000_000 - 1000 + 300
    sync = _zkl(d, "sync")
    assert sync["match"] and sync["rebuilt_root"] == sync["l1_root"] == sync["l2_root"]
    # exodus: a deposit nobody processes goes overdue; alice exits with her last final balance
    _zkl(d, "exit", "alice", ok=False)  # not in exodus mode
    _zkl(d, "deposit", "alice", "1")
    alice_l2 = _zkl(d, "status")["users"]["alice"]["l2"]
    assert _zkl(d, "exit", "alice", "--mine", "40")["exited"] == alice_l2
    status = _zkl(d, "status")
    assert status["l1"]["exodus"] is True
    assert status["users"]["alice"]["l1"] == 6000 + alice_l2  # the overdue deposit was refunded too
    _zkl(d, "exit", "alice", ok=False)  # only once


def test_a_transaction_signed_for_another_devnet_is_refused(tmp_path) -> None:
    """Two devnets from the same seed: the same wallets at the same indices with the same nonces. The devnet's
    wallet signs for its own node's domain, and that signature is refused by the other devnet's node."""
    from zkl.devnet import Devnet
    from zkl.errors import WrongDomain

    nets = [Devnet.init(tmp_path / name, batch_size=2, depth=4, seed=5) for name in ("a", "b")]
    try:
        for net in nets:
            net.add_user("alice", l1_funds=10_000)
            net.add_user("bob", l1_funds=10_000)
            net.deposit("alice", 1_000)
            net.deposit("bob", 1_000)
            net.seal_all()
        a, b = nets
        assert a.account_index("alice") == b.account_index("alice") and a.node.root == b.node.root
        assert a.node.domain == a.contract.domain != b.contract.domain == b.node.domain
        tx_id = a.transfer("alice", "bob", 10)
        (signed,) = a.node.mempool.transactions()
        assert signed.id == tx_id and signed.domain == a.node.domain.element  # signed for the node it talks to
        with pytest.raises(WrongDomain):
            b.node.submit(signed.to_json())
        assert len(b.node.mempool) == 0
        assert a.seal()["transactions"] == 1 and a.sync()["match"]
    finally:
        for net in nets:
            net.close()
