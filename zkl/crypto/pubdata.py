"""The rollup's data-availability record: transactions as compact bytes and field elements, and their commitment.

The L2 (zkl.execution) builds it, the batch circuit (zkl.circuits.rollup) recomputes the same
commitment in constraints, and the base layer (zkl.settlement) recomputes it from the bytes
posted with a batch. The numbers and formulas it uses (widths, e0 packing, the commitment's
hashes, the deployment domain) are defined once in `zkl.crypto.protocol`.

Field elements of one transaction, (e0, e1, e2), e0 = `protocol.pack_e0(type, from, to, amount, fee)`:

    deposit:  e1, e2 = the L2 public key (x, y) credited; from_index = 0, fee = 0
    transfer: e1 = e2 = 0
    withdraw: e1 = the L1 address (160-bit int) paid on the base layer, e2 = 0; to_index = 0
    noop:     e0 = e1 = e2 = 0

Bytes of one transaction, what a batch posts: one `protocol.slot_bytes` slot of SLOT_BYTES = 45
bytes each (type u8 | from u32 | to u32 | amount u64 | fee u64 | l1_address 20 bytes, the fields
a type does not use zero). A deposit's public key is not posted: the base layer's deposit queue
holds it, in order, and `decode(data, deposit_keys)` puts it back (without the keys a decoded
deposit carries the key (0, 0)).

Batch header: the deployment domain (its element), batch number, fee account index (the
sequencer's account, credited once per batch with the sum of the fees), the total fees and the
deposit-queue hashes before and after the batch. `commitment(header, records)` is the
protocol's commitment over them: SHA-256 of `protocol.header_bytes` and the slots, truncated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkl.crypto.protocol import (
    ADDRESS_BITS,
    AMOUNT_BITS,
    INDEX_BITS,
    SLOT_BYTES,
    TxType,
    commitment_of,
    header_bytes,
    message_to_sign,
    pack_e0,
    slot_bytes,
)
from zkl.algebra.constants import R
from zkl.errors import MalformedInput

_LIMITS = {"amount": AMOUNT_BITS, "fee": AMOUNT_BITS, "from_index": INDEX_BITS, "to_index": INDEX_BITS}



@dataclass(frozen=True)
class TxRecord:
    """One transaction as the data-availability record holds it (what rebuilding the state needs)."""

    type: TxType
    from_index: int = 0
    to_index: int = 0
    amount: int = 0
    fee: int = 0
    pubkey: tuple[int, int] = (0, 0)
    l1_address: int = 0

    def __post_init__(self) -> None:
        if self.type not in TxType._value2member_map_:
            raise MalformedInput(f"a transaction type must be one of 0..{max(TxType)}, not {self.type!r}")
        object.__setattr__(self, "type", TxType(self.type))
        for name, bits in (*_LIMITS.items(), ("l1_address", ADDRESS_BITS)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
                raise MalformedInput(f"{name} must be an integer in [0, 2^{bits}), not {value!r}")
        if not isinstance(self.pubkey, tuple) or len(self.pubkey) != 2 or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v < R for v in self.pubkey):
            raise MalformedInput(f"pubkey must be a pair of field elements (x, y) below r, not {self.pubkey!r}")
        expected_zero = {
            TxType.NOOP: ("from_index", "to_index", "amount", "fee", "l1_address"),
            TxType.DEPOSIT: ("from_index", "fee", "l1_address"),
            TxType.TRANSFER: ("l1_address",),
            TxType.WITHDRAW: ("to_index",),
        }[self.type]
        for name in expected_zero:
            if getattr(self, name):
                raise MalformedInput(f"a {self.type.name.lower()} record must have {name} 0, not {getattr(self, name)}")
        if self.type != TxType.DEPOSIT and self.pubkey != (0, 0):
            raise MalformedInput(f"only a deposit record carries a public key, not a {self.type.name.lower()}")

    def elements(self) -> tuple[int, int, int]:
        """(e0, e1, e2), the field elements the commitment and the circuit use."""
        if self.type == TxType.NOOP:
            return (0, 0, 0)
        e0 = pack_e0(self.type, self.from_index, self.to_index, self.amount, self.fee)
        if self.type == TxType.DEPOSIT:
            return (e0, self.pubkey[0], self.pubkey[1])
        if self.type == TxType.WITHDRAW:
            return (e0, self.l1_address, 0)
        return (e0, 0, 0)

    def message(self, nonce: int, domain: int) -> int:
        """What the sender signs for this transfer or withdrawal at `nonce` in `domain` (protocol.message_to_sign)."""
        if self.type not in (TxType.TRANSFER, TxType.WITHDRAW):
            raise MalformedInput(f"only transfers and withdrawals are signed, not a {self.type.name.lower()}")
        e0, e1, _ = self.elements()
        return message_to_sign(e0, e1, nonce, domain)

    def to_bytes(self) -> bytes:
        """The record's slot of the public data (protocol.slot_bytes; a deposit's key is not in it)."""
        return slot_bytes(self.type, self.from_index, self.to_index, self.amount, self.fee, self.l1_address)


def encode(records: Sequence[TxRecord]) -> bytes:
    """The public data of a batch's transactions: their slots, concatenated."""
    return b"".join(r.to_bytes() for r in records)


def decode(data: bytes, deposit_keys: Sequence[tuple[int, int]] | None = None) -> list[TxRecord]:
    """Parse public data back into records; MalformedInput names the slot of anything malformed.

    deposit_keys: the public keys of the deposits the batch consumed, in queue order (from the
    base layer); without them, deposits come back with the key (0, 0).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedInput(f"public data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) % SLOT_BYTES:
        raise MalformedInput(f"public data is whole {SLOT_BYTES}-byte slots: {len(data)} bytes leave "
                             f"{len(data) % SLOT_BYTES} over")
    records: list[TxRecord] = []
    keys = iter(deposit_keys or ())
    for i in range(len(data) // SLOT_BYTES):
        chunk = data[i * SLOT_BYTES:(i + 1) * SLOT_BYTES]
        num = lambda a, b: int.from_bytes(chunk[a:b], "big")  # noqa: E731
        if chunk[0] not in TxType._value2member_map_:
            raise MalformedInput(f"public data slot {i} must start with a transaction type 0..3, not {chunk[0]}")
        kind = TxType(chunk[0])
        pubkey = (0, 0)
        if kind == TxType.DEPOSIT and deposit_keys is not None:
            pubkey = next(keys, None)
            if pubkey is None:
                raise MalformedInput(f"public data slot {i} is a deposit beyond the {len(deposit_keys)} keys given")
        try:
            record = TxRecord(kind, from_index=num(1, 5), to_index=num(5, 9), amount=num(9, 17), fee=num(17, 25),
                              l1_address=num(25, 45), pubkey=tuple(pubkey))
        except MalformedInput as e:
            raise MalformedInput(f"public data slot {i}: {e}") from None
        records.append(record)
    if deposit_keys is not None and next(keys, None) is not None:
        raise MalformedInput(f"{len(deposit_keys)} deposit keys were given for "
                             f"{sum(r.type == TxType.DEPOSIT for r in records)} deposit slots")
    return records


@dataclass(frozen=True)
class BatchHeader:
    """What the commitment binds besides the transactions (domain: the deployment's `Domain.element`)."""

    domain: int
    batch_number: int
    fee_account: int
    total_fees: int
    deposits_before: int
    deposits_after: int

    def to_bytes(self) -> bytes:
        """The header as the commitment hashes it (protocol.header_bytes)."""
        return header_bytes(self.domain, self.batch_number, self.fee_account, self.total_fees, self.deposits_before,
                            self.deposits_after)


def total_fees(records: Sequence[TxRecord]) -> int:
    """The sum of the fees of the TRANSFER and WITHDRAW records (what the fee account is credited)."""
    return sum(r.fee for r in records if r.type in (TxType.TRANSFER, TxType.WITHDRAW))


def commitment(header: BatchHeader, records: Sequence[TxRecord]) -> int:
    """The commitment to a batch's header and public data (the batch circuit's third public input)."""
    return commitment_of(header.to_bytes(), encode(records))
