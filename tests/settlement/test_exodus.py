"""Censorship resistance: deposit deadlines, exodus mode, refunds, slashing, and exits by Merkle proof."""

from __future__ import annotations

import dataclasses

import pytest
from tests.settlement.helpers import (
    ALICE,
    BOB,
    BOND,
    CAROL,
    DEADLINE,
    GENESIS,
    SEQUENCER,
    ToyGroth16,
    assert_rejected,
    deposit_record,
    make_world,
    private_key,
    pubkey_of,
    transfer_record,
    withdraw_record,
)

from zkl.crypto import eddsa
from zkl.crypto.merkle import MerkleProof
from zkl.errors import (
    AlreadyExited,
    BadExitProof,
    ExodusMode,
    MalformedInput,
    NothingToClaim,
    NotInExodus,
)
from zkl.crypto.protocol import exit_message
from zkl.settlement import BURN_ADDRESS, ROLLUP_ADDRESS


@pytest.fixture(scope="module")
def toy():
    return ToyGroth16(seed=12)


def _world(data_dir, toy, **overrides):
    """Batch 1 final (accounts 0, 1, 2; 250 claimable by CAROL); deposit 3 queued at the returned height."""
    w = make_world(data_dir, toy, **overrides)
    c = w.contract
    c.deposit(pubkey_of(1), 1000, sender=ALICE)
    c.deposit(pubkey_of(2), 700, sender=BOB)
    w.settle([deposit_record(1, pubkey_of(1), 1000), deposit_record(2, pubkey_of(2), 700),
              transfer_record(1, 2, 100, fee=3), withdraw_record(2, 250, CAROL, fee=2)])
    w.queued = c.deposit(pubkey_of(3), 400, sender=ALICE)
    return w


@pytest.fixture
def world(tmp_path, toy):
    """Batch 1 final (accounts 0, 1, 2; 250 claimable by CAROL); deposit 3 queued at the returned height."""
    w = _world(tmp_path / "data", toy)
    yield w
    w.ledger.close()


def exit_args(world, index, to, key=None, model=None):
    model = model or world.l2
    acc = model.accounts[index]
    sig = eddsa.sign(private_key(index if key is None else key), exit_message(world.contract.domain.element, index, to))
    return (index, acc.pubkey, acc.balance, acc.nonce, model.proof(index), to, sig)


def test_deadline_boundary_batch_in_time(world):
    c, ledger = world.contract, world.ledger
    deadline = world.queued.deadline
    assert deadline == world.queued.height + DEADLINE
    ledger.mine(deadline - 1 - ledger.height)  # the next block is the deadline block
    assert not c.status().exodus
    world.settle([deposit_record(3, pubkey_of(3), 400)])
    assert c.batch_number == 2 and c.status().queue_length == 0
    ledger.mine(3 * DEADLINE)
    assert not c.status().exodus  # nothing queued, nothing overdue
    assert_rejected(ledger, NotInExodus, lambda: c.activate_exodus(sender=BOB))


def test_deadline_passed_means_exodus(world):
    c, ledger = world.contract, world.ledger
    ledger.mine(world.queued.deadline - ledger.height)  # the next block is past the deadline
    s = c.status()
    assert s.exodus and not s.exodus_activated
    header, data, proof = world.batch([deposit_record(3, pubkey_of(3), 400)])
    assert_rejected(ledger, ExodusMode, lambda: c.submit_batch(header, data, proof), match="deposit 3 passed")
    assert_rejected(ledger, ExodusMode, lambda: c.deposit(pubkey_of(4), 5, sender=BOB))
    # withdrawals that are final stay claimable in exodus mode
    assert c.claim(CAROL) == 250


def test_activation_refunds_and_slashes(world):
    c, ledger = world.contract, world.ledger
    assert_rejected(ledger, NotInExodus, lambda: c.activate_exodus(sender=BOB), match="no deposit is past")
    ledger.mine(DEADLINE)
    alice_before, supply = ledger.balance(ALICE), ledger.total_supply()
    result = c.activate_exodus(sender=BOB)
    assert result == {"refunded": 1, "refunded_amount": 400, "slashed": BOND}
    assert ledger.balance(ALICE) == alice_before + 400
    assert ledger.balance(BURN_ADDRESS) == BOND
    assert ledger.balance(SEQUENCER) == GENESIS[SEQUENCER] - BOND
    s = c.status()
    assert s.exodus and s.exodus_activated and s.bond == 0 and s.queue_length == 0
    assert [d.status for d in c.deposits()] == ["processed", "processed", "refunded"]
    assert [e.kind for e in ledger.events(since=ledger.height)] == ["deposit_refunded", "bond_slashed", "exodus"]
    assert ledger.total_supply() == supply
    assert_rejected(ledger, ExodusMode, lambda: c.activate_exodus(sender=BOB), match="already active")
    assert_rejected(ledger, ExodusMode, lambda: c.submit_batch(*world.batch([])))
    assert_rejected(ledger, ExodusMode, lambda: c.deposit(pubkey_of(4), 5, sender=BOB))


def test_exits_pay_each_account_once_and_empty_the_escrow(world):
    c, ledger = world.contract, world.ledger
    assert_rejected(ledger, NotInExodus, lambda: c.exit(*exit_args(world, 1, ALICE)))
    ledger.mine(DEADLINE)
    l2 = world.l2.accounts
    balances = {i: l2[i].balance for i in (0, 1, 2)}
    assert balances == {0: 5, 1: 897, 2: 548}
    # the first exit also activates exodus mode (refund and slash in the same transaction)
    alice = ledger.balance(ALICE)
    assert c.exit(*exit_args(world, 1, ALICE)) == 897
    assert ledger.balance(ALICE) == alice + 897 + 400
    assert c.status().exodus_activated and c.exited(1)
    assert_rejected(ledger, AlreadyExited, lambda: c.exit(*exit_args(world, 1, ALICE)))
    assert_rejected(ledger, AlreadyExited, lambda: c.exit(*exit_args(world, 1, BOB)))
    c.exit(*exit_args(world, 2, BOB))
    c.exit(*exit_args(world, 0, SEQUENCER, key=9))
    assert c.claim(CAROL) == 250
    # every L1 token that entered the rollup has left it, exactly once
    assert ledger.balance(ROLLUP_ADDRESS) == 0
    assert ledger.total_supply() == sum(GENESIS.values())
    assert [e["account_index"] for e in c.exits()] == [0, 1, 2]
    assert len(ledger.events("exit")) == 3


def test_bad_exits_change_nothing(world):
    c, ledger = world.contract, world.ledger
    ledger.mine(DEADLINE)
    index, pk, balance, nonce, proof, to, sig = exit_args(world, 1, ALICE)

    def attempt(**kw):
        args = dict(account_index=index, pubkey=pk, balance=balance, nonce=nonce, proof=proof, l1_address=to,
                    signature=sig)
        args.update(kw)
        return lambda: c.exit(**args)

    assert_rejected(ledger, BadExitProof, attempt(balance=balance + 1), match="not in the last final state")
    assert_rejected(ledger, BadExitProof, attempt(nonce=nonce + 1))
    assert_rejected(ledger, BadExitProof, attempt(account_index=2), match="not in the last final state")
    assert_rejected(ledger, BadExitProof, attempt(proof=world.l2.proof(2)))
    short = MerkleProof(proof.path[:1], proof.siblings[:1])
    assert_rejected(ledger, BadExitProof, attempt(proof=short), match="levels")
    assert_rejected(ledger, BadExitProof, attempt(proof="proof"))
    # only the owner's key chooses where the money goes
    thief = eddsa.sign(private_key(2), exit_message(world.contract.domain.element, 1, BOB))
    assert_rejected(ledger, BadExitProof, attempt(l1_address=BOB, signature=thief), match="signature")
    assert_rejected(ledger, BadExitProof, attempt(l1_address=BOB), match="signature")  # signed for ALICE
    # an unused index has an empty leaf: nothing to exit with, and no preimage reaches it
    assert_rejected(ledger, NothingToClaim, attempt(account_index=7, balance=0))
    assert_rejected(ledger, BadExitProof, attempt(account_index=7, proof=world.l2.proof(7)))
    assert_rejected(ledger, MalformedInput, attempt(account_index=1 << 4))  # depth 4: 16 accounts
    assert_rejected(ledger, MalformedInput, attempt(balance=1 << 64))
    assert_rejected(ledger, MalformedInput, attempt(signature=b"sig"))
    assert not c.status().exodus_activated  # every failed exit also rolled its activation back
    c.exit(**{"account_index": index, "pubkey": pk, "balance": balance, "nonce": nonce, "proof": proof,
              "l1_address": to, "signature": sig})


def test_an_exit_signed_for_another_deployment_is_refused(tmp_path, toy):
    """Two deployments in the same state, alice's key at the same index: her exit for A pays nothing on B."""
    a, b = _world(tmp_path / "a", toy, chain_id=1), _world(tmp_path / "b", toy, chain_id=2)
    assert a.l2.root == b.l2.root and a.contract.state_root == b.contract.state_root
    assert a.contract.domain.chain_id == 1 and b.contract.domain.chain_id == 2
    assert a.contract.domain.element != b.contract.domain.element
    for w in (a, b):
        w.ledger.mine(DEADLINE)
    for_a = exit_args(a, 1, ALICE)
    assert_rejected(b.ledger, BadExitProof, lambda: b.contract.exit(*for_a), match="for this deployment")
    assert not b.contract.exited(1)
    assert a.contract.exit(*for_a) == 897  # where it was signed, it pays
    assert b.contract.exit(*exit_args(b, 1, ALICE)) == 897  # and on B, a signature for B does
    for w in (a, b):
        w.ledger.close()


def test_exit_must_use_the_last_final_root(world):
    c, ledger = world.contract, world.ledger
    old_model = world.l2.copy()
    world.settle([deposit_record(3, pubkey_of(3), 400), transfer_record(1, 3, 500)])
    ledger.mine(DEADLINE + 1)
    c.deposit(pubkey_of(4), 9, sender=BOB)
    ledger.mine(DEADLINE + 1)
    # account 1 had 897 after batch 1 but only 397 after batch 2: the stale proof is refused
    stale = exit_args(world, 1, ALICE, model=old_model)
    assert stale[2] == 897
    assert_rejected(ledger, BadExitProof, lambda: c.exit(*stale))
    assert c.exit(*exit_args(world, 1, ALICE)) == 397
    assert c.exit(*exit_args(world, 3, ALICE)) == 900


def test_status_dict_is_json(world):
    import json

    d = world.contract.status().to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["queue_length"] == 1 and d["next_deadline"] == world.queued.deadline
    assert dataclasses.asdict(world.contract.status())["exodus"] is False
