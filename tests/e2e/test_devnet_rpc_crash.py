"""Reliability on a real node (anvil): the sealing process is SIGKILLed after its L1 transaction was sent and
before the devnet recorded it; the transaction is mined meanwhile, still pending at the restart, or dropped.
A transaction mined but reverted leaves the devnet able to retry. Each case must converge on what an
uninterrupted run reaches, with every batch submitted exactly once. The in-process EVM's journal is killed
between a transaction and its journal row the same way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading

import pytest
from tests.anvil import gas_free_anvil
from tests.e2e.stories import waiting_story

from zkl.devnet import Devnet

pytestmark = pytest.mark.slow  # proves
pytest.importorskip("pyrevm", reason="the evm base layer needs pyrevm (pip install -e '.[evm]')")
pytest.importorskip("web3", reason="the rpc base layer needs web3 (pip install -e '.[evm]')")

SCRIPT = textwrap.dedent("""
    import sys
    from zkl.devnet import Devnet
    net = Devnet(sys.argv[1])
    net.seal()
    net.close()
""")


@pytest.fixture(scope="module")
def node():
    """anvil on a free loopback port, gas free; skip without it."""
    yield from gas_free_anvil()


def _snapshot(net: Devnet) -> dict:
    c = net.contract
    return {"l1_root": c.state_root, "l1_batches": c.batch_number, "l2_root": net.node.root, "settled": net.settled(),
            "deposits": [(d.index, d.amount, d.status, d.batch) for d in c.deposits()],
            "withdrawals": [(w.batch, w.position, w.amount, w.claimed_height is not None) for w in c.withdrawals()],
            "users": {name: net.balance(name) for name in sorted(net.wallets)}, "escrow": c.status().escrow,
            "submissions": _submissions(net)}


def _submissions(net: Devnet) -> int:
    """How many submitBatch transactions the chain holds for the contract (mined, reverted or not)."""
    from eth_utils import keccak

    chain, selector = net.l1.chain, keccak(text="submitBatch(uint256[5],bytes,uint256[8])")[:4]
    if not hasattr(chain, "web3"):  # in process: a transaction that reverts is not included
        return len({tx_hash for _, tx_hash, _ in chain.logs(net.contract.address)
                    if chain.transaction(tx_hash)[1][:4] == selector})
    count = 0
    for height in range(chain.height + 1):
        for tx in chain.web3.eth.get_block(height, full_transactions=True)["transactions"]:
            if tx.get("to") and tx["to"].lower() == net.contract.address and bytes(tx["input"])[:4] == selector:
                count += 1
    return count


def _finish(path: str) -> dict:
    """Restart (recover) and finish the story: seal what waits, claim bob's withdrawal."""
    with Devnet(path) as net:
        net.seal_all()
        net.claim("bob")
        snap = _snapshot(net)
        assert net.sync()["match"]
    return snap


class Chain:
    """The module's anvil with the story's start saved: each test begins there (evm_snapshot / evm_revert)."""

    def __init__(self, node, path: str) -> None:
        self.node, self.path = node, path
        self.saved = node.rpc("evm_snapshot")

    def fresh(self, tmp_path) -> str:
        """A copy of the story's data directory, the node back at the story's block."""
        assert self.node.rpc("evm_revert", self.saved) is True
        self.saved = self.node.rpc("evm_snapshot")
        self.node.rpc("evm_setAutomine", True)
        path = str(tmp_path / "net")
        shutil.copytree(self.path, path)
        return path


@pytest.fixture(scope="module")
def chain(node, tmp_path_factory) -> Chain:
    saved = os.environ.get("ZKL_CACHE_DIR")
    os.environ["ZKL_CACHE_DIR"] = os.environ.get("ZKL_TEST_CACHE_DIR") or str(tmp_path_factory.mktemp("cache"))
    path = str(tmp_path_factory.mktemp("story") / "net")
    waiting_story(path, l1="rpc", rpc_url=node.url, gas_price=0)
    yield Chain(node, path)
    if saved is None:
        os.environ.pop("ZKL_CACHE_DIR", None)
    else:
        os.environ["ZKL_CACHE_DIR"] = saved


@pytest.fixture(scope="module")
def reference(chain, tmp_path_factory) -> dict:
    snap = _finish(chain.fresh(tmp_path_factory.mktemp("ref")))
    assert snap["l1_batches"] == snap["submissions"] == 2 and snap["withdrawals"][0][3] is True
    assert snap["users"]["bob"]["l1"] == 100_000 - 3_000 + 400
    return snap


def _kill(path: str, point: str, env: str = "ZKL_DEVNET_CRASH_AT") -> None:
    environ = {**os.environ, "PYTHONWARNINGS": "ignore", env: point}
    out = subprocess.run([sys.executable, "-c", SCRIPT, path], env=environ, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == -9, out.stderr[-2000:]  # killed, not finished


@pytest.mark.parametrize("point,env", [("seal.submitted", "ZKL_DEVNET_CRASH_AT"),
                                       ("rpc.sent", "ZKL_SETTLEMENT_CRASH_AT")])
def test_killed_after_the_l1_transaction_was_mined(chain, reference, tmp_path, point, env) -> None:
    path = chain.fresh(tmp_path)
    _kill(path, point, env)
    with Devnet(path, recover=False) as net:
        assert net.contract.batch_number == 2 and net.settled() == [1]  # L1 has it, the devnet did not record it
    assert _finish(path) == reference  # read from the chain, not submitted again


@pytest.mark.parametrize("fate", ["mined while down", "pending at restart", "dropped"])
def test_killed_while_the_l1_transaction_was_pending(chain, reference, tmp_path, fate) -> None:
    path = chain.fresh(tmp_path)
    node = chain.node
    node.rpc("evm_setAutomine", False)
    _kill(path, "rpc.sent", "ZKL_SETTLEMENT_CRASH_AT")
    assert len(node.rpc("txpool_content")["pending"]) == 1  # the submission waits in the node's pool
    timer = None
    if fate == "mined while down":
        node.rpc("evm_mine")
    elif fate == "pending at restart":  # the restarted devnet waits for it
        timer = threading.Timer(2.0, lambda: node.rpc("evm_mine"))
        timer.start()
    else:
        node.rpc("anvil_dropAllTransactions")
    if fate != "pending at restart":
        node.rpc("evm_setAutomine", True)
    try:
        with Devnet(path) as net:  # recover: waits for the pending one, or sends the dropped one again
            assert net.contract.batch_number == 2 and net.settled() == [1, 2]
    finally:
        if timer is not None:
            timer.join()
        node.rpc("evm_setAutomine", True)
    assert _finish(path) == reference


def test_a_reverted_submission_is_retried(chain, reference, tmp_path) -> None:
    from zkl.errors import L1TransactionReverted

    path = chain.fresh(tmp_path)
    with Devnet(path) as net:
        transact = net.l1.chain.transact
        net.l1.chain.transact = lambda sender, to, data, value=0, gas=None: transact(sender, to, data, value,
                                                                                       100_000)  # out of gas
        with pytest.raises(L1TransactionReverted, match="mined but reverted"):
            net.seal()
        net.l1.chain.transact = transact
        assert net.contract.batch_number == 1 and net.node.next_batch - 1 == 2  # built on L2, not final on L1
    snap = _finish(path)
    assert snap["submissions"] == reference["submissions"] + 1  # the reverted one, then the retry
    assert {**snap, "submissions": 0} == {**reference, "submissions": 0}


def test_the_in_process_evm_killed_before_its_journal_row(tmp_path) -> None:
    """Killed after the submission ran in pyrevm and before the journal row: on restart the chain replays
    without it, and the devnet submits the batch again."""
    os.environ.setdefault("ZKL_CACHE_DIR", str(tmp_path / "cache"))
    ref, path = str(tmp_path / "ref"), str(tmp_path / "net")
    waiting_story(ref, l1="evm", chain_id=77)
    shutil.copytree(ref, path)
    expected = _finish(ref)
    _kill(path, "evm.executed", "ZKL_SETTLEMENT_CRASH_AT")
    with Devnet(path, recover=False) as net:
        assert net.contract.batch_number == 1 and net.node.next_batch - 1 == 2
    assert _finish(path) == expected
