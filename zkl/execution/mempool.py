"""The mempool: validated signed transactions waiting for a batch, in arrival order, in SQLite.

    mempool(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, from_index INTEGER,
            nonce INTEGER, debit TEXT, tx TEXT)       tx: the JSON form of the SignedTx

`submit(tx, state, min_fee)` validates a transaction against the state and what the mempool
already holds for its account (`zkl.execution.transactions.validate`), then stores it; a
refused transaction raises its specific error and leaves the mempool as it was. Pass
`sqlite3.connect(":memory:")` for a mempool that does not persist.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from zkl.errors import ExecutionError
from zkl.execution.state import State
from zkl.execution.transactions import Pending, SignedTx, parse_tx, validate

__all__ = ["Mempool"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS mempool (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
    "from_index INTEGER NOT NULL, nonce INTEGER NOT NULL, debit TEXT NOT NULL, tx TEXT NOT NULL)"
)


class Mempool:
    """Pending transactions in arrival order, persisted in a SQLite connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.execute(_SCHEMA)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM mempool").fetchone()[0]

    def __contains__(self, tx_id: object) -> bool:
        return self._db.execute("SELECT 1 FROM mempool WHERE id = ?", (str(tx_id),)).fetchone() is not None

    def pending(self, from_index: int) -> Pending:
        """How many transactions of an account wait, and the sum of their amounts and fees."""
        rows = self._db.execute("SELECT debit FROM mempool WHERE from_index = ?", (from_index,)).fetchall()
        return Pending(len(rows), sum(int(d) for d, in rows))

    def submit(self, tx: SignedTx, state: State, min_fee: int = 0) -> str:
        """Validate and store a transaction; return its id. Raises the specific error, storing nothing."""
        validate(tx, state, min_fee=min_fee, pending=self.pending(tx.record.from_index))
        self.add(tx)
        return tx.id

    def add(self, tx: SignedTx) -> None:
        """Store a transaction without validation (for one already validated); refuses duplicates."""
        if tx.id in self:
            raise ExecutionError(f"transaction {tx.id} is already in the mempool")
        r = tx.record
        self._db.execute("INSERT INTO mempool (id, from_index, nonce, debit, tx) VALUES (?, ?, ?, ?, ?)",
                         (tx.id, r.from_index, tx.nonce, str(r.amount + r.fee), json.dumps(tx.to_json())))

    def transactions(self) -> list[SignedTx]:
        """Every pending transaction, in arrival order."""
        return [parse_tx(json.loads(text)) for text, in self._db.execute("SELECT tx FROM mempool ORDER BY seq")]

    def remove(self, tx_ids: Iterable[str]) -> None:
        """Drop transactions (included in a batch, or no longer valid)."""
        self._db.executemany("DELETE FROM mempool WHERE id = ?", [(i,) for i in tx_ids])
