"""The account state: a sparse 4-ary Poseidon tree equal to zkl.crypto.merkle's, persisted in SQLite."""

from __future__ import annotations

import random
import sqlite3

import pytest

from zkl.crypto.merkle import MerkleTree, empty_hashes, verify_proof
from zkl.errors import AmountOutOfRange, ExecutionError, FieldElementOutOfRange, MalformedInput
from zkl.crypto.protocol import leaf_hash
from zkl.execution.accounts import Account, check_account
from zkl.crypto.poseidon import poseidon_hash
from zkl.execution.state import State

KEY = (5299619240641551281634865583518297030282874472190772894086521144482721001553,
       16950150798460657717958625567821834550301663161624707787222815936182638968203)


def account(i: int) -> Account:
    return Account((KEY[0] + i, KEY[1]), 1000 + i, i % 7)


def test_leaf_is_poseidon_of_key_balance_nonce():
    a = Account(KEY, 12, 3)
    assert a.leaf() == leaf_hash(KEY, 12, 3) == poseidon_hash([KEY[0], KEY[1], 12, 3])


@pytest.mark.parametrize("depth", [1, 4, 5])
def test_roots_and_proofs_equal_the_crypto_merkle_tree(depth):
    rng = random.Random(depth)
    state = State(depth)
    tree = MerkleTree((depth + 1) // 2, 4)
    assert state.root == tree.root
    for _ in range(12):
        i = rng.randrange(1 << depth)
        a = account(rng.randrange(100))
        assert state.put(i, a) == tree.set(i, a.leaf())
        assert state.root == tree.root
    for i in range(1 << depth):
        assert state.proof(i) == tree.proof(i)
        assert state.leaf(i) == tree.get(i)
        assert verify_proof(state.root, i, state.leaf(i), state.proof(i), arity=4)


def test_an_empty_depth_32_tree_costs_nothing():
    state = State(32)
    assert state.levels == 16 and state.root == empty_hashes(16, 4)[16]
    assert sum(len(level) for level in state._nodes) == 0
    last = (1 << 32) - 1
    state.put(last, account(1))
    assert sum(len(level) for level in state._nodes) == 17  # the leaf and one node per level
    assert verify_proof(state.root, last, account(1).leaf(), state.proof(last), arity=4)
    assert state.account(last) == account(1) and state.account(0) is None


def test_indices_and_values_are_validated():
    state = State(5)  # 3 levels hold 64 leaves, but the circuit range-checks indices to 5 bits
    with pytest.raises(MalformedInput, match="2\\^5"):
        state.put(32, account(0))
    for bad in (-1, True, 1.0):
        with pytest.raises(MalformedInput):
            state.account(bad)
    with pytest.raises(AmountOutOfRange):
        state.put(0, Account(KEY, 1 << 64, 0))
    with pytest.raises(AmountOutOfRange):
        state.put(0, Account(KEY, 0, 1 << 32))
    with pytest.raises(FieldElementOutOfRange):
        state.put(0, Account((KEY[0] + (1 << 254), KEY[1])))
    with pytest.raises(MalformedInput):
        check_account(Account(KEY, -1))
    assert state.root == State(5).root and len(state) == 0
    for bad in (0, 33, "16"):
        with pytest.raises(MalformedInput):
            State(bad)


def test_find_and_next_index():
    state = State(4)
    assert state.next_index == 0 and state.find(KEY) == []
    state.put(3, Account(KEY, 1))
    state.put(1, Account(KEY, 2))
    state.put(2, account(9))
    assert state.find(KEY) == [1, 3] and state.next_index == 4
    state.put(1, account(8))  # the account at 1 changes hands
    assert state.find(KEY) == [3] and state.find(account(8).pubkey) == [1]


def test_rollback_restores_everything():
    state = State(4)
    state.put(0, account(0))
    root, n = state.root, sum(len(level) for level in state._nodes)
    state.begin()
    state.put(0, account(5))
    state.put(9, account(9))
    with pytest.raises(ExecutionError):
        state.begin()
    state.rollback()
    assert state.root == root and sum(len(level) for level in state._nodes) == n
    assert state.account(0) == account(0) and state.account(9) is None
    assert state.find(account(9).pubkey) == [] and state.next_index == 1
    with pytest.raises(ExecutionError):
        state.rollback()


def test_persistence_in_sqlite(tmp_path):
    path = tmp_path / "state.db"
    db = sqlite3.connect(path, isolation_level=None)
    state = State(6, db)
    state.begin()
    for i in (0, 5, 63, 17):
        state.put(i, account(i))
    db.execute("BEGIN")
    state.commit()
    db.execute("COMMIT")
    state.begin()
    state.put(5, account(50))
    state.put(40, account(40))
    db.execute("BEGIN")
    state.commit()
    db.execute("ROLLBACK")  # the rows never land: a reopened state is the one before
    db.close()
    again = State(6, sqlite3.connect(path))
    assert again.account(5) == account(5) and again.account(40) is None
    reference = State(6)
    for i in (0, 5, 63, 17):
        reference.put(i, account(i))
    assert again.root == reference.root
    again.verify()
    with pytest.raises(ExecutionError, match="depth 6"):
        State(8, sqlite3.connect(path))


def test_verify_detects_a_corrupt_store(tmp_path):
    db = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    state = State(4, db)
    state.put(2, account(2))
    state.commit()
    db.execute("UPDATE accounts SET balance = '1' WHERE idx = 2")
    with pytest.raises(ExecutionError):
        State(4, db).verify()
