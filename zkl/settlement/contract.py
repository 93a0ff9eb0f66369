"""The rollup contract on the L1 ledger: state root, verifying key, batches, deposit queue, withdrawals, bond.

One contract per ledger, at `ROLLUP_ADDRESS`; its L1 balance is the escrow (queued and
processed deposits not yet withdrawn, plus the sequencer's bond).  Its variables live in
the ledger's ``storage`` table (contract ``"rollup"``), its collections in ``rollup_*``
tables (zkl.settlement.storage).  Its deployment domain (`domain`: the ledger's chain id and
`ROLLUP_ADDRESS`, fixed at deployment) is what every L2 signature it accepts names: the
commitment it recomputes binds it, and so does the message of an exit.  Every method that changes state is one L1 transaction
(one block, one SQLite transaction); every rejection raises a specific SettlementError
(or MalformedInput) and changes nothing.

submit_batch checks, in this order, before writing anything:

1. the header and proof are well formed (MalformedBatch, PublicInputOutOfRange for a root
   or commitment >= r, MalformedProof) and the sender is the sequencer (Unauthorized);
2. not in exodus mode (ExodusMode);
3. the batch number is the next one (ReplayedBatch if already final, OutOfOrderBatch if ahead);
4. the old root is the current root (StaleStateRoot);
5. the public data decodes (MalformedBatch) and its DEPOSIT records are, in order, the next
   queued deposits (their amounts; the keys, not posted, are the queue's and the proof binds them
   through the deposit chain D_after) (SkippedDeposit);
6. the claimed commitment equals the one recomputed from the posted data:
   ``pubdata.commitment(BatchHeader(domain, number, fee_account, total_fees, D_before, D_after), records)``
   with total_fees the sum of TRANSFER and WITHDRAW fees and D the deposit chain at the
   first consumed index - 1 and at the last (WrongCommitment);
7. the Groth16 proof verifies for public inputs [old_root, new_root, commitment] under the
   key in force (BadProof).

Then, in the same transaction: the new root is final, the consumed deposits are marked
processed, the batch is recorded with its public data, and each WITHDRAW record makes
(l1_address, amount) claimable.  `claim` pays an address's unclaimed withdrawals once.

Views (`status`, `batches`, `deposits`, ...) read the latest block; `status` describes what a
transaction in the next block would see (exodus mode, the verifying key in force).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zkl.algebra.constants import R
from zkl.crypto import pubdata
from zkl.crypto.babyjubjub import IDENTITY, Point, check_point, is_in_subgroup
from zkl.crypto.protocol import (
    AMOUNT_BITS,
    EXIT_PUBLIC_INPUTS,
    INDEX_BITS,
    PUBLIC_INPUTS,
    Domain,
    TxType,
    check_depth,
    deposit_hash,
)
from zkl.crypto.pubdata import BatchHeader, TxRecord, total_fees
from zkl.errors import (
    AlreadyClaimed,
    BadExitProof,
    BadProof,
    BatchesPaused,
    LedgerError,
    MalformedBatch,
    MalformedInput,
    MalformedProof,
    NothingToClaim,
    OutOfOrderBatch,
    PublicInputOutOfRange,
    ReplayedBatch,
    SkippedDeposit,
    StaleStateRoot,
    Unauthorized,
    WrongCommitment,
)
from zkl.settlement import exodus as _exodus
from zkl.settlement import governance as _gov
from zkl.settlement.governance import PendingChange
from zkl.settlement.ledger import AddressLike, Ledger, Tx, address_hex, named_address, to_address
from zkl.settlement.storage import CONTRACT, crash_point
from zkl.verifier.groth16 import validate_proof, verify
from zkl.verifier.keys import Proof, VerifyingKey
from zkl.verifier.snarkjs_json import proof_from_snarkjs_json, proof_to_snarkjs_json

__all__ = [
    "BatchRecord",
    "Deposit",
    "L1BatchHeader",
    "ROLLUP_ADDRESS",
    "RollupContract",
    "RollupStatus",
    "Withdrawal",
]

#: the contract's L1 address (its balance is the escrow)
ROLLUP_ADDRESS = named_address("zkl.rollup")
DEFAULT_DEPOSIT_DEADLINE = 100
DEFAULT_VK_TIMELOCK = 50
#: the longest deposit deadline or key timelock, in blocks (2^30: about 400 years of 12-second blocks; the
#: Solidity contract keeps a deadline block in 32 bits)
MAX_PERIOD = 1 << 30


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class L1BatchHeader:
    """What a sequencer claims with a batch: its number, roots, fee account and commitment (public inputs 1-3)."""

    batch_number: int
    old_root: int
    new_root: int
    fee_account: int
    commitment: int

    def public_inputs(self) -> list[int]:
        """The batch circuit's public inputs in `protocol.PUBLIC_INPUTS` order: [old_root, new_root, commitment]."""
        return [getattr(self, name) for name in PUBLIC_INPUTS]


@dataclass(frozen=True)
class Deposit:
    """One entry of the deposit queue (index from 1) and what became of it."""

    index: int
    depositor: int
    pubkey: tuple[int, int]
    amount: int
    chain_hash: int
    height: int
    deadline: int
    status: str  # 'queued' | 'processed' | 'refunded'
    batch: int | None


@dataclass(frozen=True)
class BatchRecord:
    """A final batch as the contract keeps it: enough to rebuild the L2 state from the base layer alone."""

    number: int
    old_root: int
    new_root: int
    commitment: int
    fee_account: int
    total_fees: int
    deposits_from: int  # deposits with deposits_from < index <= deposits_to were consumed
    deposits_to: int
    deposits_before: int
    deposits_after: int
    public_data: bytes
    proof: Proof
    vk_hash: str
    height: int
    sender: int
    deposit_keys: tuple[tuple[int, int], ...] = ()
    """the L2 keys of the deposits it consumed, in queue order (the public data does not repeat them)"""

    def records(self) -> list[TxRecord]:
        """The batch's transactions, decoded from its public data (deposits with their keys from the queue)."""
        return pubdata.decode(self.public_data, self.deposit_keys)


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawal made claimable by a batch; claimed_height is None until paid."""

    id: int
    batch: int
    position: int
    l1_address: int
    amount: int
    claimed_height: int | None


@dataclass(frozen=True)
class RollupStatus:
    """The contract at a glance, as a transaction in the next block would see it."""

    height: int
    domain: Domain
    state_root: int
    batch_number: int
    depth: int
    queue_length: int
    next_deadline: int | None
    exodus: bool
    exodus_activated: bool
    vk_hash: str
    pending_vk: PendingChange | None
    sequencer: int
    governor: int
    bond: int
    escrow: int
    deposit_deadline: int
    vk_timelock: int
    paused: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (addresses as hex, roots as decimal strings)."""
        return {
            "height": self.height,
            "domain": self.domain.to_json(),
            "state_root": str(self.state_root),
            "batch_number": self.batch_number,
            "depth": self.depth,
            "queue_length": self.queue_length,
            "next_deadline": self.next_deadline,
            "exodus": self.exodus,
            "exodus_activated": self.exodus_activated,
            "vk_hash": self.vk_hash,
            "pending_vk": None if self.pending_vk is None else self.pending_vk.to_dict(),
            "sequencer": address_hex(self.sequencer),
            "governor": address_hex(self.governor),
            "bond": self.bond,
            "escrow": self.escrow,
            "deposit_deadline": self.deposit_deadline,
            "vk_timelock": self.vk_timelock,
            "paused": self.paused,
        }


# ----------------------------------------------------------------------------- validation helpers


def _int(value: object, what: str, bits: int | None = None, error: type[Exception] = MalformedInput) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise error(f"{what} must be an int, not {type(value).__name__}")
    value = operator.index(value)
    if value < 0 or (bits is not None and value >= 1 << bits):
        raise error(f"{what} must be in [0, 2^{bits}), not {value}" if bits else f"{what} must be >= 0, not {value}")
    return value


def _field(
    value: object, what: str, error: type[Exception] = PublicInputOutOfRange, type_error: type[Exception] = MalformedBatch
) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise type_error(f"{what} must be an int, not {type(value).__name__}")
    value = operator.index(value)
    if not 0 <= value < R:
        raise error(f"{what} must be in [0, r) (r the scalar field modulus), not {value}")
    return value


def _pubkey(value: object, what: str = "l2_pubkey") -> Point:
    if isinstance(value, Point):
        point = value
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        point = Point(_int(value[0], f"{what}.x"), _int(value[1], f"{what}.y"))
    else:
        raise MalformedInput(f"{what} must be a Baby Jubjub point (x, y), not {type(value).__name__}")
    return check_point(point, what)


def _deposit_key(value: object) -> Point:
    """A deposit's L2 key: a Baby Jubjub point of the prime-order subgroup other than the identity."""
    point = _pubkey(value)
    if point == IDENTITY or not is_in_subgroup(point):
        raise MalformedInput(
            f"l2_pubkey must be an EdDSA public key (a point of the prime-order subgroup, not the identity), "
            f"not ({point.x}, {point.y}); funds sent to it could never exit"
        )
    return point


def _check_header(header: object) -> L1BatchHeader:
    if not isinstance(header, L1BatchHeader):
        raise MalformedBatch(f"the batch header must be an L1BatchHeader, not {type(header).__name__}")
    return L1BatchHeader(
        batch_number=_int(header.batch_number, "batch_number", 64, MalformedBatch),
        old_root=_field(header.old_root, "old_root (public input 1)"),
        new_root=_field(header.new_root, "new_root (public input 2)"),
        fee_account=_int(header.fee_account, "fee_account", INDEX_BITS, MalformedBatch),
        commitment=_field(header.commitment, "commitment (public input 3)"),
    )


def _check_proof(proof: object) -> Proof:
    if isinstance(proof, dict):
        try:
            proof = proof_from_snarkjs_json(proof, validate=False)
        except MalformedInput as e:
            raise MalformedProof(f"the batch proof is malformed: {e}") from e
    if not isinstance(proof, Proof):
        raise MalformedProof(f"the batch proof must be a Proof, not {type(proof).__name__}")
    try:
        validate_proof(proof, "batch proof")
    except MalformedInput as e:
        raise MalformedProof(str(e)) from e
    return proof


# ----------------------------------------------------------------------------- the contract


class RollupContract:
    """The rollup contract of a ledger; `deploy` it once, then `RollupContract(ledger)` opens it."""

    ADDRESS = ROLLUP_ADDRESS

    def __init__(self, ledger: Ledger) -> None:
        if not isinstance(ledger, Ledger):
            raise MalformedInput(f"ledger must be a Ledger, not {type(ledger).__name__}")
        self.ledger = ledger
        if self._var("state_root") is None:
            raise LedgerError(f"no rollup contract is deployed on the ledger at {ledger.path}")

    # -- deployment

    @classmethod
    def deploy(
        cls,
        ledger: Ledger,
        vk: VerifyingKey,
        genesis_root: int,
        depth: int,
        *,
        exit_vk: VerifyingKey,
        sequencer: AddressLike,
        governor: AddressLike | None = None,
        bond: int = 0,
        deposit_deadline: int = DEFAULT_DEPOSIT_DEADLINE,
        vk_timelock: int = DEFAULT_VK_TIMELOCK,
        council: Sequence[AddressLike] = (),
        council_threshold: int | None = None,
    ) -> RollupContract:
        """Deploy the contract (an L1 transaction by the sequencer, who escrows the bond).

        exit_vk: the exit circuit's key (fixed for good: no one can block exits by changing it).
        council, council_threshold: the emergency council's members and how many of them pause or
        resume batches (default: all of them).
        """
        vk_json, digest = _gov.encode_vk(vk)
        exit_json, exit_digest = _gov.encode_vk(exit_vk, EXIT_PUBLIC_INPUTS)
        members = [address_hex(to_address(m, "council member")) for m in council]
        if len(set(members)) != len(members):
            raise MalformedInput("the council's members must be distinct addresses")
        threshold = len(members) if council_threshold is None else _int(council_threshold, "council_threshold")
        if threshold > len(members) or (members and threshold < 1):
            raise MalformedInput(f"council_threshold must be between 1 and the {len(members)} members, not {threshold}")
        domain = Domain(ledger.chain_id, ROLLUP_ADDRESS)
        genesis_root = _field(genesis_root, "genesis_root", MalformedInput, MalformedInput)
        depth = check_depth(depth)
        sequencer = to_address(sequencer, "sequencer")
        governor = sequencer if governor is None else to_address(governor, "governor")
        bond = _int(bond, "bond")
        for name, value in (("deposit_deadline", deposit_deadline), ("vk_timelock", vk_timelock)):
            if not 1 <= _int(value, name) <= MAX_PERIOD:
                raise MalformedInput(f"{name} must be between 1 and {MAX_PERIOD:,} blocks, not {value}")
        with ledger.transaction("deploy", sequencer) as tx:
            if tx.get(CONTRACT, "state_root") is not None:
                raise LedgerError(f"a rollup contract is already deployed on the ledger at {ledger.path}")
            tx.transfer(sequencer, ROLLUP_ADDRESS, bond, emit=False)
            variables = {
                "address": address_hex(ROLLUP_ADDRESS),
                "domain": domain.to_json(),
                "vk": vk_json,
                "vk_hash": digest,
                "exit_vk": exit_json,
                "exit_vk_hash": exit_digest,
                "pending_vk": None,
                "state_root": str(genesis_root),
                "genesis_root": str(genesis_root),
                "batch_number": 0,
                "depth": depth,
                "sequencer": address_hex(sequencer),
                "governor": address_hex(governor),
                "bond": bond,
                "deposit_deadline": deposit_deadline,
                "vk_timelock": vk_timelock,
                "deposit_count": 0,
                "deposits_processed": 0,
                "deposit_chain": "0",
                "exodus": False,
                "exodus_height": None,
                "council": members,
                "council_threshold": threshold,
                "paused": False,
                "pause_voters": [],
            }
            for key, value in variables.items():
                tx.put(CONTRACT, key, value)
            tx.emit("deploy", address=address_hex(ROLLUP_ADDRESS), domain=domain.to_json(), vk_hash=digest,
                    exit_vk_hash=exit_digest, council=members, council_threshold=threshold,
                    genesis_root=str(genesis_root),
                    depth=depth, sequencer=address_hex(sequencer), governor=address_hex(governor), bond=bond,
                    deposit_deadline=deposit_deadline, vk_timelock=vk_timelock)
        return cls(ledger)

    # -- L1 transactions

    def deposit(self, l2_pubkey: Point | tuple[int, int], amount: int, *, sender: AddressLike) -> Deposit:
        """Escrow amount of sender's L1 tokens and queue a deposit to an L2 public key; returns the queued deposit."""
        pk = _deposit_key(l2_pubkey)
        amount = _int(amount, "amount", AMOUNT_BITS)
        if amount == 0:
            raise MalformedInput("amount must be positive, not 0")
        sender = to_address(sender, "sender")
        with self.ledger.transaction("deposit", sender) as tx:
            _exodus.ensure_not_exodus(tx)
            index = tx.get(CONTRACT, "deposit_count") + 1
            chain = deposit_hash(int(tx.get(CONTRACT, "deposit_chain")), (pk.x, pk.y), amount)
            deadline = tx.height + tx.get(CONTRACT, "deposit_deadline")
            tx.transfer(sender, ROLLUP_ADDRESS, amount, emit=False)
            tx.execute(
                "INSERT INTO rollup_deposits (idx, depositor, pubkey_x, pubkey_y, amount, chain_hash, height, "
                "deadline, status, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', NULL)",
                (index, address_hex(sender), str(pk.x), str(pk.y), str(amount), str(chain), tx.height, deadline),
            )
            tx.put(CONTRACT, "deposit_count", index)
            tx.put(CONTRACT, "deposit_chain", str(chain))
            tx.emit("deposit", index=index, depositor=address_hex(sender), pubkey=[str(pk.x), str(pk.y)],
                    amount=amount, chain_hash=str(chain), deadline=deadline)
        return Deposit(index, sender, (pk.x, pk.y), amount, chain, tx.height, deadline, "queued", None)

    def submit_batch(
        self,
        header: L1BatchHeader,
        public_data: bytes,
        proof: Proof,
        *,
        sender: AddressLike | None = None,
    ) -> BatchRecord:
        """Verify and finalize the next batch (checks in the module docstring); returns the recorded batch."""
        header = _check_header(header)
        if not isinstance(public_data, (bytes, bytearray, memoryview)):
            raise MalformedBatch(f"public data must be bytes, not {type(public_data).__name__}")
        data = bytes(public_data)
        proof = _check_proof(proof)
        with self.ledger.transaction("submit_batch", None if sender is None else to_address(sender, "sender")) as tx:
            sequencer = int(tx.get(CONTRACT, "sequencer"), 16)
            who = sequencer if sender is None else to_address(sender, "sender")
            tx.sender = who
            if who != sequencer:
                raise Unauthorized(f"only the sequencer {address_hex(sequencer)} may submit batches, "
                                   f"not {address_hex(who)}")
            _exodus.ensure_not_exodus(tx)
            if tx.get(CONTRACT, "paused"):
                raise BatchesPaused("the emergency council has paused new batches")
            last = tx.get(CONTRACT, "batch_number")
            if header.batch_number <= last:
                raise ReplayedBatch(f"batch {header.batch_number} is already final; the next batch is {last + 1}")
            if header.batch_number != last + 1:
                raise OutOfOrderBatch(f"the next batch must be number {last + 1}, not {header.batch_number}")
            root = int(tx.get(CONTRACT, "state_root"))
            if header.old_root != root:
                raise StaleStateRoot(f"the batch's old root must be the current root {root}, not {header.old_root}")
            try:
                records = pubdata.decode(data)
            except MalformedInput as e:
                raise MalformedBatch(f"the batch's public data is malformed: {e}") from e
            processed = tx.get(CONTRACT, "deposits_processed")
            deposits = [r for r in records if r.type == TxType.DEPOSIT]
            queued = tx.execute(
                "SELECT idx, pubkey_x, pubkey_y, amount, chain_hash FROM rollup_deposits "
                "WHERE idx > ? ORDER BY idx LIMIT ?", (processed, len(deposits)),
            ).fetchall()
            for i, record in enumerate(deposits):
                if i >= len(queued):
                    raise SkippedDeposit(
                        f"the batch posts {len(deposits)} deposits but only {len(queued)} are queued "
                        f"(after deposit {processed})"
                    )
                idx, x, y, amount, _ = queued[i]
                if record.amount != int(amount):
                    raise SkippedDeposit(
                        f"deposit record {i} of the batch must be queued deposit {idx} (amount {amount} to "
                        f"({x}, {y})), not amount {record.amount}"
                    )
            # the keys are not posted: they are the queue's, bound in the proof by the deposit chain D_after
            keys = [(int(x), int(y)) for _, x, y, _, _ in queued[:len(deposits)]]
            records = pubdata.decode(data, keys)
            d_before = self._chain_at(tx, processed)
            d_after = int(queued[-1][4]) if deposits else d_before
            fees = total_fees(records)
            domain = Domain.from_json(tx.get(CONTRACT, "domain"))
            expected = pubdata.commitment(
                BatchHeader(domain.element, header.batch_number, header.fee_account, fees, d_before, d_after), records
            )
            if header.commitment != expected:
                raise WrongCommitment(
                    f"the commitment recomputed from the posted public data is {expected}, "
                    f"not the claimed {header.commitment}"
                )
            vk, digest, upgrade_due = _gov.effective_vk(tx, tx.height)
            try:
                ok = verify(vk, header.public_inputs(), proof)
            except MalformedInput as e:  # validated above; kept as a guard
                raise MalformedProof(str(e)) from e
            if not ok:
                raise BadProof(
                    f"the proof of batch {header.batch_number} does not verify under the verifying key "
                    f"{digest[:16]}... for public inputs [old_root, new_root, commitment]"
                )
            # ---- every check passed: write
            if upgrade_due:
                _gov.apply_due(tx)
            tx.put(CONTRACT, "state_root", str(header.new_root))
            tx.put(CONTRACT, "batch_number", header.batch_number)
            tx.put(CONTRACT, "deposits_processed", processed + len(deposits))
            tx.execute(
                "UPDATE rollup_deposits SET status = 'processed', batch = ? WHERE idx > ? AND idx <= ?",
                (header.batch_number, processed, processed + len(deposits)),
            )
            crash_point("submit_batch.mid")
            proof_json = proof_to_snarkjs_json(proof)
            tx.execute(
                "INSERT INTO rollup_batches (number, old_root, new_root, commitment, fee_account, total_fees, "
                "deposits_from, deposits_to, deposits_before, deposits_after, public_data, proof, vk_hash, height, "
                "sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (header.batch_number, str(header.old_root), str(header.new_root), str(header.commitment),
                 header.fee_account, str(fees), processed, processed + len(deposits), str(d_before),
                 str(d_after), data, _json(proof_json), digest, tx.height, address_hex(who)),
            )
            n_withdrawals = 0
            for position, record in enumerate(records):
                if record.type == TxType.WITHDRAW and record.amount > 0:
                    tx.execute(
                        "INSERT INTO rollup_withdrawals (batch, position, l1_address, amount, claimed_height) "
                        "VALUES (?, ?, ?, ?, NULL)",
                        (header.batch_number, position, address_hex(record.l1_address), str(record.amount)),
                    )
                    tx.emit("withdrawal", batch=header.batch_number, position=position,
                            l1_address=address_hex(record.l1_address), amount=record.amount)
                    n_withdrawals += 1
            tx.emit("batch", number=header.batch_number, old_root=str(header.old_root),
                    new_root=str(header.new_root), commitment=str(header.commitment), transactions=len(records),
                    deposits=len(deposits), withdrawals=n_withdrawals, total_fees=fees, vk_hash=digest)
        return BatchRecord(header.batch_number, header.old_root, header.new_root, header.commitment,
                           header.fee_account, fees, processed, processed + len(deposits), d_before, d_after,
                           data, proof, digest, tx.height, who, tuple(keys))

    def claim(self, l1_address: AddressLike, *, sender: AddressLike | None = None) -> int:
        """Pay l1_address all its final, unclaimed withdrawals (anyone may trigger it); returns the amount paid."""
        address = to_address(l1_address, "l1_address")
        who = address if sender is None else to_address(sender, "sender")
        with self.ledger.transaction("claim", who) as tx:
            rows = tx.execute(
                "SELECT id, amount FROM rollup_withdrawals WHERE l1_address = ? AND claimed_height IS NULL",
                (address_hex(address),),
            ).fetchall()
            if not rows:
                claimed = tx.execute(
                    "SELECT COUNT(*) FROM rollup_withdrawals WHERE l1_address = ?", (address_hex(address),)
                ).fetchone()[0]
                if claimed:
                    raise AlreadyClaimed(f"every withdrawal to {address_hex(address)} ({claimed}) is already paid")
                raise NothingToClaim(f"{address_hex(address)} has no withdrawal to claim")
            amount = sum(int(a) for _, a in rows)
            tx.transfer(ROLLUP_ADDRESS, address, amount, emit=False)
            crash_point("claim.mid")
            tx.execute(
                f"UPDATE rollup_withdrawals SET claimed_height = ? WHERE id IN ({', '.join('?' * len(rows))})",
                (tx.height, *(i for i, _ in rows)),
            )
            tx.emit("claim", l1_address=address_hex(address), amount=amount, withdrawals=len(rows))
        return amount

    def activate_exodus(self, *, sender: AddressLike = 0) -> dict[str, int]:
        """Enter exodus mode once a deposit is overdue (anyone may send it): slashes the bond; queued deposits
        become refundable."""
        with self.ledger.transaction("activate_exodus", to_address(sender, "sender")) as tx:
            return _exodus.activate(tx, ROLLUP_ADDRESS)

    def refund_deposit(self, index: int, *, sender: AddressLike = 0) -> int:
        """In exodus mode, give a deposit no batch processed back to its depositor, once; returns the amount."""
        index = _int(index, "index", 64)
        with self.ledger.transaction("refund_deposit", to_address(sender, "sender")) as tx:
            _exodus.ensure_exodus(tx, ROLLUP_ADDRESS)
            return _exodus.refund(tx, index, ROLLUP_ADDRESS)

    def exit(
        self,
        account_index: int,
        l1_address: AddressLike,
        balance: int,
        proof: Proof,
        *,
        sender: AddressLike | None = None,
    ) -> int:
        """In exodus mode, pay an L2 account's balance (proven against the last final root) to l1_address, once.

        proof: the exit circuit's proof (`zkl.circuits.exit`) for this account, balance, address, root and domain.
        """
        account_index = _int(account_index, "account_index", INDEX_BITS)
        balance = _int(balance, "balance", AMOUNT_BITS)
        address = to_address(l1_address, "l1_address")
        who = address if sender is None else to_address(sender, "sender")
        try:
            proof = _check_proof(proof)
        except MalformedProof as e:
            raise BadExitProof(f"the exit proof is malformed: {e}") from e
        with self.ledger.transaction("exit", who) as tx:
            _exodus.ensure_exodus(tx, ROLLUP_ADDRESS)
            _exodus.check_exit(tx, account_index, address, balance, proof)
            tx.transfer(ROLLUP_ADDRESS, address, balance, emit=False)
            tx.execute(
                "INSERT INTO rollup_exits (account_index, l1_address, amount, pubkey_x, pubkey_y, height) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (account_index, address_hex(address), str(balance), "0", "0", tx.height),
            )
            tx.emit("exit", account_index=account_index, l1_address=address_hex(address), amount=balance,
                    root=str(tx.get(CONTRACT, "state_root")))
        return balance

    def vote_pause(self, *, sender: AddressLike) -> bool:
        """Council member: vote to pause new batches; returns whether this vote paused them."""
        who = to_address(sender, "sender")
        with self.ledger.transaction("vote_pause", who) as tx:
            return _gov.vote(tx, who, True)

    def vote_unpause(self, *, sender: AddressLike) -> bool:
        """Council member: vote to resume batches; returns whether this vote resumed them."""
        who = to_address(sender, "sender")
        with self.ledger.transaction("vote_unpause", who) as tx:
            return _gov.vote(tx, who, False)

    def propose_vk_upgrade(self, vk: VerifyingKey, *, sender: AddressLike) -> PendingChange:
        """Governor: queue a new verifying key, effective vk_timelock blocks after this one."""
        vk_json, digest = _gov.encode_vk(vk)
        who = to_address(sender, "sender")
        with self.ledger.transaction("propose_vk", who) as tx:
            return _gov.propose(tx, vk_json, digest, who)

    def cancel_vk_upgrade(self, *, sender: AddressLike) -> PendingChange:
        """Governor: drop the pending verifying-key upgrade before it takes effect."""
        who = to_address(sender, "sender")
        with self.ledger.transaction("cancel_vk", who) as tx:
            return _gov.cancel(tx, who)

    def activate_vk_upgrade(self, *, sender: AddressLike = 0) -> PendingChange:
        """Apply a pending upgrade whose timelock has elapsed (anyone); TimelockActive before that."""
        with self.ledger.transaction("activate_vk", to_address(sender, "sender")) as tx:
            return _gov.activate(tx)

    def _var(self, key: str) -> Any:
        with self.ledger.view() as tx:
            return tx.get(CONTRACT, key)

    @staticmethod
    def _chain_at(tx: Tx, index: int) -> int:
        if index == 0:
            return 0
        return int(tx.execute("SELECT chain_hash FROM rollup_deposits WHERE idx = ?", (index,)).fetchone()[0])

    # -- views

    def status(self) -> RollupStatus:
        """The contract's state as a transaction in the next block would see it."""
        with self.ledger.view() as tx:
            g = lambda key: tx.get(CONTRACT, key)  # noqa: E731
            nxt = tx.height + 1
            _, digest, due = _gov.effective_vk(tx, nxt)
            pending = None if due else _gov.pending(tx)
            queue = tx.execute(
                "SELECT COUNT(*), MIN(deadline) FROM rollup_deposits WHERE status = 'queued'"
            ).fetchone()
            return RollupStatus(
                height=tx.height,
                domain=Domain.from_json(g("domain")),
                state_root=int(g("state_root")),
                batch_number=g("batch_number"),
                depth=g("depth"),
                queue_length=queue[0],
                next_deadline=queue[1],
                exodus=_exodus.is_exodus(tx, nxt),
                exodus_activated=bool(g("exodus")),
                vk_hash=digest,
                pending_vk=pending,
                sequencer=int(g("sequencer"), 16),
                governor=int(g("governor"), 16),
                bond=g("bond"),
                escrow=tx.balance(ROLLUP_ADDRESS),
                deposit_deadline=g("deposit_deadline"),
                vk_timelock=g("vk_timelock"),
                paused=bool(g("paused")),
            )

    @property
    def domain(self) -> Domain:
        """The deployment domain (the ledger's chain id and this contract's address) every L2 signature names."""
        return Domain.from_json(self._var("domain"))

    @property
    def state_root(self) -> int:
        """The last final state root."""
        return int(self._var("state_root"))

    @property
    def batch_number(self) -> int:
        """The number of the last final batch (0 before the first)."""
        return self._var("batch_number")

    @property
    def depth(self) -> int:
        """The account tree's depth parameter (room for 2^depth accounts)."""
        return self._var("depth")

    @property
    def genesis_root(self) -> int:
        """The state root at deployment."""
        return int(self._var("genesis_root"))

    @staticmethod
    def vk_hash_of(vk: VerifyingKey) -> str:
        """The hash `status().vk_hash` reports for a batch key: SHA-256 of its verification_key.json."""
        return _gov.encode_vk(vk)[1]

    def verifying_key(self) -> VerifyingKey:
        """The verifying key in force for a batch in the next block."""
        with self.ledger.view() as tx:
            return _gov.effective_vk(tx, tx.height + 1)[0]

    def pending_change(self) -> PendingChange | None:
        """The pending verifying-key upgrade (None once it is in force for the next block)."""
        return self.status().pending_vk

    def batch(self, number: int) -> BatchRecord:
        """A final batch by number."""
        found = self.batches(number, number + 1)
        if not found:
            raise MalformedInput(f"batch number must be in [1, {self.batch_number}], not {number}")
        return found[0]

    def batches(self, start: int = 1, stop: int | None = None) -> list[BatchRecord]:
        """Final batches with start <= number < stop, in order (what rebuilding the L2 state replays)."""
        rows = self.ledger.query(
            "SELECT number, old_root, new_root, commitment, fee_account, total_fees, deposits_from, deposits_to, "
            "deposits_before, deposits_after, public_data, proof, vk_hash, height, sender FROM rollup_batches "
            "WHERE number >= ? AND number < ? ORDER BY number", (start, (1 << 62) if stop is None else stop),
        )
        keys: dict[int, list[tuple[int, int]]] = {}
        if rows:
            for batch, x, y in self.ledger.query(
                    "SELECT batch, pubkey_x, pubkey_y FROM rollup_deposits WHERE batch >= ? AND batch <= ? "
                    "ORDER BY idx", (rows[0][0], rows[-1][0])):
                keys.setdefault(batch, []).append((int(x), int(y)))
        return [
            BatchRecord(n, int(o), int(w), int(c), f, int(t), a, b, int(db), int(da), bytes(pd),
                        proof_from_snarkjs_json(_unjson(p), validate=False), vh, h, int(s, 16), tuple(keys.get(n, ())))
            for n, o, w, c, f, t, a, b, db, da, pd, p, vh, h, s in rows
        ]

    def deposits(self, status: str | None = None) -> list[Deposit]:
        """Every deposit (or those with a status: 'queued', 'processed', 'refunded'), by index."""
        sql = ("SELECT idx, depositor, pubkey_x, pubkey_y, amount, chain_hash, height, deadline, status, batch "
               "FROM rollup_deposits")
        rows = self.ledger.query(sql + (" WHERE status = ?" if status else "") + " ORDER BY idx",
                                 (status,) if status else ())
        return [Deposit(i, int(d, 16), (int(x), int(y)), int(a), int(c), h, dl, st, b)
                for i, d, x, y, a, c, h, dl, st, b in rows]

    def queued_deposits(self) -> list[Deposit]:
        """The deposit queue: deposits not yet processed by a batch (nor refunded), oldest first."""
        return self.deposits("queued")

    def withdrawals(self, l1_address: AddressLike | None = None) -> list[Withdrawal]:
        """Withdrawals made claimable by final batches (all, or those of one address)."""
        sql = "SELECT id, batch, position, l1_address, amount, claimed_height FROM rollup_withdrawals"
        params: tuple = ()
        if l1_address is not None:
            sql += " WHERE l1_address = ?"
            params = (address_hex(to_address(l1_address, "l1_address")),)
        rows = self.ledger.query(sql + " ORDER BY id", params)
        return [Withdrawal(i, b, p, int(a, 16), int(m), c) for i, b, p, a, m, c in rows]

    def claimable(self, l1_address: AddressLike) -> int:
        """The amount claim(l1_address) would pay now."""
        return sum(w.amount for w in self.withdrawals(l1_address) if w.claimed_height is None)

    def exited(self, account_index: int) -> bool:
        """Whether an L2 account has exited."""
        return bool(self.ledger.query("SELECT 1 FROM rollup_exits WHERE account_index = ?", (account_index,)))

    def exits(self) -> list[dict[str, Any]]:
        """Every exit: account index, L1 address, amount, height."""
        rows = self.ledger.query("SELECT account_index, l1_address, amount, height FROM rollup_exits "
                                 "ORDER BY account_index")
        return [{"account_index": i, "l1_address": a, "amount": int(m), "height": h} for i, a, m, h in rows]

    def deposit_chain(self, index: int | None = None) -> int:
        """The deposit-queue hash D_index (default: of the last deposit); D_0 = 0."""
        with self.ledger.view() as tx:
            if index is None:
                return int(tx.get(CONTRACT, "deposit_chain"))
            if not 0 <= index <= tx.get(CONTRACT, "deposit_count"):
                raise MalformedInput(f"index must be in [0, {tx.get(CONTRACT, 'deposit_count')}], not {index}")
            return self._chain_at(tx, index)

    def __repr__(self) -> str:
        return f"RollupContract(batch_number={self.batch_number}, state_root={self.state_root})"


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _unjson(text: str) -> Any:
    return json.loads(text)
