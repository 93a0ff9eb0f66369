"""The node service over the Solidity contracts (pyrevm, in process): a deposit and a transfer made through
the API turn final, and the batches' receipts carry the gas of their L1 submissions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.service.conftest import BATCH, DEPTH, Server

pytestmark = pytest.mark.slow  # a devnet on the EVM and proofs


def test_a_transfer_turns_final_on_the_evm_with_its_gas(tmp_path: Path, service_cache: str, monkeypatch) -> None:
    from zkl.client import NodeClient
    from zkl.devnet import Devnet
    from zkl.execution import Wallet

    monkeypatch.setenv("ZKL_CACHE_DIR", service_cache)
    path = tmp_path / "net"
    with Devnet.init(path, batch_size=BATCH, depth=DEPTH, seed=3, l1="evm") as net:
        net.add_user("alice")
        net.add_user("bob")
    users = json.loads((path / "devnet.json").read_text())["users"]
    alice, bob = (Wallet.from_json(users[name]["wallet"]) for name in ("alice", "bob"))
    server = Server.start(path, cache=service_cache)
    try:
        client = NodeClient(server.url, token=(path / "operator.token").read_text().strip())
        assert client.status()["l1"]["base"] == "evm"
        client.deposit(alice.pubkey, 1000)
        client.deposit(bob.pubkey, 500)
        deadline = time.monotonic() + 300
        while not (client.accounts_of(alice.pubkey) and client.accounts_of(bob.pubkey)):
            assert time.monotonic() < deadline, client.status()
            time.sleep(0.25)
        a, b = client.accounts_of(alice.pubkey)[0], client.accounts_of(bob.pubkey)[0]
        fee = client.min_fee()
        tx_id = client.submit(alice.transfer(a["index"], b["index"], 100, fee, a["next_nonce"],
                                             domain=client.domain()))
        final = client.wait(tx_id, "final", timeout=300)
        assert final["l1"]["gas"] > 100_000  # a batch submission with its Groth16 verification
        batch = client.batch(final["batch"])
        assert batch["status"] == "final" and batch["l1"]["gas"] == final["l1"]["gas"]
        assert client.account(b["index"])["balance"] == "600"
        assert client.account(a["index"])["balance"] == str(1000 - 100 - fee)
    finally:
        server.stop()
    with Devnet(path, recover=False) as net:
        assert net.sync()["match"] and net.contract.state_root == net.node.root
