"""The exodus exit circuit: `ExitCircuit(depth)` proves that one account of the last final state
may exit, so that an EVM contract checks a Groth16 proof instead of Baby Jubjub and Poseidon in
Solidity (as zkSync Lite's exodus). Native twin: `exit_assignment` (the assignment solving it,
or a zkl.errors exception naming the rule broken) and `exit_public_inputs`; the contract's native
check is `zkl.settlement.exodus.check_exit`, which asserts the same rules.

Public inputs: `protocol.EXIT_PUBLIC_INPUTS` = root, domain, account_index, l1_address, balance
(in that order). The contract supplies the root (its last final state root) and the domain (its
own deployment's `Domain.element`), and pays `balance` to `l1_address` once per account index;
the caller chooses those three. Secret inputs: the account's pubkey (x, y) and nonce, the Merkle
siblings (`levels(depth)` levels of `TREE_ARITY - 1`), and the signature (R8, S).

What it asserts:

- account_index < 2^depth, to `depth` bits exactly as the batch circuit (`rollup._path_bits`:
  the top path bit of an odd depth is the constant 0, so an index the 4-ary tree holds beyond
  2^depth is refused); l1_address < 2^ADDRESS_BITS, balance < 2^AMOUNT_BITS, nonce < 2^NONCE_BITS;
- leaf = leaf_hash(pubkey, balance, nonce) = Poseidon(pubkey.x, pubkey.y, balance, nonce) sits at
  account_index in the 4-ary tree of `root` (`std.merkle.assert_membership`);
- an EdDSA-Poseidon signature by pubkey over exit_message(domain, account_index, l1_address) =
  Poseidon(EXIT_TAG, domain, account_index, l1_address) verifies (`std.eddsa.verify_eddsa`: both
  points on the curve, S < l, pubkey not of small order), so only the owner chooses where the
  funds go, and only on the deployment it named.

The domain needs no range check: the contract passes its own. The contract, not the circuit,
refuses a zero balance and a second exit of one index.

Constraints (measured; `tests/circuits/test_exit.py` asserts them), L = levels(depth): 302 L +
depth + 4,141 for an even depth, 2 fewer for an odd one (its top level's constant path bit):
4,749 at depth 4, 6,573 at 16, 9,005 at 32. The membership path costs 302 a level (+1 for the
root check), the leaf hash 297, the exit-message hash 294 (its constant tag folds one S-box),
EdDSA 3,289, the range checks depth + 1 (index), 161 (address), 65 (balance) and 33 (nonce).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zkl.algebra.constants import R
from zkl.circuits.circuit import Circuit, Public, Secret
from zkl.circuits.rollup import _path_bits
from zkl.circuits.std.eddsa import Signature, verify_eddsa
from zkl.circuits.std.merkle import assert_membership
from zkl.circuits.std.poseidon import poseidon
from zkl.crypto import eddsa
from zkl.crypto.babyjubjub import Point
from zkl.crypto.merkle import MerkleProof, verify_proof
from zkl.crypto.protocol import (
    ADDRESS_BITS,
    AMOUNT_BITS,
    DOMAIN_BITS,
    EXIT_PUBLIC_INPUTS,
    EXIT_TAG,
    INDEX_BITS,
    NONCE_BITS,
    TREE_ARITY,
    Domain,
    check_depth,
    exit_message,
    leaf_hash,
    levels,
)
from zkl.errors import AmountOutOfRange, BadExitProof, CircuitError, FieldElementOutOfRange, MalformedInput

if TYPE_CHECKING:
    from zkl.circuits.api import API

__all__ = ["ExitCircuit", "exit_assignment", "exit_public_inputs"]


class ExitCircuit(Circuit):
    """One account's exodus exit against a state root of a tree of 2^depth accounts (see the module docstring)."""

    root = Public()
    domain = Public()
    account_index = Public()
    l1_address = Public()
    balance = Public()

    def __init__(self, depth: int) -> None:
        try:
            self.depth = check_depth(depth)
        except MalformedInput as e:
            raise CircuitError(str(e)) from None
        self.pubkey = Secret(2)
        self.nonce = Secret()
        self.siblings = Secret((levels(depth), TREE_ARITY - 1))
        self.sig_r8 = Secret(2)
        self.sig_s = Secret()
        public = [name for name, decl in self.inputs() if decl.public]
        if public != list(EXIT_PUBLIC_INPUTS):
            raise CircuitError(f"ExitCircuit declares the public inputs {public}, not protocol's {EXIT_PUBLIC_INPUTS}")

    def define(self, api: API) -> None:
        """Constrain the exit (see the module docstring)."""
        pk = self.pubkey
        with api.scope("ranges"):
            with api.scope("account_index"):
                path_bits = _path_bits(api, self.account_index, self.depth)
            with api.scope("l1_address"):
                api.range_check(self.l1_address, ADDRESS_BITS)
            with api.scope("balance"):
                api.range_check(self.balance, AMOUNT_BITS)
            with api.scope("nonce"):
                api.range_check(self.nonce, NONCE_BITS)
        with api.scope("account"):
            leaf = poseidon(api, [pk[0], pk[1], self.balance, self.nonce])
            assert_membership(api, self.root, leaf, path_bits, self.siblings, arity=TREE_ARITY)
        with api.scope("signature"):
            message = poseidon(api, [EXIT_TAG, self.domain, self.account_index, self.l1_address])
            r8 = self.sig_r8
            verify_eddsa(api, (pk[0], pk[1]), message, Signature((r8[0], r8[1]), self.sig_s))


def _uint(value: object, what: str, bits: int, error: type[MalformedInput] = MalformedInput) -> int:
    """Return value as an int in [0, 2^bits), else raise `error`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInput(f"{what} must be an integer, not {type(value).__name__}")
    if not 0 <= value < 1 << bits:
        raise error(f"{what} must be in [0, 2^{bits}), not {value}")
    return int(value)


def _domain_element(domain: int | Domain) -> int:
    """The domain's field element (a Domain, or its element already)."""
    if isinstance(domain, Domain):
        return domain.element
    return _uint(domain, "domain", DOMAIN_BITS)


def exit_public_inputs(root: int, domain: int | Domain, account_index: int, l1_address: int,
                       balance: int) -> list[int]:
    """The exit proof's public inputs in `protocol.EXIT_PUBLIC_INPUTS` order (values range-checked)."""
    if isinstance(root, bool) or not isinstance(root, int) or not 0 <= root < R:
        raise FieldElementOutOfRange(f"root must be a field element in [0, r), not {root!r}")
    values = {
        "root": int(root),
        "domain": _domain_element(domain),
        "account_index": _uint(account_index, "account_index", INDEX_BITS),
        "l1_address": _uint(l1_address, "l1_address", ADDRESS_BITS),
        "balance": _uint(balance, "balance", AMOUNT_BITS, AmountOutOfRange),
    }
    return [values[name] for name in EXIT_PUBLIC_INPUTS]


def _as_point(pubkey: Point | tuple[int, int]) -> Point:
    """A public key as a babyjubjub.Point (from a Point or a pair)."""
    if isinstance(pubkey, Point):
        return pubkey
    try:
        x, y = pubkey
    except (TypeError, ValueError):
        raise MalformedInput(f"pubkey must be a babyjubjub.Point or a pair (x, y), not {pubkey!r:.60}") from None
    return Point(x, y)


def exit_assignment(depth: int, root: int, domain: int | Domain, index: int, pubkey: Point | tuple[int, int],
                    balance: int, nonce: int, proof: MerkleProof, l1_address: int,
                    signature: eddsa.Signature) -> dict[str, Any]:
    """The assignment of `ExitCircuit(depth)` for this exit; BadExitProof (or MalformedInput) if it breaks a rule."""
    check_depth(depth)
    public = dict(zip(EXIT_PUBLIC_INPUTS, exit_public_inputs(root, domain, index, l1_address, balance)))
    if not index < 1 << depth:
        raise MalformedInput(f"account_index must be in [0, 2^{depth}), not {index}")
    nonce = _uint(nonce, "nonce", NONCE_BITS, AmountOutOfRange)
    point = _as_point(pubkey)
    if not isinstance(proof, MerkleProof):
        raise BadExitProof(f"the exit proof must be a MerkleProof, not {type(proof).__name__}")
    if proof.depth != levels(depth):
        raise BadExitProof(f"the exit proof must climb {levels(depth)} levels of the 4-ary tree, not {proof.depth}")
    leaf = leaf_hash((point.x, point.y), balance, nonce)
    try:
        member = verify_proof(root, index, leaf, proof, TREE_ARITY)
    except MalformedInput as e:
        raise BadExitProof(f"the exit proof is malformed: {e}") from e
    if not member:
        raise BadExitProof(f"the leaf (pubkey, balance {balance}, nonce {nonce}) at index {index} is not in the "
                           f"tree of root {root}")
    message = exit_message(public["domain"], index, l1_address)
    if not eddsa.verify(point, message, signature):
        raise BadExitProof(f"the exit signature is not the account's over the exit message of index {index} and "
                           f"l1_address 0x{l1_address:040x} for domain {public['domain']:#x}")
    return {
        **public,
        "pubkey": [point.x, point.y],
        "nonce": nonce,
        "siblings": [list(level) for level in proof.siblings],
        "sig_r8": [signature.r8.x, signature.r8.y],
        "sig_s": signature.s,
    }
