"""The rollup's data-availability record: transactions as compact bytes and field elements, and their commitment.

This module is the single definition shared by the L2 (zkl.execution builds
it), the batch circuit (zkl.circuits recomputes the same commitment in
constraints) and the base layer (zkl.settlement recomputes it from the bytes
posted with a batch).  It sits in zkl.crypto because both sides import it.

Accounts live in a 4-ary Poseidon Merkle tree of ceil(depth / 2) levels
(room for at least 2^depth accounts; indices are range-checked to `depth`
bits).  Leaf = Poseidon(pubkey.x, pubkey.y, balance, nonce); empty leaf 0.
Amounts, fees and balances are 64-bit; nonces 32-bit; indices 32-bit.

Transaction types: NOOP 0, DEPOSIT 1, TRANSFER 2, WITHDRAW 3.

Field elements of one transaction, (e0, e1, e2):

    e0 = type + from_index * 2^8 + to_index * 2^40 + amount * 2^72 + fee * 2^136   (< 2^200)
    deposit:  e1, e2 = the L2 public key (x, y) credited; from_index = 0, fee = 0
    transfer: e1 = e2 = 0
    withdraw: e1 = the L1 address (160-bit int) paid on the base layer, e2 = 0; to_index = 0
    noop:     e0 = e1 = e2 = 0

Compact bytes of one transaction (big-endian integers), what a batch posts:

    noop      01 byte:  type
    deposit   77 bytes: type, to u32, amount u64, pubkey.x 32 bytes, pubkey.y 32 bytes
    transfer  25 bytes: type, from u32, to u32, amount u64, fee u64
    withdraw  41 bytes: type, from u32, amount u64, fee u64, l1 address 20 bytes

Batch header: batch number, fee account index (the sequencer's account,
credited once per batch with the sum of the fees), and the deposit-queue
hashes before and after the batch.  The deposit queue is a hash chain kept
by the base layer: D_0 = 0, D_k = Poseidon(D_{k-1}, pubkey.x, pubkey.y, amount)
for the k-th deposit; the circuit chains every deposit it applies, in order,
from D_before to D_after, so a skipped, reordered, re-keyed or re-valued
deposit cannot reach the D_after that the contract holds.

Commitment (a public input of the batch circuit):

    c_0 = Poseidon(batch_number, fee_account, total_fees, D_before)
    c_i = Poseidon(c_{i-1}, e0_i, e1_i, e2_i)            for each of the B transactions
    commitment = Poseidon(c_B, D_after)

The signed message of a transfer or withdrawal binds every field and the nonce:
    message = Poseidon(e0, e1, nonce)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from zkl.crypto.poseidon import poseidon_hash
from zkl.errors import MalformedInput

AMOUNT_BITS = 64
NONCE_BITS = 32
INDEX_BITS = 32
ADDRESS_BITS = 160
_LIMITS = {"amount": AMOUNT_BITS, "fee": AMOUNT_BITS, "from_index": INDEX_BITS, "to_index": INDEX_BITS}


class TxType(IntEnum):
    """Transaction types as they appear in e0 and in the compact bytes."""

    NOOP = 0
    DEPOSIT = 1
    TRANSFER = 2
    WITHDRAW = 3


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
        object.__setattr__(self, "type", TxType(self.type))
        for name, bits in _LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value < 1 << bits:
                raise MalformedInput(f"{name} must be an integer in [0, 2^{bits}), not {value!r}")
        if not 0 <= self.l1_address < 1 << ADDRESS_BITS:
            raise MalformedInput(f"l1_address must be a {ADDRESS_BITS}-bit integer, not {self.l1_address!r}")
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
        e0 = int(self.type) + (self.from_index << 8) + (self.to_index << 40) + (self.amount << 72) + (self.fee << 136)
        if self.type == TxType.DEPOSIT:
            return (e0, self.pubkey[0], self.pubkey[1])
        if self.type == TxType.WITHDRAW:
            return (e0, self.l1_address, 0)
        return (e0, 0, 0)

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


def message_to_sign(record: TxRecord, nonce: int) -> int:
    """The field element an account signs for a transfer or withdrawal: Poseidon(e0, e1, nonce)."""
    if record.type not in (TxType.TRANSFER, TxType.WITHDRAW):
        raise MalformedInput(f"only transfers and withdrawals are signed, not a {record.type.name.lower()}")
    if not 0 <= nonce < 1 << NONCE_BITS:
        raise MalformedInput(f"nonce must be in [0, 2^{NONCE_BITS}), not {nonce!r}")
    e0, e1, _ = record.elements()
    return poseidon_hash([e0, e1, nonce])


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


def deposit_hash(previous: int, pubkey: tuple[int, int], amount: int) -> int:
    """Next link of the deposit-queue hash chain: Poseidon(previous, pubkey.x, pubkey.y, amount)."""
    return poseidon_hash([previous, pubkey[0], pubkey[1], amount])


@dataclass(frozen=True)
class BatchHeader:
    """What the commitment binds besides the transactions."""

    batch_number: int
    fee_account: int
    total_fees: int
    deposits_before: int
    deposits_after: int


def commitment(header: BatchHeader, records: list[TxRecord]) -> int:
    """The Poseidon commitment to a batch's public data (a public input of the batch circuit)."""
    c = poseidon_hash([header.batch_number, header.fee_account, header.total_fees, header.deposits_before])
    for record in records:
        c = poseidon_hash([c, *record.elements()])
    return poseidon_hash([c, header.deposits_after])
