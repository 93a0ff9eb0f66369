"""Verifying-key upgrades (visible while pending, in force only after the timelock, governor only) and the council."""

from __future__ import annotations

import pytest
from tests.settlement.helpers import (
    ALICE,
    BOB,
    CAROL,
    DEADLINE,
    GENESIS,
    GOVERNOR,
    TIMELOCK,
    ToyGroth16,
    assert_rejected,
    deposit_record,
    make_world,
    prepare_batch,
    pubkey_of,
    withdraw_record,
)

from zkl.crypto.protocol import TxType
from zkl.crypto.pubdata import TxRecord
from zkl.errors import (
    BadProof,
    BatchesPaused,
    MalformedInput,
    NoPendingChange,
    PauseVoteRefused,
    TimelockActive,
    Unauthorized,
)
from zkl.settlement import named_address, vk_hash
from zkl.verifier.snarkjs_json import vk_to_snarkjs_json

NOOPS = [TxRecord(TxType.NOOP)] * 2


@pytest.fixture(scope="module")
def keys():
    return ToyGroth16(seed=21), ToyGroth16(seed=22)


@pytest.fixture
def world(tmp_path, keys):
    w = make_world(tmp_path / "data", keys[0])
    yield w
    w.ledger.close()


def batch_with(world, toy):
    header, _, data = prepare_batch(world.contract, NOOPS, world.contract.state_root, 0)
    return header, data, toy.prove(header.public_inputs())


def test_upgrade_waits_for_its_timelock(world, keys):
    old, new = keys
    c, ledger = world.contract, world.ledger
    old_hash, new_hash = vk_hash(vk_to_snarkjs_json(old.vk)), vk_hash(vk_to_snarkjs_json(new.vk))
    assert c.status().vk_hash == old_hash
    change = c.propose_vk_upgrade(new.vk, sender=GOVERNOR)
    proposed = ledger.height
    assert (change.vk_hash, change.proposed_height, change.effective_height) == (new_hash, proposed,
                                                                                 proposed + TIMELOCK)
    # pending and visible, not in force
    s = c.status()
    assert s.pending_vk == change and s.vk_hash == old_hash
    assert ledger.events("vk_proposed")[0].data["effective_height"] == proposed + TIMELOCK
    c.submit_batch(*batch_with(world, old))  # block proposed + 1: the old key
    assert_rejected(ledger, BadProof, lambda: c.submit_batch(*batch_with(world, new)))
    assert_rejected(ledger, TimelockActive, lambda: c.activate_vk_upgrade(sender=ALICE), match="takes effect at")
    ledger.mine(proposed + TIMELOCK - 2 - ledger.height)  # the next block is the last one under the old key
    assert c.status().pending_vk == change
    assert c.verifying_key() == old.vk
    assert_rejected(ledger, BadProof, lambda: c.submit_batch(*batch_with(world, new)))
    c.submit_batch(*batch_with(world, old))
    assert ledger.height == proposed + TIMELOCK - 1
    # the next block is the effective one: the new key is in force, the old one no longer
    s = c.status()
    assert s.pending_vk is None and s.vk_hash == new_hash and c.verifying_key() == new.vk
    assert_rejected(ledger, BadProof, lambda: c.submit_batch(*batch_with(world, old)))
    c.submit_batch(*batch_with(world, new))
    assert c.batch(3).vk_hash == new_hash and c.batch(2).vk_hash == old_hash
    (event,) = ledger.events("vk_upgraded")
    assert event.data == {"old_vk_hash": old_hash, "vk_hash": new_hash, "effective_height": proposed + TIMELOCK}
    assert_rejected(ledger, NoPendingChange, lambda: c.activate_vk_upgrade())


def test_explicit_activation_after_the_timelock(world, keys):
    c, ledger = world.contract, world.ledger
    c.propose_vk_upgrade(keys[1].vk, sender=GOVERNOR)
    ledger.mine(TIMELOCK - 1)
    change = c.activate_vk_upgrade(sender=ALICE)
    assert ledger.height == change.effective_height
    assert ledger.storage("rollup")["vk_hash"] == change.vk_hash and ledger.storage("rollup")["pending_vk"] is None


def test_only_the_governor_and_one_change_at_a_time(world, keys):
    c, ledger = world.contract, world.ledger
    assert_rejected(ledger, Unauthorized, lambda: c.propose_vk_upgrade(keys[1].vk, sender=ALICE), match="governor")
    assert_rejected(ledger, MalformedInput, lambda: c.propose_vk_upgrade(ToyGroth16(5, n_public=4).vk,
                                                                         sender=GOVERNOR))
    assert_rejected(ledger, NoPendingChange, lambda: c.cancel_vk_upgrade(sender=GOVERNOR))
    c.propose_vk_upgrade(keys[1].vk, sender=GOVERNOR)
    assert_rejected(ledger, TimelockActive, lambda: c.propose_vk_upgrade(keys[0].vk, sender=GOVERNOR),
                    match="already pending")
    assert_rejected(ledger, Unauthorized, lambda: c.cancel_vk_upgrade(sender=ALICE))
    cancelled = c.cancel_vk_upgrade(sender=GOVERNOR)
    assert c.status().pending_vk is None
    ledger.mine(2 * TIMELOCK)
    assert c.verifying_key() == keys[0].vk  # a cancelled change never takes effect
    assert c.status().vk_hash != cancelled.vk_hash
    c.submit_batch(*batch_with(world, keys[0]))


# ----------------------------------------------------------------------------- the emergency council

COUNCIL = [named_address(f"council{i}") for i in range(3)]


@pytest.fixture
def councilled(tmp_path, keys):
    w = make_world(tmp_path / "council", keys[0], council=COUNCIL, council_threshold=2,
                   genesis={**GENESIS, **{m: 10 for m in COUNCIL}})
    yield w
    w.ledger.close()


def test_two_of_three_pause_batches_at_once_and_nothing_else(councilled, keys):
    w = councilled
    c, ledger = w.contract, w.ledger
    c.deposit(pubkey_of(1), 1000, sender=ALICE)
    w.settle([deposit_record(1, pubkey_of(1), 1000), withdraw_record(1, 100, CAROL)])
    assert_rejected(ledger, Unauthorized, lambda: c.vote_pause(sender=ALICE), match="council")
    assert c.vote_pause(sender=COUNCIL[0]) is False
    assert_rejected(ledger, PauseVoteRefused, lambda: c.vote_pause(sender=COUNCIL[0]), match="already voted")
    assert_rejected(ledger, PauseVoteRefused, lambda: c.vote_unpause(sender=COUNCIL[1]), match="already running")
    assert not c.status().paused
    w.settle([])  # one vote pauses nothing
    assert c.vote_pause(sender=COUNCIL[2]) is True
    assert c.status().paused
    assert [e.kind for e in ledger.events(since=ledger.height)] == ["pause_vote", "pause_changed"]
    header, data, proof = w.batch([])
    assert_rejected(ledger, BatchesPaused, lambda: c.submit_batch(header, data, proof))
    # deposits, claims and key changes go on; the council can do none of the governor's part
    c.deposit(pubkey_of(2), 5, sender=BOB)
    assert c.claim(CAROL) == 100
    assert_rejected(ledger, Unauthorized, lambda: c.propose_vk_upgrade(keys[1].vk, sender=COUNCIL[0]))
    # resumed by two votes of a new round (a vote of the pausing round does not carry over)
    assert c.vote_unpause(sender=COUNCIL[0]) is False
    assert c.vote_unpause(sender=COUNCIL[1]) is True
    assert not c.status().paused
    c.submit_batch(header, data, proof)
    assert c.batch_number == 3


def test_a_council_that_never_resumes_forces_exodus(councilled):
    w = councilled
    c, ledger = w.contract, w.ledger
    for m in COUNCIL[:2]:
        c.vote_pause(sender=m)
    c.deposit(pubkey_of(1), 1000, sender=ALICE)
    ledger.mine(DEADLINE + 1)
    assert c.status().exodus  # the deadline ran while paused: exits and refunds open
    assert c.refund_deposit(1) == 1000


def test_council_parameters_are_checked(tmp_path, keys):
    for council, threshold, match in ((COUNCIL, 4, "between 1 and the 3"), (COUNCIL, 0, "between 1"),
                                      ([COUNCIL[0]] * 2, 1, "distinct")):
        with pytest.raises(MalformedInput, match=match):
            make_world(tmp_path / f"bad{threshold}{len(council)}", keys[0], council=council,
                       council_threshold=threshold)
