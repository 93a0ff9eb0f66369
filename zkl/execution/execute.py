"""Applying a batch to an account store and recording what the batch circuit needs: the native twin of
`zkl.circuits.rollup.BatchCircuit`.

`execute(store, slots, ...)` applies the transaction slots in order, then credits the fee
account with the batch's fees, and returns a `BatchWitness`: every leaf preimage and Merkle path
before each update, the signatures, the deployment domain, the deposit-chain and commitment
values, the roots. `BatchWitness.assignment()` is the input of `BatchCircuit(len(slots), depth)`.
The formulas (e0 packing, signed message, deposit chain, commitment) are `zkl.crypto.protocol`'s.

With `strict=True` (the sequencer's mode) every rule the circuit enforces is checked first and a
violation raises an ExecutionError subclass, so the sequencer never produces a batch it cannot
prove. With `strict=False` nothing is checked and arithmetic is mod r: a test plays a malicious
sequencer that way, building a witness consistent everywhere except where it cheats, and checks
that the circuit refuses it. `MemoryStore` (a dict and a `zkl.crypto.merkle.MerkleTree`, no
validation) is the account store for such witnesses; `zkl.execution.state.State` the real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from zkl.algebra.constants import R
from zkl.crypto import eddsa
from zkl.crypto.babyjubjub import Point
from zkl.crypto.merkle import MerkleProof, MerkleTree
from zkl.crypto.protocol import (
    AMOUNT_BITS,
    DOMAIN_BITS,
    NONCE_BITS,
    PUBLIC_INPUTS,
    TREE_ARITY,
    TxType,
    ADDRESS_BITS,
    INDEX_BITS,
    commitment_of,
    deposit_hash,
    header_bytes,
    levels,
    message_to_sign,
    pack_e0,
    slot_bytes,
)
from zkl.crypto.pubdata import TxRecord
from zkl.errors import (
    AmountOutOfRange,
    ExecutionError,
    InsufficientBalance,
    InvalidSignature,
    MalformedInput,
    UnknownAccount,
)
from zkl.execution.accounts import Account

__all__ = ["AccountStore", "AccountWitness", "BatchExecutor", "BatchWitness", "MemoryStore", "Slot", "TxWitness",
           "execute", "slot_elements"]


class AccountStore(Protocol):
    """What `execute` needs of a state: accounts by index, Merkle proofs, updates, the root."""

    depth: int
    levels: int

    @property
    def root(self) -> int: ...

    def account(self, index: int) -> Account | None: ...

    def proof(self, index: int) -> MerkleProof: ...

    def put(self, index: int, account: Account) -> int: ...


class MemoryStore:
    """An in-memory account store with no validation (any values, mod r): for tests and malicious witnesses."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.levels = levels(depth)
        self.tree = MerkleTree(self.levels, TREE_ARITY)
        self.accounts: dict[int, Account] = {}

    @property
    def root(self) -> int:
        """The tree root."""
        return self.tree.root

    def account(self, index: int) -> Account | None:
        """The account at index, or None."""
        return self.accounts.get(index)

    def proof(self, index: int) -> MerkleProof:
        """The Merkle proof of the leaf at index."""
        return self.tree.proof(index)

    def put(self, index: int, account: Account) -> int:
        """Store an account (values reduced mod r, nothing checked); return the new root."""
        account = Account((account.pubkey[0] % R, account.pubkey[1] % R), account.balance % R, account.nonce % R)
        self.accounts[index] = account
        return self.tree.set(index, account.leaf())

    def set_leaf(self, index: int, leaf: int) -> int:
        """Overwrite a raw leaf (a malicious test's tool); return the new root."""
        return self.tree.set(index, leaf % R)


@dataclass(frozen=True)
class Slot:
    """One transaction slot as the circuit reads it: raw fields (any values) and the signature."""

    type: int
    from_index: int = 0
    to_index: int = 0
    amount: int = 0
    fee: int = 0
    e1: int = 0
    e2: int = 0
    signature: eddsa.Signature | None = None

    @classmethod
    def from_record(cls, record: TxRecord, signature: eddsa.Signature | None = None) -> Slot:
        """The slot of a data-availability record (and, for transfers and withdrawals, its signature)."""
        _, e1, e2 = record.elements()
        return cls(int(record.type), record.from_index, record.to_index, record.amount, record.fee, e1, e2,
                   signature)

    def record(self) -> TxRecord:
        """The TxRecord of this slot (raises MalformedInput if its fields are not a valid record)."""
        kind = TxType(self.type)
        if kind == TxType.DEPOSIT:
            return TxRecord(kind, to_index=self.to_index, amount=self.amount, pubkey=(self.e1, self.e2))
        if kind == TxType.WITHDRAW:
            if self.e2:
                raise MalformedInput(f"a withdrawal slot must have e2 0, not {self.e2}")
            return TxRecord(kind, from_index=self.from_index, to_index=self.to_index, amount=self.amount,
                            fee=self.fee, l1_address=self.e1)
        if self.e1 or self.e2:
            raise MalformedInput(f"a {kind.name.lower()} slot must have e1 = e2 = 0")
        return TxRecord(kind, from_index=self.from_index, to_index=self.to_index, amount=self.amount, fee=self.fee)


def _slot_bytes(slot: Slot) -> bytes:
    """The slot's public data as the circuit hashes it (equal to TxRecord.to_bytes for valid records); each field
    cut to its width, so that a malicious witness still has bytes (its circuit refuses the out-of-range field)."""
    cut = lambda v, bits: v % R % (1 << bits)  # noqa: E731
    address = cut(slot.e1, ADDRESS_BITS) if slot.type % R == TxType.WITHDRAW else 0
    return slot_bytes(cut(slot.type, 8), cut(slot.from_index, INDEX_BITS), cut(slot.to_index, INDEX_BITS),
                      cut(slot.amount, AMOUNT_BITS), cut(slot.fee, AMOUNT_BITS), address)


def slot_elements(slot: Slot) -> tuple[int, int, int]:
    """(e0, e1, e2) of a slot, as the circuit packs them (equal to TxRecord.elements for valid records)."""
    e0 = pack_e0(slot.type, slot.from_index, slot.to_index, slot.amount, slot.fee) % R
    return e0, slot.e1 % R, slot.e2 % R


@dataclass(frozen=True)
class AccountWitness:
    """A leaf before its update (key, balance, nonce; empty = 1 for an index with no account) and its path."""

    pubkey: tuple[int, int] = (0, 0)
    balance: int = 0
    nonce: int = 0
    empty: int = 0
    siblings: tuple[tuple[int, ...], ...] = ()

    @classmethod
    def disabled(cls, levels: int) -> AccountWitness:
        """The witness of an update a slot does not make (all zeros)."""
        return cls(siblings=((0,) * (TREE_ARITY - 1),) * levels)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (integers as decimal strings)."""
        return {"pubkey": [str(v) for v in self.pubkey], "balance": str(self.balance), "nonce": str(self.nonce),
                "empty": self.empty, "siblings": [[str(v) for v in level] for level in self.siblings]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountWitness:
        """Inverse of to_json."""
        return cls((int(data["pubkey"][0]), int(data["pubkey"][1])), int(data["balance"]), int(data["nonce"]),
                   int(data["empty"]), tuple(tuple(int(v) for v in level) for level in data["siblings"]))


@dataclass(frozen=True)
class TxWitness:
    """One slot with its sender and receiver leaves (each before its own update) and paths."""

    slot: Slot
    sender: AccountWitness
    receiver: AccountWitness


@dataclass
class BatchWitness:
    """Everything the batch circuit is solved from (see `assignment`)."""

    depth: int
    domain: int
    """the deployment's `Domain.element`"""
    batch_number: int
    fee_account: int
    deposits_before: int
    deposits_after: int
    total_fees: int
    old_root: int
    new_root: int
    commitment: int
    txs: list[TxWitness]
    fee: AccountWitness
    roots: list[int] = field(default_factory=list)
    """The root after each slot (len(txs) of them), then after the fee credit."""

    @property
    def batch_size(self) -> int:
        """Number of slots."""
        return len(self.txs)

    @property
    def public_inputs(self) -> list[int]:
        """The circuit's public inputs in `protocol.PUBLIC_INPUTS` order: [old_root, new_root, commitment]."""
        return [getattr(self, name) for name in PUBLIC_INPUTS]

    def assignment(self) -> dict[str, Any]:
        """The input values of `BatchCircuit(batch_size, depth)`."""
        txs = self.txs
        sig = [t.slot.signature for t in txs]
        return {
            "old_root": self.old_root, "new_root": self.new_root, "commitment": self.commitment,
            "domain": self.domain % R, "batch_number": self.batch_number % R, "fee_account": self.fee_account % R,
            "deposits_before": self.deposits_before % R,
            "tx_type": [t.slot.type % R for t in txs],
            "from_index": [t.slot.from_index % R for t in txs],
            "to_index": [t.slot.to_index % R for t in txs],
            "amount": [t.slot.amount % R for t in txs],
            "fee": [t.slot.fee % R for t in txs],
            "e1": [t.slot.e1 % R for t in txs],
            "e2": [t.slot.e2 % R for t in txs],
            "sig_r8": [[s.r8.x, s.r8.y] if s else [0, 0] for s in sig],
            "sig_s": [s.s if s else 0 for s in sig],
            **_account_inputs("sender", [t.sender for t in txs], empty=False),
            **_account_inputs("receiver", [t.receiver for t in txs], empty=True),
            "fee_pubkey": [self.fee.pubkey[0] % R, self.fee.pubkey[1] % R],
            "fee_balance": self.fee.balance % R, "fee_nonce": self.fee.nonce % R, "fee_empty": self.fee.empty % R,
            "fee_siblings": [list(level) for level in self.fee.siblings],
        }

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (integers as decimal strings, signatures packed as circomlibjs, hex)."""
        return {
            "depth": self.depth, "domain": f"0x{self.domain:056x}", "batch_number": self.batch_number,
            "fee_account": self.fee_account,
            "deposits_before": str(self.deposits_before), "deposits_after": str(self.deposits_after),
            "total_fees": str(self.total_fees), "old_root": str(self.old_root), "new_root": str(self.new_root),
            "commitment": str(self.commitment), "roots": [str(r) for r in self.roots],
            "fee": self.fee.to_json(),
            "txs": [{"slot": _slot_json(t.slot), "sender": t.sender.to_json(), "receiver": t.receiver.to_json()}
                    for t in self.txs],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BatchWitness:
        """Inverse of to_json."""
        try:
            return cls(
                int(data["depth"]), int(data["domain"], 16), int(data["batch_number"]), int(data["fee_account"]),
                int(data["deposits_before"]), int(data["deposits_after"]), int(data["total_fees"]),
                int(data["old_root"]), int(data["new_root"]), int(data["commitment"]),
                [TxWitness(_slot_from_json(t["slot"]), AccountWitness.from_json(t["sender"]),
                           AccountWitness.from_json(t["receiver"])) for t in data["txs"]],
                AccountWitness.from_json(data["fee"]), [int(r) for r in data.get("roots", [])])
        except KeyError as exc:
            raise MalformedInput(f"a batch witness needs the field {exc.args[0]!r}") from None
        except (TypeError, ValueError, IndexError, OverflowError, AttributeError) as exc:
            raise MalformedInput(f"a batch witness is malformed: {exc}") from None


def _account_inputs(prefix: str, ws: Sequence[AccountWitness], empty: bool) -> dict[str, Any]:
    """The per-slot inputs of one account role (sender or receiver)."""
    out: dict[str, Any] = {
        f"{prefix}_pubkey": [[w.pubkey[0] % R, w.pubkey[1] % R] for w in ws],
        f"{prefix}_balance": [w.balance % R for w in ws],
        f"{prefix}_nonce": [w.nonce % R for w in ws],
        f"{prefix}_siblings": [[list(level) for level in w.siblings] for w in ws],
    }
    if empty:
        out[f"{prefix}_empty"] = [w.empty % R for w in ws]
    return out


def _slot_json(slot: Slot) -> dict[str, Any]:
    """JSON of a slot."""
    out: dict[str, Any] = {"type": slot.type, "from": slot.from_index, "to": slot.to_index,
                           "amount": str(slot.amount), "fee": str(slot.fee), "e1": str(slot.e1), "e2": str(slot.e2)}
    if slot.signature is not None:
        out["signature"] = [str(slot.signature.r8.x), str(slot.signature.r8.y), str(slot.signature.s)]
    return out


def _slot_from_json(data: dict[str, Any]) -> Slot:
    """Inverse of _slot_json (the signature is taken as stored, not re-validated)."""
    sig = None
    if "signature" in data:
        x, y, s = (int(v) for v in data["signature"])
        sig = eddsa.Signature(Point(x, y), s)
    return Slot(int(data["type"]), int(data["from"]), int(data["to"]), int(data["amount"]), int(data["fee"]),
                int(data["e1"]), int(data["e2"]), sig)


def _siblings(store: AccountStore, index: int) -> tuple[tuple[int, ...], ...]:
    """The Merkle siblings of an index, per level."""
    return tuple(tuple(level) for level in store.proof(index).siblings)


def _check_fields(slot: Slot, depth: int) -> None:
    """The record-level rules the circuit enforces (strict mode)."""
    try:
        kind = TxType(slot.type)
    except ValueError:
        raise MalformedInput(f"transaction type must be 0..3, not {slot.type!r}") from None
    for name in ("amount", "fee"):
        value = getattr(slot, name)
        if not 0 <= value < 1 << AMOUNT_BITS:
            raise AmountOutOfRange(f"{name} must be in [0, 2^{AMOUNT_BITS}), not {value}")
    for name in ("from_index", "to_index"):
        value = getattr(slot, name)
        if not 0 <= value < 1 << depth:
            raise MalformedInput(f"{name} must be in [0, 2^{depth}), not {value}")
    if kind not in (TxType.TRANSFER, TxType.WITHDRAW) and slot.fee:
        raise MalformedInput(f"a {kind.name.lower()} pays no fee, not {slot.fee}")
    if not 0 <= slot.e1 < R or not 0 <= slot.e2 < R:
        raise MalformedInput("e1 and e2 must be field elements")


class BatchExecutor:
    """Applies slots one at a time (`apply`), then credits the fees (`finish`): `execute` step by step.

    In strict mode a slot that breaks a rule raises before touching the store, so a sequencer can
    try transactions one by one and leave out those that fail.
    """

    def __init__(self, store: AccountStore, *, domain: int, batch_number: int, deposits_before: int,
                 strict: bool = True) -> None:
        if strict and (isinstance(domain, bool) or not isinstance(domain, int) or not 0 <= domain < 1 << DOMAIN_BITS):
            raise MalformedInput(f"domain must be a Domain.element, an integer in [0, 2^{DOMAIN_BITS}), not {domain!r}")
        self.store = store
        self.domain = domain
        self.batch_number = batch_number
        self.deposits_before = deposits_before % R
        self.strict = strict
        self.old_root = store.root
        self.chain = self.deposits_before
        self.total_fees = 0
        self.txs: list[TxWitness] = []
        self.roots: list[int] = []

    def apply(self, slot: Slot) -> TxWitness:
        """Apply one slot; return its witness (strict: raise, store untouched, if it breaks a rule)."""
        try:
            tx = _apply(self.store, slot, self.domain, self.strict)
        except (ExecutionError, MalformedInput) as exc:
            raise type(exc)(f"slot {len(self.txs)}: {exc}") from None
        if slot.type == TxType.DEPOSIT:
            self.chain = deposit_hash(self.chain, (slot.e1, slot.e2), slot.amount)
        self.total_fees += slot.fee
        self.txs.append(tx)
        self.roots.append(self.store.root)
        return tx

    def finish(self, fee_account: int) -> BatchWitness:
        """Credit the fees to `fee_account` and return the batch witness."""
        total_fees = self.total_fees % R
        fee = _credit_fees(self.store, fee_account, total_fees, self.strict)
        self.roots.append(self.store.root)
        header = header_bytes(*(v % (1 << bits) for v, bits in (
            (self.domain, DOMAIN_BITS), (self.batch_number, 64), (fee_account, INDEX_BITS),
            (total_fees, AMOUNT_BITS), (self.deposits_before, 256), (self.chain, 256))))
        commitment = commitment_of(header, b"".join(_slot_bytes(tx.slot) for tx in self.txs))
        return BatchWitness(self.store.depth, self.domain, self.batch_number, fee_account, self.deposits_before,
                            self.chain, total_fees, self.old_root, self.store.root, commitment, list(self.txs), fee,
                            list(self.roots))


def execute(store: AccountStore, slots: Sequence[Slot], *, domain: int, batch_number: int, fee_account: int,
            deposits_before: int, strict: bool = True) -> BatchWitness:
    """Apply the slots to the store, credit the fees to `fee_account`, and return the batch witness.

    domain: the deployment's `Domain.element` (what signatures and the commitment are bound to).

    strict: check every rule first (ExecutionError subclasses: UnknownAccount, InvalidSignature,
    InsufficientBalance, AmountOutOfRange; MalformedInput), values as integers; on error the slots
    before the failing one stay applied (wrap the call in `State.begin`/`rollback`).
    strict=False: no checks, arithmetic mod r (a malicious sequencer's witness).
    """
    executor = BatchExecutor(store, domain=domain, batch_number=batch_number, deposits_before=deposits_before,
                             strict=strict)
    for slot in slots:
        executor.apply(slot)
    return executor.finish(fee_account)


def _apply(store: AccountStore, slot: Slot, domain: int, strict: bool) -> TxWitness:
    """Apply one slot and return its witness; in strict mode every check runs before any write."""
    if strict:
        _check_fields(slot, store.depth)
    kind = slot.type
    sender = receiver = AccountWitness.disabled(store.levels)
    spent: Account | None = None
    if kind in (TxType.TRANSFER, TxType.WITHDRAW):
        account = store.account(slot.from_index)
        if account is None:
            if strict:
                raise UnknownAccount(f"no account at index {slot.from_index} to spend from")
            account = Account((0, 0))
        if strict:
            _check_signature(slot, account, domain)
            debit = slot.amount + slot.fee
            if account.balance < debit:
                raise InsufficientBalance(f"account {slot.from_index} holds {account.balance}, "
                                          f"less than amount + fee = {debit}")
            if account.nonce + 1 >= 1 << NONCE_BITS:
                raise AmountOutOfRange(f"account {slot.from_index} has used all 2^{NONCE_BITS} nonces")
        sender = AccountWitness(account.pubkey, account.balance, account.nonce, 0, ())
        spent = Account(account.pubkey, (account.balance - slot.amount - slot.fee) % R, (account.nonce + 1) % R)
    credited: Account | None = None
    if kind in (TxType.DEPOSIT, TxType.TRANSFER):
        same = spent is not None and slot.to_index == slot.from_index
        account = spent if same else store.account(slot.to_index)
        empty = 0
        if account is None:
            if strict and kind != TxType.DEPOSIT:
                raise UnknownAccount(f"no account at index {slot.to_index} to pay to")
            account, empty = Account((slot.e1, slot.e2) if kind == TxType.DEPOSIT else (0, 0)), 1
        if strict:
            if kind == TxType.DEPOSIT and account.pubkey != (slot.e1, slot.e2):
                raise ExecutionError(f"account {slot.to_index} belongs to another key than the deposit's")
            if account.balance + slot.amount >= 1 << AMOUNT_BITS:
                raise AmountOutOfRange(f"crediting {slot.amount} to account {slot.to_index} "
                                       f"(balance {account.balance}) overflows 2^{AMOUNT_BITS}")
        receiver = AccountWitness(account.pubkey, account.balance, account.nonce, empty, ())
        credited = Account(account.pubkey, (account.balance + slot.amount) % R, account.nonce)
    # all checks passed: write, each update's path taken just before it
    if spent is not None:
        sender = replace(sender, siblings=_siblings(store, slot.from_index))
        store.put(slot.from_index, spent)
    if credited is not None:
        receiver = replace(receiver, siblings=_siblings(store, slot.to_index))
        store.put(slot.to_index, credited)
    return TxWitness(slot, sender, receiver)


def _check_signature(slot: Slot, account: Account, domain: int) -> None:
    """Raise InvalidSignature unless the slot is signed by the account for this domain (protocol.message_to_sign)."""
    if slot.signature is None:
        raise InvalidSignature(f"a {TxType(slot.type).name.lower()} needs a signature")
    e0, e1, _ = slot_elements(slot)
    message = message_to_sign(e0, e1, account.nonce, domain)
    try:
        ok = eddsa.verify(Point(*account.pubkey), message, slot.signature)
    except MalformedInput:
        ok = False
    if not ok:
        raise InvalidSignature(f"the signature does not verify under the key of account {slot.from_index}")


def _credit_fees(store: AccountStore, fee_account: int, total_fees: int, strict: bool) -> AccountWitness:
    """Credit the batch's fees to the fee account; return its witness."""
    if strict and not 0 <= fee_account < 1 << store.depth:
        raise MalformedInput(f"fee account must be in [0, 2^{store.depth}), not {fee_account}")
    account = store.account(fee_account)
    if account is None:
        if strict and total_fees:
            raise UnknownAccount(f"no fee account at index {fee_account} to credit {total_fees} in fees")
        return AccountWitness(empty=1, siblings=_siblings(store, fee_account))
    if strict and account.balance + total_fees >= 1 << AMOUNT_BITS:
        raise AmountOutOfRange(f"crediting {total_fees} in fees to account {fee_account} overflows 2^{AMOUNT_BITS}")
    witness = AccountWitness(account.pubkey, account.balance, account.nonce, 0, _siblings(store, fee_account))
    if total_fees:
        store.put(fee_account, Account(account.pubkey, (account.balance + total_fees) % R, account.nonce))
    return witness
