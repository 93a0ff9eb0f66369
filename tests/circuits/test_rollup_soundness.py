"""Soundness of the batch circuit: a malicious sequencer builds the witness itself.

Each case builds the witness a cheating sequencer would (`execute(..., strict=False)` on a
ledger without checks, consistent everywhere except where it cheats, or an honest witness with
inputs overwritten), and checks that the constraints refuse it:

1. the honest solver raises UnsatisfiedConstraint;
2. solved leniently, the failing constraints include the gadget that catches the cheat (by
   label), and the R1CS rows the solver flags do fail when evaluated from the compiled matrices;
3. for range-check cases, the known adversarial hints of `zkl.circuits.testing.ADVERSARIES`
   (bits of x + r, non-boolean bits that recompose, sign confusion) fail as well.

One circuit shape for all: BatchCircuit(3, 4) (a 4-ary tree of 2 levels, 16 accounts).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from zkl.circuits import R, compile, solve
from zkl.circuits.circuit import input_names
from zkl.circuits.rollup import BatchCircuit
from zkl.circuits.testing import ADVERSARIES
from zkl.crypto import eddsa
from zkl.crypto.babyjubjub import SUBGROUP_ORDER, Point
from zkl.crypto.poseidon import poseidon_hash
from zkl.crypto.protocol import Domain, TxType, deposit_hash, nonce_word
from zkl.crypto.pubdata import BatchHeader, TxRecord, commitment
from zkl.errors import UnsatisfiedConstraint
from zkl.execution.accounts import Account
from zkl.execution.wallet import Wallet
from zkl.execution.execute import BatchExecutor, BatchWitness, MemoryStore, Slot, slot_elements

B, DEPTH = 3, 4
ALICE, BOB, SEQ, CAROL = 0, 1, 2, 3
W = {name: Wallet(bytes([i + 1]) * 32) for i, name in enumerate(["alice", "bob", "seq", "carol", "dave", "erin",
                                                                 "mallory"])}
L1 = 0x1111111111111111111111111111111111111111
DOMAIN = Domain(9, 0xBEEF).element  # the deployment the batches are for
ELSEWHERE = Domain(9, 0xF00D).element  # another deployment of the same circuit
EVIL_L1 = 0x6666666666666666666666666666666666666666


@pytest.fixture(scope="module")
def r1cs(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ZKL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    try:
        yield compile(BatchCircuit(B, DEPTH))
    finally:
        mp.undo()


# -- building witnesses -----------------------------------------------------------------------


class TamperLedger(MemoryStore):
    """A ledger whose writes pass through `hook(index, account) -> account` (the sequencer cheats)."""

    def __init__(self, depth: int, hook: Callable[[int, Account], Account] | None = None) -> None:
        super().__init__(depth)
        self.hook = hook

    def put(self, index: int, account: Account) -> int:
        if self.hook is not None:
            account = self.hook(index, account)
        return super().put(index, account)


def world(hook: Callable[[int, Account], Account] | None = None, **balances: int) -> TamperLedger:
    """Alice 1000, Bob 500, the sequencer 7, Carol 2^64 - 10 (all nonce 0), then the hook."""
    ledger = TamperLedger(DEPTH)
    start = {"alice": 1000, "bob": 500, "seq": 7, "carol": (1 << 64) - 10, **balances}
    for index, name in enumerate(["alice", "bob", "seq", "carol"]):
        ledger.put(index, Account(W[name].pubkey, start[name]))
    ledger.hook = hook
    return ledger


def signed(wallet: str, kind: int, frm: int, to: int = 0, amount: int = 0, fee: int = 0, nonce: int = 0,
           e1: int = 0, domain: int = DOMAIN) -> Slot:
    """A slot with raw fields (any values) signed by `wallet` over Poseidon(e0, e1, nonce + 2^32 domain)."""
    slot = Slot(kind, frm, to, amount, fee, e1, 0)
    e0, e1r, _ = slot_elements(slot)
    sig = eddsa.sign(W[wallet].private_key, poseidon_hash([e0, e1r, nonce_word(nonce, domain) % R]))
    return Slot(kind, frm, to, amount, fee, e1, 0, sig)


def transfer(wallet="alice", frm=ALICE, to=BOB, amount=100, fee=3, nonce=0, domain=DOMAIN) -> Slot:
    return signed(wallet, TxType.TRANSFER, frm, to, amount, fee, nonce, domain=domain)


def withdraw(wallet="bob", frm=BOB, amount=50, fee=2, nonce=0, l1=L1) -> Slot:
    return signed(wallet, TxType.WITHDRAW, frm, 0, amount, fee, nonce, e1=l1)


def deposit(name: str, to: int, amount: int) -> Slot:
    pk = W[name].pubkey
    return Slot(TxType.DEPOSIT, 0, to, amount, 0, pk[0], pk[1])


NOOP = Slot(TxType.NOOP)


def build(slots: list[Slot], ledger: MemoryStore | None = None, fee_account: int = SEQ,
          between: Callable[[int, MemoryStore], None] | None = None, domain: int = DOMAIN) -> BatchWitness:
    """The witness of the slots (padded with no-ops) on the ledger for `domain`, nothing checked (mod r)."""
    ledger = world() if ledger is None else ledger
    slots = (slots + [NOOP] * B)[:B]
    executor = BatchExecutor(ledger, domain=domain, batch_number=1, deposits_before=0, strict=False)
    for i, slot in enumerate(slots):
        executor.apply(slot)
        if between is not None:
            between(i, ledger)
    return executor.finish(fee_account)


def contract_commitment(records: list[TxRecord], queue: list[tuple[str, int]], fee_account: int = SEQ,
                        total_fees: int | None = None, domain: int = DOMAIN) -> int:
    """The commitment the base layer of `domain` computes from posted records and ITS deposit queue."""
    n = sum(r.type == TxType.DEPOSIT for r in records)
    after = 0
    for name, amount in queue[:n]:
        after = deposit_hash(after, W[name].pubkey, amount)
    fees = sum(r.fee for r in records) if total_fees is None else total_fees
    return commitment(BatchHeader(domain, 1, fee_account, fees, 0, after), records)


def records_of(slots: list[Slot]) -> list[TxRecord]:
    return [s.record() for s in (slots + [NOOP] * B)[:B]]


# -- checking -----------------------------------------------------------------------------------


def _row_fails(r1cs, values, i: int) -> bool:
    a, b, c = (sum(k * values[w] for w, k in m.row(i).items()) % R for m in r1cs.matrices)
    return a * b % R != c


def _adversary(k: int):
    def override(fn, args, honest):
        attacks = ADVERSARIES.get(fn, [])
        return attacks[k](args, honest) if k < len(attacks) else honest
    return override


def assert_rejected(r1cs, assignment: dict, expect: str, adversaries: bool = False) -> list[str]:
    """Assert the circuit refuses the assignment, with a failure labelled `expect` (see module docstring)."""
    circuit = BatchCircuit(B, DEPTH)
    with pytest.raises(UnsatisfiedConstraint):
        solve(circuit, assignment, r1cs=r1cs)
    overrides = [None] + ([_adversary(k) for k in range(max(map(len, ADVERSARIES.values())))] if adversaries else [])
    labels: list[str] = []
    for override in overrides:
        w = solve(circuit, assignment, r1cs=r1cs, strict=False, hint_override=override)
        assert w.failures, "a lenient solve found every constraint satisfied"
        assert any(_row_fails(r1cs, w.values, i) for i, _ in w.failures[:8]), "the flagged R1CS rows hold"
        if override is None:
            labels = [label for _, label in w.failures]
            assert any(expect in label for label in labels), f"expected a failure in {expect}, got {labels[:6]}"
    return labels


def honest_assignment() -> tuple[BatchWitness, dict]:
    w = build([transfer(), withdraw(), deposit("dave", 4, 77)])
    return w, w.assignment()


# -- the honest batch (the control) ------------------------------------------------------------


def test_honest_batch_is_accepted(r1cs):
    w, a = honest_assignment()
    witness = solve(BatchCircuit(B, DEPTH), a, r1cs=r1cs)
    r1cs.check(witness)
    assert witness.public == [w.old_root, w.new_root, w.commitment]
    records = records_of([transfer(), withdraw(), deposit("dave", 4, 77)])
    assert w.commitment == contract_commitment(records, [("dave", 77)])


def test_tampered_input_wire_of_honest_witness_is_rejected_by_r1cs(r1cs):
    _, a = honest_assignment()
    witness = solve(BatchCircuit(B, DEPTH), a, r1cs=r1cs)
    wire = 1 + input_names(BatchCircuit(B, DEPTH)).index("amount[0]")
    forged = witness.with_values({wire: witness[wire] + 1})
    assert not r1cs.is_satisfied(forged)


# -- the deployment domain -------------------------------------------------------------------------


def test_a_signature_for_another_deployment_is_refused(r1cs):
    """Alice signed this transfer for ELSEWHERE (same index, same nonce): in a batch for DOMAIN it is no signature."""
    w = build([transfer(domain=ELSEWHERE)])
    assert assert_rejected(r1cs, w.assignment(), "tx0/signature")


def test_a_batch_for_another_deployment_does_not_reach_this_contracts_commitment(r1cs):
    """Built for ELSEWHERE, every signature checks; but its commitment is not what DOMAIN's contract recomputes,
    and forcing that commitment in makes the constraints fail."""
    slots = [transfer(domain=ELSEWHERE)]
    w = build(slots, domain=ELSEWHERE)
    solve(BatchCircuit(B, DEPTH), w.assignment(), r1cs=r1cs)  # a valid statement about ELSEWHERE
    here = contract_commitment(records_of(slots), [], total_fees=3)
    assert w.commitment == contract_commitment(records_of(slots), [], total_fees=3, domain=ELSEWHERE) != here
    a = w.assignment()
    a["commitment"] = here
    assert_rejected(r1cs, a, "pubdata")


def test_the_domain_input_is_bound(r1cs):
    """Changing only the domain input of an honest witness breaks the commitment and every signature."""
    _, a = honest_assignment()
    a["domain"] = ELSEWHERE
    labels = assert_rejected(r1cs, a, "pubdata")
    assert any("tx0/signature" in label for label in labels) and any("tx1/signature" in label for label in labels)


# -- balances and amounts ------------------------------------------------------------------------


def test_overspending(r1cs):
    w = build([transfer(amount=990, fee=20)])
    assert assert_rejected(r1cs, w.assignment(), "tx0/sender/balance", adversaries=True)


def test_overspending_is_refused_by_the_full_r1cs_check(r1cs):
    w = build([transfer(amount=1000, fee=1)])
    witness = solve(BatchCircuit(B, DEPTH), w.assignment(), r1cs=r1cs, strict=False)
    assert not r1cs.is_satisfied(witness)


@pytest.mark.parametrize("amount,fee", [(R - 100, 3), (100, R - 5), ((1 << 64) + 5, 3), (1 << 64, 0)],
                         ids=["negative-amount", "negative-fee", "wrapped-amount", "amount-2^64"])
def test_negative_or_wrapped_amounts(r1cs, amount, fee):
    w = build([transfer(amount=amount, fee=fee)])
    assert_rejected(r1cs, w.assignment(), "tx0/fields", adversaries=True)


def test_receiver_balance_overflow(r1cs):
    w = build([transfer(to=CAROL, amount=20)])
    assert_rejected(r1cs, w.assignment(), "tx0/receiver/balance", adversaries=True)


def test_deposit_overflow(r1cs):
    w = build([deposit("carol", CAROL, 11)])
    assert_rejected(r1cs, w.assignment(), "tx0/receiver/balance", adversaries=True)


def test_fee_account_overflow(r1cs):
    w = build([transfer(fee=10)], ledger=world(seq=(1 << 64) - 5))
    assert_rejected(r1cs, w.assignment(), "fees/balance", adversaries=True)


def test_nonce_overflow(r1cs):
    ledger = world()
    ledger.hook = None
    ledger.put(ALICE, Account(W["alice"].pubkey, 1000, (1 << 32) - 1))
    w = build([transfer(nonce=(1 << 32) - 1)], ledger=ledger)
    assert_rejected(r1cs, w.assignment(), "tx0/sender/nonce", adversaries=True)


def test_fee_on_a_deposit(r1cs):
    slot = deposit("dave", 4, 77)
    w = build([Slot(slot.type, 0, 4, 77, 5, slot.e1, slot.e2)])
    assert_rejected(r1cs, w.assignment(), "tx0/fields/fee_only_when_spending")


def test_transaction_type_out_of_range(r1cs):
    _, a = honest_assignment()
    a["tx_type"][2] = 4
    assert_rejected(r1cs, a, "tx2/fields")


def test_index_outside_the_tree(r1cs):
    _, a = honest_assignment()
    a["from_index"][0] += 1 << DEPTH
    assert_rejected(r1cs, a, "tx0/fields")


# -- who signs -------------------------------------------------------------------------------------


def test_spending_from_another_account(r1cs):
    w = build([transfer(wallet="mallory")])
    assert_rejected(r1cs, w.assignment(), "tx0/signature")


def test_spending_with_a_swapped_sender_key(r1cs):
    # the witness claims Alice's leaf holds Mallory's key, so Mallory's signature would verify
    w = build([transfer(wallet="mallory")])
    a = w.assignment()
    a["sender_pubkey"][0] = list(W["mallory"].pubkey)
    assert_rejected(r1cs, a, "tx0/sender/root")


def test_forged_signature(r1cs):
    slot = transfer()
    sig = slot.signature
    for forged in (eddsa.Signature(sig.r8, (sig.s + 1) % SUBGROUP_ORDER),
                   eddsa.Signature(Point(*W["bob"].pubkey), sig.s)):
        w = build([Slot(slot.type, slot.from_index, slot.to_index, slot.amount, slot.fee, 0, 0, forged)])
        assert_rejected(r1cs, w.assignment(), "tx0/signature")


def test_signature_over_other_fields(r1cs):
    # Alice signed 100 to Bob; the sequencer applies 900 under the same signature
    good = transfer(amount=100)
    w = build([Slot(good.type, ALICE, BOB, 900, good.fee, 0, 0, good.signature)])
    assert_rejected(r1cs, w.assignment(), "tx0/signature")


def test_redirected_withdrawal(r1cs):
    good = withdraw(l1=L1)
    w = build([Slot(good.type, BOB, 0, good.amount, good.fee, EVIL_L1, 0, good.signature)])
    assert_rejected(r1cs, w.assignment(), "tx0/signature")


def test_reused_signature(r1cs):
    # the same signed transfer twice: the second runs at nonce 1, the signature names nonce 0
    slot = transfer()
    w = build([slot, slot])
    assert_rejected(r1cs, w.assignment(), "tx1/signature")


def test_replayed_nonce(r1cs):
    ledger = world()
    ledger.put(ALICE, Account(W["alice"].pubkey, 897, 1))  # Alice's nonce-0 transfer already ran
    old = transfer(nonce=0)
    w = build([old], ledger=ledger)
    assert_rejected(r1cs, w.assignment(), "tx0/signature")
    # the witness claims the old nonce so that the old signature verifies: the leaf does not match
    a = w.assignment()
    a["sender_nonce"][0] = 0
    assert_rejected(r1cs, a, "tx0/sender/root")


def test_nonce_not_incremented(r1cs):
    def keep_nonce(index, account):
        return Account(account.pubkey, account.balance, 0) if index == ALICE else account

    w = build([transfer(), withdraw()], ledger=world(keep_nonce))
    labels = assert_rejected(r1cs, w.assignment(), "tx0/receiver/root")  # Bob's path passes Alice's leaf
    assert not any(label.startswith("tx0/sender") for label in labels)


# -- fees ---------------------------------------------------------------------------------------------


def test_fee_not_paid_to_the_sequencer(r1cs):
    def skip_fee_credit(index, account):
        return Account(account.pubkey, 7, 0) if index == SEQ else account

    w = build([transfer(), withdraw()], ledger=world(skip_fee_credit))
    assert_rejected(r1cs, w.assignment(), "roots/assert_equal")


def test_fees_paid_to_another_account(r1cs):
    # fees credited to Mallory's account 1 while the header names the sequencer's account 2
    w = build([transfer()], fee_account=BOB)
    a = w.assignment()
    a["fee_account"] = SEQ
    assert_rejected(r1cs, a, "fees/")


def test_header_fee_total_differs_from_the_fees_charged(r1cs):
    slots = [transfer(), withdraw()]
    w = build(slots)
    a = w.assignment()
    a["commitment"] = contract_commitment(records_of(slots), [], total_fees=0)
    assert_rejected(r1cs, a, "pubdata/assert_equal")


# -- deposits -------------------------------------------------------------------------------------------


def test_deposit_credited_to_the_wrong_key(r1cs):
    def mallory_key(index, account):
        return Account(W["mallory"].pubkey, account.balance, account.nonce) if index == 4 else account

    w = build([deposit("dave", 4, 77)], ledger=world(mallory_key))
    a = w.assignment()
    a["receiver_pubkey"][0] = list(W["mallory"].pubkey)  # consistent with the leaf the tree now holds
    assert_rejected(r1cs, a, "tx0/receiver/deposit_key")


def test_deposit_credited_to_an_existing_account_of_another_key(r1cs):
    w = build([deposit("dave", BOB, 77)])
    assert_rejected(r1cs, w.assignment(), "tx0/receiver/deposit_key")


def test_deposit_with_a_changed_amount(r1cs):
    # the queue holds Dave's 77; the sequencer credits (and posts) 770
    slots = [deposit("dave", 4, 770)]
    w = build(slots)
    a = w.assignment()
    a["commitment"] = contract_commitment(records_of(slots), [("dave", 77)])
    assert_rejected(r1cs, a, "pubdata/assert_equal")


def test_deposit_credited_more_than_its_record(r1cs):
    def credit_more(index, account):
        return Account(account.pubkey, 770, account.nonce) if index == 4 else account

    w = build([deposit("dave", 4, 77)], ledger=world(credit_more))
    assert_rejected(r1cs, w.assignment(), "fees/root")  # the fee account's path passes the leaf


def test_skipped_deposit(r1cs):
    slots = [deposit("erin", 4, 5)]
    w = build(slots)
    a = w.assignment()
    a["commitment"] = contract_commitment(records_of(slots), [("dave", 77), ("erin", 5)])
    assert_rejected(r1cs, a, "pubdata/assert_equal")


def test_reordered_deposits(r1cs):
    slots = [deposit("erin", 4, 5), deposit("dave", 5, 77)]
    w = build(slots)
    a = w.assignment()
    a["commitment"] = contract_commitment(records_of(slots), [("dave", 77), ("erin", 5)])
    assert_rejected(r1cs, a, "pubdata/assert_equal")


def test_empty_leaf_only_for_deposits(r1cs):
    # a transfer to an index with no account would create one whose key the sequencer picks
    w = build([transfer(to=9)])
    assert_rejected(r1cs, w.assignment(), "tx0/receiver/empty_only_for_deposits")


def test_deposit_into_an_occupied_index_claimed_empty(r1cs):
    w = build([deposit("bob", BOB, 77)])
    a = w.assignment()
    a["receiver_empty"][0] = 1
    a["receiver_balance"][0] = 0
    assert_rejected(r1cs, a, "tx0/receiver/root")


# -- roots and public data ----------------------------------------------------------------------------


def test_new_root_that_does_not_follow(r1cs):
    w, a = honest_assignment()
    a["new_root"] = (w.new_root + 1) % R
    assert_rejected(r1cs, a, "roots/assert_equal")


def test_state_changed_between_transactions(r1cs):
    def mint(i, ledger):
        if i == 0:
            acc = ledger.account(BOB)
            ledger.put(BOB, Account(acc.pubkey, acc.balance + 1000, acc.nonce))

    w = build([transfer(), withdraw()], between=mint)
    assert_rejected(r1cs, w.assignment(), "tx1/sender/root")


def test_old_root_that_is_not_the_current_one(r1cs):
    w, a = honest_assignment()
    a["old_root"] = (w.old_root + 1) % R
    assert_rejected(r1cs, a, "tx0/sender/root")


def test_public_data_differs_from_the_transactions_applied(r1cs):
    slots = [transfer(amount=100), withdraw()]
    w = build(slots)
    posted = records_of(slots)
    posted[0] = TxRecord(TxType.TRANSFER, from_index=ALICE, to_index=BOB, amount=50, fee=3)
    a = w.assignment()
    a["commitment"] = contract_commitment(posted, [])
    assert_rejected(r1cs, a, "pubdata/assert_equal")


def test_posted_withdrawal_address_differs(r1cs):
    slots = [withdraw(l1=L1)]
    w = build(slots)
    posted = records_of(slots)
    posted[0] = TxRecord(TxType.WITHDRAW, from_index=BOB, amount=50, fee=2, l1_address=EVIL_L1)
    a = w.assignment()
    a["commitment"] = contract_commitment(posted, [])
    assert_rejected(r1cs, a, "pubdata/assert_equal")


def test_header_batch_number_is_bound(r1cs):
    w, a = honest_assignment()
    a = copy.deepcopy(a)
    a["batch_number"] = 2
    assert_rejected(r1cs, a, "pubdata/assert_equal")


def test_every_input_of_a_full_batch_matters(r1cs):
    # in a batch of transfers only (every slot debits, signs and credits), no input is "don't
    # care": changing any one of them (a seeded sample) must break the constraints
    import random

    w = build([transfer(), transfer(wallet="bob", frm=BOB, to=ALICE, amount=9, fee=1),
               transfer(wallet="bob", frm=BOB, to=CAROL, amount=7, fee=2, nonce=1)])
    a = w.assignment()
    names = input_names(BatchCircuit(B, DEPTH))
    rng = random.Random(5)
    for name in rng.sample(names, 14) + ["sig_s[2]", "receiver_nonce[0]", "fee_nonce", "e2[1]", "receiver_empty[2]"]:
        tampered = copy.deepcopy(a)
        key, *idx = name.replace("]", "").split("[")
        if idx:
            target = tampered[key]
            for i in idx[:-1]:
                target = target[int(i)]
            target[int(idx[-1])] = (target[int(idx[-1])] + 1) % R
        else:
            tampered[key] = (tampered[key] + 1) % R
        witness = solve(BatchCircuit(B, DEPTH), tampered, r1cs=r1cs, strict=False)
        assert witness.failures, f"changing {name} went unnoticed"
