"""Poseidon Merkle paths in a circuit, binary or 4-ary. Native twin: `zkl.crypto.merkle`
(`MerkleTree`, `MerkleProof`, `root_from_path`, `path_digits`).

A path is given as little-endian bits of the leaf index: one bit per level for a binary tree,
two per level for a 4-ary one (level j's position among its siblings is bits[2j] + 2 * bits[2j+1],
the base-4 digit j of the index, as `path_digits`). `index_bits` makes them from an index
variable (range-checked to the tree); bits given directly are asserted boolean (free when
already known boolean). `siblings[j]` lists the other arity - 1 children of level j in order, the
path's own position left out (`MerkleProof.siblings`); a binary tree also takes a flat list.

    bits = index_bits(api, index, depth, arity=4)
    assert_membership(api, root, leaf, bits, siblings, arity=4)
    old_root, new_root = merkle_update(api, old_leaf, new_leaf, bits, siblings, arity=4)

`merkle_update` climbs from both leaves along ONE path, the same bits and siblings for both
roots, so the update can only change the one leaf. Placing the node among its siblings:

- binary: left = node + b * (sibling - node), right = node + sibling - left: 1 constraint;
- 4-ary: with e3 = b0 * b1 and e0, e1, e2 the other position indicators (linear in b0, b1, e3),
  c0 = s0 + e0 (n - s0), c1 = s1 + e0 (s0 - s1) + e1 (n - s1), c3 = s2 + e3 (n - s2) and
  c2 = n + s0 + s1 + s2 - c0 - c1 - c3: 2 constraints shared by the nodes of one level
  (e3, e0 (s0 - s1)) and 3 per node.

Constraints per level with Poseidon (`level_cost`), path bits known boolean (+1 per bit
otherwise): binary 241 (membership) and 482 (update); 4-ary 302 and 602. A 4-ary level
replaces two binary ones: 302 vs 482 per membership, 602 vs 964 per update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from zkl.circuits.lincomb import Variable
from zkl.circuits.std.poseidon import constraint_count, poseidon
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API

__all__ = ["Hasher", "assert_membership", "assert_update", "index_bits", "level_cost", "merkle_root",
           "merkle_update"]

Hasher = Callable[["API", Sequence[Variable]], Variable]
"""A node hash: hasher(api, children) -> node (Poseidon by default)."""

_BITS_PER_LEVEL = {2: 1, 4: 2}


def _check_arity(arity: int) -> int:
    """Return the path bits per level of an arity (2 or 4), else raise CircuitError."""
    if arity not in _BITS_PER_LEVEL:
        raise CircuitError(f"Merkle path gadgets support arity 2 or 4, not {arity!r}")
    return _BITS_PER_LEVEL[arity]


def level_cost(arity: int = 2, update: bool = False) -> int:
    """Return the constraints per level with Poseidon nodes and path bits already boolean."""
    per_level = _check_arity(arity)
    hash_cost = constraint_count(arity)
    if per_level == 1:
        return 2 * (hash_cost + 1) if update else hash_cost + 1
    return 2 + (2 if update else 1) * (hash_cost + 3)


def index_bits(api: API, index: Variable, depth: int, arity: int = 2) -> list[Variable]:
    """Return the path bits of a leaf index, asserting 0 <= index < arity**depth
    (depth * log2(arity) + 1 constraints)."""
    per_level = _check_arity(arity)
    return api.to_binary(index, depth * per_level)


def _levels(path_bits: Sequence[Variable], siblings: Sequence, arity: int) -> list[tuple[list, list]]:
    """Return [(bits of level j, siblings of level j)], checking the shapes."""
    per_level = _check_arity(arity)
    depth = len(siblings)
    if depth == 0:
        raise CircuitError("a Merkle path needs at least one level")
    if len(path_bits) != depth * per_level:
        raise CircuitError(f"a {arity}-ary path of depth {depth} needs {depth * per_level} bits, not {len(path_bits)}")
    out = []
    for j, level in enumerate(siblings):
        level = list(level) if isinstance(level, (list, tuple)) else [level]
        if len(level) != arity - 1:
            raise CircuitError(f"siblings[{j}] must hold {arity - 1} values, not {len(level)}")
        out.append((list(path_bits[j * per_level:(j + 1) * per_level]), level))
    return out


def _place_binary(api: API, bit: Variable, sibling: Variable, nodes: list[Variable]) -> list[list[Variable]]:
    """Children [left, right] of each node in `nodes` at position `bit` beside `sibling`."""
    out = []
    for node in nodes:
        left = api.select(bit, sibling, node)
        out.append([left, api.sub(api.add(node, sibling), left)])
    return out


def _place_quad(api: API, bits: list[Variable], siblings: list[Variable],
                nodes: list[Variable]) -> list[list[Variable]]:
    """Children [c0, c1, c2, c3] of each node in `nodes` at position b0 + 2 b1 among s0, s1, s2."""
    b0, b1 = bits
    s0, s1, s2 = siblings
    e3 = api.and_(b0, b1)
    e0 = api.lincomb([(1, e3), (-1, b0), (-1, b1)], 1)
    e1 = api.sub(b0, e3)
    q = api.mul(e0, api.sub(s0, s1))
    total = api.add(s0, s1, s2)
    out = []
    for n in nodes:
        c0 = api.add(s0, api.mul(e0, api.sub(n, s0)))
        c1 = api.add(api.add(s1, q), api.mul(e1, api.sub(n, s1)))
        c3 = api.add(s2, api.mul(e3, api.sub(n, s2)))
        c2 = api.lincomb([(1, n), (1, total), (-1, c0), (-1, c1), (-1, c3)])
        out.append([c0, c1, c2, c3])
    return out


def _climb(api: API, leaves: list[Variable], path_bits: Sequence[Variable], siblings: Sequence, arity: int,
           hasher: Hasher) -> list[Variable]:
    """Roots reached from each leaf along the one shared path."""
    nodes = list(leaves)
    for j, (bits, level) in enumerate(_levels(path_bits, siblings, arity)):
        with api.scope(f"level{j}"):
            for b in bits:
                api.assert_boolean(b)
            if arity == 2:
                children = _place_binary(api, bits[0], level[0], nodes)
            else:
                children = _place_quad(api, bits, level, nodes)
            nodes = [hasher(api, c) for c in children]
    return nodes


def merkle_root(api: API, leaf: Variable, path_bits: Sequence[Variable], siblings: Sequence, arity: int = 2,
                hasher: Hasher = poseidon) -> Variable:
    """Return the root reached from `leaf` along the path (twin: `zkl.crypto.merkle.root_from_path`).

    Asserts the path bits boolean; `level_cost(arity)` constraints per level.
    """
    with api.scope("merkle"):
        return _climb(api, [leaf], path_bits, siblings, arity, hasher)[0]


def assert_membership(api: API, root: Variable, leaf: Variable, path_bits: Sequence[Variable],
                      siblings: Sequence, arity: int = 2, hasher: Hasher = poseidon) -> None:
    """Assert that `leaf` sits at the path's index in the tree of `root` (twin:
    `zkl.crypto.merkle.verify_proof`). merkle_root plus one constraint."""
    api.assert_equal(merkle_root(api, leaf, path_bits, siblings, arity, hasher), root)


def merkle_update(api: API, old_leaf: Variable, new_leaf: Variable, path_bits: Sequence[Variable],
                  siblings: Sequence, arity: int = 2, hasher: Hasher = poseidon) -> tuple[Variable, Variable]:
    """Return (old root, new root): both leaves climbed along the same path bits and siblings.

    `level_cost(arity, update=True)` constraints per level (the twin: `MerkleTree.set` returns
    the new root; `root_from_path` with the same proof gives both).
    """
    with api.scope("merkle_update"):
        old_root, new_root = _climb(api, [old_leaf, new_leaf], path_bits, siblings, arity, hasher)
    return old_root, new_root


def assert_update(api: API, old_root: Variable, new_root: Variable, old_leaf: Variable, new_leaf: Variable,
                  path_bits: Sequence[Variable], siblings: Sequence, arity: int = 2,
                  hasher: Hasher = poseidon) -> None:
    """Assert that replacing `old_leaf` (in the tree of `old_root`) by `new_leaf` at the path's
    index gives `new_root`. merkle_update plus two constraints."""
    got_old, got_new = merkle_update(api, old_leaf, new_leaf, path_bits, siblings, arity, hasher)
    api.assert_equal(got_old, old_root)
    api.assert_equal(got_new, new_root)
