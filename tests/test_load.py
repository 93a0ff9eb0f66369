"""Load: many transactions into the mempool, a share of them invalid in each way the mempool rejects;
every valid one ends up in a batch exactly once, no invalid one does, nothing is lost.

CI runs ZKL_LOAD_TXS transactions (default 300: EdDSA signing and the two signature checks cost
~0.1 s per transaction on the 2-core machine); `ZKL_LOAD_TXS=10000 pytest tests/test_load.py`
is the full run. Batches are built by the node's sequencer and checked natively (the public data
replayed from scratch gives the node's root; balances and nonces match a model); the first full
batch's witness is solved against the batch circuit's R1CS (every constraint checked). Real
proofs and settlement on L1 are covered by tests/test_devnet*.py and tests/test_demo.py.
"""

from __future__ import annotations

import os
import random

import pytest

from zkl.crypto.pubdata import TxType
from zkl.errors import FeeTooLow, InsufficientBalance, InvalidSignature, MalformedInput, \
    NonceMismatch, UnknownAccount
from zkl.execution import Node, Wallet, rebuild

N_TXS = int(os.environ.get("ZKL_LOAD_TXS", "300"))
USERS = 8
BATCH = 8
DEPTH = 4
KINDS = ("bad_signature", "replayed_nonce", "nonce_ahead", "fee_too_low", "insufficient", "unknown_account",
         "index_out_of_tree", "amount_out_of_range")
ERRORS = {"bad_signature": InvalidSignature, "replayed_nonce": NonceMismatch, "nonce_ahead": NonceMismatch,
          "fee_too_low": FeeTooLow, "insufficient": InsufficientBalance, "unknown_account": UnknownAccount,
          "index_out_of_tree": MalformedInput, "amount_out_of_range": MalformedInput}


def test_load_mempool_to_batches(tmp_path) -> None:
    rng = random.Random(20240601)
    wallets = [Wallet(bytes([i + 1]) * 32) for i in range(USERS)]
    seq = Wallet(bytes([99]) * 32)
    node = Node.init(tmp_path / "l2", depth=DEPTH, batch_size=BATCH, fee_pubkey=seq.pubkey, fee_floor=1)
    node.add_deposit(seq.pubkey, 1)
    for w in wallets:
        node.add_deposit(w.pubkey, 10**9)
    while node.seal() is not None:
        pass
    index = {i: node.state.find(w.pubkey)[0] for i, w in enumerate(wallets)}
    balance = {i: 10**9 for i in range(USERS)}
    nonce = dict.fromkeys(range(USERS), 0)
    fee = node.min_fee
    valid: list[str] = []
    rejected = dict.fromkeys(KINDS, 0)
    for n in range(N_TXS):
        kind = KINDS[n % 20] if n % 20 < len(KINDS) else "valid"
        i, j = rng.sample(range(USERS), 2)
        w, frm, to, amount = wallets[i], index[i], index[j], rng.randrange(1, 1000)
        if kind == "valid":
            tx = w.transfer(frm, to, amount, fee, nonce[i]) if n % 3 else w.withdraw(frm, amount, fee, 0xABC, nonce[i])
        elif kind == "bad_signature":
            tx = wallets[j].transfer(frm, to, amount, fee, nonce[i])
        elif kind == "replayed_nonce":
            if nonce[i] == 0:
                kind = "nonce_ahead"
            tx = w.transfer(frm, to, amount, fee, nonce[i] - 1 if nonce[i] else nonce[i] + 1)
        elif kind == "nonce_ahead":
            tx = w.transfer(frm, to, amount, fee, nonce[i] + 2)
        elif kind == "fee_too_low":
            tx = w.transfer(frm, to, amount, fee - 1, nonce[i])
        elif kind == "insufficient":
            tx = w.transfer(frm, to, balance[i] + 1, fee, nonce[i])
        elif kind == "unknown_account":
            tx = w.transfer(frm, USERS + 3, amount, fee, nonce[i])
        elif kind == "index_out_of_tree":
            tx = w.transfer(frm, 1 << DEPTH, amount, fee, nonce[i])
        else:  # the JSON form of a transfer whose amount does not fit the 64-bit field
            data = w.transfer(frm, to, amount, fee, nonce[i]).to_json()
            data = {**data, "amount": str(1 << 64)}
            with pytest.raises(MalformedInput):
                node.submit(data)
            rejected[kind] += 1
            continue
        if kind == "valid":
            valid.append(node.submit(tx))
            balance[i] -= amount + fee
            if tx.record.type == TxType.TRANSFER:
                balance[j] += amount
            nonce[i] += 1
        else:
            with pytest.raises(ERRORS[kind]):
                node.submit(tx)
            rejected[kind] += 1
    assert all(rejected[k] > 0 for k in KINDS if N_TXS >= 20), rejected
    assert len(node.mempool) == len(valid)

    first_tx_batch = node.next_batch
    included = 0
    while (batch := node.seal()) is not None:
        assert node.last_dropped == {}
        included += sum(r.type in (TxType.TRANSFER, TxType.WITHDRAW) for r in batch.records)
    assert included == len(valid) and len(node.mempool) == 0
    for i, w in enumerate(wallets):
        account = node.account(index[i])
        assert (account.balance, account.nonce) == (balance[i], nonce[i])
    batches = [node.batch(n) for n in range(1, node.next_batch)]
    state = rebuild(DEPTH, [(b.header.fee_account, b.records) for b in batches])
    assert state.root == node.root

    from zkl.circuits import compile, solve

    batch = node.batch(first_tx_batch)
    solve(batch.circuit(), batch.assignment(), r1cs=compile(batch.circuit()))  # raises on an unsatisfied constraint
