"""The L2 state: accounts at the indices of a sparse 4-ary Poseidon Merkle tree, kept in SQLite.

The tree is exactly `zkl.crypto.merkle.MerkleTree(levels, arity=4)` with levels =
`zkl.crypto.protocol.levels(depth)` = ceil(depth / 2) (room for 4^levels >= 2^depth leaves; indices are limited to 2^depth as the
circuit range-checks them), so its roots and proofs are those the batch circuit and the base
layer's exit proofs use. Only non-empty nodes are stored, one dict per height (height 0: the
leaves), so an empty depth-32 tree costs nothing and an update costs `levels` hashes.

With a SQLite connection the state persists in three tables (created if missing):

    state_meta(key TEXT PRIMARY KEY, value TEXT)                      depth
    accounts(idx INTEGER PRIMARY KEY, pkx TEXT, pky TEXT, balance TEXT, nonce INTEGER)
    tree_nodes(height INTEGER, idx INTEGER, hash TEXT, PRIMARY KEY (height, idx))

(big integers as decimal text). Changes are batched: `begin()` opens a journal, `commit()`
writes every changed row with the connection's cursor (the caller commits the SQLite
transaction, so a batch and its state land together) and `rollback()` restores the state as
it was at `begin()`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from zkl.crypto.merkle import MerkleProof, empty_hashes
from zkl.crypto.poseidon import poseidon_hash
from zkl.crypto.protocol import TREE_ARITY, check_depth, levels
from zkl.errors import ExecutionError, MalformedInput
from zkl.execution.accounts import Account, check_account

__all__ = ["State"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS state_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS accounts (idx INTEGER PRIMARY KEY, pkx TEXT NOT NULL, pky TEXT NOT NULL, "
    "balance TEXT NOT NULL, nonce INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tree_nodes (height INTEGER NOT NULL, idx INTEGER NOT NULL, hash TEXT NOT NULL, "
    "PRIMARY KEY (height, idx)) WITHOUT ROWID",
)


class State:
    """Accounts in a sparse 4-ary Poseidon Merkle tree of 2^depth leaves, optionally persisted in SQLite."""

    def __init__(self, depth: int, db: sqlite3.Connection | None = None) -> None:
        self.depth = check_depth(depth)
        self.levels = levels(depth)
        self._empty = empty_hashes(self.levels, TREE_ARITY)
        self._nodes: list[dict[int, int]] = [{} for _ in range(self.levels + 1)]
        self._accounts: dict[int, Account] = {}
        self._by_key: dict[tuple[int, int], list[int]] = {}
        self._next = 0
        self._journal: tuple[dict[int, Account | None], dict[tuple[int, int], int | None]] | None = None
        self._dirty_accounts: set[int] = set()
        self._dirty_nodes: set[tuple[int, int]] = set()
        self._db = db
        if db is not None:
            self._open(db)

    # -- persistence ------------------------------------------------------------------------

    def _open(self, db: sqlite3.Connection) -> None:
        """Create the tables if missing, check the stored depth, and load accounts and nodes."""
        for statement in _SCHEMA:
            db.execute(statement)
        row = db.execute("SELECT value FROM state_meta WHERE key = 'depth'").fetchone()
        if row is None:
            outside = not db.in_transaction
            db.execute("INSERT INTO state_meta VALUES ('depth', ?)", (str(self.depth),))
            if outside and db.in_transaction:  # a legacy-mode connection opened one for the insert
                db.commit()
        elif int(row[0]) != self.depth:
            raise ExecutionError(f"the stored state has depth {row[0]}, not {self.depth}")
        for idx, pkx, pky, balance, nonce in db.execute("SELECT idx, pkx, pky, balance, nonce FROM accounts"):
            self._remember(idx, Account((int(pkx), int(pky)), int(balance), int(nonce)))
        for height, idx, value in db.execute("SELECT height, idx, hash FROM tree_nodes"):
            self._nodes[height][idx] = int(value)

    def _remember(self, index: int, account: Account) -> None:
        """Index an account in memory (by index and by public key)."""
        old = self._accounts.get(index)
        if old is not None and old.pubkey != account.pubkey:
            self._by_key[old.pubkey].remove(index)
        self._accounts[index] = account
        holders = self._by_key.setdefault(account.pubkey, [])
        if index not in holders:
            holders.append(index)
            holders.sort()
        self._next = max(self._next, index + 1)

    def _forget(self, index: int) -> None:
        """Drop an account from memory (only a rollback removes accounts)."""
        old = self._accounts.pop(index)
        self._by_key[old.pubkey].remove(index)
        if not self._by_key[old.pubkey]:
            del self._by_key[old.pubkey]
        self._next = max(self._accounts, default=-1) + 1

    def _flush(self) -> None:
        """Write the changed rows with the connection (no SQLite commit)."""
        if self._db is not None:
            cur = self._db.cursor()
            for idx in sorted(self._dirty_accounts):
                a = self._accounts.get(idx)
                if a is None:
                    cur.execute("DELETE FROM accounts WHERE idx = ?", (idx,))
                else:
                    cur.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?, ?)",
                                (idx, str(a.pubkey[0]), str(a.pubkey[1]), str(a.balance), a.nonce))
            for height, idx in sorted(self._dirty_nodes):
                value = self._nodes[height].get(idx)
                if value is None:
                    cur.execute("DELETE FROM tree_nodes WHERE height = ? AND idx = ?", (height, idx))
                else:
                    cur.execute("INSERT OR REPLACE INTO tree_nodes VALUES (?, ?, ?)", (height, idx, str(value)))
        self._dirty_accounts.clear()
        self._dirty_nodes.clear()

    # -- transactions -------------------------------------------------------------------------

    def begin(self) -> None:
        """Start recording changes, so that `rollback` can undo them (one level, not nested)."""
        if self._journal is not None:
            raise ExecutionError("a state transaction is already open")
        self._journal = ({}, {})

    def commit(self) -> None:
        """Keep the changes since `begin` and write them to the database (the caller commits SQLite)."""
        self._journal = None
        self._flush()

    def rollback(self) -> None:
        """Undo every change since `begin`."""
        if self._journal is None:
            raise ExecutionError("no state transaction is open")
        accounts, nodes = self._journal
        self._journal = None
        for index, old in accounts.items():
            if old is None:
                self._forget(index)
            else:
                self._remember(index, old)
            self._dirty_accounts.discard(index)
        for (height, idx), old in nodes.items():
            if old is None:
                self._nodes[height].pop(idx, None)
            else:
                self._nodes[height][idx] = old
            self._dirty_nodes.discard((height, idx))

    @property
    def in_transaction(self) -> bool:
        """Whether `begin` was called without a `commit` or `rollback` yet."""
        return self._journal is not None

    # -- reading ------------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        """Number of account indices, 2^depth."""
        return 1 << self.depth

    @property
    def root(self) -> int:
        """The root of the account tree."""
        return self._nodes[self.levels].get(0, self._empty[self.levels])

    def check_index(self, index: object) -> int:
        """Return index if it is an integer in [0, 2^depth), else raise MalformedInput."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.capacity:
            raise MalformedInput(f"an account index must be an integer in [0, 2^{self.depth}), not {index!r}")
        return index

    def account(self, index: int) -> Account | None:
        """The account at index, or None where there is none."""
        return self._accounts.get(self.check_index(index))

    def leaf(self, index: int) -> int:
        """The tree leaf at index (0 where there is no account)."""
        return self._nodes[0].get(self.check_index(index), 0)

    def find(self, pubkey: tuple[int, int]) -> list[int]:
        """The indices of the accounts held by a public key, in increasing order."""
        return list(self._by_key.get((int(pubkey[0]), int(pubkey[1])), ()))

    @property
    def next_index(self) -> int:
        """The index a new account gets: one past the highest used."""
        return self._next

    def __len__(self) -> int:
        return len(self._accounts)

    def accounts(self) -> Iterator[tuple[int, Account]]:
        """Every account as (index, account), by increasing index."""
        return ((i, self._accounts[i]) for i in sorted(self._accounts))

    def proof(self, index: int) -> MerkleProof:
        """The membership proof of the leaf at index (the shape `zkl.crypto.merkle.MerkleTree.proof` gives)."""
        index = self.check_index(index)
        path, siblings = [], []
        for height in range(self.levels):
            level, empty = self._nodes[height], self._empty[height]
            position = index % TREE_ARITY
            first = index - position
            path.append(position)
            siblings.append(tuple(level.get(first + j, empty) for j in range(TREE_ARITY) if j != position))
            index //= TREE_ARITY
        return MerkleProof(tuple(path), tuple(siblings))

    # -- writing -------------------------------------------------------------------------------

    def put(self, index: int, account: Account) -> int:
        """Store an account at index (validated: key < r, balance < 2^64, nonce < 2^32); return the new root."""
        index = self.check_index(index)
        check_account(account)
        if self._journal is not None and index not in self._journal[0]:
            self._journal[0][index] = self._accounts.get(index)
        self._remember(index, account)
        self._dirty_accounts.add(index)
        return self._set_leaf(index, account.leaf())

    def _set_node(self, height: int, idx: int, value: int) -> None:
        """Set one node (journaled, marked dirty); empty-subtree values are not stored."""
        level = self._nodes[height]
        if self._journal is not None and (height, idx) not in self._journal[1]:
            self._journal[1][(height, idx)] = level.get(idx)
        if value == self._empty[height]:
            level.pop(idx, None)
        else:
            level[idx] = value
        self._dirty_nodes.add((height, idx))

    def _set_leaf(self, index: int, leaf: int) -> int:
        """Put a leaf and rehash its path; return the root."""
        node = leaf
        for height in range(self.levels + 1):
            self._set_node(height, index, node)
            if height == self.levels:
                break
            level, empty = self._nodes[height], self._empty[height]
            first = index - index % TREE_ARITY
            node = poseidon_hash([level.get(first + j, empty) for j in range(TREE_ARITY)])
            index //= TREE_ARITY
        return node

    def verify(self) -> None:
        """Recompute every leaf and node from the accounts and raise ExecutionError on any mismatch (slow)."""
        from zkl.crypto.merkle import MerkleTree

        tree = MerkleTree.from_leaves(self.levels, {i: a.leaf() for i, a in self._accounts.items()}, TREE_ARITY)
        if tree.root != self.root:
            raise ExecutionError(f"the stored root {self.root} is not the root of the stored accounts {tree.root}")
        for index, leaf in self._nodes[0].items():
            if tree.get(index) != leaf:
                raise ExecutionError(f"the stored leaf at {index} does not match its account")
