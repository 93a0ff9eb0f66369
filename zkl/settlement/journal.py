"""The in-process EVM persisted in a data directory: every included transaction journaled, replayed on open.

    chain = JournaledEvm.create("data/", chain_id=7)     # data/evm.sqlite3
    rollup = EvmRollup.deploy(chain, ...)                # each included transaction is one journal row
    chain.close()
    chain = JournaledEvm.open("data/")                   # a fresh pyrevm, the journal replayed: the same state

pyrevm keeps its state in memory; it is deterministic (a block's number and time follow from its
height), so replaying the journal's rows in order rebuilds the state exactly. A row is committed
(SQLite, synchronous=FULL) only after its transaction ran, so a process killed in between leaves
that transaction out, as if it had never been sent; an acknowledged one is never lost. Each row
keeps its gas and output; a replay that differs (another pyrevm) is refused rather than trusted.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from zkl.errors import LedgerError
from zkl.settlement.evm import InProcessEvm, Receipt, address_of
from zkl.settlement.storage import crash_point

__all__ = ["DB_NAME", "JournaledEvm"]

DB_NAME = "evm.sqlite3"
FORMAT = "zkl-evm-journal-1"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY, op TEXT NOT NULL, sender TEXT, target TEXT, data BLOB, value TEXT NOT NULL,
    gas INTEGER, height INTEGER NOT NULL
);
"""


class JournaledEvm(InProcessEvm):
    """`InProcessEvm` whose included transactions, mined blocks and faucet balances are journaled in SQLite."""

    def __init__(self, conn: sqlite3.Connection, path: Path, chain_id: int) -> None:
        super().__init__(chain_id=chain_id)
        self._conn = conn
        self.path = path
        self._replaying = False

    @classmethod
    def create(cls, data_dir: str | os.PathLike, *, chain_id: int) -> JournaledEvm:
        """A new chain in data_dir (refused if one is there)."""
        path = Path(data_dir) / DB_NAME
        if path.exists():
            raise LedgerError(f"{data_dir} already holds an in-process EVM ({DB_NAME})")
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        conn = _connect(path)
        with conn:
            conn.executescript(_SCHEMA)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("chain_id", str(chain_id))])
        return cls(conn, path, chain_id)

    @classmethod
    def open(cls, data_dir: str | os.PathLike) -> JournaledEvm:
        """The chain of data_dir: a fresh pyrevm with the journal replayed."""
        path = Path(data_dir) / DB_NAME
        if not path.exists():
            raise LedgerError(f"no in-process EVM in {data_dir} (no {DB_NAME})")
        conn = _connect(path)
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT:
            conn.close()
            raise LedgerError(f"{path} is not a {FORMAT} journal")
        chain = cls(conn, path, int(meta["chain_id"]))
        chain._replay()
        return chain

    @property
    def entries(self) -> int:
        """The journal's rows: included transactions, mined blocks and faucet balances."""
        return self._conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]

    def close(self) -> None:
        """Close the journal."""
        self._conn.close()

    # -- journaled operations

    def mine(self, blocks: int = 1) -> None:
        """Mine empty blocks."""
        super().mine(blocks)
        self._append("mine", None, None, b"", blocks, None)

    def set_balance(self, address: int | str, wei: int) -> None:
        """Set an account's balance (the devnet's faucet)."""
        super().set_balance(address, wei)
        self._append("balance", None, address_of(address), b"", wei, None)

    def deploy(self, sender: str, code: bytes, value: int = 0) -> tuple[str, Receipt]:
        """Deploy creation code (journaled once included)."""
        address, receipt = super().deploy(sender, code, value)
        self._append("deploy", sender, address, code, value, receipt)
        return address, receipt

    def transact(self, sender: str, to: str, data: bytes, value: int = 0, gas: int | None = None) -> Receipt:
        """Send a transaction (journaled once included; one that reverts is not)."""
        receipt = super().transact(sender, to, data, value, gas)
        if receipt.tx_hash:
            self._append("call", sender, to, data, value, receipt, gas)
        return receipt

    # -- the journal

    def _append(self, op: str, sender: str | None, target: str | None, data: bytes, value: int,
                receipt: Receipt | None, gas_limit: int | None = None) -> None:
        if self._replaying:
            return
        crash_point("evm.executed")
        record = None if receipt is None else json.dumps([receipt.gas, receipt.success, gas_limit])
        with self._conn:
            self._conn.execute("INSERT INTO journal (op, sender, target, data, value, gas, height) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (op, sender, target, bytes(data), str(value), record, self.height))

    def _replay(self) -> None:
        self._replaying = True
        try:
            for seq, op, sender, target, data, value, record, height in self._conn.execute(
                    "SELECT seq, op, sender, target, data, value, gas, height FROM journal ORDER BY seq"):
                gas, success, limit = json.loads(record) if record else (None, None, None)
                if op == "mine":
                    self.mine(int(value))
                elif op == "balance":
                    self.set_balance(target, int(value))
                elif op == "deploy":
                    address, receipt = self.deploy(sender, bytes(data), int(value))
                    if address != target:
                        raise LedgerError(f"journal row {seq}: the replayed deployment is at {address}, not {target}")
                else:
                    receipt = self.transact(sender, target, bytes(data), int(value), limit)
                if op in ("deploy", "call") and (receipt.gas, receipt.success) != (gas, success):
                    raise LedgerError(f"journal row {seq}: the replay used {receipt.gas} gas (success "
                                      f"{receipt.success}), the journal says {gas} ({success}); another EVM version?")
                if self.height != height:
                    raise LedgerError(f"journal row {seq}: the replay is at block {self.height}, not {height}")
        finally:
            self._replaying = False


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.isolation_level = "DEFERRED"
    return conn
