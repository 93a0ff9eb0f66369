"""L2 transactions: signed transfers and withdrawals, deposits from the base layer, and their checks.

A transfer or withdrawal is a `zkl.crypto.pubdata.TxRecord` plus the sender's nonce, the
deployment domain it is signed for, and an EdDSA-Poseidon signature by the key of the account
`from_index` over `protocol.message_to_sign(e0, e1, nonce, domain)` = Poseidon(e0, e1, nonce +
2^32 domain). Its JSON form (what a wallet sends, what `zkl` reads):

    {"type": "transfer", "from": 3, "to": 5, "amount": "1000", "fee": "2", "nonce": 0,
     "domain": "0x<56 hex digits: Domain.element>",
     "signature": "<128 hex digits: packed R8 then S, as circomlibjs packSignature>"}
    {"type": "withdraw", "from": 3, "amount": "1000", "fee": "2", "nonce": 1,
     "l1_address": "0x<40 hex digits>", "domain": "0x...", "signature": "..."}

Amounts and fees are integers or decimal strings (JavaScript cannot hold 64-bit integers).

`validate(tx, state, min_fee=..., pending=...)` is the mempool's check: it raises one specific
error and changes nothing:

    MalformedInput        a field of the wrong type or shape, an index outside the tree
    AmountOutOfRange      amount or fee not in [0, 2^64)
    WrongDomain           signed for another deployment (another chain or contract)
    UnknownAccount        no account at `from` (or at `to` for a transfer)
    FeeTooLow             fee below the current minimum (the message states it)
    NonceMismatch         nonce already used (a replay) or ahead of the next one
    InvalidSignature      the signature does not verify under the sender's key
    InsufficientBalance   balance (less pending debits) below amount + fee
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from zkl.algebra.constants import R
from zkl.crypto import eddsa
from zkl.crypto.babyjubjub import Point
from zkl.crypto.protocol import ADDRESS_BITS, AMOUNT_BITS, DOMAIN_BITS, INDEX_BITS, NONCE_BITS, Domain, TxType
from zkl.crypto.pubdata import TxRecord
from zkl.errors import (
    AmountOutOfRange,
    FeeTooLow,
    InsufficientBalance,
    InvalidSignature,
    MalformedInput,
    NonceMismatch,
    UnknownAccount,
    WrongDomain,
)
from zkl.execution.state import State

__all__ = ["Pending", "QueuedDeposit", "SignedTx", "parse_tx", "parse_unsigned", "validate"]

_HEX64 = re.compile(r"[0-9a-fA-F]{128}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_DOMAIN = re.compile(r"0x[0-9a-fA-F]{1,56}")


def _uint(value: object, what: str, bits: int, error: type[Exception] = AmountOutOfRange) -> int:
    """Return an integer (or decimal string) in [0, 2^bits); MalformedInput for a wrong type, else `error`."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,80}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInput(f"{what} must be an integer or a decimal string, not {value!r}")
    if not 0 <= value < 1 << bits:
        raise error(f"{what} must be in [0, 2^{bits}), not {value}")
    return value


@dataclass(frozen=True)
class SignedTx:
    """A transfer or withdrawal signed by the key of account `record.from_index` at `nonce`, for `domain`.

    domain: the `Domain.element` of the deployment the signature is meant for.
    """

    record: TxRecord
    nonce: int
    domain: int
    signature: eddsa.Signature

    def __post_init__(self) -> None:
        if not isinstance(self.record, TxRecord) or self.record.type not in (TxType.TRANSFER, TxType.WITHDRAW):
            raise MalformedInput(f"a signed transaction is a transfer or a withdrawal record, not {self.record!r}")
        _uint(self.nonce, "nonce", NONCE_BITS, MalformedInput)
        _uint(self.domain, "domain", DOMAIN_BITS, MalformedInput)
        if not isinstance(self.signature, eddsa.Signature):
            raise MalformedInput(f"signature must be an eddsa.Signature, not {type(self.signature).__name__}")

    @cached_property
    def message(self) -> int:
        """The signed field element (computed once: the fields are frozen)."""
        return self.record.message(self.nonce, self.domain)

    @property
    def id(self) -> str:
        """A stable identifier: the signed message in hex (one per fields, nonce and deployment)."""
        return f"{self.message:064x}"

    def verify(self, pubkey: tuple[int, int] | Point) -> bool:
        """Whether the signature verifies under pubkey."""
        try:
            return eddsa.verify(Point(int(pubkey[0]), int(pubkey[1])), self.message, self.signature)
        except MalformedInput:
            return False

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see the module docstring)."""
        r = self.record
        out: dict[str, Any] = {"type": r.type.name.lower(), "from": r.from_index}
        if r.type == TxType.TRANSFER:
            out["to"] = r.to_index
        out.update({"amount": str(r.amount), "fee": str(r.fee), "nonce": self.nonce})
        if r.type == TxType.WITHDRAW:
            out["l1_address"] = f"0x{r.l1_address:040x}"
        out["domain"] = f"0x{self.domain:056x}"
        out["signature"] = self.signature.pack().hex()
        return out

    @classmethod
    def from_json(cls, data: object) -> SignedTx:
        """Parse the JSON form strictly (unknown or missing keys, bad types and ranges are refused)."""
        return parse_tx(data)


def parse_tx(data: object) -> SignedTx:
    """Parse a signed transaction from its JSON form (a dict); specific errors as the module says."""
    record, nonce, domain, packed = parse_unsigned(data)
    return SignedTx(record, nonce, domain, eddsa.Signature.unpack(packed))


def parse_unsigned(data: object) -> tuple[TxRecord, int, int, bytes]:
    """(record, nonce, domain, packed signature bytes) of a transaction's JSON form, the signature not decoded.

    The checks of `parse_tx` but the signature's: its 64 bytes are only read from hex (for a caller that
    decodes and verifies many signatures at once, `zkl.crypto.eddsa_batch`).
    """
    if not isinstance(data, dict):
        raise MalformedInput(f"a transaction must be a JSON object, not {type(data).__name__}")
    kind = data.get("type")
    if kind not in ("transfer", "withdraw"):
        raise MalformedInput(f"transaction type must be 'transfer' or 'withdraw', not {kind!r}")
    keys = {"type", "from", "amount", "fee", "nonce", "domain", "signature"} | (
        {"to"} if kind == "transfer" else {"l1_address"})
    missing, extra = keys - set(data), set(data) - keys
    if missing:
        raise MalformedInput(f"a {kind} needs the field(s) {', '.join(sorted(missing))}")
    if extra:
        raise MalformedInput(f"a {kind} has no field(s) {', '.join(sorted(extra))}")
    from_index = _uint(data["from"], "from", INDEX_BITS, MalformedInput)
    amount = _uint(data["amount"], "amount", AMOUNT_BITS)
    fee = _uint(data["fee"], "fee", AMOUNT_BITS)
    nonce = _uint(data["nonce"], "nonce", NONCE_BITS, MalformedInput)
    domain = data["domain"]
    if not isinstance(domain, str) or not _DOMAIN.fullmatch(domain):
        raise MalformedInput(f"domain must be '0x' and at most 56 hex digits (the deployment's domain element), "
                             f"not {domain!r:.80}")
    domain = _uint(int(domain, 16), "domain", DOMAIN_BITS, MalformedInput)
    sig_hex = data["signature"]
    if not isinstance(sig_hex, str) or not _HEX64.fullmatch(sig_hex):
        raise MalformedInput("signature must be 128 hex digits (packed R8 and S, as circomlibjs packSignature)")
    if kind == "transfer":
        to_index = _uint(data["to"], "to", INDEX_BITS, MalformedInput)
        record = TxRecord(TxType.TRANSFER, from_index=from_index, to_index=to_index, amount=amount, fee=fee)
    else:
        address = data["l1_address"]
        if isinstance(address, str) and _ADDRESS.fullmatch(address):
            address = int(address, 16)
        address = _uint(address, "l1_address", ADDRESS_BITS, MalformedInput)
        record = TxRecord(TxType.WITHDRAW, from_index=from_index, amount=amount, fee=fee, l1_address=address)
    return record, nonce, domain, bytes.fromhex(sig_hex)


@dataclass(frozen=True)
class QueuedDeposit:
    """A deposit from the base layer's queue: `amount` for the L2 key `pubkey`, at `queue_index` (from 1,
    as the rollup contract numbers them).

    The queue's hash chain: D_0 = 0 and deposit k moves D_{k-1} to D_k = Poseidon(D_{k-1}, pubkey.x,
    pubkey.y, amount).
    """

    queue_index: int
    pubkey: tuple[int, int]
    amount: int

    def __post_init__(self) -> None:
        if _uint(self.queue_index, "queue_index", 64, MalformedInput) < 1:
            raise MalformedInput("deposit queue indices count from 1, not 0")
        _uint(self.amount, "deposit amount", AMOUNT_BITS)
        try:
            x, y = self.pubkey
        except (TypeError, ValueError):
            raise MalformedInput(f"a deposit's pubkey must be a pair (x, y), not {self.pubkey!r}") from None
        for name, v in (("x", x), ("y", y)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < R:
                raise MalformedInput(f"a deposit's pubkey.{name} must be a field element, not {v!r}")
        object.__setattr__(self, "pubkey", (x, y))

    def record(self, to_index: int) -> TxRecord:
        """The DEPOSIT record crediting this deposit to account `to_index`."""
        return TxRecord(TxType.DEPOSIT, to_index=to_index, amount=self.amount, pubkey=self.pubkey)

    def to_json(self) -> dict[str, Any]:
        """JSON form: queue index, key as decimal strings, amount as a decimal string."""
        return {"queue_index": self.queue_index, "pubkey": [str(self.pubkey[0]), str(self.pubkey[1])],
                "amount": str(self.amount)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueuedDeposit:
        """Inverse of to_json."""
        try:
            return cls(int(data["queue_index"]), (int(data["pubkey"][0]), int(data["pubkey"][1])),
                       int(data["amount"]))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise MalformedInput(f"a deposit JSON is malformed: {exc!r}") from None


@dataclass(frozen=True)
class Pending:
    """What the mempool already holds for one account: how many transactions, and their debits."""

    count: int = 0
    debit: int = 0


def validate(tx: SignedTx, state: State, *, domain: Domain, min_fee: int = 0, pending: Pending = Pending(),
             signature_valid: bool | None = None) -> None:
    """Raise the specific error for a transaction the mempool must refuse (see the module docstring).

    domain: the deployment this mempool serves. The next nonce is the account's plus
    `pending.count`; the balance available is the account's less `pending.debit`. signature_valid:
    whether the signature verifies under the sender's key, when the caller checked it already (a batch
    of signatures at once); None checks it here. Changes nothing.
    """
    if not isinstance(tx, SignedTx):
        raise MalformedInput(f"expected a SignedTx, not {type(tx).__name__}")
    if tx.domain != domain.element:
        raise WrongDomain(f"the transaction is signed for domain 0x{tx.domain:056x}, not for this deployment "
                          f"({domain}: domain 0x{domain.element:056x})")
    r = tx.record
    for name in ("from_index", "to_index"):
        if getattr(r, name) >= state.capacity:
            raise MalformedInput(f"{name} must be below 2^{state.depth}, the size of the account tree, "
                                 f"not {getattr(r, name)}")
    sender = state.account(r.from_index)
    if sender is None:
        raise UnknownAccount(f"no account at index {r.from_index} to spend from")
    if r.type == TxType.TRANSFER and state.account(r.to_index) is None:
        raise UnknownAccount(f"no account at index {r.to_index} to pay to")
    if r.fee < min_fee:
        raise FeeTooLow(f"fee {r.fee} is below the current minimum fee {min_fee}")
    expected = sender.nonce + pending.count
    if tx.nonce < expected:
        raise NonceMismatch(f"nonce {tx.nonce} of account {r.from_index} is already used (a replay); "
                            f"the next nonce is {expected}")
    if tx.nonce > expected:
        raise NonceMismatch(f"nonce {tx.nonce} of account {r.from_index} is ahead of the next nonce {expected}")
    if expected >= (1 << NONCE_BITS) - 1:
        raise NonceMismatch(f"account {r.from_index} has used all 2^{NONCE_BITS} nonces")
    if not (tx.verify(sender.pubkey) if signature_valid is None else signature_valid):
        raise InvalidSignature(f"the signature does not verify under the key of account {r.from_index}")
    available = sender.balance - pending.debit
    if available < r.amount + r.fee:
        raise InsufficientBalance(f"account {r.from_index} can spend {available}, less than amount + fee = "
                                  f"{r.amount + r.fee}")
