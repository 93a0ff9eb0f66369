"""The rollup's batch circuit: `BatchCircuit(batch_size, depth)` proves that a batch of transactions
moves the account tree from `old_root` to `new_root` and that `commitment` is the SHA-256
commitment of the batch's public data (`zkl.crypto.pubdata`, `protocol.commitment_of`). Native twin: `zkl.execution.execute`
(`execute` applies a batch to an account store and returns the `BatchWitness` whose `assignment()`
solves it). Every number and formula the circuit shares with the L2 and the contract comes from
`zkl.crypto.protocol` (widths, e0 shifts, arity, levels, the signed message, the commitment).

Public inputs: `protocol.PUBLIC_INPUTS` = old_root, new_root, commitment (in that order). The
header fields (deployment domain, batch number, fee account, deposit-queue hashes) are secret
inputs bound through the commitment, as is the total fee, which the circuit sums itself. The
contract recomputes the commitment with its own domain, so the domain needs no range check here:
a witness with any other value fails the contract, and this domain's value makes every
signature's message name this deployment.

Accounts live in the 4-ary Poseidon tree of `zkl.crypto.merkle` with L = ceil(depth / 2) levels;
leaf = Poseidon(pubkey.x, pubkey.y, balance, nonce), an empty leaf is 0. Indices are
range-checked to `depth` bits (the top path bit of an odd depth is the constant 0).

Every transaction slot has the same layout (a circuit cannot branch on values):

- fields: type < 4 (two bits t0, t1: spends = t1, credits = t0 xor t1, is_deposit = t0 (1 - t1)),
  from/to indices to `depth` bits, amount and fee to 64 bits, fee = 0 unless the slot spends;
  e0 = type + from 2^8 + to 2^40 + amount 2^72 + fee 2^136 is then an injective packing;
- sender update (transfer, withdraw): the leaf (pk, balance, nonce) of `from` becomes
  (pk, balance - amount - fee, nonce + 1); the new balance is range-checked to 64 bits, which
  rules out overspending and wrap-around (balances stay below 2^64 by induction: every leaf the
  circuit writes has a range-checked balance), the new nonce to 32 bits;
- signature (transfer, withdraw): EdDSA-Poseidon by the sender leaf's key over
  Poseidon(e0, e1, nonce + 2^32 domain) with the sender's leaf nonce (a replayed signature names
  an old nonce, another deployment's signature another domain; nonce < 2^32 by induction, as every
  leaf the circuit writes has a range-checked nonce, so the pair is injective);
- receiver update (deposit, transfer): the leaf of `to` gets balance + amount (range-checked);
  a deposit's leaf must carry the deposit's key (e1, e2), and only a deposit may use an empty
  leaf (then created with balance 0 and nonce 0 before the credit);
- deposit chain: D <- Poseidon(D, e1, e2, amount) for each deposit, from D_before to D_after;
- public data: the slot's 45 bytes (`protocol.slot_bytes`), from the bits the range checks
  above already made, the withdrawal's L1 address (e1, 160 bits) and zeros; a canonical slot has
  e2 = 0 unless a deposit, e1 = 0 unless a deposit or a withdrawal, so the posted bytes and the
  deposit queue determine every signed message and leaf. A deposit's key is not posted: the
  deposit chain binds it to the base layer's queue.

Each account update climbs ONE Merkle path from the old and the new leaf (`merkle_update`: same
index bits and siblings for both roots). A disabled update (a slot that does not spend, or does
not credit) leaves the root as it is whatever its witness: `en * (old - root) = 0` and
`root <- root + en * (new - root)`, 2 constraints. After the last slot the fee account (index in
the header) is credited once with the sum of the fees (it may be empty only if that sum is 0),
and the root reached must be `new_root`.

    commitment = SHA-256(header || slot_1 || ... || slot_B) >> 3      (`zkl.circuits.std.sha256`)

with the 116-byte header (domain, batch number, fee account, total fees, D_before, D_after) made
of the same values' bits (254-bit decompositions for the field elements, alias-checked).

Constraints per slot, averaged over block boundaries (`tests/circuits/test_rollup.py`): 34,854 at
depth 16, 39,727 at 24, 44,600 at 32. Of these, about 15,300 at depth 16 are the state update:
two account updates, each L levels of `merkle_update` (602 a level) and two leaf hashes (297
each); EdDSA 3,296 and its message hash 261; the deposit-chain hash (297); range checks and
selections. The other ~19,500 are the slot's 45 bytes of SHA-256 (about 26,500 a 64-byte block):
what a commitment the EVM recomputes for a few hundred gas costs in the circuit (a Poseidon chain
was 297 a slot, and would cost the contract tens of thousands of gas a hash). Once per batch:
the fee credit, the header's SHA-256 and its decompositions (about 58,000 at depth 16).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zkl.circuits.circuit import Circuit, Public, Secret
from zkl.circuits.lincomb import Variable
from zkl.circuits.std.eddsa import Signature, verify_eddsa
from zkl.circuits.std.merkle import merkle_update
from zkl.circuits.std.poseidon import poseidon
from zkl.circuits.std.sha256 import sha256
from zkl.crypto.protocol import (
    ADDRESS_BITS,
    AMOUNT_BITS,
    COMMITMENT_BITS,
    DOMAIN_BITS,
    E0_AMOUNT_SHIFT,
    E0_FEE_SHIFT,
    E0_FROM_SHIFT,
    E0_TO_SHIFT,
    INDEX_BITS,
    MAX_DEPTH,
    NONCE_BITS,
    TREE_ARITY,
    levels,
)
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API

__all__ = ["BatchCircuit", "tree_update"]


def _be(bits_lsb_first: Sequence[Variable], width: int) -> list[Variable]:
    """Big-endian bits of a `width`-bit field from its little-endian bits (the missing high bits zero)."""
    padded = list(bits_lsb_first) + [0] * (width - len(bits_lsb_first))
    return padded[:width][::-1]


def _field_bits(api: API, x: Variable, n_bits: int, width: int) -> list[Variable]:
    """Big-endian bits of x as a `width`-bit field, x range-checked to n_bits (254: the alias-checked decomposition)."""
    return _be(api.to_binary(x, n_bits), width)


def _path_bits(api: API, index: Variable, depth: int) -> list[Variable]:
    """Bits of an index range-checked to `depth` bits, padded with a constant 0 to 2 L path bits."""
    bits = api.to_binary(index, depth)
    return bits + [0] * (2 * levels(depth) - depth)


def tree_update(api: API, root: Variable, enabled: Variable, old_leaf: Variable, new_leaf: Variable,
                path_bits: Sequence[Variable], siblings: Sequence, *, label: str) -> Variable:
    """Return the root after replacing `old_leaf` by `new_leaf` on one path, if `enabled`.

    Asserts, when enabled = 1, that old_leaf sits on that path in the tree of `root`; when
    enabled = 0 returns `root` (the path is then unconstrained). `enabled` must be known boolean
    (or the constant 1). merkle_update plus 2 constraints (1 for a constant enabled).
    """
    old_root, new_root = merkle_update(api, old_leaf, new_leaf, path_bits, siblings, arity=TREE_ARITY)
    with api.scope(label):
        if api.is_constant(enabled):
            if enabled != 1:
                raise CircuitError(f"tree_update takes enabled 1 or a variable, not the constant {enabled}")
            api.assert_equal(old_root, root)
            return new_root
        api.constraint(enabled, api.sub(old_root, root), 0, "old_root")
        return api.select(enabled, new_root, root)


class BatchCircuit(Circuit):
    """A batch of `batch_size` transactions on a tree of 2^depth accounts (see the module docstring)."""

    old_root = Public()
    new_root = Public()
    commitment = Public()

    def __init__(self, batch_size: int, depth: int) -> None:
        for name, value, low, high in (("batch_size", batch_size, 1, 1 << 16), ("depth", depth, 1, MAX_DEPTH)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise CircuitError(f"{name} must be an integer in [{low}, {high}], not {value!r}")
        self.batch_size = batch_size
        self.depth = depth
        b, lv = batch_size, levels(depth)
        # header (bound through the commitment)
        self.domain = Secret()
        self.batch_number = Secret()
        self.fee_account = Secret()
        self.deposits_before = Secret()
        # transaction fields
        self.tx_type = Secret(b)
        self.from_index = Secret(b)
        self.to_index = Secret(b)
        self.amount = Secret(b)
        self.fee = Secret(b)
        self.e1 = Secret(b)
        self.e2 = Secret(b)
        # signatures (R8, S), checked for transfers and withdrawals
        self.sig_r8 = Secret((b, 2))
        self.sig_s = Secret(b)
        # sender leaf before the update, and its Merkle path
        self.sender_pubkey = Secret((b, 2))
        self.sender_balance = Secret(b)
        self.sender_nonce = Secret(b)
        self.sender_siblings = Secret((b, lv, TREE_ARITY - 1))
        # receiver leaf before the update (after the sender's), empty flag, and its path
        self.receiver_pubkey = Secret((b, 2))
        self.receiver_balance = Secret(b)
        self.receiver_nonce = Secret(b)
        self.receiver_empty = Secret(b)
        self.receiver_siblings = Secret((b, lv, TREE_ARITY - 1))
        # the fee account, credited once after the last transaction
        self.fee_pubkey = Secret(2)
        self.fee_balance = Secret()
        self.fee_nonce = Secret()
        self.fee_empty = Secret()
        self.fee_siblings = Secret((lv, TREE_ARITY - 1))

    def define(self, api: API) -> None:
        """Constrain the batch (see the module docstring)."""
        root: Variable = self.old_root
        chain: Variable = self.deposits_before
        fees: list[Variable] = []
        slots: list[Variable] = []
        for i in range(self.batch_size):
            with api.scope(f"tx{i}"):
                root, chain, fee, slot = self._transaction(api, i, root, chain)
            fees.append(fee)
            slots += slot
        total_fees = api.lincomb([(1, f) for f in fees])
        with api.scope("fees"):
            root = self._credit_fees(api, root, total_fees)
        with api.scope("roots"):
            api.assert_equal(root, self.new_root)
        with api.scope("pubdata"):
            header = (_field_bits(api, self.domain, DOMAIN_BITS, 256) + _field_bits(api, self.batch_number, 64, 64)
                      + _be(_path_bits(api, self.fee_account, self.depth), INDEX_BITS)
                      + _field_bits(api, total_fees, AMOUNT_BITS, 64)
                      + _field_bits(api, self.deposits_before, 254, 256) + _field_bits(api, chain, 254, 256))
            digest = sha256(api, header + slots)
            api.assert_equal(api.lincomb([(1 << (COMMITMENT_BITS - 1 - k), bit)
                                          for k, bit in enumerate(digest[:COMMITMENT_BITS])]), self.commitment)

    def _transaction(self, api: API, i: int, root: Variable, chain: Variable) -> tuple[Any, Any, Any, list]:
        """Constrain slot i; return (root after it, deposit chain after it, its fee, its public-data bits)."""
        depth = self.depth
        amount, fee, e1, e2 = self.amount[i], self.fee[i], self.e1[i], self.e2[i]
        with api.scope("fields"):
            t0, t1 = api.to_binary(self.tx_type[i], 2)
            t01 = api.and_(t0, t1)
            spends = t1                                          # transfer 2, withdraw 3
            credits = api.lincomb([(1, t0), (1, t1), (-2, t01)])  # deposit 1, transfer 2
            is_deposit = api.sub(t0, t01)
            api.mark_bits(credits, 1)
            api.mark_bits(is_deposit, 1)
            from_bits = _path_bits(api, self.from_index[i], depth)
            to_bits = _path_bits(api, self.to_index[i], depth)
            amount_bits = api.to_binary(amount, AMOUNT_BITS)
            fee_bits = api.to_binary(fee, AMOUNT_BITS)
            api.constraint(api.sub(1, spends), fee, 0, "fee_only_when_spending")
            # a canonical slot: e2 is a deposit's key only, e1 a deposit's key or a withdrawal's address
            api.constraint(api.sub(1, is_deposit), e2, 0, "e2_only_for_deposits")
            api.constraint(api.sub(1, api.add(is_deposit, t01)), e1, 0, "e1_only_for_deposits_and_withdrawals")
            with api.scope("l1_address"):  # a withdrawal's e1, 160 bits; zero in every other slot
                address_bits = api.to_binary(api.mul(t01, e1), ADDRESS_BITS)
            slot = ([0] * 6 + [t1, t0] + _be(from_bits, INDEX_BITS) + _be(to_bits, INDEX_BITS) + amount_bits[::-1]
                    + fee_bits[::-1] + address_bits[::-1])
            e0 = api.lincomb([(1, self.tx_type[i]), (1 << E0_FROM_SHIFT, self.from_index[i]),
                              (1 << E0_TO_SHIFT, self.to_index[i]), (1 << E0_AMOUNT_SHIFT, amount),
                              (1 << E0_FEE_SHIFT, fee)])

        with api.scope("sender"):
            pk = self.sender_pubkey[i]
            balance, nonce = self.sender_balance[i], self.sender_nonce[i]
            debit = api.mul(spends, api.add(amount, fee))
            with api.scope("balance"):
                new_balance = api.sub(balance, debit)
                api.range_check(new_balance, AMOUNT_BITS)
            with api.scope("nonce"):
                new_nonce = api.add(nonce, spends)
                api.range_check(new_nonce, NONCE_BITS)
            old_leaf = poseidon(api, [pk[0], pk[1], balance, nonce])
            new_leaf = poseidon(api, [pk[0], pk[1], new_balance, new_nonce])
            root = tree_update(api, root, spends, old_leaf, new_leaf, from_bits, self.sender_siblings[i],
                               label="root")

        with api.scope("signature"):
            message = poseidon(api, [e0, e1, api.lincomb([(1, nonce), (1 << NONCE_BITS, self.domain)])])
            r8 = self.sig_r8[i]
            verify_eddsa(api, (pk[0], pk[1]), message, Signature((r8[0], r8[1]), self.sig_s[i]), enabled=spends)

        with api.scope("receiver"):
            pk = self.receiver_pubkey[i]
            balance, nonce, empty = self.receiver_balance[i], self.receiver_nonce[i], self.receiver_empty[i]
            api.assert_boolean(empty)
            api.constraint(empty, api.sub(1, is_deposit), 0, "empty_only_for_deposits")
            api.constraint(empty, balance, 0, "empty_balance")
            api.constraint(empty, nonce, 0, "empty_nonce")
            api.constraint(is_deposit, api.sub(pk[0], e1), 0, "deposit_key_x")
            api.constraint(is_deposit, api.sub(pk[1], e2), 0, "deposit_key_y")
            credit = api.mul(credits, amount)
            with api.scope("balance"):
                new_balance = api.add(balance, credit)
                api.range_check(new_balance, AMOUNT_BITS)
            leaf = poseidon(api, [pk[0], pk[1], balance, nonce])
            old_leaf = api.sub(leaf, api.mul(empty, leaf))
            new_leaf = poseidon(api, [pk[0], pk[1], new_balance, nonce])
            root = tree_update(api, root, credits, old_leaf, new_leaf, to_bits, self.receiver_siblings[i],
                               label="root")

        with api.scope("deposit_chain"):
            chain = api.select(is_deposit, poseidon(api, [chain, e1, e2, amount]), chain)
        return root, chain, fee, slot

    def _credit_fees(self, api: API, root: Variable, total_fees: Variable) -> Variable:
        """Credit the fee account once with the batch's fees; return the root after it."""
        pk, balance, nonce, empty = self.fee_pubkey, self.fee_balance, self.fee_nonce, self.fee_empty
        bits = _path_bits(api, self.fee_account, self.depth)
        api.assert_boolean(empty)
        api.constraint(empty, total_fees, 0, "empty_only_without_fees")
        with api.scope("balance"):
            new_balance = api.add(balance, total_fees)
            api.range_check(new_balance, AMOUNT_BITS)
        old = poseidon(api, [pk[0], pk[1], balance, nonce])
        new = poseidon(api, [pk[0], pk[1], new_balance, nonce])
        keep = api.sub(1, empty)
        api.mark_bits(keep, 1)
        old_leaf = api.mul(keep, old)
        new_leaf = api.mul(keep, new)
        return tree_update(api, root, 1, old_leaf, new_leaf, bits, self.fee_siblings, label="root")
