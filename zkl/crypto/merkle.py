"""Sparse Poseidon Merkle trees, binary or k-ary (k = 2..16, rollup uses 2 or 4), with membership proofs.

A tree of depth h and arity k has k^h leaves; empty leaves are 0. A node is
Poseidon(child_0, ..., child_{k-1}) (circomlib parameters, k inputs). Only nodes that differ
from the root of an empty subtree are stored (one dict per level), so an empty depth-32 tree
costs nothing and an update costs h hashes.

A leaf's path is its index written in base k, least significant digit first: digit j is the
position of the level-j node among its k siblings. A proof lists, per level from the leaves
up, the k - 1 other children in order (the node's own position left out).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from zkl.algebra.constants import R
from zkl.crypto.poseidon import MAX_INPUTS, poseidon_hash
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch

__all__ = [
    "MAX_LEVELS",
    "MerkleProof",
    "MerkleTree",
    "empty_hashes",
    "path_digits",
    "root_from_path",
    "verify_proof",
]

#: deepest tree supported (a binary tree keyed by a 254-bit hash still fits)
MAX_LEVELS = 256


@dataclass(frozen=True)
class MerkleProof:
    """Membership proof of one leaf: per level from the leaves up, its position and its k - 1 siblings."""

    #: path[j] = position (0..k-1) of the level-j node among its siblings = base-k digit j of the index
    path: tuple[int, ...]
    #: siblings[j] = the other k - 1 children at level j, in order, the node's own position left out
    siblings: tuple[tuple[int, ...], ...]

    @property
    def depth(self) -> int:
        """Number of levels the proof climbs."""
        return len(self.path)


# ----------------------------------------------------------------------------- validation


def _check_int(value: object, what: str) -> int:
    """Return value as an int, or raise MalformedInput."""
    if type(value) is int:
        return value
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise MalformedInput(f"{what} must be an int, not {type(value).__name__}")
    return operator.index(value)


def _check_arity(arity: object) -> int:
    """Return arity as an int in [2, 16], or raise MalformedInput."""
    arity = _check_int(arity, "arity")
    if not 2 <= arity <= MAX_INPUTS:
        raise MalformedInput(f"arity must be in [2, {MAX_INPUTS}], not {arity}")
    return arity


def _check_depth(depth: object) -> int:
    """Return depth as an int in [1, MAX_LEVELS], or raise MalformedInput."""
    depth = _check_int(depth, "depth")
    if not 1 <= depth <= MAX_LEVELS:
        raise MalformedInput(f"depth must be in [1, {MAX_LEVELS}], not {depth}")
    return depth


def _check_field_element(value: object, what: str) -> int:
    """Return value as an int in [0, r), or raise."""
    value = _check_int(value, what)
    if not 0 <= value < R:
        raise FieldElementOutOfRange(f"{what} must be in [0, r), r = {R}; got {value}")
    return value


def _check_index(index: object, depth: int, arity: int) -> int:
    """Return index as an int in [0, arity^depth), or raise MalformedInput."""
    index = _check_int(index, "index")
    if not 0 <= index < arity**depth:
        raise MalformedInput(f"index must be in [0, {arity}^{depth}), not {index}")
    return index


# ----------------------------------------------------------------------------- free functions


def empty_hashes(depth: int, arity: int = 2) -> tuple[int, ...]:
    """Roots of empty subtrees of height 0..depth: e[0] = 0, e[j+1] = Poseidon(e[j], ..., e[j]) (k times)."""
    return _empty_hashes(_check_depth(depth), _check_arity(arity))


@functools.cache
def _empty_hashes(depth: int, arity: int) -> tuple[int, ...]:
    """empty_hashes for checked arguments, cached."""
    below = _empty_hashes(depth - 1, arity) if depth > 1 else (0,)
    return below + (poseidon_hash([below[-1]] * arity),)


def path_digits(index: int, depth: int, arity: int = 2) -> tuple[int, ...]:
    """The base-arity digits of index, least significant first, depth of them."""
    arity = _check_arity(arity)
    depth = _check_depth(depth)
    index = _check_index(index, depth, arity)
    digits = []
    for _ in range(depth):
        index, digit = divmod(index, arity)
        digits.append(digit)
    return tuple(digits)


def root_from_path(
    leaf: int, path: Sequence[int], siblings: Sequence[Sequence[int]], arity: int = 2
) -> int:
    """The root reached by hashing leaf up the tree along path with the given siblings."""
    arity = _check_arity(arity)
    node = _check_field_element(leaf, "leaf")
    if len(path) != len(siblings):
        raise ShapeMismatch(f"path and siblings must have one entry per level; got {len(path)} and {len(siblings)}")
    _check_depth(len(path))
    for level, (position, others) in enumerate(zip(path, siblings)):
        position = _check_int(position, f"path[{level}]")
        if not 0 <= position < arity:
            raise MalformedInput(f"path[{level}] must be in [0, {arity}), not {position}")
        if len(others) != arity - 1:
            raise ShapeMismatch(f"siblings[{level}] must hold {arity - 1} values, not {len(others)}")
        children = [_check_field_element(v, f"siblings[{level}][{i}]") for i, v in enumerate(others)]
        children.insert(position, node)
        node = poseidon_hash(children)
    return node


def verify_proof(root: int, index: int, leaf: int, proof: MerkleProof, arity: int = 2) -> bool:
    """Whether proof shows that leaf sits at index in the tree with this root; raises on malformed input."""
    if not isinstance(proof, MerkleProof):
        raise MalformedInput(f"proof must be a MerkleProof, not {type(proof).__name__}")
    root = _check_field_element(root, "root")
    computed = root_from_path(leaf, proof.path, proof.siblings, arity)
    if tuple(proof.path) != path_digits(index, len(proof.path), arity):
        return False
    return computed == root


# ----------------------------------------------------------------------------- the tree


class MerkleTree:
    """A sparse Poseidon Merkle tree of fixed depth and arity with leaves indexed 0..arity^depth - 1."""

    def __init__(self, depth: int, arity: int = 2) -> None:
        self._depth = _check_depth(depth)
        self._arity = _check_arity(arity)
        self._empty = empty_hashes(self._depth, self._arity)
        # _levels[j]: index -> hash of the non-empty nodes at height j (j = 0: leaves)
        self._levels: list[dict[int, int]] = [{} for _ in range(self._depth + 1)]

    @classmethod
    def from_leaves(
        cls, depth: int, leaves: Mapping[int, int] | Sequence[int], arity: int = 2
    ) -> MerkleTree:
        """A tree holding the given leaves (a sequence from index 0, or index -> leaf), each node hashed once."""
        tree = cls(depth, arity)
        items = leaves.items() if isinstance(leaves, Mapping) else enumerate(leaves)
        level0 = tree._levels[0]
        for index, leaf in items:
            index = _check_index(index, tree._depth, tree._arity)
            leaf = _check_field_element(leaf, f"leaf {index}")
            if leaf:
                level0[index] = leaf
            else:
                level0.pop(index, None)
        k = tree._arity
        for height in range(tree._depth):
            below, above = tree._levels[height], tree._levels[height + 1]
            empty_below, empty_above = tree._empty[height], tree._empty[height + 1]
            for parent in sorted({i // k for i in below}):
                first = parent * k
                node = poseidon_hash([below.get(first + j, empty_below) for j in range(k)])
                if node != empty_above:
                    above[parent] = node
        return tree

    @property
    def depth(self) -> int:
        """Number of levels above the leaves."""
        return self._depth

    @property
    def arity(self) -> int:
        """Children per node."""
        return self._arity

    @property
    def capacity(self) -> int:
        """Number of leaves, arity ** depth."""
        return self._arity**self._depth

    @property
    def root(self) -> int:
        """The root hash."""
        return self._levels[self._depth].get(0, self._empty[self._depth])

    def get(self, index: int) -> int:
        """The leaf at index (0 if never set)."""
        index = _check_index(index, self._depth, self._arity)
        return self._levels[0].get(index, 0)

    def set(self, index: int, leaf: int) -> int:
        """Put leaf at index, update the path to the root, and return the new root."""
        index = _check_index(index, self._depth, self._arity)
        node = _check_field_element(leaf, "leaf")
        k = self._arity
        for height in range(self._depth + 1):
            level = self._levels[height]
            if node == self._empty[height]:
                level.pop(index, None)
            else:
                level[index] = node
            if height == self._depth:
                break
            first = index - index % k
            empty = self._empty[height]
            node = poseidon_hash([level.get(first + j, empty) for j in range(k)])
            index //= k
        return node

    def proof(self, index: int) -> MerkleProof:
        """The membership proof of the leaf at index."""
        index = _check_index(index, self._depth, self._arity)
        k = self._arity
        path = []
        siblings = []
        for height in range(self._depth):
            level, empty = self._levels[height], self._empty[height]
            position = index % k
            first = index - position
            path.append(position)
            siblings.append(tuple(level.get(first + j, empty) for j in range(k) if j != position))
            index //= k
        return MerkleProof(tuple(path), tuple(siblings))

    def leaves(self) -> Iterator[tuple[int, int]]:
        """The non-zero leaves as (index, leaf), by increasing index."""
        level0 = self._levels[0]
        return ((i, level0[i]) for i in sorted(level0))

    def __len__(self) -> int:
        """Number of non-zero leaves."""
        return len(self._levels[0])

    def copy(self) -> MerkleTree:
        """An independent copy (levels copied, hashes shared)."""
        other = MerkleTree.__new__(MerkleTree)
        other._depth, other._arity, other._empty = self._depth, self._arity, self._empty
        other._levels = [dict(level) for level in self._levels]
        return other

    def __repr__(self) -> str:
        return f"MerkleTree(depth={self._depth}, arity={self._arity}, leaves={len(self)}, root={self.root})"
