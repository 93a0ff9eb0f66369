"""The L2 node: state, mempool, deposit queue, fee market and batches in one SQLite file.

    node = Node.init("data/", depth=16, batch_size=4, fee_pubkey=sequencer.pubkey, domain=contract.domain)
    node.add_deposit(wallet.pubkey, 1000)          # from the base layer's queue, in order
    node.submit(tx)                                 # SignedTx or its JSON form; specific errors
    batch = node.seal()                             # build, apply and persist one batch atomically
    node.close(); Node("data/").root == batch.new_root

Everything lives in `<data_dir>/node.db`: the state tables (`zkl.execution.state`), the mempool
(`zkl.execution.mempool`), and

    node_meta(key TEXT PRIMARY KEY, value TEXT)   depth, batch_size, fee_pubkey, fee floor, domain,
                                                  min_fee, next_batch, deposits_processed, deposit_chain
    deposits(queue_index INTEGER PRIMARY KEY, pkx TEXT, pky TEXT, amount TEXT, batch INTEGER NULL)
    batches(number INTEGER PRIMARY KEY, old_root TEXT, new_root TEXT, commitment TEXT,
            first_deposit INTEGER NULL, deposit_count INTEGER, pubdata BLOB, batch TEXT)
    sealed_txs(id TEXT PRIMARY KEY, batch INTEGER, slot INTEGER NULL, from_index INTEGER,
               to_index INTEGER NULL, dropped TEXT NULL)
                                                  what became of each admitted transaction: its slot in
                                                  a batch, or the reason the sequencer dropped it

`submit_many` admits many transactions in one SQLite transaction (one fsync for all: group
commit), their signatures decoded and verified at once (`zkl.crypto.eddsa_batch`), each with the
answer `submit` would give; `tx_status` follows a transaction from the mempool into its batch.

`seal` runs in one SQLite transaction (BEGIN IMMEDIATE ... COMMIT): the state rows, the batch,
the consumed deposits, the mempool removals and the new fee all land together or not at all, so
a node stopped at any point reopens at the last sealed batch with the same root.

A node serves one deployment, its `domain` (`zkl.crypto.protocol.Domain`: the base layer's chain
id and the rollup contract), fixed at init: its mempool refuses transactions signed for another
(WrongDomain) and its batches bind the domain in their commitment.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zkl.crypto.babyjubjub import BASE8
from zkl.crypto.protocol import Domain, TxType, check_depth, deposit_hash
from zkl.errors import ExecutionError, MalformedInput, ZklError
from zkl.execution.accounts import Account
from zkl.execution.batch import Batch
from zkl.execution.fees import FeePolicy
from zkl.execution.mempool import Mempool
from zkl.execution.sequencer import BuildResult, Sequencer
from zkl.execution.state import State
from zkl.execution.transactions import QueuedDeposit, SignedTx, parse_tx, parse_unsigned

__all__ = ["DB_NAME", "Node"]

DB_NAME = "node.db"
#: the key a signature of an unknown sender is checked against (validate refuses the sender first)
_NO_KEY = (BASE8.x, BASE8.y)

_SEALED_SCHEMA = ("CREATE TABLE IF NOT EXISTS sealed_txs (id TEXT PRIMARY KEY, batch INTEGER NOT NULL, slot INTEGER, "
                  "from_index INTEGER NOT NULL, to_index INTEGER, dropped TEXT)")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS node_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS deposits (queue_index INTEGER PRIMARY KEY, pkx TEXT NOT NULL, pky TEXT NOT NULL, "
    "amount TEXT NOT NULL, batch INTEGER)",
    "CREATE TABLE IF NOT EXISTS batches (number INTEGER PRIMARY KEY, old_root TEXT NOT NULL, new_root TEXT NOT NULL, "
    "commitment TEXT NOT NULL, first_deposit INTEGER, deposit_count INTEGER NOT NULL, pubdata BLOB NOT NULL, "
    "batch TEXT NOT NULL)",
    _SEALED_SCHEMA,
)


def _connect(path: Path) -> sqlite3.Connection:
    """Open the node database in autocommit mode (transactions are explicit)."""
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


class Node:
    """An L2 node over a data directory (see the module docstring)."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        path = Path(data_dir) / DB_NAME
        if not path.exists():
            raise ExecutionError(f"no L2 node in {data_dir} (no {DB_NAME}); create one with Node.init")
        self.data_dir = Path(data_dir)
        self._db = _connect(path)
        meta = dict(self._db.execute("SELECT key, value FROM node_meta"))
        try:
            self.depth = check_depth(int(meta["depth"]))
            self.batch_size = int(meta["batch_size"])
            self.fee_pubkey: tuple[int, int] = tuple(int(v) for v in json.loads(meta["fee_pubkey"]))  # type: ignore
            self.fee_policy = FeePolicy(int(meta["fee_floor"]))
        except (KeyError, ValueError) as exc:
            raise ExecutionError(f"the node database in {data_dir} is incomplete: {exc!r}") from None
        if "domain" not in meta:
            raise ExecutionError(f"the node database in {data_dir} predates deployment domains (signatures bound "
                                 "to their deployment); create a new node")
        self.domain = Domain.from_json(json.loads(meta["domain"]))
        self._db.execute(_SEALED_SCHEMA)  # a node made before sealed_txs existed
        self._db.execute("CREATE INDEX IF NOT EXISTS sealed_txs_from ON sealed_txs (from_index)")
        self.state = State(self.depth, self._db)
        self.mempool = Mempool(self._db, self.domain)
        self.sequencer = Sequencer(self.state, batch_size=self.batch_size, fee_pubkey=self.fee_pubkey,
                                   domain=self.domain)
        self.last_dropped: dict[str, str] = {}
        """id -> reason of the mempool transactions the last `seal` dropped"""

    @classmethod
    def init(cls, data_dir: str | os.PathLike, *, depth: int, batch_size: int, fee_pubkey: tuple[int, int],
             domain: Domain, fee_floor: int = 1) -> Node:
        """Create a node with an empty state in data_dir (created if missing; must not hold a node).

        domain: the deployment the node serves (the rollup contract's `domain`).
        """
        check_depth(depth)
        if not isinstance(domain, Domain):
            raise MalformedInput(f"domain must be a zkl.crypto.protocol.Domain, not {type(domain).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise MalformedInput(f"batch_size must be a positive integer, not {batch_size!r}")
        policy = FeePolicy(fee_floor)
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / DB_NAME
        if path.exists():
            raise ExecutionError(f"{data_dir} already holds an L2 node")
        db = _connect(path)
        try:
            db.execute("BEGIN")
            for statement in _SCHEMA:
                db.execute(statement)
            meta = {"depth": depth, "batch_size": batch_size, "fee_pubkey": json.dumps([str(v) for v in fee_pubkey]),
                    "domain": json.dumps(domain.to_json()), "fee_floor": policy.floor, "min_fee": policy.floor, "next_batch": 1, "deposits_processed": 0,
                    "deposit_chain": 0}
            db.executemany("INSERT INTO node_meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
            State(depth, db)
            Mempool(db, domain)
            db.execute("COMMIT")
        finally:
            db.close()
        return cls(directory)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------

    def _meta(self, key: str) -> str:
        return self._db.execute("SELECT value FROM node_meta WHERE key = ?", (key,)).fetchone()[0]

    def _set_meta(self, key: str, value: object) -> None:
        self._db.execute("UPDATE node_meta SET value = ? WHERE key = ?", (str(value), key))

    @property
    def root(self) -> int:
        """The current state root."""
        return self.state.root

    @property
    def min_fee(self) -> int:
        """The current minimum fee of a transfer or withdrawal."""
        return int(self._meta("min_fee"))

    @property
    def next_batch(self) -> int:
        """The number the next sealed batch gets (batches count from 1)."""
        return int(self._meta("next_batch"))

    @property
    def deposits_processed(self) -> int:
        """How many deposits of the queue batches have consumed (the queue index of the last consumed)."""
        return int(self._meta("deposits_processed"))

    @property
    def deposit_chain(self) -> int:
        """The deposit-queue hash after the consumed deposits (D_processed)."""
        return int(self._meta("deposit_chain"))

    def account(self, index: int) -> Account | None:
        """The account at an index, or None."""
        return self.state.account(index)

    def pending_deposits(self) -> list[QueuedDeposit]:
        """The deposits not yet in a batch, in queue order."""
        rows = self._db.execute("SELECT queue_index, pkx, pky, amount FROM deposits WHERE batch IS NULL "
                                "ORDER BY queue_index")
        return [QueuedDeposit(q, (int(x), int(y)), int(a)) for q, x, y, a in rows]

    def pending_deposit_count(self) -> int:
        """How many deposits the node has seen that no batch has consumed yet."""
        return self.deposit_count() - self.deposits_processed

    def deposit_count(self) -> int:
        """How many deposits the node has seen (consumed or not): the queue index of the last one."""
        return self._db.execute("SELECT COUNT(*) FROM deposits").fetchone()[0]

    def batch(self, number: int) -> Batch:
        """A sealed batch by number."""
        row = self._db.execute("SELECT batch FROM batches WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise ExecutionError(f"no batch {number}; batches 1..{self.next_batch - 1} are sealed")
        return Batch.from_json(json.loads(row[0]))

    def batches(self) -> list[dict[str, Any]]:
        """A summary of every sealed batch: number, roots, commitment, deposits consumed."""
        rows = self._db.execute("SELECT number, old_root, new_root, commitment, first_deposit, deposit_count "
                                "FROM batches ORDER BY number")
        return [{"number": n, "old_root": o, "new_root": r, "commitment": c, "first_deposit": f,
                 "deposit_count": k} for n, o, r, c, f, k in rows]

    # -- writing -------------------------------------------------------------------------------

    def add_deposit(self, pubkey: tuple[int, int], amount: int, queue_index: int | None = None) -> QueuedDeposit:
        """Record the next deposit of the base layer's queue (indices from 1; a given queue_index must be the next)."""
        expected = self.deposit_count() + 1
        if queue_index is None:
            queue_index = expected
        deposit = QueuedDeposit(queue_index, (pubkey[0], pubkey[1]), amount)
        if queue_index != expected:
            raise ExecutionError(f"the next deposit of the queue is {expected}, not {queue_index}")
        self._db.execute("INSERT INTO deposits VALUES (?, ?, ?, ?, NULL)",
                         (queue_index, str(deposit.pubkey[0]), str(deposit.pubkey[1]), str(amount)))
        return deposit

    def submit(self, tx: SignedTx | dict) -> str:
        """Validate a transaction (or its JSON form) and add it to the mempool; return its id.

        Raises the specific error (transactions.validate) and changes nothing when refused.
        """
        if not isinstance(tx, SignedTx):
            tx = parse_tx(tx)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            tx_id = self.mempool.submit(tx, self.state, self.min_fee)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return tx_id

    def submit_many(self, items: Sequence[SignedTx | dict]) -> list[str | ZklError]:
        """Admit many transactions (or JSON forms) in one SQLite transaction: per item its id or its error.

        Each item gets the answer `submit` would give it in this order (an earlier item's admission counts
        for a later one's nonce and balance); the refused ones change nothing; one commit makes the admitted
        ones durable together.
        """
        out: list[Any] = []
        for item in items:
            try:
                out.append(item if isinstance(item, SignedTx) else parse_unsigned(item))
            except ZklError as e:
                out.append(e)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._check_signatures(out)
            min_fee = self.min_fee
            for i, entry in enumerate(out):
                if isinstance(entry, tuple):
                    tx, valid = entry
                    try:
                        out[i] = self.mempool.submit(tx, self.state, min_fee, signature_valid=valid)
                    except ZklError as e:
                        out[i] = e
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return out

    def _check_signatures(self, entries: list[Any]) -> None:
        """Replace each parsed entry of `entries` by (SignedTx, signature verdict), all signatures checked at once.

        An entry is (record, nonce, domain, packed signature) or a SignedTx; a signature that does not decode
        becomes the MalformedInput `parse_tx` raises; errors stay.
        """
        from zkl.crypto.eddsa_batch import Status, message_many, verify_packed

        todo = [i for i, e in enumerate(entries) if not isinstance(e, ZklError)]
        if not todo:
            return
        fields = [(e.record, e.nonce, e.domain, e.signature.pack()) if isinstance(e, SignedTx) else e
                  for e in (entries[i] for i in todo)]
        elements = [record.elements() for record, *_ in fields]
        messages = message_many([e[0] for e in elements], [e[1] for e in elements], [f[1] for f in fields],
                                [f[2] for f in fields])
        pubkeys = []
        for record, *_ in fields:
            account = self.state.account(record.from_index) if record.from_index < self.state.capacity else None
            pubkeys.append(_NO_KEY if account is None else account.pubkey)
        result = verify_packed(pubkeys, messages, [f[3] for f in fields])
        for k, i in enumerate(todo):
            status = result.status[k]
            if status == Status.MALFORMED:
                entries[i] = result.error(k)  # what Signature.unpack raises: parse_tx's answer
                continue
            record, nonce, domain, _ = fields[k]
            tx = entries[i] if isinstance(entries[i], SignedTx) else SignedTx(record, nonce, domain,
                                                                             result.signatures[k])
            tx.__dict__["message"] = messages[k]  # the cached_property, computed above
            entries[i] = (tx, status == Status.VALID)

    def tx_status(self, tx_id: str) -> dict[str, Any] | None:
        """Where a transaction is: {"status": "pending"} in the mempool, "in_batch" (batch, slot) or "dropped"
        (batch, reason) once sealed; None for an id the node never admitted."""
        if tx_id in self.mempool:
            return {"status": "pending"}
        row = self._db.execute("SELECT batch, slot, dropped FROM sealed_txs WHERE id = ?", (tx_id,)).fetchone()
        if row is None:
            return None
        batch, slot, dropped = row
        if dropped is not None:
            return {"status": "dropped", "batch": batch, "reason": dropped}
        return {"status": "in_batch", "batch": batch, "slot": slot}

    def sealed_of_account(self, index: int, limit: int = 100) -> list[tuple[str, int, int | None, str | None]]:
        """(id, batch, slot, dropped reason) of the latest sealed transactions from or to an account, newest first."""
        rows = self._db.execute("SELECT id, batch, slot, dropped FROM sealed_txs WHERE from_index = ? OR to_index = ? "
                                "ORDER BY batch DESC, slot DESC LIMIT ?", (index, index, limit))
        return list(rows)

    def seal(self, *, allow_empty: bool = False) -> Batch | None:
        """Build, apply and persist the next batch; None when nothing waits (unless allow_empty)."""
        deposits = self.pending_deposits()
        if not deposits and not self.mempool and not allow_empty:
            return None
        transactions = self.mempool.iter_transactions(max(self.batch_size, 16))  # read as the sequencer takes them
        number = self.next_batch
        self._db.execute("BEGIN IMMEDIATE")
        self.state.begin()
        try:
            result = self.sequencer.build(number=number, deposits=deposits, deposits_before=self.deposit_chain,
                                          transactions=transactions)
            self.state.commit()
            self._record(result)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            if self.state.in_transaction:
                self.state.rollback()
            else:  # rows were written, then the transaction failed: reload what SQLite holds
                self.state = State(self.depth, self._db)
                self.sequencer = Sequencer(self.state, batch_size=self.batch_size, fee_pubkey=self.fee_pubkey,
                                           domain=self.domain)
            raise
        return result.batch

    def _record(self, result: BuildResult) -> None:
        """Write the batch, its consumed deposits, mempool removals and the node's counters (in the open
        SQLite transaction)."""
        batch = result.batch
        self._db.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (batch.number, str(batch.old_root), str(batch.new_root), str(batch.commitment),
                          batch.first_deposit, batch.deposit_count, batch.pubdata, json.dumps(batch.to_json())))
        if batch.deposit_count:
            self._db.execute("UPDATE deposits SET batch = ? WHERE queue_index BETWEEN ? AND ?",
                             (batch.number, batch.first_deposit, batch.last_deposit))
        rows = []
        for k, tx_id in enumerate(result.included):  # after the batch's deposits, in the order taken
            r = batch.records[batch.deposit_count + k]
            rows.append((tx_id, batch.number, batch.deposit_count + k, r.from_index,
                         r.to_index if r.type == TxType.TRANSFER else None, None))
        for tx_id, reason in result.dropped.items():
            row = self._db.execute("SELECT from_index, json_extract(tx, '$.to') FROM mempool WHERE id = ?",
                                   (tx_id,)).fetchone()
            if row is not None:
                rows.append((tx_id, batch.number, None, row[0], row[1], reason))
        self._db.executemany("INSERT OR REPLACE INTO sealed_txs VALUES (?, ?, ?, ?, ?, ?)", rows)
        self.mempool.remove([*result.included, *result.dropped])
        self._set_meta("next_batch", batch.number + 1)
        self._set_meta("deposits_processed", self.deposits_processed + batch.deposit_count)
        self._set_meta("deposit_chain", batch.header.deposits_after)
        self._set_meta("min_fee", self.fee_policy.next_fee(self.min_fee, result.used, batch.batch_size))
        self.last_dropped = dict(result.dropped)


def chain_of(deposits: list[QueuedDeposit], start: int = 0) -> int:
    """The deposit-queue hash after `deposits`, starting from the hash `start` (D_0 = 0)."""
    d = start
    for deposit in deposits:
        d = deposit_hash(d, deposit.pubkey, deposit.amount)
    return d
