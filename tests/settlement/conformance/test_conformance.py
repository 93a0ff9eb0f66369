"""The conformance suite: every base layer runs the same sequences and gives the same answers.

Each test runs on every base layer (`embedded`: the SQLite model, `zkl.settlement.contract`;
`evm`: the Solidity contract in pyrevm; `rpc`: the same on anvil, over JSON-RPC by web3) and asserts the same accepts and rejections (every
rejection the model's own tests name), roots, balances, queue, claims and events; the
transcript test runs one long sequence on all of them and compares what each one said, step by step.
"""

from __future__ import annotations

import dataclasses

import pytest
from tests.settlement.conformance.rigs import BASES, COUNCIL, Rig, make_rig
from tests.settlement.helpers import (
    ALICE,
    BOB,
    BOND,
    CAROL,
    CHAIN_ID,
    DEADLINE,
    FEE_ACCOUNT,
    GENESIS,
    GOVERNOR,
    SEQUENCER,
    TIMELOCK,
    ToyGroth16,
    deposit_record,
    pubkey_of,
    transfer_record,
    withdraw_record,
)

from zkl.algebra.constants import Q, R
from zkl.algebra.points import G1Point
from zkl.crypto.babyjubjub import GENERATOR
from zkl.crypto.protocol import Domain, TxType, deposit_hash
from zkl.crypto.pubdata import TxRecord, encode
from zkl.errors import (
    AlreadyClaimed,
    AlreadyExited,
    BadExitProof,
    BadProof,
    BatchesPaused,
    ExodusMode,
    MalformedBatch,
    MalformedInput,
    MalformedProof,
    NoPendingChange,
    NothingToClaim,
    NotInExodus,
    NotOnCurve,
    OutOfOrderBatch,
    PauseVoteRefused,
    PublicInputOutOfRange,
    ReplayedBatch,
    SkippedDeposit,
    StaleStateRoot,
    TimelockActive,
    Unauthorized,
    WrongCommitment,
)
from zkl.verifier.keys import Proof


@pytest.fixture(scope="module")
def toy():
    return ToyGroth16(seed=31)


def _node(request, base):
    return request.getfixturevalue("anvil_node") if base == "rpc" else None


@pytest.fixture(params=BASES)
def rig(request, tmp_path, toy):
    r = make_rig(request.param, tmp_path / "data", toy, node=_node(request, request.param))
    yield r
    r.close()


def deposit_two(rig: Rig) -> list[TxRecord]:
    c = rig.contract
    rig.do(lambda: c.deposit(pubkey_of(1), 1000, sender=ALICE))
    rig.do(lambda: c.deposit(pubkey_of(2), 700, sender=BOB))
    return [deposit_record(1, pubkey_of(1), 1000), deposit_record(2, pubkey_of(2), 700)]


@pytest.fixture
def pending(rig):
    """Two deposits queued; the next batch (deposits, a transfer, a withdrawal) made but not submitted."""
    records = deposit_two(rig) + [transfer_record(1, 2, 10, fee=1), withdraw_record(2, 30, CAROL, fee=1)]
    header, data, proof = rig.batch(records)
    return records, header, data, proof


# ----------------------------------------------------------------------------- deposits


def test_deposits_escrow_and_chain(rig):
    c = rig.contract
    escrow = rig.escrow()
    deposit_two(rig)
    h1 = deposit_hash(0, pubkey_of(1), 1000)
    assert c.deposit_chain(1) == h1 and c.deposit_chain(2) == deposit_hash(h1, pubkey_of(2), 700)
    assert rig.balance(ALICE) == GENESIS[ALICE] - 1000 and rig.balance(BOB) == GENESIS[BOB] - 700
    assert rig.escrow() == escrow + 1700 == BOND + 1700
    assert rig.events() == [("deposit", {"index": 1, "amount": 1000, "chain_hash": h1}),
                            ("deposit", {"index": 2, "amount": 700, "chain_hash": c.deposit_chain(2)})]


def test_deposit_rejections(rig):
    c = rig.contract
    rig.reject(MalformedInput, lambda: c.deposit(pubkey_of(1), 0, sender=ALICE))
    rig.reject(MalformedInput, lambda: c.deposit(pubkey_of(1), 1 << 64, sender=ALICE))
    rig.reject(NotOnCurve, lambda: c.deposit((1, 2), 5, sender=ALICE))
    rig.reject(MalformedInput, lambda: c.deposit((0, 1), 5, sender=ALICE))  # the identity
    rig.reject(MalformedInput, lambda: c.deposit(GENERATOR, 5, sender=ALICE))  # outside the subgroup
    assert rig.events() == []


# ----------------------------------------------------------------------------- batches and claims


def test_a_batch_settles_and_withdrawals_are_claimed_once(rig, pending):
    records, header, data, proof = pending
    c = rig.contract
    rig.events()
    rig.do(lambda: c.submit_batch(header, data, proof))
    assert c.state_root == header.new_root == rig.l2.root and c.batch_number == 1
    assert c.claimable(CAROL) == 30
    assert rig.events() == [
        ("withdrawal", {"batch": 1, "position": 3, "l1_address": CAROL, "amount": 30}),
        ("batch", {"number": 1, "old_root": header.old_root, "new_root": header.new_root,
                   "commitment": header.commitment, "transactions": 4, "deposits": 2, "withdrawals": 1,
                   "total_fees": 2})]
    rig.reject(NothingToClaim, lambda: c.claim(BOB))
    assert rig.do(lambda: c.claim(CAROL)) == 30
    assert rig.balance(CAROL) == 30 and c.claimable(CAROL) == 0
    rig.reject(AlreadyClaimed, lambda: c.claim(CAROL))
    # a second batch's withdrawals to the same address accumulate into one claim
    rig.settle([withdraw_record(2, 5, CAROL), withdraw_record(1, 7, CAROL), TxRecord(TxType.NOOP)])
    assert c.claimable(CAROL) == 12 and rig.do(lambda: c.claim(CAROL)) == 12
    rig.settle([])  # an empty batch is a batch
    assert c.batch_number == 3


def test_stale_root_bad_proof_and_the_sequencer_only(rig, pending):
    _, header, data, proof = pending
    c = rig.contract
    stale = dataclasses.replace(header, old_root=header.old_root + 1)
    rig.reject(StaleStateRoot, lambda: c.submit_batch(stale, data, rig.prove(stale)))
    other_inputs = rig.toy.prove([header.old_root, header.new_root + 1, header.commitment])
    rig.reject(BadProof, lambda: c.submit_batch(header, data, other_inputs))
    rig.reject(BadProof, lambda: c.submit_batch(header, data, ToyGroth16(seed=99).prove(header.public_inputs())))
    rig.reject(BadProof, lambda: c.submit_batch(header, data, Proof(proof.c, proof.b, proof.a)))
    rig.reject(Unauthorized, lambda: c.submit_batch(header, data, proof, sender=ALICE))
    rig.do(lambda: c.submit_batch(header, data, proof))


def test_commitment_is_recomputed(rig, pending):
    records, header, data, _ = pending
    c = rig.contract
    wrong = dataclasses.replace(header, commitment=header.commitment + 1)
    rig.reject(WrongCommitment, lambda: c.submit_batch(wrong, data, rig.prove(wrong)))
    tampered = encode(records[:2] + [transfer_record(1, 2, 11, fee=1)] + records[3:])
    rig.reject(WrongCommitment, lambda: c.submit_batch(header, tampered, rig.prove(header)))
    rig.reject(WrongCommitment, lambda: c.submit_batch(header, encode(records[:-1]), rig.prove(header)))
    other_fee = dataclasses.replace(header, fee_account=1)
    rig.reject(WrongCommitment, lambda: c.submit_batch(other_fee, data, rig.prove(other_fee)))
    # made for another deployment (chain id, contract): another commitment
    other = Domain(CHAIN_ID + 1, 0xABC).element
    for_other, _ = rig.prepare(records, header.new_root, domain=other)
    rig.reject(WrongCommitment, lambda: c.submit_batch(for_other, data, rig.prove(for_other)))


def test_deposits_are_the_next_queued_ones(rig, pending):
    records, header, _, _ = pending
    c = rig.contract
    d1, d2, *rest = records

    def attempt(recs):
        hdr, data = rig.prepare(recs, header.new_root)
        return lambda: c.submit_batch(hdr, data, rig.prove(hdr))

    rig.reject(SkippedDeposit, attempt([d2] + rest))
    rig.reject(SkippedDeposit, attempt([d2, d1] + rest))
    rig.reject(SkippedDeposit, attempt([deposit_record(1, pubkey_of(1), 999), d2] + rest))
    rig.reject(SkippedDeposit, lambda: c.submit_batch(header, encode([d1, d2, deposit_record(3, pubkey_of(3), 5)]),
                                                      rig.prove(header)))
    partial, pdata = rig.prepare([d1], header.new_root)
    rig.do(lambda: c.submit_batch(partial, pdata, rig.prove(partial)))
    assert rig.snapshot()["processed"] == 1


def test_batch_numbers(rig, pending):
    _, header, data, proof = pending
    c = rig.contract
    ahead = dataclasses.replace(header, batch_number=2)
    rig.reject(OutOfOrderBatch, lambda: c.submit_batch(ahead, data, rig.prove(ahead)))
    zero = dataclasses.replace(header, batch_number=0)
    rig.reject(ReplayedBatch, lambda: c.submit_batch(zero, data, rig.prove(zero)))
    rig.do(lambda: c.submit_batch(header, data, proof))
    rig.reject(ReplayedBatch, lambda: c.submit_batch(header, data, proof))


@pytest.mark.parametrize("name,value", [("new_root", R), ("commitment", R + 7), ("old_root", (1 << 256) - 1)])
def test_public_inputs_below_r(rig, pending, name, value):
    _, header, data, proof = pending
    rig.reject(PublicInputOutOfRange, lambda: rig.contract.submit_batch(dataclasses.replace(header, **{name: value}),
                                                                        data, proof))


def test_malformed_batches_and_proofs(rig, pending):
    _, header, data, proof = pending
    c = rig.contract
    rig.reject(MalformedBatch, lambda: c.submit_batch(header, data[:-1], proof))
    rig.reject(MalformedBatch, lambda: c.submit_batch(header, data + b"\x09" * 45, proof))  # type 9
    noop_with_amount = bytes([0]) + bytes(16) + (5).to_bytes(8, "big") + bytes(20)
    rig.reject(MalformedBatch, lambda: c.submit_batch(header, data + noop_with_amount, proof))
    rig.reject(MalformedBatch, lambda: c.submit_batch(dataclasses.replace(header, fee_account=1 << 32), data, proof))
    rig.reject(MalformedProof, lambda: c.submit_batch(header, data, Proof(G1Point(1, 1), proof.b, proof.c)))
    rig.reject(MalformedProof, lambda: c.submit_batch(header, data, Proof(G1Point(proof.a.x + Q, proof.a.y),
                                                                          proof.b, proof.c)))
    rig.do(lambda: c.submit_batch(header, data, proof))


# ----------------------------------------------------------------------------- exodus


def _exodus_world(rig: Rig) -> None:
    """Batch 1 final (accounts 0, 1, 2; 250 claimable by CAROL); deposit 3 queued."""
    records = deposit_two(rig) + [transfer_record(1, 2, 100, fee=3), withdraw_record(2, 250, CAROL, fee=2)]
    rig.settle(records)
    rig.do(lambda: rig.contract.deposit(pubkey_of(3), 400, sender=ALICE))


def test_deadline_exodus_refunds_and_exits(rig):
    c = rig.contract
    _exodus_world(rig)
    rig.reject(NotInExodus, lambda: c.activate_exodus(sender=BOB))
    rig.reject(NotInExodus, lambda: c.refund_deposit(3, sender=BOB))
    rig.reject(NotInExodus, lambda: c.exit(*rig.exit_args(1, ALICE)))
    rig.mine(DEADLINE - 1)  # the next block is the deadline block: still in time
    assert not rig.exodus()
    rig.mine(1)
    assert rig.exodus()
    settled = rig.l2.copy()
    header, data, proof = rig.batch([deposit_record(3, pubkey_of(3), 400)])
    rig.reject(ExodusMode, lambda: c.submit_batch(header, data, proof))
    rig.reject(ExodusMode, lambda: c.deposit(pubkey_of(4), 5, sender=BOB))
    rig.events()
    alice, burnt = rig.balance(ALICE), rig.balance(0)
    # the first exit activates exodus (slashing the bond) and pays the account's last final balance
    rig.do(lambda: c.exit(*rig.exit_args(1, ALICE, model=settled)))
    assert rig.balance(ALICE) == alice + 897 and rig.balance(0) == burnt + BOND and rig.bond() == 0
    assert [k for k, _ in rig.events()] == ["bond_slashed", "exodus", "exit"]
    rig.reject(ExodusMode, lambda: c.activate_exodus(sender=BOB))
    rig.reject(AlreadyExited, lambda: c.exit(*rig.exit_args(1, ALICE, model=settled)))
    rig.reject(NothingToClaim, lambda: c.refund_deposit(1, sender=BOB))
    rig.reject(NothingToClaim, lambda: c.refund_deposit(4, sender=BOB))
    assert rig.do(lambda: c.refund_deposit(3, sender=BOB)) == 400
    rig.reject(AlreadyClaimed, lambda: c.refund_deposit(3, sender=BOB))
    assert rig.balance(ALICE) == alice + 897 + 400
    assert rig.do(lambda: c.claim(CAROL)) == 250  # final withdrawals stay claimable
    rig.do(lambda: c.exit(*rig.exit_args(2, BOB, model=settled)))
    rig.do(lambda: c.exit(*rig.exit_args(0, SEQUENCER, model=settled)))
    assert rig.snapshot()["exited"][:3] == [True, True, True]


def test_bad_exits(rig):
    c = rig.contract
    _exodus_world(rig)
    rig.mine(DEADLINE)
    index, to, balance, proof = rig.exit_args(1, ALICE)
    rig.reject(BadExitProof, lambda: c.exit(index, to, balance + 1, proof))
    rig.reject(BadExitProof, lambda: c.exit(2, to, balance, proof))
    rig.reject(BadExitProof, lambda: c.exit(index, BOB, balance, proof))
    rig.reject(BadExitProof, lambda: c.exit(index, to, balance, rig.toy.prove([c.state_root, 0, 0])))
    rig.reject(BadExitProof, lambda: c.exit(index, to, balance, Proof(G1Point(1, 1), proof.b, proof.c)))
    rig.reject(NothingToClaim, lambda: c.exit(7, to, 0, proof))
    rig.reject(MalformedInput, lambda: c.exit(1 << 4, to, balance, proof))
    rig.reject(MalformedInput, lambda: c.exit(index, to, 1 << 64, proof))
    assert rig.do(lambda: c.exit(index, to, balance, proof)) == 897


# ----------------------------------------------------------------------------- governance


def test_key_upgrade_behind_the_timelock(rig):
    c = rig.contract
    new = ToyGroth16(seed=32)
    rig.reject(NoPendingChange, lambda: c.activate_vk_upgrade(sender=ALICE))
    rig.reject(NoPendingChange, lambda: c.cancel_vk_upgrade(sender=GOVERNOR))
    rig.reject(Unauthorized, lambda: c.propose_vk_upgrade(new.vk, sender=ALICE))
    rig.do(lambda: c.propose_vk_upgrade(new.vk, sender=GOVERNOR) and None)
    rig.reject(TimelockActive, lambda: c.propose_vk_upgrade(new.vk, sender=GOVERNOR))
    rig.reject(TimelockActive, lambda: c.activate_vk_upgrade(sender=ALICE))

    def with_key(toy):
        header, data = rig.prepare([], rig.l2.root)
        return lambda: c.submit_batch(header, data, toy.prove(header.public_inputs()))

    rig.reject(BadProof, with_key(new))
    rig.do(with_key(rig.toy))
    rig.mine(TIMELOCK - 3)  # the next block is the last under the old key
    rig.reject(BadProof, with_key(new))
    rig.do(with_key(rig.toy))
    rig.reject(BadProof, with_key(rig.toy))  # the effective block: the new key, applied by the batch
    rig.do(with_key(new))
    assert [k for k, _ in rig.events() if k.startswith("vk")] == ["vk_proposed", "vk_upgraded"]
    rig.reject(NoPendingChange, lambda: c.activate_vk_upgrade(sender=ALICE))


def test_a_cancelled_upgrade_never_takes_effect(rig):
    c = rig.contract
    new = ToyGroth16(seed=33)
    rig.do(lambda: c.propose_vk_upgrade(new.vk, sender=GOVERNOR) and None)
    rig.reject(Unauthorized, lambda: c.cancel_vk_upgrade(sender=ALICE))
    rig.do(lambda: c.cancel_vk_upgrade(sender=GOVERNOR))
    rig.mine(TIMELOCK + 1)
    rig.reject(NoPendingChange, lambda: c.activate_vk_upgrade(sender=ALICE))
    header, data = rig.prepare([], rig.l2.root)
    rig.reject(BadProof, lambda: c.submit_batch(header, data, new.prove(header.public_inputs())))
    rig.do(lambda: c.submit_batch(header, data, rig.prove(header)))


@pytest.mark.parametrize("base", BASES)
def test_the_council_pauses_batches_and_nothing_else(base, tmp_path, toy, request):
    rig = make_rig(base, tmp_path / "council", toy, council=COUNCIL, council_threshold=2, node=_node(request, base))
    try:
        c = rig.contract
        rig.do(lambda: c.deposit(pubkey_of(1), 1000, sender=ALICE))
        rig.settle([deposit_record(1, pubkey_of(1), 1000), withdraw_record(1, 100, CAROL)])
        rig.reject(Unauthorized, lambda: c.vote_pause(sender=ALICE))
        assert rig.do(lambda: c.vote_pause(sender=COUNCIL[0])) is False
        rig.reject(PauseVoteRefused, lambda: c.vote_pause(sender=COUNCIL[0]))
        rig.reject(PauseVoteRefused, lambda: c.vote_unpause(sender=COUNCIL[1]))
        assert rig.do(lambda: c.vote_pause(sender=COUNCIL[2])) is True
        assert rig.paused()
        header, data, proof = rig.batch([])
        rig.reject(BatchesPaused, lambda: c.submit_batch(header, data, proof))
        rig.do(lambda: c.deposit(pubkey_of(2), 5, sender=BOB))
        assert rig.do(lambda: c.claim(CAROL)) == 100
        rig.reject(Unauthorized, lambda: c.propose_vk_upgrade(ToyGroth16(seed=34).vk, sender=COUNCIL[0]))
        assert rig.do(lambda: c.vote_unpause(sender=COUNCIL[0])) is False
        assert rig.do(lambda: c.vote_unpause(sender=COUNCIL[1])) is True
        rig.do(lambda: c.submit_batch(header, data, proof))
        assert [k for k, _ in rig.events() if k.startswith("pause")] == ["pause_vote", "pause_vote", "pause_changed",
                                                                        "pause_vote", "pause_vote", "pause_changed"]
    finally:
        rig.close()


# ----------------------------------------------------------------------------- one sequence, every base


def _long_sequence(rig: Rig) -> list:
    """Deposits, three batches, claims, rejections, exodus, refunds and exits; what the base layer said."""
    c = rig.contract
    out: list = []
    records = deposit_two(rig) + [transfer_record(1, 2, 100, fee=3), withdraw_record(2, 250, CAROL, fee=2)]
    rig.settle(records)
    rig.do(lambda: c.deposit(pubkey_of(3), 400, sender=ALICE))
    rig.settle([deposit_record(3, pubkey_of(3), 400), transfer_record(3, 1, 50, fee=1), withdraw_record(1, 20, BOB)])
    header, data, proof = rig.batch([transfer_record(2, 3, 1), withdraw_record(3, 9, CAROL, fee=1)])
    rig.reject(WrongCommitment, lambda: c.submit_batch(dataclasses.replace(header, commitment=1), data, proof))
    rig.do(lambda: c.submit_batch(header, data, proof))
    rig.do(lambda: c.claim(CAROL))
    rig.do(lambda: c.claim(BOB))
    rig.do(lambda: c.deposit(pubkey_of(4), 77, sender=BOB))
    rig.mine(DEADLINE + 1)
    for index, to in ((1, ALICE), (2, BOB), (3, ALICE), (0, SEQUENCER)):
        rig.do(lambda: c.exit(*rig.exit_args(index, to)))
    rig.do(lambda: c.refund_deposit(4))
    out.append(rig.snapshot())
    out.append(rig.events())
    out.append(rig.log)
    return out


def test_one_sequence_gives_one_transcript_on_every_base(tmp_path, toy, request):
    transcripts = {}
    for base in BASES:
        rig = make_rig(base, tmp_path / base, toy, node=_node(request, base))
        try:
            transcripts[base] = _long_sequence(rig)
        finally:
            rig.close()
    embedded = transcripts.pop("embedded")
    snapshot = embedded[0]
    assert snapshot["batch"] == 3 and snapshot["exited"][:4] == [True] * 4 and snapshot["claimable"] == [0] * 9
    # the commitments differ (each names its own deployment: chain id and contract address); the rest may not
    def events(transcript):
        return [(kind, {k: v for k, v in fields.items() if k != "commitment"}) for kind, fields in transcript[1]]

    for base, transcript in transcripts.items():
        assert transcript[0] == snapshot, base
        assert events(transcript) == events(embedded), base
        assert transcript[2] == embedded[2], base


def test_the_l2_rebuilds_from_what_each_base_layer_holds(rig):
    """The posted batches, read back from the base layer alone (on an EVM: its logs and the submitBatch calldata,
    deposit keys from the deposit events), give the same records and, replayed, the final root."""
    from tests.settlement.helpers import MiniL2

    first = rig.l2.copy()
    records = deposit_two(rig) + [transfer_record(1, 2, 100, fee=3), withdraw_record(2, 250, CAROL, fee=2)]
    rig.settle(records)
    rig.do(lambda: rig.contract.deposit(pubkey_of(3), 400, sender=ALICE))
    second = [deposit_record(3, pubkey_of(3), 400), transfer_record(3, 1, 50, fee=1)]
    rig.settle(second)
    stored = rig.contract.batches()
    assert [b.number for b in stored] == [1, 2]
    assert [b.records() for b in stored] == [records, second]
    assert [(b.deposits_from, b.deposits_to) for b in stored] == [(0, 2), (2, 3)]
    assert stored[1].deposits_after == rig.contract.deposit_chain(3) and stored[0].total_fees == 5
    replay = MiniL2(first.depth, {i: dataclasses.replace(a) for i, a in first.accounts.items()})
    for b in stored:
        assert replay.root == b.old_root
        replay.apply(b.records(), b.fee_account)
        assert replay.root == b.new_root
    assert replay.root == rig.contract.state_root


@pytest.mark.parametrize("base", BASES)
def test_deployment_parameters_are_bounded(base, tmp_path, toy, request):
    """A deadline or timelock beyond 2^30 blocks is refused at deployment, on every base layer."""
    import tests.settlement.conformance.rigs as rigs

    for name in ("DEADLINE", "TIMELOCK"):
        saved = getattr(rigs, name)
        setattr(rigs, name, (1 << 30) + 1)
        try:
            with pytest.raises(MalformedInput):
                make_rig(base, tmp_path / name, toy, node=_node(request, base)).close()
        finally:
            setattr(rigs, name, saved)
    make_rig(base, tmp_path / "ok", toy, node=_node(request, base)).close()
