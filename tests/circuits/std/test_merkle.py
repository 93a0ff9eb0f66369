"""Poseidon Merkle path gadgets (binary and 4-ary) against the native twin zkl.crypto.merkle:
membership and update roots, per-level costs, and soundness (wrong sibling, wrong or
non-boolean index bit, swapped sibling order, another leaf changed, index out of range)."""

from __future__ import annotations

import random

import pytest

from zkl.circuits import Circuit, Public, R, Secret, audit, compile, solve
from zkl.circuits.std.merkle import (
    assert_membership,
    assert_update,
    index_bits,
    level_cost,
    merkle_root,
    merkle_update,
)
from zkl.circuits.std.poseidon import poseidon
from zkl.circuits.testing import assert_circuit
from zkl.crypto.merkle import MerkleTree, path_digits, root_from_path
from zkl.errors import CircuitError, UnsatisfiedConstraint

DEPTH = 3


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


class Membership(Circuit):
    """leaf at `index` (a variable, decomposed) in the tree of `root`."""

    def __init__(self, depth: int = DEPTH, arity: int = 2):
        self.depth, self.arity = depth, arity
        self.root = Public()
        self.index = Secret()
        self.leaf = Secret()
        self.siblings = Secret((depth, arity - 1))

    def define(self, api):
        bits = index_bits(api, self.index, self.depth, self.arity)
        assert_membership(api, self.root, self.leaf, bits, self.siblings, self.arity)


class MembershipBits(Circuit):
    """The same with explicit path bits (asserted boolean by the gadget)."""

    def __init__(self, depth: int = DEPTH, arity: int = 2):
        self.depth, self.arity = depth, arity
        self.root = Public()
        self.bits = Secret(depth * (1 if arity == 2 else 2))
        self.leaf = Secret()
        self.siblings = Secret((depth, arity - 1))

    def define(self, api):
        assert_membership(api, self.root, self.leaf, self.bits, self.siblings, self.arity)


class Update(Circuit):
    """old_leaf -> new_leaf at `index` takes old_root to new_root (one shared path)."""

    def __init__(self, depth: int = DEPTH, arity: int = 2):
        self.depth, self.arity = depth, arity
        self.old_root = Public()
        self.new_root = Public()
        self.index = Secret()
        self.old_leaf = Secret()
        self.new_leaf = Secret()
        self.siblings = Secret((depth, arity - 1))

    def define(self, api):
        bits = index_bits(api, self.index, self.depth, self.arity)
        assert_update(api, self.old_root, self.new_root, self.old_leaf, self.new_leaf, bits, self.siblings,
                      self.arity)


class Roots(Circuit):
    """merkle_root and merkle_update outputs exposed for comparison with the twin."""

    def __init__(self, arity: int = 2):
        self.arity = arity
        self.leaf = Secret()
        self.new_leaf = Secret()
        self.bits = Secret(2 * (1 if arity == 2 else 2))
        self.siblings = Secret((2, arity - 1))
        self.roots = Public(3)

    def define(self, api):
        api.assert_equal(merkle_root(api, self.leaf, self.bits, self.siblings, self.arity), self.roots[0])
        old, new = merkle_update(api, self.leaf, self.new_leaf, self.bits, self.siblings, self.arity)
        api.assert_equal(old, self.roots[1])
        api.assert_equal(new, self.roots[2])


def _bits(index: int, depth: int, arity: int) -> list[int]:
    per = 1 if arity == 2 else 2
    return [(index >> i) & 1 for i in range(depth * per)]


def _tree(rng: random.Random, arity: int, depth: int = DEPTH, n: int = 12) -> MerkleTree:
    tree = MerkleTree(depth, arity)
    for _ in range(n):
        tree.set(rng.randrange(arity**depth), rng.randrange(R))
    return tree


def _membership(tree: MerkleTree, index: int) -> dict:
    proof = tree.proof(index)
    return {"root": tree.root, "index": index, "leaf": tree.get(index),
            "siblings": [list(s) for s in proof.siblings]}


@pytest.mark.parametrize("arity", [2, 4])
def test_membership_matches_twin(arity):
    rng = random.Random(arity)
    tree = _tree(rng, arity)
    circuit = Membership(DEPTH, arity)
    r1cs = compile(circuit)
    with_bits = MembershipBits(DEPTH, arity)
    r1cs_bits = compile(with_bits)
    for index in [0, arity**DEPTH - 1, *rng.sample(range(arity**DEPTH), 4)]:
        assignment = _membership(tree, index)
        r1cs.check(solve(circuit, assignment, r1cs=r1cs))
        assignment["bits"] = _bits(assignment.pop("index"), DEPTH, arity)
        r1cs_bits.check(solve(with_bits, assignment, r1cs=r1cs_bits))


@pytest.mark.parametrize("arity", [2, 4])
def test_roots_match_twin(arity):
    rng = random.Random(10 + arity)
    circuit = Roots(arity)
    r1cs = compile(circuit)
    for _ in range(3):
        index = rng.randrange(arity**2)
        siblings = [[rng.randrange(R) for _ in range(arity - 1)] for _ in range(2)]
        leaf, new_leaf = rng.randrange(R), rng.randrange(R)
        path = path_digits(index, 2, arity)
        roots = [root_from_path(leaf, path, siblings, arity), root_from_path(leaf, path, siblings, arity),
                 root_from_path(new_leaf, path, siblings, arity)]
        r1cs.check(solve(circuit, {"leaf": leaf, "new_leaf": new_leaf, "bits": _bits(index, 2, arity),
                                   "siblings": siblings, "roots": roots}, r1cs=r1cs))


@pytest.mark.parametrize("arity", [2, 4])
def test_update_matches_twin(arity):
    rng = random.Random(20 + arity)
    tree = _tree(rng, arity)
    circuit = Update(DEPTH, arity)
    r1cs = compile(circuit)
    for index in [0, arity**DEPTH - 1, rng.randrange(arity**DEPTH)]:
        before = tree.copy()
        proof = tree.proof(index)
        old_leaf, new_leaf = tree.get(index), rng.randrange(R)
        new_root = tree.set(index, new_leaf)
        r1cs.check(solve(circuit, {"old_root": before.root, "new_root": new_root, "index": index,
                                   "old_leaf": old_leaf, "new_leaf": new_leaf,
                                   "siblings": [list(s) for s in proof.siblings]}, r1cs=r1cs))


def test_level_costs():
    assert level_cost(2) == 241 and level_cost(2, update=True) == 482
    assert level_cost(4) == 302 and level_cost(4, update=True) == 602
    for arity, per in ((2, 1), (4, 2)):
        bits = DEPTH * per
        assert compile(Membership(DEPTH, arity)).n_constraints == DEPTH * level_cost(arity) + bits + 1 + 1
        assert compile(MembershipBits(DEPTH, arity)).n_constraints == DEPTH * level_cost(arity) + bits + 1
        assert compile(Update(DEPTH, arity)).n_constraints == DEPTH * level_cost(arity, True) + bits + 1 + 2
    # a 4-ary level stands for two binary ones and costs less, for proofs and updates
    assert level_cost(4) < 2 * level_cost(2) and level_cost(4, True) < 2 * level_cost(2, True)


@pytest.mark.parametrize("arity", [2, 4])
def test_membership_soundness(arity):
    rng = random.Random(30 + arity)
    tree = _tree(rng, arity)
    index = rng.randrange(1, arity**DEPTH - 1)
    for i in range(index - index % arity, index - index % arity + arity):  # distinct level-0 siblings
        tree.set(i, rng.randrange(1, R))
    good = _membership(tree, index)
    assert len(set(good["siblings"][0])) == arity - 1
    wrong_sibling = {**good, "siblings": [list(s) for s in good["siblings"]]}
    wrong_sibling["siblings"][1][0] = (wrong_sibling["siblings"][1][0] + 1) % R
    swapped = {**good, "siblings": [list(s) for s in good["siblings"]]}
    swapped["siblings"][0] = swapped["siblings"][0][::-1] if arity == 4 else swapped["siblings"][0]
    other_index = index ^ 1  # a wrong index bit: same siblings, other position
    invalid = [
        {**good, "leaf": (good["leaf"] + 1) % R},
        {**good, "root": (good["root"] + 1) % R},
        wrong_sibling,
        {**good, "index": other_index},
        {**good, "index": index + arity**DEPTH},  # out of range: wraps to the same path bits
        {**good, "index": R - 1},
    ]
    if arity == 4:
        invalid.append(swapped)
        invalid.append({**good, "index": index ^ 2})
    assert_circuit(Membership(DEPTH, arity), valid=[good], invalid=invalid, tamper_rounds=2)


@pytest.mark.parametrize("arity", [2, 4])
def test_non_boolean_path_bits(arity):
    """Explicit bits must be 0 or 1: a bit 2 or -1 (which can blend node and sibling) fails."""
    rng = random.Random(40 + arity)
    tree = _tree(rng, arity)
    index = rng.randrange(arity**DEPTH)
    good = _membership(tree, index)
    bits = _bits(good.pop("index"), DEPTH, arity)
    good["bits"] = bits
    invalid = []
    for bad in (2, R - 1, (R + 1) // 2):
        wrong = list(bits)
        wrong[0] = bad
        invalid.append({**good, "bits": wrong})
    assert_circuit(MembershipBits(DEPTH, arity), valid=[good], invalid=invalid, tamper_rounds=1)


def test_binary_swapped_order_fails():
    """Node and sibling in the wrong order (the path bit flipped) give another root."""
    rng = random.Random(50)
    tree = _tree(rng, 2)
    index = 5
    good = _membership(tree, index)
    bits = _bits(index, DEPTH, 2)
    for level in range(DEPTH):
        flipped = list(bits)
        flipped[level] ^= 1
        with pytest.raises(UnsatisfiedConstraint):
            solve(MembershipBits(DEPTH, 2), {**{k: v for k, v in good.items() if k != "index"}, "bits": flipped})


@pytest.mark.parametrize("arity", [2, 4])
def test_update_soundness(arity):
    rng = random.Random(60 + arity)
    tree = _tree(rng, arity)
    index = rng.randrange(arity**DEPTH)
    before = tree.copy()
    proof = tree.proof(index)
    old_leaf, new_leaf = tree.get(index), rng.randrange(R)
    new_root = tree.set(index, new_leaf)
    good = {"old_root": before.root, "new_root": new_root, "index": index, "old_leaf": old_leaf,
            "new_leaf": new_leaf, "siblings": [list(s) for s in proof.siblings]}
    # another leaf changed as well: the new root is no longer reachable along the one path
    other = (index + 1) % arity**DEPTH
    tree.set(other, (tree.get(other) + 1) % R)
    two_changed = {**good, "new_root": tree.root}
    wrong_sibling = {**good, "siblings": [list(s) for s in good["siblings"]]}
    wrong_sibling["siblings"][DEPTH - 1][0] = (wrong_sibling["siblings"][DEPTH - 1][0] + 1) % R
    invalid = [two_changed, wrong_sibling, {**good, "index": other}, {**good, "old_leaf": new_leaf},
               {**good, "new_leaf": old_leaf}, {**good, "new_root": before.root}]
    assert_circuit(Update(DEPTH, arity), valid=[good], invalid=invalid, tamper_rounds=1)


def test_tampered_witness_fails():
    rng = random.Random(70)
    tree = _tree(rng, 4)
    circuit = Update(DEPTH, 4)
    r1cs = compile(circuit)
    index = 9
    proof = tree.proof(index)
    before = tree.root
    old_leaf = tree.get(index)
    new_root = tree.set(index, 77)
    witness = solve(circuit, {"old_root": before, "new_root": new_root, "index": index, "old_leaf": old_leaf,
                              "new_leaf": 77, "siblings": [list(s) for s in proof.siblings]}, r1cs=r1cs)
    r1cs.check(witness)
    for wire in range(1, 1 + 2 + 3 + 3 * DEPTH):  # every input wire
        tampered = witness.with_values({wire: (witness[wire] + 1) % R})
        with pytest.raises(UnsatisfiedConstraint):
            r1cs.check(tampered)


def test_audit_clean():
    for circuit in (Membership(DEPTH, 2), Membership(DEPTH, 4), MembershipBits(DEPTH, 4), Update(DEPTH, 2),
                    Update(DEPTH, 4)):
        report = audit(compile(circuit))
        assert report.ok and not report.unconstrained_secret_inputs


def test_custom_hasher_and_shapes():
    class Summed(Circuit):
        leaf = Secret()
        bits = Secret(2)
        siblings = Secret(2)  # binary: a flat list is accepted
        root = Public()

        def define(self, api):
            def hasher(api, children):
                return poseidon(api, [api.add(*children)])  # any hasher(api, children)
            api.assert_equal(merkle_root(api, self.leaf, self.bits, self.siblings, 2, hasher), self.root)

    from zkl.crypto.poseidon import poseidon_hash
    root = poseidon_hash([(poseidon_hash([(5 + 6) % R]) + 7) % R])
    solve(Summed(), {"leaf": 5, "bits": [1, 0], "siblings": [6, 7], "root": root})

    class BadArity(Circuit):
        x = Secret()

        def define(self, api):
            merkle_root(api, self.x, [self.x], [[self.x, self.x]], arity=3)

    class BadShape(Circuit):
        x = Secret()

        def define(self, api):
            merkle_root(api, self.x, [self.x], [[self.x, self.x]], arity=4)

    for circuit in (BadArity(), BadShape()):
        with pytest.raises(CircuitError):
            compile(circuit, cache=False)
