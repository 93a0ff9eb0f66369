"""Load: many transactions into the mempool, a share of them invalid in each way the mempool rejects;
every valid one ends up proven and settled on L1 exactly once, no invalid one does, nothing is lost.

The run goes through `zkl.devnet.Devnet` (L2 node + Groth16 prover + L1 rollup contract) at depth 4
with batches of 8 (proving key of BatchCircuit(8, 4) made once per key cache, ~10 s; a proof ~1.5 s):

1. USERS users are funded on L1 and deposit to L2 (batches proven and settled);
2. ZKL_LOAD_TXS transactions (default 150) are submitted to the node's mempool: a third are
   invalid, each kind of refusal in turn (KINDS), each must raise its own error and change nothing;
   the valid ones are transfers and withdrawals to the users' L1 addresses; two batches are sealed
   (proven, settled) while the submissions go on, so the fee moves and the mempool drains meanwhile;
3. the rest is sealed; then from L1 data alone (the public data of the final batches) every
   settled transaction's hash is recomputed: the multiset of settled hashes must equal the valid
   hashes (each exactly once), hold no invalid one; the L1 root must equal the node's root and the
   root rebuilt from L1 data; balances, nonces, fees and the L1 withdrawals match a Python model;
   no deposit or transaction is left and the sequencer dropped none.

Invalid transactions use amounts in [1000, 2000) and valid ones amounts in [1, 1000), so no
invalid transaction can share its hash (the signed message) with a valid one.

`ZKL_LOAD_TXS=10000 pytest -s tests/test_load.py` is the full run: 6,557 valid transactions in 822
proven batches, 21 min wall and 35 min CPU on the quiet 2-core machine, ~94% of it proving. With -s
the run prints one JSON line of figures (`load:`).
Keys are cached under $ZKL_TEST_CACHE_DIR if set, else in the session's temporary directory.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter

import pytest

from zkl.crypto.protocol import Domain, TxType
from zkl.errors import (
    AmountOutOfRange,
    FeeTooLow,
    InsufficientBalance,
    InvalidSignature,
    MalformedInput,
    NonceMismatch,
    UnknownAccount,
    WrongDomain,
)

pytestmark = pytest.mark.slow  # proves (or fuzzes for a minute): `pytest -m 'not slow'` skips it

N_TXS = int(os.environ.get("ZKL_LOAD_TXS", "150"))
USERS = 8
BATCH = 8
DEPTH = 4
L1_FUNDS = 10**12
DEPOSIT = 10**10
KINDS = ("bad_signature", "replayed_nonce", "duplicate", "nonce_ahead", "fee_too_low", "insufficient",
         "unknown_account", "index_out_of_tree", "amount_out_of_range", "malformed_json", "unknown_sender",
         "wrong_domain")
ERRORS = {"bad_signature": InvalidSignature, "replayed_nonce": NonceMismatch, "duplicate": NonceMismatch,
          "nonce_ahead": NonceMismatch, "fee_too_low": FeeTooLow, "insufficient": InsufficientBalance,
          "unknown_account": UnknownAccount, "index_out_of_tree": MalformedInput,
          "amount_out_of_range": AmountOutOfRange, "malformed_json": MalformedInput, "unknown_sender": UnknownAccount,
          "wrong_domain": WrongDomain}
CYCLE = 32  # KINDS[n % CYCLE] for n % CYCLE < len(KINDS), else valid: about a third invalid


@pytest.fixture(autouse=True)
def _cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("ZKL_CACHE_DIR", os.environ.get("ZKL_TEST_CACHE_DIR") or str(tmp_path_factory.getbasetemp()
                                                                                      / "zkl-cache"))


def test_load_mempool_to_settlement(tmp_path) -> None:
    from zkl.devnet import Devnet, l1_transaction_ids

    cpu0, wall0 = time.process_time(), time.perf_counter()
    rng = random.Random(20240601)
    net = Devnet.init(tmp_path / "net", batch_size=BATCH, depth=DEPTH, seed=7)
    names = [f"u{i}" for i in range(USERS)]
    for name in names:
        net.add_user(name, l1_funds=L1_FUNDS)
        net.deposit(name, DEPOSIT)
    net.seal_all()
    node, wallets = net.node, [net.wallets[name] for name in names]
    index = [net.account_index(name) for name in names]
    stranger = max(index) + 1  # an index in the tree that holds no account
    assert stranger < 1 << DEPTH and node.account(stranger) is None
    seq_index = net.account_index("sequencer")
    seq_balance = node.account(seq_index).balance
    balance, nonce = [DEPOSIT] * USERS, [0] * USERS
    withdrawn = [0] * USERS
    valid: list[str] = []
    invalid: list[str] = []
    rejected = dict.fromkeys(KINDS, 0)
    last_valid = None
    seals_during = {N_TXS // 3, 2 * N_TXS // 3}
    cpu1, wall1 = time.process_time(), time.perf_counter()
    admit_s = 0.0
    for n in range(N_TXS):
        if n in seals_during and len(node.mempool) >= BATCH:
            info = net.seal()
            assert info is not None and info["transactions"] == BATCH and info["dropped"] == {}
        fee = node.min_fee
        kind = KINDS[n % CYCLE] if n % CYCLE < len(KINDS) else "valid"
        if kind == "duplicate" and last_valid is None:
            kind = "nonce_ahead"
        i, j = rng.sample(range(USERS), 2)
        w, frm, to = wallets[i], index[i], index[j]
        amount = rng.randrange(1, 1000) if kind == "valid" else rng.randrange(1000, 2000)
        if kind == "valid":
            if n % 3:
                tx = w.transfer(frm, to, amount, fee, nonce[i], domain=node.domain)
            else:
                tx = w.withdraw(frm, amount, fee, net.l1_addresses[names[i]], nonce[i], domain=node.domain)
            start = time.perf_counter()
            valid.append(node.submit(tx))
            admit_s += time.perf_counter() - start
            balance[i] -= amount + fee
            if tx.record.type == TxType.TRANSFER:
                balance[j] += amount
            else:
                withdrawn[i] += amount
            nonce[i] += 1
            seq_balance += fee
            last_valid = tx
            continue
        payload: object
        if kind == "bad_signature":
            payload = wallets[j].transfer(frm, to, amount, fee, nonce[i], domain=node.domain)
        elif kind == "replayed_nonce":
            payload = w.transfer(frm, to, amount, fee, nonce[i] - 1 if nonce[i] else nonce[i] + 1, domain=node.domain)
            if not nonce[i]:
                kind = "nonce_ahead"
        elif kind == "duplicate":
            payload = last_valid
        elif kind == "nonce_ahead":
            payload = w.transfer(frm, to, amount, fee, nonce[i] + 2, domain=node.domain)
        elif kind == "fee_too_low":
            payload = w.transfer(frm, to, amount, fee - 1, nonce[i], domain=node.domain)
        elif kind == "insufficient":
            payload = w.transfer(frm, to, balance[i] + 1, fee, nonce[i], domain=node.domain)
        elif kind == "unknown_account":
            payload = w.transfer(frm, stranger, amount, fee, nonce[i], domain=node.domain)
        elif kind == "wrong_domain":  # signed for another deployment (another chain id, the same contract)
            elsewhere = Domain(node.domain.chain_id ^ 1, node.domain.contract)
            payload = w.transfer(frm, to, amount, fee, nonce[i], domain=elsewhere)
        elif kind == "unknown_sender":
            payload = w.transfer(stranger, to, amount, fee, 0, domain=node.domain)
        elif kind == "index_out_of_tree":
            payload = w.transfer(frm, 1 << DEPTH, amount, fee, nonce[i], domain=node.domain)
        elif kind == "amount_out_of_range":  # the JSON form: an amount that does not fit 64 bits
            payload = {**w.transfer(frm, to, amount, fee, nonce[i], domain=node.domain).to_json(), "amount": str(1 << 64)}
        else:  # malformed_json: a field missing
            payload = {k: v for k, v in w.transfer(frm, to, amount, fee, nonce[i], domain=node.domain).to_json().items() if k != "nonce"}
        if not isinstance(payload, dict) and kind != "duplicate":  # a duplicate is the valid one again
            invalid.append(payload.id)
        size = len(node.mempool)
        with pytest.raises(ERRORS[kind]) as refused:
            node.submit(payload)
        if kind == "malformed_json":
            assert not isinstance(refused.value, AmountOutOfRange)
        assert len(node.mempool) == size, f"a refused {kind} changed the mempool"
        rejected[kind] += 1
    cpu2, wall2 = time.process_time(), time.perf_counter()
    if N_TXS >= CYCLE:
        assert all(rejected[k] > 0 for k in KINDS), rejected
    assert sum(rejected.values()) + len(valid) == N_TXS
    assert len(set(valid)) == len(valid) and not set(valid) & set(invalid)

    infos = net.seal_all()
    assert all(info["dropped"] == {} for info in infos)
    cpu3, wall3 = time.process_time(), time.perf_counter()

    # every valid transaction settled exactly once, no invalid one, nothing left behind
    settled = l1_transaction_ids(net.contract)
    assert settled == Counter(valid), "settled transactions differ from the admitted ones"
    assert max(settled.values(), default=1) == 1 and not set(settled) & set(invalid)
    assert len(node.mempool) == 0 and node.mempool.pending(index[0]).count == 0 and not node.pending_deposits()
    assert net.contract.status().queue_length == 0
    batches = net.contract.batch_number
    assert batches == node.next_batch - 1 and net.settled() == list(range(1, batches + 1))
    # roots: L1 == L2 node == rebuilt from the public data on L1
    rebuilt = net.rebuild()
    assert net.contract.state_root == node.root == rebuilt.root
    assert dict(rebuilt.accounts()) == dict(node.state.accounts())
    # the model: balances, nonces, fees on L2; withdrawals on L1
    for i, name in enumerate(names):
        account = node.account(index[i])
        assert (account.balance, account.nonce) == (balance[i], nonce[i]), name
        assert net.contract.claimable(net.l1_addresses[name]) == withdrawn[i]
    assert node.account(seq_index).balance == seq_balance
    for i, name in enumerate(names):
        if withdrawn[i]:
            assert net.claim(name) == withdrawn[i]
        assert net.l1.balance(net.l1_addresses[name]) == L1_FUNDS - DEPOSIT + withdrawn[i]
    net.close()

    proving = sum(t["prove_s"] for t in net.timings)
    figures = {
        "txs": N_TXS, "valid": len(valid), "invalid": dict(rejected), "batches": batches, "batch_size": BATCH,
        "depth": DEPTH, "admit_tx_per_s": round(len(valid) / admit_s, 1) if admit_s else None,
        "submit_phase_wall_s": round(wall2 - wall1, 1), "submit_phase_cpu_s": round(cpu2 - cpu1, 1),
        "seal_phase_wall_s": round(wall3 - wall2, 1), "prove_s_total": round(proving, 1),
        "wall_s": round(wall3 - wall0, 1), "cpu_s": round(cpu3 - cpu0, 1),
        "settled_tx_per_s": round(len(valid) / (wall3 - wall1), 2),
    }
    print("load:", json.dumps(figures))
