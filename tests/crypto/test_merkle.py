"""Sparse Poseidon Merkle trees against a naive full-tree build; proofs; depth 32; malformed input."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkl.crypto.merkle import (
    MerkleProof,
    MerkleTree,
    empty_hashes,
    path_digits,
    root_from_path,
    verify_proof,
)
from zkl.algebra.constants import R
from zkl.crypto.poseidon import poseidon_hash
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch

R = R
#: (arity, largest depth the naive build is run at)
SHAPES = [(2, 4), (4, 2), (3, 2)]


def naive_levels(leaves: list[int], arity: int) -> list[list[int]]:
    """Every level of the full tree over leaves, leaves first, root last (reference)."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([poseidon_hash(below[i : i + arity]) for i in range(0, len(below), arity)])
    return levels


def naive_proof(levels: list[list[int]], index: int, arity: int) -> MerkleProof:
    path, siblings = [], []
    for below in levels[:-1]:
        position, first = index % arity, index - index % arity
        path.append(position)
        siblings.append(tuple(below[first + j] for j in range(arity) if j != position))
        index //= arity
    return MerkleProof(tuple(path), tuple(siblings))


@st.composite
def trees_and_updates(draw: st.DrawFn) -> tuple[int, int, list[tuple[int, int]]]:
    arity, max_depth = draw(st.sampled_from(SHAPES))
    depth = draw(st.integers(min_value=1, max_value=max_depth))
    capacity = arity**depth
    leaf = st.one_of(st.just(0), st.just(R - 1), st.integers(min_value=1, max_value=R - 1))
    updates = draw(st.lists(st.tuples(st.integers(0, capacity - 1), leaf), max_size=8))
    return arity, depth, updates


@given(trees_and_updates())
@settings(max_examples=60, deadline=None, derandomize=True)
def test_sparse_tree_equals_naive_full_tree(case: tuple[int, int, list[tuple[int, int]]]) -> None:
    arity, depth, updates = case
    tree = MerkleTree(depth, arity)
    leaves = [0] * arity**depth
    for index, leaf in updates:
        new_root = tree.set(index, leaf)
        leaves[index] = leaf
        assert new_root == tree.root
    levels = naive_levels(leaves, arity)
    assert tree.root == levels[-1][0]
    assert len(tree) == sum(1 for v in leaves if v)
    assert list(tree.leaves()) == [(i, v) for i, v in enumerate(leaves) if v]
    assert MerkleTree.from_leaves(depth, leaves, arity).root == tree.root
    touched = {index for index, _ in updates} | {0, arity**depth - 1}
    for index in touched:
        assert tree.get(index) == leaves[index]
        proof = tree.proof(index)
        assert proof == naive_proof(levels, index, arity)
        assert verify_proof(tree.root, index, leaves[index], proof, arity)
        assert root_from_path(leaves[index], proof.path, proof.siblings, arity) == tree.root
        assert not verify_proof(tree.root, index, (leaves[index] + 1) % R, proof, arity)


def test_empty_tree_root_is_the_empty_hash_chain() -> None:
    for arity in (2, 4):
        zeros = empty_hashes(3, arity)
        assert zeros[0] == 0
        assert zeros[1] == poseidon_hash([0] * arity)
        assert zeros[2] == poseidon_hash([zeros[1]] * arity)
        assert MerkleTree(3, arity).root == zeros[3] == naive_levels([0] * arity**3, arity)[-1][0]


def test_tampered_proofs_fail() -> None:
    rng = random.Random(31)
    for arity in (2, 4):
        tree = MerkleTree(3, arity)
        for _ in range(6):
            tree.set(rng.randrange(tree.capacity), rng.randrange(R))
        index = rng.randrange(tree.capacity)
        leaf = rng.randrange(1, R)
        tree.set(index, leaf)
        proof = tree.proof(index)
        assert verify_proof(tree.root, index, leaf, proof, arity)
        for level in range(3):
            siblings = [list(s) for s in proof.siblings]
            siblings[level][0] = (siblings[level][0] + 1) % R
            forged = MerkleProof(proof.path, tuple(tuple(s) for s in siblings))
            assert not verify_proof(tree.root, index, leaf, forged, arity)
            path = list(proof.path)
            path[level] = (path[level] + 1) % arity
            moved = MerkleProof(tuple(path), proof.siblings)
            assert not verify_proof(tree.root, index, leaf, moved, arity)
        other = (index + 1) % tree.capacity
        assert not verify_proof(tree.root, other, leaf, proof, arity)
        assert not verify_proof((tree.root + 1) % R, index, leaf, proof, arity)


@pytest.mark.parametrize("arity", [2, 4])
def test_depth_32(arity: int) -> None:
    rng = random.Random(32 + arity)
    tree = MerkleTree(32, arity)
    assert tree.capacity == arity**32
    assert tree.root == empty_hashes(32, arity)[32]
    indices = [0, tree.capacity - 1] + [rng.randrange(tree.capacity) for _ in range(3)]
    values = {}
    for index in indices:
        values[index] = rng.randrange(1, R)
        tree.set(index, values[index])
    stored = sum(len(level) for level in tree._levels)
    assert stored <= len(indices) * 33
    for index, leaf in values.items():
        proof = tree.proof(index)
        assert proof.depth == 32
        assert proof.path == path_digits(index, 32, arity)
        assert verify_proof(tree.root, index, leaf, proof, arity)
    assert MerkleTree.from_leaves(32, values, arity).root == tree.root
    # clearing every leaf gives back the empty tree, with nothing stored
    for index in values:
        tree.set(index, 0)
    assert tree.root == empty_hashes(32, arity)[32]
    assert sum(len(level) for level in tree._levels) == 0


def test_copy_is_independent() -> None:
    tree = MerkleTree(4)
    tree.set(3, 33)
    clone = tree.copy()
    clone.set(5, 55)
    assert tree.get(5) == 0 and clone.get(5) == 55 and clone.get(3) == 33
    assert tree.root != clone.root


def test_path_digits() -> None:
    assert path_digits(6, 3, 2) == (0, 1, 1)
    assert path_digits(27, 3, 4) == (3, 2, 1)
    assert path_digits(0, 5, 4) == (0,) * 5


def test_malformed_input() -> None:
    tree = MerkleTree(3, 4)
    with pytest.raises(MalformedInput, match=r"index must be in \[0, 4\^3\), not 64"):
        tree.set(64, 1)
    with pytest.raises(MalformedInput):
        tree.get(-1)
    with pytest.raises(FieldElementOutOfRange):
        tree.set(0, R)
    with pytest.raises(MalformedInput, match="arity must be in"):
        MerkleTree(3, 1)
    with pytest.raises(MalformedInput, match="arity must be in"):
        MerkleTree(3, 17)
    with pytest.raises(MalformedInput, match="depth must be in"):
        MerkleTree(0)
    with pytest.raises(MalformedInput):
        MerkleTree(2.0)  # type: ignore[arg-type]
    proof = tree.proof(5)
    with pytest.raises(ShapeMismatch):
        root_from_path(0, proof.path, proof.siblings[:2], 4)
    with pytest.raises(ShapeMismatch):
        root_from_path(0, proof.path, proof.siblings, 2)
    with pytest.raises(MalformedInput):
        root_from_path(0, (4, 0, 0), proof.siblings, 4)
    with pytest.raises(FieldElementOutOfRange):
        root_from_path(0, proof.path, ((R, 0, 0),) + proof.siblings[1:], 4)
    with pytest.raises(MalformedInput):
        verify_proof(tree.root, 5, 0, (proof.path, proof.siblings), 4)  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        verify_proof(tree.root, 64, 0, proof, 4)
    with pytest.raises(FieldElementOutOfRange):
        verify_proof(R, 5, 0, proof, 4)
