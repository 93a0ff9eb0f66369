"""The rollup contract: deposits, batch settlement, claims, and every rejection leaving the whole ledger unchanged."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner
from tests.settlement.helpers import (
    ALICE,
    BOB,
    BOND,
    CAROL,
    CHAIN_ID,
    DEADLINE,
    DEPTH,
    FEE_ACCOUNT,
    GENESIS,
    SEQUENCER,
    ToyGroth16,
    assert_rejected,
    deposit_record,
    make_world,
    prepare_batch,
    pubkey_of,
    transfer_record,
    withdraw_record,
)

from zkl.algebra.constants import Q, R
from zkl.algebra.curve import G2_B, is_in_subgroup_g2, is_on_curve_g2
from zkl.algebra.points import G1Point, G2Point
from zkl.crypto.babyjubjub import GENERATOR
from zkl.crypto.protocol import Domain, TxType, deposit_hash
from zkl.crypto.pubdata import BatchHeader, TxRecord, commitment, decode, encode, total_fees
from zkl.errors import (
    AlreadyClaimed,
    BadProof,
    InsufficientFunds,
    LedgerError,
    MalformedBatch,
    MalformedInput,
    MalformedProof,
    NothingToClaim,
    NotOnCurve,
    OutOfOrderBatch,
    PublicInputOutOfRange,
    ReplayedBatch,
    SettlementError,
    SkippedDeposit,
    StaleStateRoot,
    Unauthorized,
    WrongCommitment,
)
from zkl.settlement import ROLLUP_ADDRESS, L1BatchHeader, Ledger, RollupContract, address_hex, open_settlement
from zkl.verifier.keys import Proof


@pytest.fixture(scope="module")
def toy():
    return ToyGroth16(seed=11)


@pytest.fixture
def world(tmp_path, toy):
    w = make_world(tmp_path / "data", toy)
    yield w
    w.ledger.close()


def deposit_two(world):
    c = world.contract
    c.deposit(pubkey_of(1), 1000, sender=ALICE)
    c.deposit(pubkey_of(2), 700, sender=BOB)
    return [deposit_record(1, pubkey_of(1), 1000), deposit_record(2, pubkey_of(2), 700)]


# ----------------------------------------------------------------------------- happy path


def test_deploy(world, toy):
    s = world.contract.status()
    assert (s.batch_number, s.state_root, s.depth, s.queue_length) == (0, world.l2.root, DEPTH, 0)
    assert (s.exodus, s.exodus_activated, s.pending_vk, s.bond, s.escrow) == (False, False, None, BOND, BOND)
    assert world.ledger.balance(SEQUENCER) == GENESIS[SEQUENCER] - BOND
    assert world.contract.verifying_key() == toy.vk
    # the deployment domain: the ledger's chain id and the contract's address, fixed at deployment
    assert s.domain == world.contract.domain == Domain(CHAIN_ID, ROLLUP_ADDRESS)
    assert s.to_dict()["domain"] == {"chain_id": str(CHAIN_ID), "contract": address_hex(ROLLUP_ADDRESS),
                                     "element": f"0x{Domain(CHAIN_ID, ROLLUP_ADDRESS).element:056x}"}
    assert [e.kind for e in world.ledger.events()] == ["genesis", "deploy"]
    assert world.ledger.events("deploy")[0].data["domain"] == s.to_dict()["domain"]
    with pytest.raises(LedgerError, match="already deployed"):
        RollupContract.deploy(world.ledger, toy.vk, 0, DEPTH, exit_vk=world.exit_toy.vk, sequencer=SEQUENCER)


def test_deploy_rejects_a_key_with_the_wrong_number_of_inputs(tmp_path):
    ledger = Ledger.create(tmp_path, GENESIS)
    exit_vk = ToyGroth16(seed=4, n_public=5).vk
    with pytest.raises(MalformedInput, match="3 public inputs"):
        RollupContract.deploy(ledger, ToyGroth16(seed=3, n_public=2).vk, 0, DEPTH, exit_vk=exit_vk,
                              sequencer=SEQUENCER)
    with pytest.raises(MalformedInput, match="5 public inputs .root, domain, account index, l1 address, balance"):
        RollupContract.deploy(ledger, ToyGroth16(seed=3).vk, 0, DEPTH, exit_vk=ToyGroth16(seed=4).vk,
                              sequencer=SEQUENCER)
    with pytest.raises(LedgerError, match="no rollup contract"):
        RollupContract(ledger)
    ledger.close()


def test_deposit_escrows_and_queues(world):
    c = world.contract
    d1 = c.deposit(pubkey_of(1), 1000, sender=ALICE)
    d2 = c.deposit(pubkey_of(2), 700, sender=BOB)
    assert (d1.index, d2.index) == (1, 2)
    assert world.ledger.balance(ALICE) == GENESIS[ALICE] - 1000
    assert world.ledger.balance(ROLLUP_ADDRESS) == BOND + 1700
    h1 = deposit_hash(0, pubkey_of(1), 1000)
    h2 = deposit_hash(h1, pubkey_of(2), 700)
    assert (d1.chain_hash, d2.chain_hash) == (h1, h2)
    assert c.deposit_chain() == h2 and c.deposit_chain(1) == h1 and c.deposit_chain(0) == 0
    assert d1.deadline == d1.height + DEADLINE
    queue = c.queued_deposits()
    assert [(d.index, d.pubkey, d.amount, d.status) for d in queue] == [
        (1, pubkey_of(1), 1000, "queued"), (2, pubkey_of(2), 700, "queued")]
    status = c.status()
    assert (status.queue_length, status.next_deadline) == (2, d1.deadline)
    assert [e.data["index"] for e in world.ledger.events("deposit")] == [1, 2]


def test_deposit_rejections_change_nothing(world):
    c, ledger = world.contract, world.ledger
    assert_rejected(ledger, InsufficientFunds, lambda: c.deposit(pubkey_of(1), 1, sender=CAROL))
    assert_rejected(ledger, MalformedInput, lambda: c.deposit(pubkey_of(1), 0, sender=ALICE))
    assert_rejected(ledger, MalformedInput, lambda: c.deposit(pubkey_of(1), 1 << 64, sender=ALICE))
    assert_rejected(ledger, NotOnCurve, lambda: c.deposit((1, 2), 5, sender=ALICE))
    assert_rejected(ledger, MalformedInput, lambda: c.deposit("key", 5, sender=ALICE))
    # points that are on the curve but no EdDSA key: the identity, and one outside the prime-order subgroup
    assert_rejected(ledger, MalformedInput, lambda: c.deposit((0, 1), 5, sender=ALICE), match="subgroup")
    assert_rejected(ledger, MalformedInput, lambda: c.deposit(GENERATOR, 5, sender=ALICE), match="subgroup")


def test_batch_settles_deposits_transfers_and_withdrawals(world):
    c, ledger = world.contract, world.ledger
    supply = ledger.total_supply()
    records = deposit_two(world) + [
        transfer_record(1, 2, 100, fee=3),
        withdraw_record(2, 250, CAROL, fee=2),
        withdraw_record(1, 40, CAROL, fee=0),
        TxRecord(TxType.NOOP),
    ]
    header, data, proof = world.batch(records)
    assert header.old_root != header.new_root == world.l2.root
    batch = c.submit_batch(header, data, proof)
    status = c.status()
    assert (status.batch_number, status.state_root, status.queue_length) == (1, world.l2.root, 0)
    assert [d.status for d in c.deposits()] == ["processed", "processed"]
    assert [d.batch for d in c.deposits()] == [1, 1]
    # what the contract recorded rebuilds the L2 from the base layer alone
    (stored,) = c.batches()
    assert stored == batch == c.batch(1)
    assert stored.records() == records and decode(stored.public_data, stored.deposit_keys) == records
    assert stored.deposit_keys == (pubkey_of(1), pubkey_of(2))  # the queue's keys: the public data omits them
    assert len(stored.public_data) == 45 * len(records)
    assert stored.total_fees == 5 and (stored.deposits_from, stored.deposits_to) == (0, 2)
    assert stored.deposits_after == c.deposit_chain(2) and stored.deposits_before == 0
    expected = commitment(BatchHeader(c.domain.element, 1, FEE_ACCOUNT, 5, 0, c.deposit_chain(2)), records)
    assert stored.commitment == header.commitment == expected
    assert stored.proof == proof and stored.sender == SEQUENCER
    # withdrawals are claimable at once, and paid once
    assert c.claimable(CAROL) == 290
    assert [(w.amount, w.claimed_height) for w in c.withdrawals(CAROL)] == [(250, None), (40, None)]
    assert c.claim(CAROL) == 290
    assert ledger.balance(CAROL) == 290 and c.claimable(CAROL) == 0
    assert ledger.balance(ROLLUP_ADDRESS) == BOND + 1700 - 290
    assert_rejected(ledger, AlreadyClaimed, lambda: c.claim(CAROL))
    assert_rejected(ledger, NothingToClaim, lambda: c.claim(ALICE))
    assert ledger.total_supply() == supply
    kinds = [e.kind for e in ledger.events()]
    assert kinds[-4:] == ["withdrawal", "withdrawal", "batch", "claim"]
    assert ledger.events("batch")[0].data["new_root"] == str(world.l2.root)


def test_second_batch_consumes_the_next_deposits_and_claims_accumulate(world):
    c = world.contract
    world.settle(deposit_two(world)[:1] + [withdraw_record(1, 10, CAROL)])
    c.deposit(pubkey_of(3), 55, sender=ALICE)
    world.settle([deposit_record(2, pubkey_of(2), 700), deposit_record(3, pubkey_of(3), 55),
                  withdraw_record(3, 5, CAROL)])
    b2 = c.batch(2)
    assert (b2.deposits_from, b2.deposits_to) == (1, 3)
    assert b2.deposits_before == c.deposit_chain(1) and b2.deposits_after == c.deposit_chain(3)
    assert c.claimable(CAROL) == 15
    assert c.claim(CAROL) == 15


def test_a_batch_without_deposits_or_changes(world):
    c = world.contract
    root = c.state_root
    header, data, proof = world.batch([TxRecord(TxType.NOOP)] * 4)
    assert header.new_root == root
    c.submit_batch(header, data, proof)
    assert c.batch_number == 1 and c.state_root == root
    assert c.batch(1).deposits_before == c.batch(1).deposits_after == 0
    # same roots, same data: only the batch number tells a replay, and it does
    assert_rejected(world.ledger, ReplayedBatch, lambda: c.submit_batch(header, data, proof))


def test_persists_across_reopen(world, tmp_path):
    world.settle(deposit_two(world))
    snap = world.ledger.snapshot()
    world.ledger.close()
    ledger, contract = open_settlement(tmp_path / "data")
    assert ledger.snapshot() == snap
    assert contract.state_root == world.l2.root and contract.batch_number == 1
    world.ledger = ledger


# ----------------------------------------------------------------------------- rejections


@pytest.fixture
def pending(world):
    """Two queued deposits and a valid next batch (not submitted) built on a copy of the model."""
    records = deposit_two(world) + [transfer_record(1, 2, 10, fee=1), withdraw_record(2, 20, CAROL, fee=1)]
    model = world.l2.copy()
    header, data, proof = world.batch(records)
    world.l2 = model
    return records, header, data, proof


def resign(world, header):
    return world.toy.prove(header.public_inputs())


def test_stale_root(world, pending):
    _, header, data, _ = pending
    stale = dataclasses.replace(header, old_root=header.old_root + 1)
    assert_rejected(world.ledger, StaleStateRoot, lambda: world.contract.submit_batch(stale, data, resign(world, stale)))


def test_bad_proof(world, pending, toy):
    _, header, data, proof = pending
    c = world.contract
    other_inputs = toy.prove([header.old_root, header.new_root + 1, header.commitment])
    assert_rejected(world.ledger, BadProof, lambda: c.submit_batch(header, data, other_inputs))
    other_key = ToyGroth16(seed=99).prove(header.public_inputs())
    assert_rejected(world.ledger, BadProof, lambda: c.submit_batch(header, data, other_key))
    # a proof of a different new root does not verify for this header's new root
    moved = dataclasses.replace(header, new_root=header.new_root + 1)
    assert_rejected(world.ledger, BadProof, lambda: c.submit_batch(moved, data, proof))
    swapped = Proof(proof.c, proof.b, proof.a)
    assert_rejected(world.ledger, BadProof, lambda: c.submit_batch(header, data, swapped))
    c.submit_batch(header, data, proof)  # the genuine one still goes through
    assert c.batch_number == 1


def test_wrong_commitment(world, pending):
    records, header, data, _ = pending
    c = world.contract
    wrong = dataclasses.replace(header, commitment=header.commitment + 1)
    assert_rejected(world.ledger, WrongCommitment, lambda: c.submit_batch(wrong, data, resign(world, wrong)))
    # data tampered after the proof: a transfer amount changed
    tampered = encode(records[:2] + [transfer_record(1, 2, 11, fee=1)] + records[3:])
    assert len(tampered) == len(data)
    assert_rejected(world.ledger, WrongCommitment, lambda: c.submit_batch(header, tampered, resign(world, header)))
    # a record dropped
    assert_rejected(world.ledger, WrongCommitment,
                    lambda: c.submit_batch(header, encode(records[:-1]), resign(world, header)))
    # the fee total is recomputed by the contract, not taken from the sequencer
    d_after = c.deposit_chain(2)
    lying = commitment(BatchHeader(c.domain.element, 1, FEE_ACCOUNT, 0, 0, d_after), records)
    liar = dataclasses.replace(header, commitment=lying)
    assert_rejected(world.ledger, WrongCommitment, lambda: c.submit_batch(liar, data, resign(world, liar)))
    # the fee account is bound too
    other_fee = dataclasses.replace(header, fee_account=1)
    assert_rejected(world.ledger, WrongCommitment, lambda: c.submit_batch(other_fee, data, resign(world, other_fee)))


def test_a_batch_committed_to_another_deployment_is_refused(world, pending):
    """The commitment binds the domain: a batch (and its proof) made for deployment A is no batch of B."""
    records, header, _, _ = pending
    c = world.contract
    other = Domain(CHAIN_ID + 1, ROLLUP_ADDRESS).element
    assert other != c.domain.element
    d_after = c.deposit_chain(2)
    for_a = commitment(BatchHeader(other, 1, FEE_ACCOUNT, total_fees(records), 0, d_after), records)
    assert for_a != header.commitment  # the same records, another domain: another statement
    batch_a = dataclasses.replace(header, commitment=for_a)
    assert_rejected(world.ledger, WrongCommitment,
                    lambda: c.submit_batch(batch_a, encode(records), resign(world, batch_a)))
    c.submit_batch(header, encode(records), resign(world, header))  # the same batch for this domain settles


def test_skipped_deposits(world, pending):
    records, header, _, _ = pending
    c = world.contract
    d1, d2, *rest = records

    def attempt(recs):
        hdr, _, data = prepare_batch(c, recs, header.new_root, FEE_ACCOUNT)  # a commitment true to the data
        return lambda: c.submit_batch(hdr, data, resign(world, hdr))

    assert_rejected(world.ledger, SkippedDeposit, attempt([d2] + rest), match="must be queued deposit 1")
    assert_rejected(world.ledger, SkippedDeposit, attempt([d2, d1] + rest))
    wrong_amount = deposit_record(1, pubkey_of(1), 999)
    assert_rejected(world.ledger, SkippedDeposit, attempt([wrong_amount, d2] + rest))
    # a deposit's key is not posted: the same bytes whatever key the sequencer claims; the proof binds the key
    # through the deposit chain D_after (the batch circuit's soundness tests show it refuses another key)
    wrong_key = deposit_record(1, pubkey_of(5), 1000)
    assert encode([wrong_key]) == encode([d1])
    # a deposit that was never made: the contract cannot even compute D_after for it
    extra = deposit_record(3, pubkey_of(3), 5)
    with pytest.raises(SkippedDeposit):
        prepare_batch(c, [d1, d2, extra], header.new_root, FEE_ACCOUNT)
    data = encode([d1, d2, extra])
    assert_rejected(world.ledger, SkippedDeposit, lambda: c.submit_batch(header, data, resign(world, header)),
                    match="only 2 are queued")
    # leaving deposits in the queue is allowed (until their deadline): the next batch takes them
    partial, _, pdata = prepare_batch(c, [d1], header.new_root, FEE_ACCOUNT)
    c.submit_batch(partial, pdata, resign(world, partial))
    assert [d.status for d in c.deposits()] == ["processed", "queued"]


def test_replayed_and_out_of_order_batches(world, pending):
    _, header, data, proof = pending
    c = world.contract
    ahead = dataclasses.replace(header, batch_number=2)
    assert_rejected(world.ledger, OutOfOrderBatch, lambda: c.submit_batch(ahead, data, resign(world, ahead)))
    zero = dataclasses.replace(header, batch_number=0)
    assert_rejected(world.ledger, ReplayedBatch, lambda: c.submit_batch(zero, data, resign(world, zero)))
    c.submit_batch(header, data, proof)
    assert_rejected(world.ledger, ReplayedBatch, lambda: c.submit_batch(header, data, proof), match="already final")
    replay_on_new_root = dataclasses.replace(header, old_root=c.state_root)
    assert_rejected(world.ledger, ReplayedBatch,
                    lambda: c.submit_batch(replay_on_new_root, data, resign(world, replay_on_new_root)))


@pytest.mark.parametrize("field,value", [("new_root", R), ("new_root", R + 7), ("commitment", R), ("old_root", 1 << 256)])
def test_public_input_out_of_range(world, pending, field, value):
    _, header, data, proof = pending
    bad = dataclasses.replace(header, **{field: value})
    err = assert_rejected(world.ledger, PublicInputOutOfRange, lambda: world.contract.submit_batch(bad, data, proof))
    assert isinstance(err, MalformedInput) and "[0, r)" in str(err)


def _twist_point_outside_subgroup() -> G2Point:
    """A point of y^2 = x^3 + b' over Fq2 that is not in G2 (square roots in Fq2 = Fq[u]/(u^2 + 1))."""

    def fq_sqrt(a):
        s = pow(a, (Q + 1) // 4, Q)
        return s if s * s % Q == a % Q else None

    def fq2_mul(a, b):
        return ((a[0] * b[0] - a[1] * b[1]) % Q, (a[0] * b[1] + a[1] * b[0]) % Q)

    def fq2_sqrt(a):
        norm = fq_sqrt((a[0] * a[0] + a[1] * a[1]) % Q)
        if norm is None:
            return None
        inv2 = pow(2, -1, Q)
        for n in (norm, Q - norm):
            x0 = fq_sqrt((a[0] + n) * inv2 % Q)
            if x0:
                x1 = a[1] * pow(2 * x0, -1, Q) % Q
                if fq2_mul((x0, x1), (x0, x1)) == (a[0] % Q, a[1] % Q):
                    return (x0, x1)
        return None

    for k in range(1, 100):
        x = (k, 1)
        rhs = fq2_mul(fq2_mul(x, x), x)
        rhs = ((rhs[0] + G2_B[0]) % Q, (rhs[1] + G2_B[1]) % Q)
        y = fq2_sqrt(rhs)
        if y is not None:
            p = G2Point(x, y)
            if is_on_curve_g2(p) and not is_in_subgroup_g2(p):
                return p
    raise AssertionError("no twist point found")


def test_malformed_proofs(world, pending):
    _, header, data, proof = pending
    c = world.contract
    bad_proofs = [
        Proof(G1Point(1, 1), proof.b, proof.c),  # A off the curve
        Proof(proof.a, proof.b, G1Point(proof.c.x, Q - proof.c.y + 1)),  # C off the curve
        Proof(proof.a, _twist_point_outside_subgroup(), proof.c),  # B outside G2
        Proof(proof.a, G2Point((1, 2), (3, 4)), proof.c),  # B off the twist
        Proof(G1Point(proof.a.x + Q, proof.a.y), proof.b, proof.c),  # coordinate >= q
        "not a proof",
    ]
    for bad in bad_proofs:
        err = assert_rejected(world.ledger, MalformedProof, lambda: c.submit_batch(header, data, bad))
        assert isinstance(err, MalformedInput) and isinstance(err, SettlementError)
    # snarkjs JSON is accepted as a proof too, and checked the same way
    from zkl.verifier.snarkjs_json import proof_to_snarkjs_json

    as_json = proof_to_snarkjs_json(proof)
    broken = dict(as_json, pi_a=["1", "1", "1"])
    assert_rejected(world.ledger, MalformedProof, lambda: c.submit_batch(header, data, broken))
    c.submit_batch(header, data, as_json)
    assert c.batch_number == 1


def test_malformed_batches(world, pending):
    _, header, data, proof = pending
    c = world.contract
    assert_rejected(world.ledger, MalformedBatch, lambda: c.submit_batch(header, data[:-1], proof), match="byte")
    assert_rejected(world.ledger, MalformedBatch, lambda: c.submit_batch(header, data + b"\x09", proof))
    assert_rejected(world.ledger, MalformedBatch, lambda: c.submit_batch(header, "text", proof))
    assert_rejected(world.ledger, MalformedBatch, lambda: c.submit_batch(tuple(header.public_inputs()), data, proof))
    big_fee_account = dataclasses.replace(header, fee_account=1 << 32)
    assert_rejected(world.ledger, MalformedBatch, lambda: c.submit_batch(big_fee_account, data, proof))


def test_only_the_sequencer_submits(world, pending):
    _, header, data, proof = pending
    assert_rejected(world.ledger, Unauthorized, lambda: world.contract.submit_batch(header, data, proof, sender=ALICE),
                    match="only the sequencer")
    world.contract.submit_batch(header, data, proof, sender=SEQUENCER)


# ----------------------------------------------------------------------------- CLI


def test_cli_l1_status(world, tmp_path):
    import json

    from zkl.cli import main

    world.settle(deposit_two(world))
    runner = CliRunner()
    where = ["--data-dir", str(tmp_path / "data")]
    out = runner.invoke(main, ["rollup", "l1-status", *where, "--json"])
    assert out.exit_code == 0, out.output
    info = json.loads(out.output)
    assert info["height"] == world.ledger.height and info["chain_id"] == CHAIN_ID
    assert info["contract"]["batch_number"] == 1
    assert info["contract"]["state_root"] == str(world.l2.root)
    assert info["contract"]["domain"] == world.contract.domain.to_json()
    text = runner.invoke(main, ["rollup", "l1-status", *where])
    assert text.exit_code == 0 and "batch number" in text.output and str(world.l2.root) in text.output
    assert world.contract.domain.to_json()["element"] in text.output
    assert "{" not in text.output and "'" not in text.output  # a table, not a Python repr
    events = runner.invoke(main, ["rollup", "l1-events", *where, "--kind", "batch", "--json"])
    assert [e["kind"] for e in json.loads(events.output)["events"]] == ["batch"]
    accounts = runner.invoke(main, ["rollup", "l1-accounts", *where, "--json"])
    assert sum(json.loads(accounts.output)["accounts"].values()) == world.ledger.total_supply()
    missing = runner.invoke(main, ["rollup", "l1-status", "--data-dir", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "no ledger" in missing.output
