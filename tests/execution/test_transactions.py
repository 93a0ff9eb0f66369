"""Transactions, wallet, mempool validation (specific errors, no state change) and the fee rule."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from zkl.crypto import eddsa
from zkl.crypto.protocol import Domain, TxType, message_to_sign
from zkl.crypto.pubdata import TxRecord
from zkl.errors import (
    AmountOutOfRange,
    ExecutionError,
    FeeTooLow,
    InsufficientBalance,
    InvalidSignature,
    MalformedInput,
    NonceMismatch,
    UnknownAccount,
    WrongDomain,
)
from zkl.execution.accounts import Account
from zkl.execution.fees import FeePolicy
from zkl.execution.mempool import Mempool
from zkl.execution.state import State
from zkl.execution.transactions import Pending, QueuedDeposit, SignedTx, parse_tx, validate
from zkl.execution.wallet import Wallet

ALICE, BOB, MALLORY = (Wallet(bytes([i]) * 32) for i in (1, 2, 7))
ADDRESS = "0x" + "ab" * 20
DOMAIN = Domain(31337, 0x5FBDB2315678AFECB367F032D93F642F64180AA3)
OTHER = Domain(31337, 0xE7F1725E7734CE288F8367E1BB143E90BB3F0512)  # the same chain, another contract


@pytest.fixture
def state() -> State:
    s = State(8)
    s.put(0, Account(ALICE.pubkey, 1000, 0))
    s.put(1, Account(BOB.pubkey, 10, 4))
    return s


# -- wallet and JSON ------------------------------------------------------------------------------


def test_wallet_keys_and_signatures():
    assert ALICE.pubkey == (eddsa.public_key(bytes([1]) * 32).x, eddsa.public_key(bytes([1]) * 32).y)
    tx = ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN)
    assert tx.verify(ALICE.pubkey) and not tx.verify(BOB.pubkey)
    e0, e1, _ = tx.record.elements()
    assert tx.message == message_to_sign(e0, e1, 0, DOMAIN.element)
    assert tx.domain == DOMAIN.element
    w = Wallet.generate()
    assert w.pubkey != ALICE.pubkey and Wallet.from_json(w.to_json()).pubkey == w.pubkey
    with pytest.raises(MalformedInput):
        Wallet(b"short")
    with pytest.raises(MalformedInput):
        Wallet.from_json({"private_key": "00" * 32, "pubkey": ["1", "2"]})


def test_key_file_is_private(tmp_path):
    path = tmp_path / "key.json"
    ALICE.save(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert Wallet.load(path).pubkey == ALICE.pubkey


def test_json_round_trip():
    for tx in (ALICE.transfer(0, 1, (1 << 64) - 1, 3, 7, domain=DOMAIN), BOB.withdraw(1, 5, 1, ADDRESS, 4, domain=DOMAIN)):
        data = json.loads(json.dumps(tx.to_json()))
        assert parse_tx(data) == tx == SignedTx.from_json(data)
    assert BOB.withdraw(1, 5, 1, ADDRESS, 4, domain=DOMAIN).to_json()["l1_address"] == ADDRESS
    assert ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN).to_json()["amount"] == "5"


@pytest.mark.parametrize("change,error,match", [
    ({"type": "mint"}, MalformedInput, "type"),
    ({"amount": 1 << 64}, AmountOutOfRange, "amount"),
    ({"amount": str(1 << 64)}, AmountOutOfRange, "amount"),
    ({"fee": -1}, AmountOutOfRange, "fee"),
    ({"amount": 1.5}, MalformedInput, "amount"),
    ({"amount": "0x10"}, MalformedInput, "amount"),
    ({"nonce": 1 << 32}, MalformedInput, "nonce"),
    ({"from": "zero"}, MalformedInput, "from"),
    ({"signature": "00" * 10}, MalformedInput, "signature"),
    ({"signature": "ff" * 64}, MalformedInput, None),
    ({"memo": "hi"}, MalformedInput, "memo"),
    ({"to": None}, MalformedInput, "to"),
])
def test_malformed_json_is_refused(change, error, match):
    data = {**ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN).to_json(), **change}
    with pytest.raises(error, match=match):
        parse_tx(data)


def test_malformed_withdrawals_and_shapes():
    data = BOB.withdraw(1, 5, 1, ADDRESS, 4, domain=DOMAIN).to_json()
    with pytest.raises(MalformedInput, match="l1_address"):
        parse_tx({**data, "l1_address": "0x1234"})
    with pytest.raises(MalformedInput, match="to"):
        parse_tx({**data, "to": 3})
    missing = dict(data)
    del missing["fee"]
    with pytest.raises(MalformedInput, match="fee"):
        parse_tx(missing)
    with pytest.raises(MalformedInput):
        parse_tx([1, 2])
    with pytest.raises(MalformedInput):
        SignedTx(TxRecord(TxType.NOOP), 0, DOMAIN.element, ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN).signature)


def test_deposits():
    d = QueuedDeposit(3, ALICE.pubkey, 50)
    assert QueuedDeposit.from_json(d.to_json()) == d
    assert d.record(9) == TxRecord(TxType.DEPOSIT, to_index=9, amount=50, pubkey=ALICE.pubkey)
    for bad in [dict(queue_index=0), dict(amount=1 << 64), dict(pubkey=(1,)), dict(pubkey=(1 << 254, 1))]:
        with pytest.raises(MalformedInput):
            QueuedDeposit(**{"queue_index": 1, "pubkey": ALICE.pubkey, "amount": 1, **bad})


# -- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("tx,error,match", [
    (ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN), None, None),
    (BOB.withdraw(1, 8, 2, ADDRESS, 4, domain=DOMAIN), None, None),
    (MALLORY.transfer(0, 1, 5, 2, 0, domain=DOMAIN), InvalidSignature, "account 0"),
    (ALICE.transfer(0, 1, 5, 2, 1, domain=DOMAIN), NonceMismatch, "ahead"),
    (BOB.transfer(1, 0, 1, 2, 3, domain=DOMAIN), NonceMismatch, "replay"),
    (ALICE.transfer(0, 1, 999, 2, 0, domain=DOMAIN), InsufficientBalance, "1001"),
    (ALICE.transfer(0, 2, 5, 2, 0, domain=DOMAIN), UnknownAccount, "index 2"),
    (ALICE.transfer(5, 1, 5, 2, 0, domain=DOMAIN), UnknownAccount, "index 5"),
    (ALICE.transfer(0, 1, 5, 1, 0, domain=DOMAIN), FeeTooLow, "minimum fee 2"),
    (ALICE.transfer(0, 256, 5, 2, 0, domain=DOMAIN), MalformedInput, "2\\^8"),
])
def test_validation_errors_are_specific_and_change_nothing(state, tx, error, match):
    root = state.root
    if error is None:
        validate(tx, state, min_fee=2, domain=DOMAIN)
    else:
        with pytest.raises(error, match=match):
            validate(tx, state, min_fee=2, domain=DOMAIN)
    assert state.root == root


def test_a_transaction_signed_for_another_deployment_is_refused(state, tmp_path):
    """Alice signs for deployment OTHER; this mempool serves DOMAIN: refused by name, whatever the JSON says."""
    for_other = ALICE.transfer(0, 1, 5, 2, 0, domain=OTHER)
    assert for_other.verify(ALICE.pubkey)  # a genuine signature, for another deployment
    db = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    pool = Mempool(db, DOMAIN)
    with pytest.raises(WrongDomain, match="another|not for this deployment"):
        pool.submit(for_other, state, min_fee=2)
    with pytest.raises(WrongDomain):
        pool.submit(parse_tx(for_other.to_json()), state, min_fee=2)
    # relabelled as DOMAIN's, byte for byte the same signature: it signs another message
    relabelled = {**for_other.to_json(), "domain": f"0x{DOMAIN.element:056x}"}
    with pytest.raises(InvalidSignature):
        pool.submit(parse_tx(relabelled), state, min_fee=2)
    assert len(pool) == 0 and state.account(0).nonce == 0
    # the same transfer signed for DOMAIN is a different message and id, and passes
    for_here = ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN)
    assert for_here.message != for_other.message and for_here.id != for_other.id
    assert pool.submit(for_here, state, min_fee=2) == for_here.id


def test_domains():
    assert DOMAIN != OTHER and DOMAIN.element != OTHER.element
    assert Domain(1, 2).element != Domain(2, 1).element and Domain(1, 2).element < 2**221
    assert Domain.from_json(DOMAIN.to_json()) == DOMAIN
    assert DOMAIN.to_json()["contract"] == "0x5fbdb2315678afecb367f032d93f642f64180aa3"
    for bad in [{"chain_id": "x", "contract": DOMAIN.to_json()["contract"]}, {"chain_id": "1", "contract": "0x12"},
                {**DOMAIN.to_json(), "element": "0x" + "0" * 56}, [1, 2], {"chain_id": str(2**256), "contract": "0x" + "00" * 20}]:
        with pytest.raises(MalformedInput):
            Domain.from_json(bad)
    with pytest.raises(MalformedInput):
        Domain(-1, 0)
    with pytest.raises(MalformedInput):
        ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN.element)  # the wallet wants the Domain itself
    with pytest.raises(MalformedInput, match="domain"):
        parse_tx({**ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN).to_json(), "domain": "0x" + "f" * 57})
    with pytest.raises(MalformedInput, match="domain"):
        parse_tx({k: v for k, v in ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN).to_json().items() if k != "domain"})


def test_a_replayed_transaction_is_refused_after_it_ran(state):
    tx = ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN)
    validate(tx, state, domain=DOMAIN)
    state.put(0, Account(ALICE.pubkey, 993, 1))  # it ran
    with pytest.raises(NonceMismatch, match="replay"):
        validate(tx, state, domain=DOMAIN)


def test_pending_transactions_count(state):
    validate(ALICE.transfer(0, 1, 500, 2, 2, domain=DOMAIN), state, domain=DOMAIN, pending=Pending(2, 400))
    with pytest.raises(InsufficientBalance):
        validate(ALICE.transfer(0, 1, 600, 2, 2, domain=DOMAIN), state, domain=DOMAIN, pending=Pending(2, 400))
    with pytest.raises(NonceMismatch):
        validate(ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN), state, domain=DOMAIN, pending=Pending(2, 400))


def test_mempool(state, tmp_path):
    db = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    pool = Mempool(db, DOMAIN)
    first = pool.submit(ALICE.transfer(0, 1, 300, 2, 0, domain=DOMAIN), state, min_fee=2)
    pool.submit(ALICE.transfer(0, 1, 300, 2, 1, domain=DOMAIN), state, min_fee=2)
    for tx, error in [(ALICE.transfer(0, 1, 300, 2, 0, domain=DOMAIN), NonceMismatch),  # taken by the first
                      (ALICE.transfer(0, 1, 399, 2, 2, domain=DOMAIN), InsufficientBalance),
                      (ALICE.transfer(0, 1, 5, 1, 2, domain=DOMAIN), FeeTooLow)]:
        with pytest.raises(error):
            pool.submit(tx, state, min_fee=2)
    assert len(pool) == 2 and first in pool
    assert pool.pending(0) == Pending(2, 604)
    again = Mempool(sqlite3.connect(tmp_path / "m.db"), DOMAIN)
    assert [t.nonce for t in again.transactions()] == [0, 1]
    pool.remove([first])
    assert [t.nonce for t in pool.transactions()] == [1]
    with pytest.raises(ExecutionError, match="already"):
        pool.add(ALICE.transfer(0, 1, 300, 2, 1, domain=DOMAIN))



def test_mempool_pending_totals_follow_add_and_remove(state, tmp_path):
    db = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    pool = Mempool(db, DOMAIN)
    txs = [ALICE.transfer(0, 1, 100 + k, 2, k, domain=DOMAIN) for k in range(5)]
    for tx in txs:
        pool.submit(tx, state, min_fee=2)
    assert pool.pending(0) == Pending(5, sum(102 + k for k in range(5))) and pool.pending(1) == Pending()
    pool.remove([txs[1].id, txs[3].id, txs[3].id, "00" * 32])  # a repeat and an unknown id are ignored
    assert pool.pending(0) == Pending(3, 102 + 104 + 106) and len(pool) == 3
    pool.remove([txs[0].id, txs[2].id, txs[4].id])
    assert pool.pending(0) == Pending() and not pool and len(pool) == 0
    assert db.execute("SELECT COUNT(*) FROM mempool_pending").fetchone()[0] == 0


def test_mempool_pending_totals_roll_back_with_sqlite(state, tmp_path):
    db = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    pool = Mempool(db, DOMAIN)
    pool.submit(ALICE.transfer(0, 1, 100, 2, 0, domain=DOMAIN), state)
    db.execute("BEGIN")
    pool.submit(ALICE.transfer(0, 1, 100, 2, 1, domain=DOMAIN), state)
    assert pool.pending(0) == Pending(2, 204)
    db.execute("ROLLBACK")
    assert pool.pending(0) == Pending(1, 102) and len(pool) == 1
    pool.submit(ALICE.transfer(0, 1, 7, 2, 1, domain=DOMAIN), state)  # nonce 1 is free again
    assert [t.record.amount for t in pool.transactions()] == [100, 7]


def test_a_mempool_from_before_the_totals_table_gets_it_filled(state, tmp_path):
    db = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    pool = Mempool(db, DOMAIN)
    for k in range(3):
        pool.submit(ALICE.transfer(0, 1, 10, 2, k, domain=DOMAIN), state)
    pool.submit(BOB.transfer(1, 0, 3, 1, 4, domain=DOMAIN), state)
    db.execute("DROP TABLE mempool_pending")  # the schema of an older node
    db.close()
    again = Mempool(sqlite3.connect(tmp_path / "m.db"), DOMAIN)  # a legacy-mode connection: must not stay in a transaction
    assert again.pending(0) == Pending(3, 36) and again.pending(1) == Pending(1, 4)
    assert not again._db.in_transaction
    with pytest.raises(NonceMismatch):
        again.submit(ALICE.transfer(0, 1, 10, 2, 2, domain=DOMAIN), state)


def test_mempool_reads_in_arrival_order_by_chunks(state, tmp_path):
    db = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    pool = Mempool(db, DOMAIN)
    txs = [ALICE.transfer(0, 1, 1, 2, k, domain=DOMAIN) for k in range(7)]
    for tx in txs:
        pool.add(tx)
    assert list(pool.iter_transactions(chunk=3)) == txs == pool.transactions()
    fresh = Mempool(db, DOMAIN)  # parses the stored JSON (no transaction of its own)
    assert list(fresh.iter_transactions(chunk=2)) == txs
    it = fresh.iter_transactions(chunk=2)
    assert [next(it), next(it), next(it)] == txs[:3]


def test_mempool_parses_a_row_again_when_its_text_changed(state, tmp_path):
    db = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    pool = Mempool(db, DOMAIN)
    tx = ALICE.transfer(0, 1, 5, 2, 0, domain=DOMAIN)
    pool.add(tx)
    forged = {**tx.to_json(), "signature": MALLORY.transfer(0, 1, 5, 2, 0, domain=DOMAIN).to_json()["signature"]}
    db.execute("UPDATE mempool SET tx = ? WHERE id = ?", (json.dumps(forged), tx.id))
    (read,) = pool.transactions()
    assert read.signature != tx.signature and not read.verify(ALICE.pubkey)


# -- fees ------------------------------------------------------------------------------------------------


def test_fee_rises_with_full_batches_and_falls_back_to_the_floor():
    policy = FeePolicy(floor=10)
    fee = 10
    rising = []
    for _ in range(5):
        fee = policy.next_fee(fee, 8, 8)
        rising.append(fee)
    assert rising == [11, 12, 13, 14, 15]  # +1/8 of the fee for a full batch, at least 1
    assert policy.next_fee(800, 8, 8) == 900 and policy.next_fee(800, 4, 8) == 800
    assert policy.next_fee(800, 6, 8) == 850 and policy.next_fee(800, 2, 8) == 750
    fee = 800
    for _ in range(100):
        fee = policy.next_fee(fee, 0, 8)
    assert fee == 10
    assert policy.next_fee(3, 0, 8) == 10  # never below the floor
    with pytest.raises(MalformedInput):
        policy.next_fee(10, 9, 8)
    with pytest.raises(MalformedInput):
        FeePolicy(floor=-1)
