"""Censorship resistance: deposit deadlines, exodus mode, refunds, slashing, and exits by proof."""

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

from zkl.errors import (
    AlreadyClaimed,
    AlreadyExited,
    BadExitProof,
    ExodusMode,
    MalformedInput,
    NothingToClaim,
    NotInExodus,
)
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


def exit_args(world, index, to, model=None):
    """(index, to, balance, proof): an exit of account `index`'s balance in the model (default: the L2's) to `to`."""
    model = model or world.l2
    balance = model.accounts[index].balance
    return (index, to, balance, world.exit_proof(index, to, balance, root=model.root))


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


def test_activation_slashes_and_refunds_are_paid_one_by_one(world):
    c, ledger = world.contract, world.ledger
    assert_rejected(ledger, NotInExodus, lambda: c.activate_exodus(sender=BOB), match="no deposit is past")
    assert_rejected(ledger, NotInExodus, lambda: c.refund_deposit(3, sender=BOB))
    ledger.mine(DEADLINE)
    alice_before, supply = ledger.balance(ALICE), ledger.total_supply()
    assert c.activate_exodus(sender=BOB) == {"refundable": 1, "slashed": BOND}
    assert ledger.balance(BURN_ADDRESS) == BOND
    assert ledger.balance(SEQUENCER) == GENESIS[SEQUENCER] - BOND
    assert [e.kind for e in ledger.events(since=ledger.height)] == ["bond_slashed", "exodus"]
    s = c.status()
    assert s.exodus and s.exodus_activated and s.bond == 0 and s.queue_length == 1
    # the queued deposit goes back to its depositor, once; processed ones and unknown ones never
    assert_rejected(ledger, NothingToClaim, lambda: c.refund_deposit(1, sender=BOB), match="processed")
    assert_rejected(ledger, NothingToClaim, lambda: c.refund_deposit(4, sender=BOB), match="never made")
    assert c.refund_deposit(3, sender=BOB) == 400
    assert ledger.balance(ALICE) == alice_before + 400
    assert_rejected(ledger, AlreadyClaimed, lambda: c.refund_deposit(3, sender=BOB))
    assert [d.status for d in c.deposits()] == ["processed", "processed", "refunded"]
    assert [e.kind for e in ledger.events(since=ledger.height)] == ["deposit_refunded"]
    assert ledger.total_supply() == supply and c.status().queue_length == 0
    assert_rejected(ledger, ExodusMode, lambda: c.activate_exodus(sender=BOB), match="already active")
    assert_rejected(ledger, ExodusMode, lambda: c.submit_batch(*world.batch([])))
    assert_rejected(ledger, ExodusMode, lambda: c.deposit(pubkey_of(4), 5, sender=BOB))


def test_a_refund_activates_exodus(world):
    c, ledger = world.contract, world.ledger
    ledger.mine(DEADLINE)
    assert c.refund_deposit(3) == 400
    assert c.status().exodus_activated and ledger.balance(BURN_ADDRESS) == BOND


def test_exits_pay_each_account_once_and_empty_the_escrow(world):
    c, ledger = world.contract, world.ledger
    assert_rejected(ledger, NotInExodus, lambda: c.exit(*exit_args(world, 1, ALICE)))
    ledger.mine(DEADLINE)
    l2 = world.l2.accounts
    balances = {i: l2[i].balance for i in (0, 1, 2)}
    assert balances == {0: 5, 1: 897, 2: 548}
    # the first exit also activates exodus mode (the slash in the same transaction)
    alice = ledger.balance(ALICE)
    assert c.exit(*exit_args(world, 1, ALICE)) == 897
    assert ledger.balance(ALICE) == alice + 897
    assert c.status().exodus_activated and c.exited(1)
    assert_rejected(ledger, AlreadyExited, lambda: c.exit(*exit_args(world, 1, ALICE)))
    assert_rejected(ledger, AlreadyExited, lambda: c.exit(*exit_args(world, 1, BOB)))
    c.exit(*exit_args(world, 2, BOB))
    c.exit(*exit_args(world, 0, SEQUENCER))
    assert c.claim(CAROL) == 250
    assert c.refund_deposit(3) == 400
    # every L1 token that entered the rollup has left it, exactly once
    assert ledger.balance(ROLLUP_ADDRESS) == 0
    assert ledger.total_supply() == sum(GENESIS.values())
    assert [e["account_index"] for e in c.exits()] == [0, 1, 2]
    assert len(ledger.events("exit")) == 3


def test_bad_exits_change_nothing(world):
    c, ledger = world.contract, world.ledger
    ledger.mine(DEADLINE)
    index, to, balance, proof = exit_args(world, 1, ALICE)

    def attempt(**kw):
        args = dict(account_index=index, l1_address=to, balance=balance, proof=proof)
        args.update(kw)
        return lambda: c.exit(**args)

    # the proof names every public input: another balance, account or address is another statement
    assert_rejected(ledger, BadExitProof, attempt(balance=balance + 1), match="does not verify")
    assert_rejected(ledger, BadExitProof, attempt(account_index=2))
    assert_rejected(ledger, BadExitProof, attempt(l1_address=BOB))
    assert_rejected(ledger, BadExitProof, attempt(proof=world.exit_proof(2, to, 548)))
    # a proof under the batch key, or for another root (the exit circuit's tests show one cannot be made
    # for a leaf that is not in the tree, or without the owner's signature)
    assert_rejected(ledger, BadExitProof, attempt(proof=world.toy.prove([world.contract.state_root, 0, 0])))
    assert_rejected(ledger, BadExitProof, attempt(proof=world.exit_proof(index, to, balance, root=123)))
    assert_rejected(ledger, BadExitProof, attempt(proof="proof"), match="malformed")
    assert_rejected(ledger, NothingToClaim, attempt(account_index=7, balance=0))
    assert_rejected(ledger, MalformedInput, attempt(account_index=1 << 4))  # depth 4: 16 accounts
    assert_rejected(ledger, MalformedInput, attempt(balance=1 << 64))
    assert not c.status().exodus_activated  # every failed exit also rolled its activation back
    c.exit(**{"account_index": index, "l1_address": to, "balance": balance, "proof": proof})


def test_an_exit_proven_for_another_deployment_is_refused(tmp_path, toy):
    """Two deployments in the same state, alice's key at the same index: her exit for A pays nothing on B."""
    a, b = _world(tmp_path / "a", toy, chain_id=1), _world(tmp_path / "b", toy, chain_id=2)
    assert a.l2.root == b.l2.root and a.contract.state_root == b.contract.state_root
    assert a.contract.domain.chain_id == 1 and b.contract.domain.chain_id == 2
    assert a.contract.domain.element != b.contract.domain.element
    for w in (a, b):
        w.ledger.mine(DEADLINE)
    for_a = exit_args(a, 1, ALICE)
    assert_rejected(b.ledger, BadExitProof, lambda: b.contract.exit(*for_a), match="this deployment")
    assert not b.contract.exited(1)
    assert a.contract.exit(*for_a) == 897  # where it was proven, it pays
    assert b.contract.exit(*exit_args(b, 1, ALICE)) == 897  # and on B, a proof for B does
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
    assert c.refund_deposit(4) == 9


def test_status_dict_is_json(world):
    import json

    d = world.contract.status().to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["queue_length"] == 1 and d["next_deadline"] == world.queued.deadline
    assert dataclasses.asdict(world.contract.status())["exodus"] is False
