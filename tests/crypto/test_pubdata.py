"""The rollup's data-availability record: encoding round trips, validation, commitment binding."""

from __future__ import annotations

import hashlib
import random

import pytest

from zkl.crypto.protocol import Domain, TxType, deposit_hash
from zkl.crypto.pubdata import BatchHeader, TxRecord, commitment, decode, encode, total_fees
from zkl.errors import MalformedInput

DOMAIN = Domain(5, 0xD0).element


def random_record(rng: random.Random) -> TxRecord:
    kind = rng.choice(list(TxType))
    u = lambda bits: rng.randrange(1 << bits)  # noqa: E731
    if kind == TxType.NOOP:
        return TxRecord(kind)
    if kind == TxType.DEPOSIT:
        return TxRecord(kind, to_index=u(32), amount=u(64), pubkey=(u(253), u(253)))
    if kind == TxType.TRANSFER:
        return TxRecord(kind, from_index=u(32), to_index=u(32), amount=u(64), fee=u(64))
    return TxRecord(kind, from_index=u(32), amount=u(64), fee=u(64), l1_address=u(160))


def test_bytes_round_trip_and_sizes():
    rng = random.Random(1)
    records = [random_record(rng) for _ in range(300)]
    data = encode(records)
    keys = [r.pubkey for r in records if r.type == TxType.DEPOSIT]
    assert decode(data, keys) == records
    assert len(data) == 45 * len(records)
    # without the queue's keys a deposit comes back keyed (0, 0); with the wrong number of keys, refused
    assert all(r.pubkey == (0, 0) for r in decode(data) if r.type == TxType.DEPOSIT)
    with pytest.raises(MalformedInput, match="keys"):
        decode(data, keys[:-1])
    with pytest.raises(MalformedInput, match="keys"):
        decode(data, keys + [(1, 2)])


def test_elements_pack_fields_without_overlap():
    r = TxRecord(TxType.TRANSFER, from_index=(1 << 32) - 1, to_index=5, amount=(1 << 64) - 1, fee=(1 << 64) - 1)
    e0, e1, e2 = r.elements()
    assert e0 & 0xFF == 2
    assert (e0 >> 8) & ((1 << 32) - 1) == (1 << 32) - 1
    assert (e0 >> 40) & ((1 << 32) - 1) == 5
    assert (e0 >> 72) & ((1 << 64) - 1) == (1 << 64) - 1
    assert e0 >> 136 == (1 << 64) - 1
    assert (e1, e2) == (0, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(type=TxType.TRANSFER, amount=1 << 64),
        dict(type=TxType.TRANSFER, fee=-1),
        dict(type=TxType.TRANSFER, from_index=1 << 32),
        dict(type=TxType.DEPOSIT, fee=1),
        dict(type=TxType.WITHDRAW, to_index=3),
        dict(type=TxType.TRANSFER, pubkey=(1, 2)),
        dict(type=TxType.NOOP, amount=1),
        dict(type=TxType.WITHDRAW, l1_address=1 << 160),
        dict(type=7),
        dict(type=TxType.DEPOSIT, pubkey=(1 << 254, 1)),
        dict(type=TxType.TRANSFER, amount="5"),
        dict(type=TxType.TRANSFER, amount=True),
    ],
)
def test_malformed_records_are_refused(kwargs):
    with pytest.raises(MalformedInput):
        TxRecord(**kwargs)


@pytest.mark.parametrize("data, where", [(b"\x07" + bytes(44), "slot 0"), (b"\x02\x00", "whole 45-byte slots"),
                                         (bytes(45) + b"\x00" + b"\x01" + bytes(43), "slot 1"),
                                         (b"\x01" * 45, "slot 0")])
def test_malformed_bytes_name_the_slot(data, where):
    with pytest.raises(MalformedInput, match=where):
        decode(data)


def test_commitment_binds_every_part():
    rng = random.Random(2)
    records = [random_record(rng) for _ in range(8)]
    header = BatchHeader(domain=DOMAIN, batch_number=3, fee_account=1, total_fees=77, deposits_before=11,
                         deposits_after=12)
    c = commitment(header, records)
    head = (DOMAIN.to_bytes(32, "big") + (3).to_bytes(8, "big") + (1).to_bytes(4, "big") + (77).to_bytes(8, "big")
            + (11).to_bytes(32, "big") + (12).to_bytes(32, "big"))
    assert c == int.from_bytes(hashlib.sha256(head + encode(records)).digest(), "big") >> 3
    swapped = records[1:2] + records[:1] + records[2:]
    if records[0] != records[1]:
        assert commitment(header, swapped) != c
    for field in ("domain", "batch_number", "fee_account", "total_fees", "deposits_before", "deposits_after"):
        changed = BatchHeader(**{**header.__dict__, field: getattr(header, field) + 1})
        assert commitment(changed, records) != c


def test_signed_message_binds_nonce_fields_and_domain():
    t = TxRecord(TxType.TRANSFER, from_index=1, to_index=2, amount=10, fee=1)
    assert t.message(0, DOMAIN) != t.message(1, DOMAIN)
    assert t.message(0, DOMAIN) != t.message(0, Domain(6, 0xD0).element)
    assert t.message(0, DOMAIN) != TxRecord(TxType.TRANSFER, from_index=1, to_index=2, amount=10, fee=2).message(0, DOMAIN)
    w = TxRecord(TxType.WITHDRAW, from_index=1, amount=10, fee=1, l1_address=0xABC)
    assert w.message(0, DOMAIN) != TxRecord(TxType.WITHDRAW, from_index=1, amount=10, fee=1,
                                            l1_address=0xABD).message(0, DOMAIN)
    with pytest.raises(MalformedInput):
        TxRecord(TxType.NOOP).message(0, DOMAIN)
    with pytest.raises(MalformedInput):
        t.message(1 << 32, DOMAIN)
    with pytest.raises(MalformedInput):
        t.message(0, 1 << 221)


def test_total_fees_counts_transfers_and_withdrawals():
    records = [TxRecord(TxType.TRANSFER, amount=1, fee=3), TxRecord(TxType.WITHDRAW, amount=1, fee=4),
               TxRecord(TxType.DEPOSIT, amount=9, pubkey=(1, 2)), TxRecord(TxType.NOOP)]
    assert total_fees(records) == 7


def test_deposit_chain_is_order_sensitive():
    a, b = ((1, 2), 5), ((3, 4), 6)
    ab = deposit_hash(deposit_hash(0, *a), *b)
    ba = deposit_hash(deposit_hash(0, *b), *a)
    assert ab != ba
