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

Compact bytes of one transaction (big-endian integers), what a batch posts:

    noop      01 byte:  type
    deposit   77 bytes: type, to u32, amount u64, pubkey.x 32 bytes, pubkey.y 32 bytes
    transfer  25 bytes: type, from u32, to u32, amount u64, fee u64
    withdraw  41 bytes: type, from u32, amount u64, fee u64, l1 address 20 bytes

Batch header: the deployment domain (its element), batch number, fee account index (the
sequencer's account, credited once per batch with the sum of the fees), the total fees and the
deposit-queue hashes before and after the batch. `commitment(header, records)` is the
protocol's commitment over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkl.crypto.protocol import (
    ADDRESS_BITS,
    AMOUNT_BITS,
    INDEX_BITS,
    TxType,
    commitment_final,
    commitment_start,
    commitment_step,
    message_to_sign,
    pack_e0,
)
from zkl.algebra.constants import R
from zkl.errors import MalformedInput

_LIMITS = {"amount": AMOUNT_BITS, "fee": AMOUNT_BITS, "from_index": INDEX_BITS, "to_index": INDEX_BITS}

_SIZES = {TxType.NOOP: 1, TxType.DEPOSIT: 77, TxType.TRANSFER: 25, TxType.WITHDRAW: 41}


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
        """The compact big-endian encoding posted on the base layer."""
        t = bytes([int(self.type)])
        if self.type == TxType.NOOP:
            return t
        if self.type == TxType.DEPOSIT:
            return (t + self.to_index.to_bytes(4, "big") + self.amount.to_bytes(8, "big")
                    + self.pubkey[0].to_bytes(32, "big") + self.pubkey[1].to_bytes(32, "big"))
        if self.type == TxType.TRANSFER:
            return (t + self.from_index.to_bytes(4, "big") + self.to_index.to_bytes(4, "big")
                    + self.amount.to_bytes(8, "big") + self.fee.to_bytes(8, "big"))
        return (t + self.from_index.to_bytes(4, "big") + self.amount.to_bytes(8, "big")
                + self.fee.to_bytes(8, "big") + self.l1_address.to_bytes(20, "big"))


def encode(records: list[TxRecord]) -> bytes:
    """The compact bytes of a batch's transactions, concatenated."""
    return b"".join(r.to_bytes() for r in records)


def decode(data: bytes) -> list[TxRecord]:
    """Parse compact bytes back into records; MalformedInput names the offset of anything malformed."""
    records: list[TxRecord] = []
    pos = 0
    while pos < len(data):
        try:
            kind = TxType(data[pos])
        except ValueError:
            raise MalformedInput(f"public data byte {pos} must be a transaction type 0..3, not {data[pos]}") from None
        size = _SIZES[kind]
        if pos + size > len(data):
            raise MalformedInput(f"a {kind.name.lower()} at byte {pos} needs {size} bytes, only {len(data) - pos} remain")
        chunk = data[pos + 1 : pos + size]
        num = lambda a, b: int.from_bytes(chunk[a:b], "big")  # noqa: E731
        if kind == TxType.NOOP:
            record = TxRecord(kind)
        elif kind == TxType.DEPOSIT:
            record = TxRecord(kind, to_index=num(0, 4), amount=num(4, 12), pubkey=(num(12, 44), num(44, 76)))
        elif kind == TxType.TRANSFER:
            record = TxRecord(kind, from_index=num(0, 4), to_index=num(4, 8), amount=num(8, 16), fee=num(16, 24))
        else:
            record = TxRecord(kind, from_index=num(0, 4), amount=num(4, 12), fee=num(12, 20), l1_address=num(20, 40))
        records.append(record)
        pos += size
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


def total_fees(records: Sequence[TxRecord]) -> int:
    """The sum of the fees of the TRANSFER and WITHDRAW records (what the fee account is credited)."""
    return sum(r.fee for r in records if r.type in (TxType.TRANSFER, TxType.WITHDRAW))


def commitment(header: BatchHeader, records: Sequence[TxRecord]) -> int:
    """The commitment to a batch's public data (the batch circuit's third public input)."""
    c = commitment_start(header.domain, header.batch_number, header.fee_account, header.total_fees,
                         header.deposits_before)
    for record in records:
        c = commitment_step(c, *record.elements())
    return commitment_final(c, header.deposits_after)
