"""The rollup protocol: every number and formula that the L2, the batch circuit and the base layer must agree on.

This module is the one definition; `zkl.execution` (the native twin), `zkl.circuits.rollup`
(the constraints) and `zkl.settlement` (the contract) import it, and nothing else writes
these numbers down. `zkl.crypto.pubdata` builds the data-availability record on top of it.

Account tree. A 4-ary Poseidon Merkle tree of `levels(depth) = ceil(depth / 2)` levels: room for
at least 2^depth accounts; indices are range-checked to `depth` bits (1 <= depth <= MAX_DEPTH).

    leaf = Poseidon(pubkey.x, pubkey.y, balance, nonce)     (an index with no account: leaf 0)

Widths. Amounts, fees and balances are AMOUNT_BITS = 64 bits, nonces NONCE_BITS = 32, account
indices INDEX_BITS = 32, L1 addresses ADDRESS_BITS = 160, the transaction type TYPE_BITS = 8.

The first field element of a transaction packs its numbers (an injective packing, < 2^200):

    e0 = type + from_index * 2^8 + to_index * 2^40 + amount * 2^72 + fee * 2^136

Deployment domain. Every signed message names the deployment it is meant for, so a signature
made for one deployment is worthless on every other. A deployment is (chain id, contract
address): on an EVM the chain id and the rollup contract's address; on the embedded ledger an id
drawn at genesis and the contract's named address. Its field element is

    domain = SHA-256(chain_id as 32 bytes big-endian || contract as 20 bytes) >> (256 - DOMAIN_BITS)

with DOMAIN_BITS = 221, so that `nonce + 2^32 * domain` < 2^253 < r is an injective pair
(SHA-256 is the EVM's 0x02 precompile: a contract recomputes it for ~100 gas).

Signed messages (EdDSA-Poseidon over Baby Jubjub, `zkl.crypto.eddsa`):

    transfer, withdraw:  Poseidon(e0, e1, nonce + 2^32 * domain)
    exodus exit:         Poseidon(EXIT_TAG, domain, account_index, l1_address)

The transfer message is the 3-input hash it was before domains (the third input is a linear
combination in the circuit: binding the domain costs no constraint per transaction); the exit
message is a 4-input hash, a different Poseidon instance, so no transfer signature is an exit
signature. The batch circuit takes `domain` as a secret input bound through the commitment,
which the contract recomputes with its own domain: a batch proven for another deployment's
domain fails the contract's commitment check, and one proven for this domain cannot carry
another deployment's signatures. No public input is added.

Deposit queue: a hash chain kept by the base layer, D_0 = 0 and for the k-th deposit

    D_k = Poseidon(D_{k-1}, pubkey.x, pubkey.y, amount)

Public data. Every transaction slot is SLOT_BYTES = 45 bytes, whatever its type, so that the
circuit hashes a fixed layout (big-endian integers; fields a type does not use are zero):

    type u8 | from u32 | to u32 | amount u64 | fee u64 | l1_address 20 bytes (withdrawals only)

A deposit's public key is not posted with the batch: it is in the base layer's deposit queue,
which the D chain binds. The batch header is HEADER_BYTES = 116 bytes:

    domain 32 | batch_number u64 | fee_account u32 | total_fees u64 | D_before 32 | D_after 32

Commitment (the third public input): the top 253 bits of SHA-256 over the header and the
slots, `int(SHA-256(header || slot_1 || ... || slot_B)) >> 3`, a field element. SHA-256 is the
EVM's 0x02 precompile (60 + 12 gas a 32-byte word), so a contract recomputes it from the data
posted as calldata for a few hundred gas a batch; in the circuit it costs about 26,500
constraints a 64-byte block (`zkl.circuits.std.sha256`), about 19,500 a slot.

The batch circuit's public inputs, in order: PUBLIC_INPUTS = (old_root, new_root, commitment).
The exit circuit's (`zkl.circuits.exit`, an exodus exit proven to the contract), in order:
EXIT_PUBLIC_INPUTS = (root, domain, account_index, l1_address, balance).
"""

from __future__ import annotations

import hashlib
import operator
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from zkl.algebra.constants import R
from zkl.crypto.poseidon import poseidon_hash
from zkl.errors import MalformedInput

__all__ = [
    "ADDRESS_BITS",
    "AMOUNT_BITS",
    "DOMAIN_BITS",
    "Domain",
    "E0_AMOUNT_SHIFT",
    "E0_FEE_SHIFT",
    "E0_FROM_SHIFT",
    "E0_TO_SHIFT",
    "EXIT_PUBLIC_INPUTS",
    "EXIT_TAG",
    "INDEX_BITS",
    "MAX_DEPTH",
    "MIN_DEPTH",
    "NONCE_BITS",
    "PUBLIC_INPUTS",
    "TREE_ARITY",
    "TYPE_BITS",
    "TxType",
    "check_depth",
    "COMMITMENT_BITS",
    "HEADER_BYTES",
    "SLOT_BYTES",
    "commitment_of",
    "header_bytes",
    "slot_bytes",
    "deposit_hash",
    "exit_message",
    "leaf_hash",
    "levels",
    "message_to_sign",
    "nonce_word",
    "pack_e0",
]

TYPE_BITS = 8
INDEX_BITS = 32
AMOUNT_BITS = 64
NONCE_BITS = 32
ADDRESS_BITS = 160
CHAIN_ID_BITS = 256
DOMAIN_BITS = 221
"""Bits of a domain element: 2^NONCE_BITS * domain + nonce stays below 2^253 < r."""

E0_FROM_SHIFT = TYPE_BITS
E0_TO_SHIFT = E0_FROM_SHIFT + INDEX_BITS
E0_AMOUNT_SHIFT = E0_TO_SHIFT + INDEX_BITS
E0_FEE_SHIFT = E0_AMOUNT_SHIFT + AMOUNT_BITS
E0_BITS = E0_FEE_SHIFT + AMOUNT_BITS

TREE_ARITY = 4
MIN_DEPTH = 1
MAX_DEPTH = INDEX_BITS
"""Deepest account tree: indices are INDEX_BITS-bit fields of e0."""

PUBLIC_INPUTS = ("old_root", "new_root", "commitment")
"""The batch circuit's public inputs, in the order the proof and the contract take them."""

EXIT_PUBLIC_INPUTS = ("root", "domain", "account_index", "l1_address", "balance")
"""The exit circuit's public inputs (zkl.circuits.exit), in the order the proof and the contract take them."""

EXIT_TAG = int.from_bytes(b"zkl.exit", "big")
"""First input of the exit message, naming what is signed."""

_DECIMAL = re.compile(r"[0-9]{1,78}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class TxType(IntEnum):
    """Transaction types, as e0's low byte and the first byte of a record's compact bytes."""

    NOOP = 0
    DEPOSIT = 1
    TRANSFER = 2
    WITHDRAW = 3


def levels(depth: int) -> int:
    """The levels of the 4-ary account tree with room for 2^depth accounts: ceil(depth / 2)."""
    return (depth + 1) // 2


def check_depth(depth: object) -> int:
    """Return depth if it is an integer in [MIN_DEPTH, MAX_DEPTH], else raise MalformedInput."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not MIN_DEPTH <= depth <= MAX_DEPTH:
        raise MalformedInput(f"depth must be an integer in [{MIN_DEPTH}, {MAX_DEPTH}], not {depth!r}")
    return depth


def pack_e0(tx_type: int, from_index: int, to_index: int, amount: int, fee: int) -> int:
    """e0 = type + from 2^8 + to 2^40 + amount 2^72 + fee 2^136 (no range check: callers check or reduce mod r)."""
    return (int(tx_type) + (from_index << E0_FROM_SHIFT) + (to_index << E0_TO_SHIFT) + (amount << E0_AMOUNT_SHIFT)
            + (fee << E0_FEE_SHIFT))


def leaf_hash(pubkey: tuple[int, int], balance: int, nonce: int) -> int:
    """An account's tree leaf, Poseidon(pubkey.x, pubkey.y, balance, nonce) (values reduced mod r)."""
    return poseidon_hash([pubkey[0] % R, pubkey[1] % R, balance % R, nonce % R])


def _uint(value: object, what: str, bits: int) -> int:
    """Return value if it is an int in [0, 2^bits), else raise MalformedInput."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise MalformedInput(f"{what} must be an integer, not {type(value).__name__}")
    value = operator.index(value)
    if not 0 <= value < 1 << bits:
        raise MalformedInput(f"{what} must be in [0, 2^{bits}), not {value}")
    return value


@dataclass(frozen=True)
class Domain:
    """A deployment of the rollup: the base layer's chain id and the rollup contract's address."""

    chain_id: int
    contract: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "chain_id", _uint(self.chain_id, "chain_id", CHAIN_ID_BITS))
        object.__setattr__(self, "contract", _uint(self.contract, "contract address", ADDRESS_BITS))

    @property
    def element(self) -> int:
        """The domain's field element, SHA-256(chain_id u256 || contract u160) >> (256 - DOMAIN_BITS)."""
        digest = hashlib.sha256(self.chain_id.to_bytes(32, "big") + self.contract.to_bytes(20, "big")).digest()
        return int.from_bytes(digest, "big") >> (256 - DOMAIN_BITS)

    def to_json(self) -> dict[str, Any]:
        """JSON form: chain id (decimal string), contract address and element (hex)."""
        return {"chain_id": str(self.chain_id), "contract": f"0x{self.contract:040x}",
                "element": f"0x{self.element:056x}"}

    @classmethod
    def from_json(cls, data: object) -> Domain:
        """Inverse of to_json (the element, if present, must match)."""
        if not isinstance(data, dict):
            raise MalformedInput(f"a domain is a JSON object with chain_id and contract, not {type(data).__name__}")
        chain_id, contract = data.get("chain_id"), data.get("contract")
        if isinstance(chain_id, str) and _DECIMAL.fullmatch(chain_id):
            chain_id = int(chain_id)
        if not isinstance(contract, str) or not _ADDRESS.fullmatch(contract):
            raise MalformedInput(f"a domain's contract must be '0x' and 40 hex digits, not {contract!r}")
        domain = cls(chain_id, int(contract, 16))  # type: ignore[arg-type]  (checked by __post_init__)
        if "element" in data and data["element"] != domain.to_json()["element"]:
            raise MalformedInput(f"the domain element {data['element']!r} is not the hash of its chain id and contract")
        return domain

    def __str__(self) -> str:
        return f"chain {self.chain_id}, contract 0x{self.contract:040x}"


def nonce_word(nonce: int, domain: int) -> int:
    """The signed message's third input: nonce + 2^NONCE_BITS * domain (domain the Domain.element)."""
    return nonce + (domain << NONCE_BITS)


def message_to_sign(e0: int, e1: int, nonce: int, domain: int) -> int:
    """What an account signs for a transfer or withdrawal: Poseidon(e0, e1, nonce + 2^32 domain).

    domain: the deployment's `Domain.element`.
    """
    _uint(nonce, "nonce", NONCE_BITS)
    _uint(domain, "domain", DOMAIN_BITS)
    return poseidon_hash([e0 % R, e1 % R, nonce_word(nonce, domain)])


def exit_message(domain: int, account_index: int, l1_address: int) -> int:
    """What an account signs to exit to an L1 address: Poseidon(EXIT_TAG, domain, account_index, l1_address)."""
    _uint(domain, "domain", DOMAIN_BITS)
    _uint(account_index, "account_index", INDEX_BITS)
    _uint(l1_address, "l1_address", ADDRESS_BITS)
    return poseidon_hash([EXIT_TAG, domain, account_index, l1_address])


def deposit_hash(previous: int, pubkey: tuple[int, int], amount: int) -> int:
    """Next link of the deposit-queue hash chain: Poseidon(previous, pubkey.x, pubkey.y, amount)."""
    return poseidon_hash([previous % R, pubkey[0] % R, pubkey[1] % R, amount % R])


SLOT_BYTES = 1 + 4 + 4 + 8 + 8 + ADDRESS_BITS // 8
"""Bytes of one transaction slot of the public data (type, from, to, amount, fee, L1 address)."""
HEADER_BYTES = 32 + 8 + 4 + 8 + 32 + 32
"""Bytes of the batch header the commitment hashes before the slots."""
COMMITMENT_BITS = 253
"""The commitment keeps the top 253 bits of the SHA-256 digest: a field element below r."""


def slot_bytes(tx_type: int, from_index: int, to_index: int, amount: int, fee: int, l1_address: int) -> bytes:
    """One slot of the public data: type u8 | from u32 | to u32 | amount u64 | fee u64 | l1_address (20 bytes)."""
    return (int(tx_type).to_bytes(1, "big") + from_index.to_bytes(4, "big") + to_index.to_bytes(4, "big")
            + amount.to_bytes(8, "big") + fee.to_bytes(8, "big") + l1_address.to_bytes(ADDRESS_BITS // 8, "big"))


def header_bytes(domain: int, batch_number: int, fee_account: int, total_fees: int, deposits_before: int,
                 deposits_after: int) -> bytes:
    """The batch header the commitment hashes: domain | number u64 | fee account u32 | fees u64 | D_before | D_after."""
    _uint(domain, "domain", DOMAIN_BITS)
    return (domain.to_bytes(32, "big") + _uint(batch_number, "batch_number", 64).to_bytes(8, "big")
            + _uint(fee_account, "fee_account", INDEX_BITS).to_bytes(4, "big")
            + _uint(total_fees, "total_fees", AMOUNT_BITS).to_bytes(8, "big")
            + _uint(deposits_before, "deposits_before", 256).to_bytes(32, "big")
            + _uint(deposits_after, "deposits_after", 256).to_bytes(32, "big"))


def commitment_of(header: bytes, slots: bytes) -> int:
    """The commitment: the top COMMITMENT_BITS bits of SHA-256(header || slots) as an int (below r)."""
    if len(header) != HEADER_BYTES or len(slots) % SLOT_BYTES:
        raise MalformedInput(f"a commitment hashes a {HEADER_BYTES}-byte header and whole {SLOT_BYTES}-byte slots, "
                             f"not {len(header)} and {len(slots)} bytes")
    return int.from_bytes(hashlib.sha256(header + slots).digest(), "big") >> (256 - COMMITMENT_BITS)
