"""The batch circuit on honest batches: it accepts what the native executor does, at even and odd
depths, with its public inputs and commitment equal to the native twin's; and its size."""

from __future__ import annotations

import random

import pytest

from zkl.circuits import compile, solve
from zkl.circuits.rollup import BatchCircuit
from zkl.crypto.merkle import MerkleTree
from zkl.crypto.protocol import PUBLIC_INPUTS, Domain, TxType, levels
from zkl.crypto.pubdata import BatchHeader, TxRecord, commitment, decode, encode
from zkl.errors import (
    AmountOutOfRange,
    CircuitError,
    ExecutionError,
    InsufficientBalance,
    InvalidSignature,
    MalformedInput,
    UnknownAccount,
)
from zkl.execution.accounts import Account
from zkl.execution.batch import Batch
from zkl.execution.state import State
from zkl.execution.wallet import Wallet
from zkl.execution.execute import BatchWitness, MemoryStore, Slot, execute

WALLETS = [Wallet(bytes([i + 1]) * 32) for i in range(6)]
L1 = 0xABCDEF0123456789ABCDEF0123456789ABCDEF01
DOMAIN = Domain(3, 0xC0DE)


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "zkl-cache"))


def dep(wallet: int, to: int, amount: int) -> Slot:
    return Slot.from_record(TxRecord(TxType.DEPOSIT, to_index=to, amount=amount, pubkey=WALLETS[wallet].pubkey))


def xfer(wallet: int, frm: int, to: int, amount: int, fee: int, nonce: int) -> Slot:
    tx = WALLETS[wallet].transfer(frm, to, amount, fee, nonce, domain=DOMAIN)
    return Slot.from_record(tx.record, tx.signature)


def wdraw(wallet: int, frm: int, amount: int, fee: int, nonce: int) -> Slot:
    tx = WALLETS[wallet].withdraw(frm, amount, fee, L1, nonce, domain=DOMAIN)
    return Slot.from_record(tx.record, tx.signature)


NOOP = Slot(TxType.NOOP)


def check_accepts(witness: BatchWitness) -> None:
    circuit = BatchCircuit(witness.batch_size, witness.depth)
    r1cs = compile(circuit)
    w = solve(circuit, witness.assignment(), r1cs=r1cs)
    r1cs.check(w)
    assert w.public == [witness.old_root, witness.new_root, witness.commitment]


def test_parameters_are_validated():
    for bad in [dict(batch_size=0, depth=4), dict(batch_size=2, depth=0), dict(batch_size=2, depth=33),
                dict(batch_size=2, depth=True), dict(batch_size=2.0, depth=4)]:
        with pytest.raises(CircuitError):
            BatchCircuit(**bad)
    assert [levels(d) for d in (1, 2, 3, 16, 17, 32)] == [1, 1, 2, 8, 9, 16]
    # the public inputs are the protocol's, in its order
    small = compile(BatchCircuit(1, 2))
    assert [small.wire_name(w) for w in (1, 2, 3)] == list(PUBLIC_INPUTS)


def test_a_batch_of_every_type_at_an_even_depth():
    ledger = MemoryStore(4)
    w1 = execute(ledger, [dep(0, 0, 1000), dep(1, 1, 50), dep(2, 2, 0)], batch_number=1, fee_account=2,
                 deposits_before=0, domain=DOMAIN.element)
    check_accepts(w1)
    w2 = execute(ledger, [xfer(0, 0, 1, 100, 3, 0), wdraw(1, 1, 20, 2, 0), dep(0, 0, 5)], batch_number=2,
                 fee_account=2, deposits_before=w1.deposits_after, domain=DOMAIN.element)
    check_accepts(w2)
    assert ledger.account(0) == Account(WALLETS[0].pubkey, 1000 - 103 + 5, 1)
    assert ledger.account(1) == Account(WALLETS[1].pubkey, 50 + 100 - 22, 1)
    assert ledger.account(2) == Account(WALLETS[2].pubkey, 5, 0)
    assert w2.old_root == w1.new_root and w2.roots[-1] == ledger.root
    records = [s.record() for s in (t.slot for t in w2.txs)]
    header = BatchHeader(DOMAIN.element, 2, 2, 5, w1.deposits_after, w2.deposits_after)
    assert commitment(header, records) == w2.commitment
    assert decode(encode(records), [r.pubkey for r in records if r.type == TxType.DEPOSIT]) == records


def test_odd_depth_and_an_empty_fee_account_without_fees():
    ledger = MemoryStore(5)  # 3 levels of a 4-ary tree, indices < 32
    w = execute(ledger, [dep(0, 31, 9), NOOP, NOOP], batch_number=1, fee_account=17, deposits_before=0, domain=DOMAIN.element)
    assert w.fee.empty == 1
    check_accepts(w)


def test_self_transfer_and_two_deposits_to_one_new_key():
    ledger = MemoryStore(4)
    w = execute(ledger, [dep(3, 5, 10), dep(3, 5, 11), NOOP], batch_number=1, fee_account=5, deposits_before=0, domain=DOMAIN.element)
    check_accepts(w)
    w = execute(ledger, [xfer(3, 5, 5, 7, 2, 0), NOOP, NOOP], batch_number=2, fee_account=5,
                deposits_before=w.deposits_after, domain=DOMAIN.element)
    check_accepts(w)
    assert ledger.account(5) == Account(WALLETS[3].pubkey, 21, 1)  # the fee comes back to the sequencer


def test_random_batches_match_state_and_circuit():
    rng = random.Random(7)
    depth, size = 4, 3
    ledger, state = MemoryStore(depth), State(depth)
    owners: dict[int, int] = {}
    nonces: dict[int, int] = {}
    chain = 0
    for number in range(1, 4):
        slots = []
        for _ in range(size):
            kind = rng.choice(["dep", "xfer", "wdraw", "noop"]) if owners else "dep"
            funded = [i for i in owners if ledger.account(i) is not None and ledger.account(i).balance > 10]
            if kind == "dep" or not funded:
                wallet = rng.randrange(len(WALLETS))
                held = [i for i, w in owners.items() if w == wallet]
                to = held[0] if held else len(owners)
                owners[to] = wallet
                slots.append(dep(wallet, to, rng.randrange(20, 500)))
            elif kind == "noop":
                slots.append(NOOP)
            else:
                frm = rng.choice(funded)
                bal = ledger.account(frm).balance - sum(s.amount + s.fee for s in slots if s.from_index == frm
                                                        and s.type in (2, 3))
                if bal < 10:
                    slots.append(NOOP)
                    continue
                amount, fee = rng.randrange(0, bal // 2), rng.randrange(1, 4)
                nonce = nonces.get(frm, 0)
                nonces[frm] = nonce + 1
                slots.append(xfer(owners[frm], frm, rng.choice(list(owners)), amount, fee, nonce) if kind == "xfer"
                             else wdraw(owners[frm], frm, amount, fee, nonce))
        fee_account = min(owners)
        wm = execute(ledger, slots, batch_number=number, fee_account=fee_account, deposits_before=chain, domain=DOMAIN.element)
        ws = execute(state, slots, batch_number=number, fee_account=fee_account, deposits_before=chain, domain=DOMAIN.element)
        assert wm.to_json() == ws.to_json()
        check_accepts(wm)
        chain = wm.deposits_after
    state.verify()


def test_strict_execution_refuses_and_leaves_the_ledger_unchanged():
    ledger = MemoryStore(4)
    execute(ledger, [dep(0, 0, 100), dep(1, 1, (1 << 64) - 2)], batch_number=1, fee_account=0, deposits_before=0, domain=DOMAIN.element)
    root = ledger.root
    cases = [
        (xfer(0, 0, 1, 200, 1, 0), InsufficientBalance),
        (xfer(1, 0, 1, 10, 1, 0), InvalidSignature),
        (xfer(0, 0, 1, 10, 1, 1), InvalidSignature),  # the account is at nonce 0
        (xfer(0, 0, 7, 10, 1, 0), UnknownAccount),
        (xfer(0, 0, 1, 10, 1, 0), AmountOutOfRange),  # Bob's balance would overflow
        (dep(2, 1, 5), ExecutionError),  # Bob's account, another key
        (Slot(2, 9, 1, 1, 1), UnknownAccount),
        (Slot(7), MalformedInput),
        (Slot(1, 0, 16, 1, 0, 1, 2), MalformedInput),  # index outside 2^4
    ]
    for slot, error in cases:
        with pytest.raises(error, match="slot 0"):
            execute(ledger, [slot], batch_number=2, fee_account=0, deposits_before=0, domain=DOMAIN.element)
        assert ledger.root == root


def test_fees_need_a_fee_account():
    ledger = MemoryStore(4)
    execute(ledger, [dep(0, 0, 100)], batch_number=1, fee_account=0, deposits_before=0, domain=DOMAIN.element)
    with pytest.raises(UnknownAccount, match="fee account"):
        execute(ledger, [xfer(0, 0, 0, 10, 1, 0)], batch_number=2, fee_account=3, deposits_before=0, domain=DOMAIN.element)


def test_batch_witness_and_batch_round_trip(tmp_path):
    ledger = MemoryStore(4)
    slots = [dep(0, 0, 1000), dep(1, 1, 5), NOOP]
    w = execute(ledger, slots, batch_number=1, fee_account=0, deposits_before=0, domain=DOMAIN.element)
    assert BatchWitness.from_json(w.to_json()).to_json() == w.to_json()
    batch = Batch(1, [s.record() for s in slots], w, 1, 2)
    path = tmp_path / "batch.json"
    batch.save(path)
    loaded = Batch.load(path)
    assert loaded.public_inputs == batch.public_inputs and loaded.pubdata == batch.pubdata
    assert loaded.assignment() == batch.assignment()
    assert (batch.first_deposit, batch.last_deposit) == (1, 2)
    with pytest.raises(MalformedInput):
        Batch(1, [s.record() for s in slots[:2]] + [TxRecord(TxType.DEPOSIT, to_index=2, amount=1, pubkey=(1, 2))],
              w, 1, 2)
    with pytest.raises(MalformedInput):
        Batch(1, [s.record() for s in slots], w, 1, 1)


def test_state_roots_are_merkle_tree_roots():
    ledger = MemoryStore(6)
    execute(ledger, [dep(0, 0, 1), dep(1, 63, 2), dep(2, 17, 3)], batch_number=1, fee_account=0, deposits_before=0, domain=DOMAIN.element)
    tree = MerkleTree(3, 4)
    for i, a in ledger.accounts.items():
        tree.set(i, a.leaf())
    assert tree.root == ledger.root


@pytest.mark.slow
def test_constraints_per_transaction_at_depths_16_24_32():
    # the average of four more slots: a slot is 45 bytes of SHA-256 input, under a 64-byte block,
    # so the marginal cost of one slot depends on where the block boundaries fall
    per_tx = {}
    for depth in (16, 24, 32):
        four, eight = (compile(BatchCircuit(b, depth)).n_constraints for b in (4, 8))
        per_tx[depth] = (eight - four) / 4
    # about 15,300 for the state update and signature, about 19,500 for the slot's public data
    assert 30_000 < per_tx[16] < 36_000
    # 8 more bits of depth: 4 more 4-ary levels in each of two account updates (602 constraints a
    # level) and 8 more bits in each of the two index range checks; the SHA-256 input gains 16
    # bits that are no longer the constant 0, which no longer fold (a few dozen constraints)
    for shallow, deep in ((16, 24), (24, 32)):
        assert 0 <= per_tx[deep] - per_tx[shallow] - (2 * 4 * 602 + 2 * 8) < 100


@pytest.mark.slow
def test_groth16_end_to_end_on_a_sealed_batch(tmp_path):
    from zkl.execution.node import Node
    from zkl.prover import prove, setup
    from zkl.verifier.groth16 import verify

    alice, seq = WALLETS[0], WALLETS[1]
    node = Node.init(tmp_path / "l2", depth=4, batch_size=2, fee_pubkey=seq.pubkey, domain=DOMAIN)
    node.add_deposit(alice.pubkey, 100)
    node.add_deposit(seq.pubkey, 0)
    node.seal()
    node.submit(alice.transfer(0, 1, 10, node.min_fee, 0, domain=DOMAIN))
    node.submit(alice.withdraw(0, 5, node.min_fee, L1, 1, domain=DOMAIN))
    batch = node.seal()
    node.close()
    r1cs = compile(batch.circuit())
    witness = solve(batch.circuit(), batch.assignment(), r1cs=r1cs)
    pk = setup(r1cs)
    proof = prove(pk, witness)
    assert verify(pk.vk, batch.public_inputs, proof)
    assert not verify(pk.vk, [batch.old_root, batch.new_root, (batch.commitment + 1) % (1 << 250)], proof)


@pytest.mark.slow
def test_depth_32_with_the_last_index():
    last = (1 << 32) - 1
    state = State(32)
    w = execute(state, [dep(0, last, 50), dep(1, 0, 1)], batch_number=1, fee_account=0, deposits_before=0, domain=DOMAIN.element)
    check_accepts(w)
    w = execute(state, [xfer(0, last, 0, 20, 3, 0), NOOP], batch_number=2, fee_account=0,
                deposits_before=w.deposits_after, domain=DOMAIN.element)
    check_accepts(w)
    assert state.account(last).balance == 27 and state.account(0).balance == 24
