"""Test-only helpers for the settlement tests: Groth16 proofs from known toxic waste, and a tiny reference L2.

`ToyGroth16` makes valid Groth16 proofs without any prover or circuit.  With toxic waste
alpha, beta, gamma, delta and IC_i = ic_i * G1 known, the verification equation

    e(A, B) = e(alpha G1, beta G2) * e(vk_x, gamma G2) * e(C, delta G2),  vk_x = (ic_0 + sum x_j ic_j) G1

holds in the exponent iff a * b = alpha * beta + x * gamma + c * delta (mod r), x = ic_0 + sum x_j ic_j.
So pick random a, b, solve for c, and output A = a G1, B = b G2, C = c G1: a valid proof for any
chosen public inputs (which is exactly why the toxic waste must be destroyed in a real setup).

`MiniL2` is a plain model of the account tree (4-ary Poseidon Merkle tree of ceil(depth / 2)
levels, leaf Poseidon(pubkey.x, pubkey.y, balance, nonce)) that applies TxRecords, so the
tests have real roots and Merkle proofs for exits.  It is not the execution layer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from zkl.algebra.constants import R
from zkl.algebra.curve import G1_GENERATOR, G2_GENERATOR, g1_mul, g2_mul
from zkl.crypto import eddsa
from zkl.crypto.merkle import MerkleProof, MerkleTree
from zkl.crypto.poseidon import poseidon_hash
from zkl.crypto.protocol import EXIT_PUBLIC_INPUTS, TxType, levels
from zkl.crypto.pubdata import BatchHeader, TxRecord, commitment, encode, total_fees
from zkl.errors import SkippedDeposit
from zkl.settlement import L1BatchHeader, Ledger, RollupContract, init_settlement, named_address
from zkl.settlement.storage import CONTRACT
from zkl.verifier.keys import Proof, VerifyingKey


class ToyGroth16:
    """A Groth16 verifying key whose toxic waste the test knows, and a proof forger for it."""

    def __init__(self, seed: int, n_public: int = 3) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        draw = lambda: self.rng.randrange(1, R)  # noqa: E731
        self.alpha, self.beta, self.gamma, self.delta = draw(), draw(), draw(), draw()
        self.ic = [draw() for _ in range(n_public + 1)]
        self.vk = VerifyingKey(
            alpha_g1=g1_mul(G1_GENERATOR, self.alpha),
            beta_g2=g2_mul(G2_GENERATOR, self.beta),
            gamma_g2=g2_mul(G2_GENERATOR, self.gamma),
            delta_g2=g2_mul(G2_GENERATOR, self.delta),
            gamma_abc_g1=tuple(g1_mul(G1_GENERATOR, c) for c in self.ic),
        )

    def prove(self, public_inputs: list[int]) -> Proof:
        """A valid proof for these public inputs (each reduced mod r, as the verifier's equation sees them)."""
        a, b = self.rng.randrange(1, R), self.rng.randrange(1, R)
        x = (self.ic[0] + sum(v * c for v, c in zip(public_inputs, self.ic[1:]))) % R
        c = (a * b - self.alpha * self.beta - x * self.gamma) * pow(self.delta, -1, R) % R
        return Proof(g1_mul(G1_GENERATOR, a), g2_mul(G2_GENERATOR, b), g1_mul(G1_GENERATOR, c))


def private_key(i: int) -> bytes:
    """A fixed 32-byte EdDSA private key for test user i."""
    return bytes([i % 256]) * 31 + bytes([7])


@dataclass
class Account:
    """One L2 account of the model."""

    pubkey: tuple[int, int]
    balance: int = 0
    nonce: int = 0

    def leaf(self) -> int:
        """Poseidon(pubkey.x, pubkey.y, balance, nonce)."""
        return poseidon_hash([self.pubkey[0], self.pubkey[1], self.balance, self.nonce])


@dataclass
class MiniL2:
    """A reference account tree that applies batches of TxRecords (no signatures, no circuit)."""

    depth: int
    accounts: dict[int, Account] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tree = MerkleTree(levels(self.depth), 4)
        for index, account in self.accounts.items():
            self.tree.set(index, account.leaf())

    @property
    def root(self) -> int:
        """The current state root."""
        return self.tree.root

    def copy(self) -> MiniL2:
        """An independent copy."""
        return MiniL2(self.depth, {i: Account(a.pubkey, a.balance, a.nonce) for i, a in self.accounts.items()})

    def apply(self, records: list[TxRecord], fee_account: int) -> int:
        """Apply a batch (fees credited to fee_account at the end) and return the new root."""
        touched = set()
        fees = 0
        for r in records:
            if r.type == TxType.DEPOSIT:
                acc = self.accounts.setdefault(r.to_index, Account(r.pubkey))
                assert acc.pubkey == r.pubkey
                acc.balance += r.amount
                touched.add(r.to_index)
            elif r.type == TxType.TRANSFER:
                src, dst = self.accounts[r.from_index], self.accounts[r.to_index]
                assert src.balance >= r.amount + r.fee
                src.balance -= r.amount + r.fee
                src.nonce += 1
                dst.balance += r.amount
                fees += r.fee
                touched |= {r.from_index, r.to_index}
            elif r.type == TxType.WITHDRAW:
                src = self.accounts[r.from_index]
                assert src.balance >= r.amount + r.fee
                src.balance -= r.amount + r.fee
                src.nonce += 1
                fees += r.fee
                touched.add(r.from_index)
        if fees:
            self.accounts[fee_account].balance += fees
            touched.add(fee_account)
        for index in touched:
            self.tree.set(index, self.accounts[index].leaf())
        return self.root

    def proof(self, index: int) -> MerkleProof:
        """The Merkle proof of an account."""
        return self.tree.proof(index)


def make_batch(
    contract: RollupContract, l2: MiniL2, toy: ToyGroth16, records: list[TxRecord], fee_account: int = 0
) -> tuple[L1BatchHeader, bytes, Proof]:
    """Apply records to l2 (mutated) and return the next batch's header, public data and a valid proof."""
    new_root = l2.apply(records, fee_account)
    header, _, data = prepare_batch(contract, records, new_root, fee_account)
    return header, data, toy.prove(header.public_inputs())


def prepare_batch(contract: RollupContract, records: list[TxRecord], new_root: int, fee_account: int,
                  old_root: int | None = None) -> tuple[L1BatchHeader, BatchHeader, bytes]:
    """The header, commitment header and public data the contract expects for these records as its next batch.

    D_before / D_after come from the contract's deposit chain (the DEPOSIT records are taken to be the
    next queued ones, as submit_batch will check); old_root defaults to the current root.
    """
    records = list(records)
    variables = contract.ledger.storage(CONTRACT)
    processed, count = variables["deposits_processed"], variables["deposit_count"]
    n = sum(1 for r in records if r.type == TxType.DEPOSIT)
    if processed + n > count:
        raise SkippedDeposit(f"the records hold {n} deposits but only {count - processed} are queued")
    d_before, d_after = contract.deposit_chain(processed), contract.deposit_chain(processed + n)
    number = contract.batch_number + 1
    root = contract.state_root if old_root is None else old_root
    inner = BatchHeader(contract.domain.element, number, fee_account, total_fees(records), d_before, d_after)
    header = L1BatchHeader(number, root, new_root, fee_account, commitment(inner, records))
    return header, inner, encode(records)


def deposit_record(to_index: int, pubkey: tuple[int, int], amount: int) -> TxRecord:
    """A DEPOSIT record."""
    return TxRecord(TxType.DEPOSIT, to_index=to_index, amount=amount, pubkey=tuple(pubkey))


def transfer_record(src: int, dst: int, amount: int, fee: int = 0) -> TxRecord:
    """A TRANSFER record."""
    return TxRecord(TxType.TRANSFER, from_index=src, to_index=dst, amount=amount, fee=fee)


def withdraw_record(src: int, amount: int, l1_address: int, fee: int = 0) -> TxRecord:
    """A WITHDRAW record."""
    return TxRecord(TxType.WITHDRAW, from_index=src, amount=amount, fee=fee, l1_address=l1_address)


def pubkey_of(i: int) -> tuple[int, int]:
    """The L2 public key of test user i."""
    p = eddsa.public_key(private_key(i))
    return (p.x, p.y)


# ----------------------------------------------------------------------------- a deployed test world

CLOCK = 1_700_000_000
ALICE, BOB, CAROL, SEQUENCER, GOVERNOR = (named_address(n) for n in ("alice", "bob", "carol", "sequencer", "governor"))
GENESIS = {ALICE: 10**9, BOB: 10**9, CAROL: 0, SEQUENCER: 10**7, GOVERNOR: 1}
DEPTH = 4
CHAIN_ID = 7  # fixed, so that two runs of a scenario give the same ledger byte for byte
FEE_ACCOUNT = 0
BOND = 50_000
DEADLINE = 10
TIMELOCK = 5


@dataclass
class World:
    """A ledger with the rollup deployed: the sequencer's fee account 0 (key 9) exists in the genesis state."""

    ledger: Ledger
    contract: RollupContract
    l2: MiniL2
    toy: ToyGroth16
    exit_toy: ToyGroth16

    def batch(self, records: list[TxRecord]) -> tuple[L1BatchHeader, bytes, Proof]:
        """Header, data and proof of the next batch applying records (the model l2 is advanced)."""
        return make_batch(self.contract, self.l2, self.toy, records, FEE_ACCOUNT)

    def settle(self, records: list[TxRecord]) -> None:
        """Make and submit the next batch."""
        self.contract.submit_batch(*self.batch(records))

    def exit_proof(self, index: int, l1_address: int, balance: int, root: int | None = None) -> Proof:
        """An exit proof for these public inputs (the exit circuit's own tests show only the owner's can be made)."""
        root = self.contract.state_root if root is None else root
        return self.exit_toy.prove([root, self.contract.domain.element, index, l1_address, balance])


def make_world(data_dir, toy: ToyGroth16, **overrides) -> World:
    """Create a ledger in data_dir and deploy the contract with the test parameters (overridable)."""
    l2 = MiniL2(DEPTH, {FEE_ACCOUNT: Account(pubkey_of(9))})
    params = dict(genesis=GENESIS, sequencer=SEQUENCER, governor=GOVERNOR, bond=BOND, deposit_deadline=DEADLINE,
                  vk_timelock=TIMELOCK, chain_id=CHAIN_ID, clock=lambda: CLOCK)
    params.update(overrides)
    exit_toy = ToyGroth16(seed=toy.seed + 1000, n_public=len(EXIT_PUBLIC_INPUTS))
    ledger, contract = init_settlement(data_dir, toy.vk, l2.root, DEPTH, exit_vk=exit_toy.vk, **params)
    return World(ledger, contract, l2, toy, exit_toy)


def assert_rejected(ledger: Ledger, error: type[Exception], action, match: str | None = None) -> Exception:
    """Run action, expect error, and check that the whole ledger (every row of every table) is unchanged."""
    import pytest

    before = ledger.snapshot()
    with pytest.raises(error, match=match) as info:
        action()
    assert ledger.snapshot() == before
    return info.value
