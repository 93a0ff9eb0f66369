"""The L2 node: deposits, mempool, sealing batches atomically, restarts, the fee market, and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from zkl.circuits import compile, read_wtns, solve
from zkl.circuits.rollup import BatchCircuit
from zkl.crypto.protocol import AMOUNT_BITS, Domain, TxType, deposit_hash
from zkl.errors import ExecutionError, FeeTooLow, InsufficientBalance, NonceMismatch, WrongDomain
from zkl.execution.accounts import Account
from zkl.execution.node import Node, chain_of
from zkl.execution.transactions import QueuedDeposit, parse_tx

ALICE, BOB, CAROL, SEQ = range(4)
B, DEPTH = 3, 4
DOMAIN = Domain(1, 0xA11CE)


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "zkl-cache"))


@pytest.fixture(scope="module")
def wallets():
    from zkl.execution.wallet import Wallet

    return [Wallet(bytes([i + 10]) * 32) for i in range(4)]


def new_node(path, wallets, **kw) -> Node:
    return Node.init(path, depth=DEPTH, batch_size=B, fee_pubkey=wallets[SEQ].pubkey, **{"domain": DOMAIN, **kw})


def funded(path, wallets, **kw) -> Node:
    """A node after one batch: Alice 1000 at 0, Bob 50 at 1, the sequencer's account at 2."""
    node = new_node(path, wallets, **kw)
    node.add_deposit(wallets[ALICE].pubkey, 1000)
    node.add_deposit(wallets[BOB].pubkey, 50)
    node.add_deposit(wallets[SEQ].pubkey, 0)
    node.seal()
    return node


def proves(batch) -> None:
    r1cs = compile(batch.circuit())
    r1cs.check(solve(batch.circuit(), batch.assignment(), r1cs=r1cs))


def test_a_node_seals_batches_the_circuit_accepts(tmp_path, wallets):
    node = funded(tmp_path / "n", wallets)
    b1 = node.batch(1)
    assert [r.type for r in b1.records] == [TxType.DEPOSIT] * 3
    assert (b1.first_deposit, b1.last_deposit) == (1, 3) and node.deposits_processed == 3
    assert node.account(0) == Account(wallets[ALICE].pubkey, 1000)
    fee = node.min_fee
    node.submit(wallets[ALICE].transfer(0, 1, 100, fee, 0, domain=DOMAIN))
    node.submit(wallets[ALICE].transfer(0, 1, 10, fee, 1, domain=DOMAIN).to_json())  # the JSON form works as well
    node.submit(wallets[BOB].withdraw(1, 20, fee, "0x" + "12" * 20, 0, domain=DOMAIN))
    b2 = node.seal()
    assert b2.number == 2 and b2.old_root == b1.new_root and b2.new_root == node.root
    assert [r.type for r in b2.records] == [TxType.TRANSFER, TxType.TRANSFER, TxType.WITHDRAW]
    assert b2.withdrawals == [(0x12 * (256 ** 20 - 1) // 255, 20)]
    assert b2.header.total_fees == 3 * fee and b2.header.fee_account == 2  # the sequencer's account
    assert node.account(2).balance == 3 * fee
    assert node.account(0) == Account(wallets[ALICE].pubkey, 1000 - 110 - 2 * fee, 2)
    assert len(node.mempool) == 0 and node.seal() is None
    for batch in (b1, b2):
        proves(batch)
    assert [b["number"] for b in node.batches()] == [1, 2]
    node.close()


def test_a_restarted_node_continues_where_it_stopped(tmp_path, wallets):
    node = funded(tmp_path / "n", wallets)
    node.submit(wallets[ALICE].transfer(0, 1, 100, node.min_fee, 0, domain=DOMAIN))
    node.seal()
    node.submit(wallets[ALICE].transfer(0, 1, 1, node.min_fee, 1, domain=DOMAIN))  # waits in the mempool
    node.add_deposit(wallets[CAROL].pubkey, 7)
    root, fee, n = node.root, node.min_fee, node.next_batch
    accounts = list(node.state.accounts())
    node.close()
    again = Node(tmp_path / "n")
    assert again.root == root and again.min_fee == fee and again.next_batch == n
    assert list(again.state.accounts()) == accounts
    assert len(again.mempool) == 1 and [d.amount for d in again.pending_deposits()] == [7]
    again.state.verify()
    b = again.seal()
    assert b.old_root == root and [r.type for r in b.records] == [TxType.DEPOSIT, TxType.TRANSFER, TxType.NOOP]
    queue = [QueuedDeposit(i, wallets[w].pubkey, a) for i, (w, a) in enumerate([(ALICE, 1000), (BOB, 50), (SEQ, 0),
                                                                           (CAROL, 7)], 1)]
    assert again.deposit_chain == chain_of(queue) == b.header.deposits_after
    again.close()


def test_a_failed_seal_changes_nothing(tmp_path, wallets, monkeypatch):
    node = funded(tmp_path / "n", wallets)
    node.submit(wallets[ALICE].transfer(0, 1, 100, node.min_fee, 0, domain=DOMAIN))
    node.add_deposit(wallets[CAROL].pubkey, 7)
    root, chain, fee = node.root, node.deposit_chain, node.min_fee

    def boom(result):
        raise RuntimeError("disk full")

    monkeypatch.setattr(node, "_record", boom)
    with pytest.raises(RuntimeError):
        node.seal()
    assert node.root == root and node.state.account(3) is None
    assert node.deposit_chain == chain and node.min_fee == fee and node.next_batch == 2
    assert len(node.mempool) == 1 and len(node.pending_deposits()) == 1
    node.close()
    again = Node(tmp_path / "n")
    assert again.root == root and again.next_batch == 2
    assert again.seal().number == 2
    again.close()


def test_deposits_in_queue_order(tmp_path, wallets):
    node = new_node(tmp_path / "n", wallets)
    amounts = [5, 6, 7, 8, 9]
    for a in amounts:
        node.add_deposit(wallets[ALICE].pubkey, a)
    with pytest.raises(ExecutionError, match="next deposit of the queue is 6"):
        node.add_deposit(wallets[BOB].pubkey, 1, queue_index=7)
    b1 = node.seal()
    b2 = node.seal()
    assert (b1.first_deposit, b1.last_deposit, b2.first_deposit, b2.last_deposit) == (1, 3, 4, 5)
    assert node.account(0).balance == sum(amounts) and len(node.state) == 1  # one key, one account
    chain = 0
    for a in amounts:
        chain = deposit_hash(chain, wallets[ALICE].pubkey, a)
    assert node.deposit_chain == chain == b2.header.deposits_after
    assert b2.header.deposits_before == b1.header.deposits_after
    node.close()


def test_a_deposit_that_would_overflow_opens_a_new_account(tmp_path, wallets):
    node = new_node(tmp_path / "n", wallets)
    node.add_deposit(wallets[ALICE].pubkey, (1 << AMOUNT_BITS) - 5)
    node.add_deposit(wallets[ALICE].pubkey, 10)
    batch = node.seal()
    assert [r.to_index for r in batch.records[:2]] == [0, 1]
    assert node.state.find(wallets[ALICE].pubkey) == [0, 1]
    node.close()


def test_transfers_wait_for_the_sequencer_account(tmp_path, wallets):
    node = new_node(tmp_path / "n", wallets)
    node.add_deposit(wallets[ALICE].pubkey, 100)
    node.add_deposit(wallets[BOB].pubkey, 100)
    node.seal()
    node.submit(wallets[ALICE].transfer(0, 1, 10, node.min_fee, 0, domain=DOMAIN))
    b = node.seal()  # no fee account yet: an empty batch, the transfer waits
    assert [r.type for r in b.records] == [TxType.NOOP] * 3 and b.header.total_fees == 0
    assert len(node.mempool) == 1
    proves(b)
    node.add_deposit(wallets[SEQ].pubkey, 0)
    b = node.seal()
    assert [r.type for r in b.records] == [TxType.DEPOSIT, TxType.TRANSFER, TxType.NOOP]
    assert node.account(2).balance == b.records[1].fee
    node.close()


def test_the_minimum_fee_follows_demand(tmp_path, wallets):
    node = funded(tmp_path / "n", wallets)  # batch 1 was full: the fee rose above the floor
    assert node.min_fee == 2
    with pytest.raises(FeeTooLow, match="minimum fee 2"):
        node.submit(wallets[ALICE].transfer(0, 1, 10, 1, 0, domain=DOMAIN))
    for nonce in range(3):
        node.submit(wallets[ALICE].transfer(0, 1, 10, node.min_fee, nonce, domain=DOMAIN))
    node.seal()
    assert node.min_fee == 3
    node.seal(allow_empty=True)
    assert node.min_fee == 2  # an empty batch brings it down
    node.seal(allow_empty=True)
    node.seal(allow_empty=True)
    assert node.min_fee == 1  # to the floor, not below
    node.close()


def test_refused_transactions_change_nothing(tmp_path, wallets):
    node = funded(tmp_path / "n", wallets)
    root = node.root
    tx = wallets[ALICE].transfer(0, 1, 10, node.min_fee, 0, domain=DOMAIN)
    node.submit(tx)
    with pytest.raises(NonceMismatch):
        node.submit(tx)
    with pytest.raises(InsufficientBalance):
        node.submit(wallets[BOB].transfer(1, 0, 50, node.min_fee, 0, domain=DOMAIN))
    assert len(node.mempool) == 1 and node.root == root
    node.close()


def test_transactions_that_no_longer_pass_are_dropped(tmp_path, wallets):
    node = funded(tmp_path / "n", wallets)
    fee = node.min_fee
    node.mempool.add(wallets[BOB].transfer(1, 0, 500, fee, 0, domain=DOMAIN))  # bypasses validation: Bob has 50
    node.mempool.add(wallets[BOB].transfer(1, 0, 1, fee, 1, domain=DOMAIN))  # after it: can never pass
    node.submit(wallets[ALICE].transfer(0, 1, 5, fee, 0, domain=DOMAIN))
    b = node.seal()
    assert [r.type for r in b.records] == [TxType.TRANSFER, TxType.NOOP, TxType.NOOP]
    assert len(node.last_dropped) == 2 and len(node.mempool) == 0
    assert any("less than amount + fee" in reason for reason in node.last_dropped.values())
    node.close()



def test_seal_reads_only_the_head_of_the_mempool(tmp_path, wallets, monkeypatch):
    import zkl.execution.mempool as mempool

    node = funded(tmp_path / "n", wallets)
    fee = node.min_fee
    for k in range(40):
        node.submit(wallets[ALICE].transfer(0, 1, 1, fee, k, domain=DOMAIN))
    node.close()
    node = Node(tmp_path / "n")  # a fresh process's view: every row must be parsed from its JSON
    parsed = []
    monkeypatch.setattr(mempool, "parse_tx", lambda data: parsed.append(data) or parse_tx(data))
    batch = node.seal()
    assert [r.type for r in batch.records] == [TxType.TRANSFER] * B and len(node.mempool) == 40 - B
    assert 0 < len(parsed) <= 16, "seal parsed more of the mempool than a batch needs"
    assert node.mempool.pending(0).count == 40 - B
    while node.seal() is not None:
        pass
    assert node.account(0).nonce == 40 and not node.mempool and node.mempool.pending(0).count == 0
    node.close()


def test_a_node_serves_one_deployment(tmp_path, wallets):
    """Two nodes in the same state (alice at index 0, nonce 0 on both): a transfer signed for A is refused by B,
    and the batches of the two bind their own domains in their commitments."""
    other = Domain(1, 0xB0B)
    a, b = funded(tmp_path / "a", wallets), funded(tmp_path / "b", wallets, domain=other)
    assert a.root == b.root and a.domain == DOMAIN and b.domain == other
    assert Node(tmp_path / "b").domain == other  # persisted at init
    tx = wallets[ALICE].transfer(0, 1, 100, a.min_fee, 0, domain=a.domain)
    with pytest.raises(WrongDomain, match="not for this deployment"):
        b.submit(tx)
    with pytest.raises(WrongDomain):
        b.submit(tx.to_json())
    assert len(b.mempool) == 0
    a.submit(tx)
    b.submit(wallets[ALICE].transfer(0, 1, 100, b.min_fee, 0, domain=b.domain))
    ba, bb = a.seal(), b.seal()
    assert ba.new_root == bb.new_root  # the same state change
    assert ba.witness.domain == DOMAIN.element and bb.witness.domain == other.element
    assert ba.commitment != bb.commitment  # bound to different deployments
    proves(ba)
    proves(bb)
    with pytest.raises(Exception, match="domain"):
        new_node(tmp_path / "c", wallets, domain=DOMAIN.element)  # a Domain, not its element
    a.close()
    b.close()


def test_a_node_database_without_a_domain_is_refused(tmp_path, wallets):
    import sqlite3

    new_node(tmp_path / "n", wallets).close()
    db = sqlite3.connect(tmp_path / "n" / "node.db")
    db.execute("DELETE FROM node_meta WHERE key = 'domain'")
    db.commit()
    db.close()
    with pytest.raises(ExecutionError, match="predates deployment domains"):
        Node(tmp_path / "n")


def test_init_refuses_an_existing_node(tmp_path, wallets):
    new_node(tmp_path / "n", wallets).close()
    with pytest.raises(ExecutionError, match="already"):
        new_node(tmp_path / "n", wallets)
    with pytest.raises(ExecutionError, match="no L2 node"):
        Node(tmp_path / "other")


def test_cli_circuit_and_witness(tmp_path, wallets):
    from zkl.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["rollup", "circuit", "--batch-size", str(B), "--depth", str(DEPTH), "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output.strip().splitlines()[-1])
    r1cs = compile(BatchCircuit(B, DEPTH))
    assert rows["constraints"] == r1cs.n_constraints and rows["constraints_per_tx"] == round(r1cs.n_constraints / B)
    node = funded(tmp_path / "n", wallets)
    node.batch(1).save(tmp_path / "b1.json")
    out = runner.invoke(main, ["rollup", "witness", str(tmp_path / "b1.json"), "-o", str(tmp_path / "b1.wtns"),
                               "--json"])
    assert out.exit_code == 0, out.output
    values = read_wtns(str(tmp_path / "b1.wtns"))
    assert values[1:4] == node.batch(1).public_inputs and len(values) == r1cs.n_wires
    out = runner.invoke(main, ["rollup", "circuit", "--batch-size", "0", "--depth", "4"])
    assert out.exit_code != 0
    node.close()


def test_the_state_rebuilds_from_public_data_alone(tmp_path, wallets):
    from zkl.crypto.merkle import verify_proof
    from zkl.crypto.pubdata import decode
    from zkl.execution.replay import rebuild

    node = funded(tmp_path / "n", wallets)
    node.submit(wallets[ALICE].transfer(0, 1, 100, node.min_fee, 0, domain=DOMAIN))
    node.submit(wallets[BOB].withdraw(1, 30, node.min_fee, "0x" + "34" * 20, 0, domain=DOMAIN))
    node.add_deposit(wallets[CAROL].pubkey, 9)
    node.seal()
    node.submit(wallets[CAROL].transfer(3, 0, 4, node.min_fee, 0, domain=DOMAIN))
    node.seal()
    batches = list(map(node.batch, range(1, node.next_batch)))
    # the deposits' keys come from the base layer's queue, in order (here: the node's copy of it)
    keys = [[(t.slot.e1, t.slot.e2) for t in b.witness.txs if t.slot.type == TxType.DEPOSIT] for b in batches]
    posted = [(b.header.fee_account, decode(b.pubdata, k)) for b, k in zip(batches, keys)]
    state = rebuild(DEPTH, posted)
    assert state.root == node.root and list(state.accounts()) == list(node.state.accounts())
    for index, account in state.accounts():
        assert verify_proof(node.root, index, account.leaf(), state.proof(index), arity=4)
    with pytest.raises(ExecutionError):
        rebuild(DEPTH, posted[1:])  # without the deposits of batch 1 the transfers cannot apply
    node.close()
