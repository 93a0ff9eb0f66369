"""The base layer's SQLite schema, connection settings and crash-injection hook.

One file, ``<data dir>/ledger.sqlite3``, in WAL mode with ``synchronous=FULL``: a
transaction whose COMMIT returned survives a crash (process kill or power loss), one
that did not is rolled back when the file is next opened.  Every L1 transaction runs
inside one ``BEGIN IMMEDIATE ... COMMIT`` (see `zkl.settlement.ledger.Ledger.transaction`).

Integers that may exceed 63 bits (balances, amounts, roots, hashes) are stored as
decimal TEXT; addresses as ``0x`` + 40 lowercase hex digits; structured values as JSON.

Schema (version 2)::

    meta(key TEXT PK, value TEXT)                     schema_version, chain_id (decimal), created
    blocks(height INTEGER PK, time INTEGER,           one block per L1 transaction (or mine());
           kind TEXT, sender TEXT)                    append-only; kind NULL for an empty block
    accounts(address TEXT PK, balance TEXT)           native-token balances (contracts included)
    events(seq INTEGER PK, height INTEGER,            the event log, append-only
           kind TEXT, data TEXT JSON)
    storage(contract TEXT, key TEXT, value TEXT JSON, contract variables (scalars); the rollup
            PK(contract, key))                        contract's are under contract = CONTRACT

    rollup_batches(number INTEGER PK, old_root, new_root, commitment, fee_account INTEGER,
                   total_fees, deposits_from INTEGER, deposits_to INTEGER,
                   deposits_before, deposits_after, public_data BLOB, proof TEXT JSON,
                   vk_hash TEXT, height INTEGER, sender TEXT)
    rollup_deposits(idx INTEGER PK (1-based), depositor, pubkey_x, pubkey_y, amount,
                    chain_hash, height INTEGER, deadline INTEGER,
                    status TEXT ('queued' | 'processed' | 'refunded'), batch INTEGER NULL)
    rollup_withdrawals(id INTEGER PK, batch INTEGER, position INTEGER, l1_address, amount,
                       claimed_height INTEGER NULL)
    rollup_exits(account_index INTEGER PK, l1_address, amount, pubkey_x, pubkey_y, height INTEGER)

Crash injection (tests only): when the environment variable ``ZKL_SETTLEMENT_CRASH_AT``
names a crash point (``<kind>.<where>``, e.g. ``submit_batch.mid``), reaching it SIGKILLs
the process, so tests can show that a transaction cut short leaves no trace.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

SCHEMA_VERSION = 2
"""2: the chain id is an integer drawn at genesis (1 had the fixed string 'zkl-l1')."""
DB_NAME = "ledger.sqlite3"
CONTRACT = "rollup"
"""The rollup contract's name in the storage table."""
CRASH_ENV = "ZKL_SETTLEMENT_CRASH_AT"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE blocks (
    height INTEGER PRIMARY KEY, time INTEGER NOT NULL, kind TEXT, sender TEXT
);
CREATE TABLE accounts (address TEXT PRIMARY KEY, balance TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, height INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX events_kind ON events (kind, seq);
CREATE TABLE storage (
    contract TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (contract, key)
);
CREATE TABLE rollup_batches (
    number INTEGER PRIMARY KEY, old_root TEXT NOT NULL, new_root TEXT NOT NULL,
    commitment TEXT NOT NULL, fee_account INTEGER NOT NULL, total_fees TEXT NOT NULL,
    deposits_from INTEGER NOT NULL, deposits_to INTEGER NOT NULL,
    deposits_before TEXT NOT NULL, deposits_after TEXT NOT NULL,
    public_data BLOB NOT NULL, proof TEXT NOT NULL, vk_hash TEXT NOT NULL,
    height INTEGER NOT NULL, sender TEXT NOT NULL
);
CREATE TABLE rollup_deposits (
    idx INTEGER PRIMARY KEY, depositor TEXT NOT NULL, pubkey_x TEXT NOT NULL, pubkey_y TEXT NOT NULL,
    amount TEXT NOT NULL, chain_hash TEXT NOT NULL, height INTEGER NOT NULL, deadline INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'processed', 'refunded')), batch INTEGER
);
CREATE INDEX rollup_deposits_status ON rollup_deposits (status, idx);
CREATE TABLE rollup_withdrawals (
    id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, position INTEGER NOT NULL,
    l1_address TEXT NOT NULL, amount TEXT NOT NULL, claimed_height INTEGER
);
CREATE INDEX rollup_withdrawals_address ON rollup_withdrawals (l1_address, claimed_height);
CREATE TABLE rollup_exits (
    account_index INTEGER PRIMARY KEY, l1_address TEXT NOT NULL, amount TEXT NOT NULL,
    pubkey_x TEXT NOT NULL, pubkey_y TEXT NOT NULL, height INTEGER NOT NULL
);
"""

#: every table, in a fixed order (what a whole-ledger snapshot reads)
TABLES = (
    "meta", "blocks", "accounts", "events", "storage",
    "rollup_batches", "rollup_deposits", "rollup_withdrawals", "rollup_exits",
)


def db_path(data_dir: str | os.PathLike) -> Path:
    """The ledger file inside a data directory."""
    return Path(data_dir) / DB_NAME


def connect(path: Path) -> sqlite3.Connection:
    """Open the SQLite file with the ledger's settings: autocommit (explicit BEGIN), WAL, synchronous=FULL."""
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30.0, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table (the caller holds a write transaction)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def crash_point(name: str) -> None:
    """SIGKILL this process if ZKL_SETTLEMENT_CRASH_AT names this point (crash tests only)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
