"""The L1 ledger: an append-only chain of blocks over native-token accounts, an event log and contract storage, in SQLite.

Every L1 transaction runs in `Ledger.transaction` (one ``BEGIN IMMEDIATE ... COMMIT``) and
gets a block of its own: the block row, balance changes, contract storage writes and events
commit together or not at all, also across a crash.  A transaction that raises leaves no
trace (no block, no event): rejected transactions are not recorded.  `Ledger.mine` appends
empty blocks (time passing).  Height 0 is the genesis block with the initial allocation.

Addresses are 160-bit ints (written ``0x`` + 40 hex digits); `to_address` accepts either form
and `named_address` derives a stable one from a label for demos and tests.  Balances are
Python ints of any size.  The chain id, an integer drawn at genesis (or given), tells ledgers
apart: with the rollup contract's address it is the deployment domain that every L2 signature
names (`zkl.crypto.protocol.Domain`).
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkl.crypto.protocol import ADDRESS_BITS
from zkl.errors import InsufficientFunds, LedgerError, MalformedInput
from zkl.settlement import storage as _db

__all__ = [
    "BURN_ADDRESS",
    "CHAIN_ID_BITS",
    "Block",
    "Event",
    "Ledger",
    "Tx",
    "address_hex",
    "named_address",
    "to_address",
]

#: where slashed funds go (nobody holds its key)
BURN_ADDRESS = 0

AddressLike = int | str
CHAIN_ID_BITS = 64
"""Bits of a chain id drawn at genesis (EVM chain ids are below 2^64 too)."""


# ----------------------------------------------------------------------------- addresses


def to_address(value: object, what: str = "address") -> int:
    """An L1 address as an int in [0, 2^160), from an int or a '0x' + hex string; MalformedInput otherwise."""
    if isinstance(value, str):
        text = value.lower()
        if not text.startswith("0x") or not 2 < len(text) <= 42:
            raise MalformedInput(f"{what} must be '0x' followed by 1 to 40 hex digits, not {value!r}")
        try:
            return int(text[2:], 16)
        except ValueError:
            raise MalformedInput(f"{what} must be '0x' followed by 1 to 40 hex digits, not {value!r}") from None
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise MalformedInput(f"{what} must be an int or a '0x' hex string, not {type(value).__name__}")
    value = operator.index(value)
    if not 0 <= value < 1 << ADDRESS_BITS:
        raise MalformedInput(f"{what} must be a {ADDRESS_BITS}-bit integer, not {value}")
    return value


def address_hex(address: int) -> str:
    """The canonical text form: '0x' and 40 lowercase hex digits."""
    return f"0x{to_address(address):040x}"


def named_address(label: str) -> int:
    """A stable address derived from a label (the first 20 bytes of SHA-256('zkl-l1:' + label))."""
    return int.from_bytes(hashlib.sha256(b"zkl-l1:" + label.encode()).digest()[:20], "big")


def _amount(value: object, what: str = "amount", positive: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInput(f"{what} must be an int, not {type(value).__name__}")
    if value < (1 if positive else 0):
        raise MalformedInput(f"{what} must be {'positive' if positive else 'non-negative'}, not {value}")
    return value


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Block:
    """One block: its height, time (Unix seconds), and the kind and sender of its transaction (None if empty)."""

    height: int
    time: int
    kind: str | None
    sender: int | None


@dataclass(frozen=True)
class Event:
    """One entry of the event log: sequence number, block height, kind and JSON data."""

    seq: int
    height: int
    kind: str
    data: dict[str, Any]


# ----------------------------------------------------------------------------- transaction


class Tx:
    """An open L1 transaction: reads and writes go to the ledger inside one SQLite transaction."""

    def __init__(self, conn: sqlite3.Connection, height: int, time_: int, kind: str, sender: int | None) -> None:
        self._conn = conn
        self.height = height
        self.time = time_
        self.kind = kind
        self.sender = sender

    def execute(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        """Run one SQL statement inside the transaction."""
        return self._conn.execute(sql, params)

    def balance(self, address: int) -> int:
        """The native-token balance of an address."""
        row = self._conn.execute("SELECT balance FROM accounts WHERE address = ?", (address_hex(address),)).fetchone()
        return int(row[0]) if row else 0

    def _set_balance(self, address: int, balance: int) -> None:
        self._conn.execute(
            "INSERT INTO accounts (address, balance) VALUES (?, ?) "
            "ON CONFLICT(address) DO UPDATE SET balance = excluded.balance",
            (address_hex(address), str(balance)),
        )

    def transfer(self, source: int, destination: int, amount: int, emit: bool = True) -> None:
        """Move amount native tokens; InsufficientFunds if the source holds less."""
        amount = _amount(amount, positive=False)
        if amount == 0:
            return
        have = self.balance(source)
        if have < amount:
            raise InsufficientFunds(
                f"{address_hex(source)} must hold at least {amount} to pay it, not {have}"
            )
        self._set_balance(source, have - amount)
        self._set_balance(destination, self.balance(destination) + amount)
        if emit:
            self.emit("transfer", source=address_hex(source), destination=address_hex(destination), amount=amount)

    def get(self, contract: str, key: str, default: Any = None) -> Any:
        """A contract variable (JSON-decoded), or default."""
        row = self._conn.execute(
            "SELECT value FROM storage WHERE contract = ? AND key = ?", (contract, key)
        ).fetchone()
        return json.loads(row[0]) if row else default

    def put(self, contract: str, key: str, value: Any) -> None:
        """Set a contract variable (stored as JSON)."""
        self._conn.execute(
            "INSERT INTO storage (contract, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT(contract, key) DO UPDATE SET value = excluded.value",
            (contract, key, json.dumps(value, sort_keys=True)),
        )

    def emit(self, kind: str, **data: Any) -> None:
        """Append an event at this transaction's height."""
        self._conn.execute(
            "INSERT INTO events (height, kind, data) VALUES (?, ?, ?)",
            (self.height, kind, json.dumps(data, sort_keys=True)),
        )


# ----------------------------------------------------------------------------- ledger


class Ledger:
    """An L1 ledger in one SQLite file of a data directory; open it with `Ledger.create` or `Ledger.open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], int] | None = None) -> None:
        self._conn = conn
        self._path = path
        self._clock = clock or (lambda: int(time.time()))
        self._in_tx = False
        version = self._meta("schema_version")
        if version != str(_db.SCHEMA_VERSION):
            conn.close()
            raise LedgerError(f"{path} must hold a zkl ledger of schema version {_db.SCHEMA_VERSION}, not {version!r}")

    # -- opening

    @classmethod
    def create(
        cls,
        data_dir: str | os.PathLike,
        genesis: Mapping[AddressLike, int] | None = None,
        *,
        chain_id: int | None = None,
        clock: Callable[[], int] | None = None,
    ) -> Ledger:
        """Create a new ledger in data_dir (made if missing) with a genesis allocation {address: balance}.

        chain_id: the ledger's id, fixed at genesis (default: a random 64-bit integer, so that two
        ledgers never share a deployment domain).
        """
        if chain_id is None:
            chain_id = secrets.randbits(CHAIN_ID_BITS)
        if isinstance(chain_id, bool) or not isinstance(chain_id, int) or not 0 <= chain_id < 1 << CHAIN_ID_BITS:
            raise MalformedInput(f"chain_id must be an integer in [0, 2^{CHAIN_ID_BITS}), not {chain_id!r}")
        path = _db.db_path(data_dir)
        if path.exists():
            raise LedgerError(f"a ledger already exists at {path}")
        alloc: dict[int, int] = {}
        for address, balance in (genesis or {}).items():
            a = to_address(address, "genesis address")
            alloc[a] = alloc.get(a, 0) + _amount(balance, f"genesis balance of {address_hex(a)}", positive=False)
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        conn = _db.connect(path)
        now = int((clock or (lambda: int(time.time())))())
        conn.execute("BEGIN IMMEDIATE")
        try:
            _db.create_schema(conn)
            meta = {"schema_version": str(_db.SCHEMA_VERSION), "chain_id": str(chain_id), "created": str(now)}
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
            conn.execute("INSERT INTO blocks (height, time, kind, sender) VALUES (0, ?, 'genesis', NULL)", (now,))
            for a, balance in sorted(alloc.items()):
                conn.execute("INSERT INTO accounts (address, balance) VALUES (?, ?)", (address_hex(a), str(balance)))
            conn.execute(
                "INSERT INTO events (height, kind, data) VALUES (0, 'genesis', ?)",
                (json.dumps({"allocation": {address_hex(a): b for a, b in sorted(alloc.items())}}, sort_keys=True),),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        return cls(conn, path, clock)

    @classmethod
    def open(cls, data_dir: str | os.PathLike, *, clock: Callable[[], int] | None = None) -> Ledger:
        """Open the ledger of an existing data directory."""
        path = _db.db_path(data_dir)
        if not path.exists():
            raise LedgerError(f"no ledger at {path} (create one first)")
        try:
            conn = _db.connect(path)
        except sqlite3.DatabaseError as e:
            raise LedgerError(f"{path} is not a zkl ledger (SQLite says: {e})") from None
        return cls(conn, path, clock)

    @staticmethod
    def exists(data_dir: str | os.PathLike) -> bool:
        """Whether data_dir holds a ledger."""
        return _db.db_path(data_dir).exists()

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self._path

    def pragma(self, name: str) -> Any:
        """The value of a SQLite pragma on this connection (journal_mode, synchronous, ...)."""
        if not name.isidentifier():
            raise MalformedInput(f"pragma name must be an identifier, not {name!r}")
        return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    # -- transactions

    @contextmanager
    def transaction(self, kind: str, sender: int | None = None) -> Iterator[Tx]:
        """Run one L1 transaction in a block of its own; it commits whole when the body returns, else leaves no trace."""
        if self._in_tx:
            raise LedgerError("L1 transactions do not nest; one is already open on this ledger")
        self._in_tx = True
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                last_height, last_time = self._conn.execute(
                    "SELECT height, time FROM blocks ORDER BY height DESC LIMIT 1"
                ).fetchone()
                tx = Tx(self._conn, last_height + 1, max(last_time, int(self._clock())), kind, sender)
                yield tx
                # the block row goes in last: every check ran and nothing was written before
                self._conn.execute(
                    "INSERT INTO blocks (height, time, kind, sender) VALUES (?, ?, ?, ?)",
                    (tx.height, tx.time, kind, None if tx.sender is None else address_hex(tx.sender)),
                )
                _db.crash_point(f"{kind}.before_commit")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        finally:
            self._in_tx = False
        _db.crash_point(f"{kind}.after_commit")

    def transfer(self, sender: AddressLike, to: AddressLike, amount: int) -> int:
        """Send amount native tokens from sender to to (an L1 transaction); returns its block height."""
        source, destination = to_address(sender, "sender"), to_address(to, "recipient")
        amount = _amount(amount)
        with self.transaction("transfer", source) as tx:
            tx.transfer(source, destination, amount)
        return tx.height

    def mine(self, blocks: int = 1) -> int:
        """Append empty blocks (time passes on the base layer); returns the new height."""
        if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 1:
            raise MalformedInput(f"blocks must be a positive int, not {blocks!r}")
        for _ in range(blocks):
            with self.transaction("mine") as tx:
                pass
        return tx.height

    # -- reads

    @property
    def height(self) -> int:
        """Height of the latest block."""
        return self._conn.execute("SELECT MAX(height) FROM blocks").fetchone()[0]

    @property
    def chain_id(self) -> int:
        """The chain id fixed at genesis."""
        return int(self._meta("chain_id"))

    def block(self, height: int) -> Block:
        """The block at a height."""
        row = self._conn.execute("SELECT height, time, kind, sender FROM blocks WHERE height = ?", (height,)).fetchone()
        if row is None:
            raise MalformedInput(f"height must be in [0, {self.height}], not {height}")
        return _block(row)

    def blocks(self, start: int = 0, stop: int | None = None) -> list[Block]:
        """Blocks with start <= height < stop (default: to the latest)."""
        stop = self.height + 1 if stop is None else stop
        rows = self._conn.execute(
            "SELECT height, time, kind, sender FROM blocks WHERE height >= ? AND height < ? ORDER BY height",
            (start, stop),
        ).fetchall()
        return [_block(r) for r in rows]

    def balance(self, address: AddressLike) -> int:
        """The native-token balance of an address (0 if it never held any)."""
        row = self._conn.execute(
            "SELECT balance FROM accounts WHERE address = ?", (address_hex(to_address(address)),)
        ).fetchone()
        return int(row[0]) if row else 0

    def accounts(self) -> dict[int, int]:
        """Every address that ever held tokens, with its balance."""
        rows = self._conn.execute("SELECT address, balance FROM accounts ORDER BY address").fetchall()
        return {int(a, 16): int(b) for a, b in rows}

    def total_supply(self) -> int:
        """Sum of all balances (constant: the ledger neither mints nor destroys; burning pays BURN_ADDRESS)."""
        return sum(self.accounts().values())

    def events(self, kind: str | tuple[str, ...] | None = None, since: int = 0) -> list[Event]:
        """The event log (optionally only some kinds, from block height `since`), oldest first."""
        sql = "SELECT seq, height, kind, data FROM events WHERE height >= ?"
        params: list[Any] = [since]
        if kind is not None:
            kinds = (kind,) if isinstance(kind, str) else tuple(kind)
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            params += kinds
        rows = self._conn.execute(sql + " ORDER BY seq", params).fetchall()
        return [Event(s, h, k, json.loads(d)) for s, h, k, d in rows]

    @contextmanager
    def view(self) -> Iterator[Tx]:
        """A consistent read-only view at the latest block (its writes, if any, are discarded)."""
        if self._in_tx:
            raise LedgerError("open a view outside of an L1 transaction")
        self._conn.execute("BEGIN")
        try:
            height, t = self._conn.execute("SELECT height, time FROM blocks ORDER BY height DESC LIMIT 1").fetchone()
            yield Tx(self._conn, height, t, "view", None)
        finally:
            self._conn.execute("ROLLBACK")

    def storage(self, contract: str) -> dict[str, Any]:
        """Every variable of a contract's storage, JSON-decoded."""
        rows = self._conn.execute("SELECT key, value FROM storage WHERE contract = ? ORDER BY key", (contract,))
        return {k: json.loads(v) for k, v in rows.fetchall()}

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Rows of a read-only SELECT (for inspection); the ledger is opened read-only for it."""
        if not sql.lstrip().lower().startswith("select"):
            raise MalformedInput(f"query must be a SELECT statement, not {sql.split()[0] if sql.split() else sql!r}")
        self._conn.execute("PRAGMA query_only = ON")
        try:
            return self._conn.execute(sql, params).fetchall()
        finally:
            self._conn.execute("PRAGMA query_only = OFF")

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every table, in a stable order (tests compare the whole ledger before and after)."""
        out: dict[str, list[tuple]] = {}
        self._conn.execute("BEGIN")
        try:
            for table in _db.TABLES:
                out[table] = sorted(self._conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        finally:
            self._conn.execute("COMMIT")
        return out

    def _meta(self, key: str) -> str | None:
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row else None

    def __repr__(self) -> str:
        return f"Ledger({str(self._path)!r}, height={self.height})"


def _block(row: tuple) -> Block:
    height, t, kind, sender = row
    return Block(height, t, kind, None if sender is None else int(sender, 16))
