"""The mempool: validated signed transactions waiting for a batch, in arrival order, in SQLite.

    mempool(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, from_index INTEGER,
            nonce INTEGER, debit TEXT, tx TEXT)       tx: the JSON form of the SignedTx
    mempool_pending(from_index INTEGER PRIMARY KEY, count INTEGER, debit TEXT)
                                                      per sender: how many wait, the sum of their debits

A mempool serves one deployment (`domain`). `submit(tx, state, min_fee)` validates a
transaction against the domain, the state and what the mempool already holds for its account
(`zkl.execution.transactions.validate`), then stores it; a refused transaction raises its
specific error and leaves the mempool as it was. Pass `sqlite3.connect(":memory:")` for a
mempool that does not persist.

Every operation costs the same however many transactions wait: `mempool_pending` is kept in
step with `mempool` by `add` and `remove` (in the caller's SQLite transaction), so `pending`
is one primary-key read; `iter_transactions` reads in arrival order a chunk at a time, so a
sequencer that needs one batch parses one batch, not the whole pool; and a transaction added
through this object is not parsed again (its signature point is not decompressed again) while
its stored text is unchanged. A database made before `mempool_pending` existed gets the table
filled from its rows when it is opened.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from zkl.crypto.protocol import Domain
from zkl.errors import ExecutionError, MalformedInput
from zkl.execution.state import State
from zkl.execution.transactions import Pending, SignedTx, parse_tx, validate

__all__ = ["Mempool"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS mempool (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
    "from_index INTEGER NOT NULL, nonce INTEGER NOT NULL, debit TEXT NOT NULL, tx TEXT NOT NULL)"
)
_PENDING_SCHEMA = (
    "CREATE TABLE mempool_pending (from_index INTEGER PRIMARY KEY, count INTEGER NOT NULL, debit TEXT NOT NULL)"
)
_CHUNK = 64


class Mempool:
    """Pending transactions of one deployment in arrival order, persisted in a SQLite connection."""

    def __init__(self, db: sqlite3.Connection, domain: Domain) -> None:
        if not isinstance(domain, Domain):
            raise MalformedInput(f"domain must be a zkl.crypto.protocol.Domain, not {type(domain).__name__}")
        self._db = db
        self.domain = domain
        self._parsed: dict[str, tuple[str, SignedTx]] = {}
        """id -> (stored JSON text, parsed transaction) of the transactions this object added"""
        db.execute(_SCHEMA)
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mempool_pending'")
        if exists.fetchone() is None:
            self._create_pending()

    def _create_pending(self) -> None:
        """Create mempool_pending and fill it from the stored transactions (a database from before it)."""
        db = self._db
        outside = not db.in_transaction
        totals: dict[int, list[int]] = {}
        for from_index, debit in db.execute("SELECT from_index, debit FROM mempool"):
            entry = totals.setdefault(from_index, [0, 0])
            entry[0] += 1
            entry[1] += int(debit)
        db.execute(_PENDING_SCHEMA)
        db.executemany("INSERT INTO mempool_pending VALUES (?, ?, ?)",
                       [(i, count, str(debit)) for i, (count, debit) in totals.items()])
        if outside and db.in_transaction:  # a legacy-mode connection opened one for the inserts
            db.commit()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM mempool").fetchone()[0]

    def __bool__(self) -> bool:
        return self._db.execute("SELECT EXISTS (SELECT 1 FROM mempool)").fetchone()[0] == 1

    def __contains__(self, tx_id: object) -> bool:
        return self._db.execute("SELECT 1 FROM mempool WHERE id = ?", (str(tx_id),)).fetchone() is not None

    def pending(self, from_index: int) -> Pending:
        """How many transactions of an account wait, and the sum of their amounts and fees."""
        row = self._db.execute("SELECT count, debit FROM mempool_pending WHERE from_index = ?",
                               (from_index,)).fetchone()
        return Pending() if row is None else Pending(row[0], int(row[1]))

    def submit(self, tx: SignedTx, state: State, min_fee: int = 0, *, signature_valid: bool | None = None) -> str:
        """Validate and store a transaction; return its id. Raises the specific error, storing nothing.

        signature_valid: the verdict on its signature when the caller checked it already (`validate`).
        """
        pending = self.pending(tx.record.from_index)
        validate(tx, state, domain=self.domain, min_fee=min_fee, pending=pending, signature_valid=signature_valid)
        self._insert(tx, pending)
        return tx.id

    def add(self, tx: SignedTx) -> None:
        """Store a transaction without validation (for one already validated); refuses duplicates."""
        self._insert(tx, self.pending(tx.record.from_index))

    def _insert(self, tx: SignedTx, pending: Pending) -> None:
        """Store a transaction and count it in mempool_pending (`pending`: its sender's entry now)."""
        tx_id = tx.id
        if tx_id in self:
            raise ExecutionError(f"transaction {tx_id} is already in the mempool")
        r = tx.record
        debit = r.amount + r.fee
        text = json.dumps(tx.to_json())
        self._db.execute("INSERT INTO mempool (id, from_index, nonce, debit, tx) VALUES (?, ?, ?, ?, ?)",
                         (tx_id, r.from_index, tx.nonce, str(debit), text))
        self._db.execute("INSERT OR REPLACE INTO mempool_pending VALUES (?, ?, ?)",
                         (r.from_index, pending.count + 1, str(pending.debit + debit)))
        self._parsed[tx_id] = (text, tx)

    def _parse(self, tx_id: str, text: str) -> SignedTx:
        """The transaction of a stored row: the one this object added if its text is unchanged, else parsed."""
        known = self._parsed.get(tx_id)
        if known is not None and known[0] == text:
            return known[1]
        return parse_tx(json.loads(text))

    def iter_transactions(self, chunk: int = _CHUNK) -> Iterator[SignedTx]:
        """The pending transactions in arrival order, read `chunk` rows at a time (stop early for free)."""
        last = -1
        while True:
            rows = self._db.execute("SELECT seq, id, tx FROM mempool WHERE seq > ? ORDER BY seq LIMIT ?",
                                    (last, chunk)).fetchall()
            for seq, tx_id, text in rows:
                last = seq
                yield self._parse(tx_id, text)
            if len(rows) < chunk:
                return

    def get(self, tx_id: str) -> SignedTx | None:
        """A pending transaction by id, or None."""
        row = self._db.execute("SELECT tx FROM mempool WHERE id = ?", (str(tx_id),)).fetchone()
        return None if row is None else self._parse(str(tx_id), row[0])

    def of_account(self, index: int) -> list[SignedTx]:
        """The pending transactions from or to an account, in arrival order."""
        rows = self._db.execute("SELECT id, tx FROM mempool WHERE from_index = ? OR json_extract(tx, '$.to') = ? "
                                "ORDER BY seq", (index, index))
        return [self._parse(tx_id, text) for tx_id, text in rows]

    def transactions(self) -> list[SignedTx]:
        """Every pending transaction, in arrival order."""
        return [self._parse(tx_id, text) for tx_id, text in self._db.execute("SELECT id, tx FROM mempool ORDER BY seq")]

    def remove(self, tx_ids: Iterable[str]) -> None:
        """Drop transactions (included in a batch, or no longer valid); ids not in the mempool are ignored."""
        debits: dict[int, list[int]] = {}
        for tx_id in dict.fromkeys(tx_ids):
            row = self._db.execute("SELECT from_index, debit FROM mempool WHERE id = ?", (tx_id,)).fetchone()
            self._parsed.pop(tx_id, None)
            if row is None:
                continue
            self._db.execute("DELETE FROM mempool WHERE id = ?", (tx_id,))
            entry = debits.setdefault(row[0], [0, 0])
            entry[0] += 1
            entry[1] += int(row[1])
        for from_index, (count, debit) in debits.items():
            left = self.pending(from_index)
            if left.count <= count:
                self._db.execute("DELETE FROM mempool_pending WHERE from_index = ?", (from_index,))
            else:
                self._db.execute("UPDATE mempool_pending SET count = ?, debit = ? WHERE from_index = ?",
                                 (left.count - count, str(left.debit - debit), from_index))
