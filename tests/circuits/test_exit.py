"""The exodus exit circuit: honest exits from a real account tree are accepted at even and odd
depths, with the protocol's public inputs; every tampered public or secret input, signatures for
another deployment or another L1 address, and out-of-range values are refused under adversarial
hints (`zkl.circuits.testing.assert_circuit`); the native twin's errors; a Groth16 round trip;
and the circuit's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from zkl.circuits import compile, solve
from zkl.circuits.exit import ExitCircuit, exit_assignment, exit_public_inputs
from zkl.circuits.testing import assert_circuit
from zkl.crypto import eddsa
from zkl.crypto.babyjubjub import SUBGROUP_ORDER
from zkl.crypto.merkle import MerkleProof, MerkleTree
from zkl.crypto.poseidon import poseidon_hash
from zkl.crypto.protocol import EXIT_PUBLIC_INPUTS, EXIT_TAG, TREE_ARITY, Domain, exit_message, leaf_hash, levels
from zkl.errors import AmountOutOfRange, BadExitProof, CircuitError, MalformedInput

KEYS = [bytes([i + 1]) * 32 for i in range(4)]
PUBKEYS = [eddsa.public_key(k) for k in KEYS]
DEPLOYMENT = Domain(5, 0xE417)
DOMAIN = DEPLOYMENT.element
ELSEWHERE = Domain(5, 0xF00D).element  # another deployment of the same circuit
L1 = 0x1111111111111111111111111111111111111111
EVIL_L1 = 0x6666666666666666666666666666666666666666


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "zkl-cache"))


@dataclass
class World:
    """An account tree of 2^depth accounts: index -> (key number, balance, nonce)."""

    depth: int
    accounts: dict[int, tuple[int, int, int]]
    tree: MerkleTree = field(init=False)

    def __post_init__(self) -> None:
        self.tree = MerkleTree(levels(self.depth), TREE_ARITY)
        for index, (key, balance, nonce) in self.accounts.items():
            p = PUBKEYS[key]
            self.tree.set(index, leaf_hash((p.x, p.y), balance, nonce))

    def exit(self, index: int, l1: int = L1, domain: int = DOMAIN) -> dict[str, Any]:
        """The honest assignment of account `index`'s exit to `l1` for `domain`, signed by its owner."""
        key, balance, nonce = self.accounts[index]
        sig = eddsa.sign(KEYS[key], exit_message(domain, index, l1))
        return exit_assignment(self.depth, self.tree.root, domain, index, PUBKEYS[key], balance, nonce,
                               self.tree.proof(index), l1, sig)


def world(depth: int = 4) -> World:
    """Accounts 0 (key 0), 1 (key 1), 2 (key 0 again) and the last index (key 2)."""
    last = (1 << depth) - 1
    return World(depth, {0: (0, 1000, 3), 1: (1, 500, 0), 2: (0, 7, 1), last: (2, (1 << 64) - 1, (1 << 32) - 1)})


def signed(assignment: dict[str, Any], key: int, domain: int, index: int, l1: int) -> dict[str, Any]:
    """The assignment with its signature replaced by key's over Poseidon(EXIT_TAG, domain, index, l1) (any values)."""
    sig = eddsa.sign(KEYS[key], poseidon_hash([EXIT_TAG, domain, index, l1]))
    return {**assignment, "sig_r8": [sig.r8.x, sig.r8.y], "sig_s": sig.s}


def changed(assignment: dict[str, Any], **values: Any) -> dict[str, Any]:
    """The assignment with some inputs replaced."""
    return {**assignment, **values}


# -- the honest exit (the control) ----------------------------------------------------------------


def test_parameters_are_validated():
    for bad in (0, 33, True, 2.0, "4"):
        with pytest.raises(CircuitError):
            ExitCircuit(bad)


def test_the_public_inputs_are_the_protocols_in_its_order():
    r1cs = compile(ExitCircuit(4))
    assert r1cs.n_public == len(EXIT_PUBLIC_INPUTS) == 5
    assert [r1cs.wire_name(w) for w in range(1, 6)] == list(EXIT_PUBLIC_INPUTS)
    a = world(4).exit(1)
    assert exit_public_inputs(a["root"], DEPLOYMENT, 1, L1, 500) == [a[n] for n in EXIT_PUBLIC_INPUTS]
    assert exit_public_inputs(a["root"], DOMAIN, 1, L1, 500) == [a["root"], DOMAIN, 1, L1, 500]


@pytest.mark.parametrize("depth", [4, 5, 16])
def test_honest_exits_are_accepted(depth):
    w = world(depth)
    circuit = ExitCircuit(depth)
    r1cs = compile(circuit)
    for index in (0, 1, 2, (1 << depth) - 1):
        a = w.exit(index, l1=L1 + index)
        witness = solve(circuit, a, r1cs=r1cs)
        r1cs.check(witness)
        _, balance, _ = w.accounts[index]
        assert witness.public == exit_public_inputs(w.tree.root, DOMAIN, index, L1 + index, balance)


def test_an_exit_with_a_zero_balance_and_the_widest_address_is_accepted():
    """A zero balance is the contract's business (NothingToClaim), not the circuit's."""
    w = World(4, {9: (3, 0, 0)})
    a = w.exit(9, l1=(1 << 160) - 1)
    r1cs = compile(ExitCircuit(4))
    r1cs.check(solve(ExitCircuit(4), a, r1cs=r1cs))


def test_constraint_counts():
    counts = {d: compile(ExitCircuit(d)).n_constraints for d in (4, 5, 16, 18, 32)}
    assert 6_500 <= counts[16] <= 6_650  # measured 6,573 (module docstring)
    assert counts == {4: 4_749, 5: 5_050, 16: 6_573, 18: 6_877, 32: 9_005}
    # two more bits of depth: one more 4-ary membership level (302) and 2 more index bits
    assert counts[18] - counts[16] == 302 + 2


# -- soundness: every input is bound ----------------------------------------------------------------


def test_tampered_public_inputs_are_refused():
    w = world(4)
    honest = w.exit(1)
    other = World(4, {**w.accounts, 1: (1, 501, 0)})  # the same tree with account 1 one unit richer
    assert other.tree.root != w.tree.root
    assert_circuit(ExitCircuit(4), valid=[honest], invalid=[
        changed(honest, root=other.tree.root),             # another state root
        changed(honest, domain=ELSEWHERE),                 # another deployment
        changed(honest, account_index=0),                  # another account's index (a leaf is there)
        changed(honest, account_index=5),                  # an empty index
        changed(honest, l1_address=EVIL_L1),               # the funds redirected
        changed(honest, balance=501),                      # more than the account holds
        changed(honest, balance=499),
    ])


def test_tampered_secret_inputs_are_refused():
    w = world(4)
    honest = w.exit(1)
    other_sig = eddsa.sign(KEYS[1], exit_message(DOMAIN, 1, EVIL_L1))
    siblings = [list(level) for level in honest["siblings"]]
    siblings[1][2] += 1
    pk0 = PUBKEYS[0]
    assert_circuit(ExitCircuit(4), valid=[honest], invalid=[
        changed(honest, siblings=siblings),
        changed(honest, nonce=honest["nonce"] + 1),
        changed(honest, pubkey=[pk0.x, pk0.y]),                                   # another key, its own leaf not here
        changed(honest, sig_r8=[other_sig.r8.x, other_sig.r8.y]),                 # R8 of another signature
        changed(honest, sig_s=(honest["sig_s"] + 1) % SUBGROUP_ORDER),
        changed(honest, sig_s=honest["sig_s"] + SUBGROUP_ORDER),                  # S + l: same point, S >= l
        changed(honest, sig_r8=[0, 1], sig_s=0),                                  # the identity as R8
    ])


def test_signatures_for_another_domain_index_or_address_are_refused():
    """The owner signed, but not this exit: another deployment, another L1 address, another index."""
    w = world(4)
    honest = w.exit(2)  # account 2 is key 0's, as account 0 is
    assert_circuit(ExitCircuit(4), valid=[honest], invalid=[
        signed(honest, 0, ELSEWHERE, 2, L1),
        signed(honest, 0, DOMAIN, 2, EVIL_L1),
        signed(honest, 0, DOMAIN, 0, L1),         # key 0's signature for its other account
        signed(honest, 1, DOMAIN, 2, L1),         # right message, another key
    ])


def test_the_signature_of_the_account_for_another_exit_does_not_move_it():
    """A signature for (ELSEWHERE, L1) cannot exit on DOMAIN even with the public domain switched back."""
    w = world(4)
    elsewhere = w.exit(1, domain=ELSEWHERE)  # honest for the other deployment
    r1cs = compile(ExitCircuit(4))
    r1cs.check(solve(ExitCircuit(4), elsewhere, r1cs=r1cs))
    assert_circuit(ExitCircuit(4), invalid=[changed(elsewhere, domain=DOMAIN)])


def test_out_of_range_values_in_the_tree_are_refused():
    """Leaves the tree can hold but the protocol never writes: the range checks refuse them."""
    depth = 5  # 3 levels of a 4-ary tree: 64 leaves, indices < 32 only
    tree = MerkleTree(levels(depth), TREE_ARITY)
    pk = PUBKEYS[0]
    cases = {32: (1, 0), 3: ((1 << 64) + 5, 0), 4: (5, 1 << 32), 1: (5, 0)}  # index -> (balance, nonce)
    for index, (balance, nonce) in cases.items():
        tree.set(index, leaf_hash((pk.x, pk.y), balance, nonce))

    def forged(index: int, l1: int = L1) -> dict[str, Any]:
        balance, nonce = cases[index]
        sig = eddsa.sign(KEYS[0], poseidon_hash([EXIT_TAG, DOMAIN, index, l1]))
        return {"root": tree.root, "domain": DOMAIN, "account_index": index, "l1_address": l1, "balance": balance,
                "pubkey": [pk.x, pk.y], "nonce": nonce, "siblings": [list(s) for s in tree.proof(index).siblings],
                "sig_r8": [sig.r8.x, sig.r8.y], "sig_s": sig.s}

    assert_circuit(ExitCircuit(depth), valid=[forged(1)], invalid=[
        forged(32),                 # an index >= 2^depth (the top path bit must be 0)
        forged(1, l1=1 << 160),     # an L1 address of 161 bits
        forged(3),                  # a balance >= 2^64
        forged(4),                  # a nonce >= 2^32
    ])
    with pytest.raises(MalformedInput):
        exit_assignment(depth, tree.root, DOMAIN, 32, pk, 1, 0, tree.proof(32), L1,
                        eddsa.sign(KEYS[0], poseidon_hash([EXIT_TAG, DOMAIN, 32, L1])))


# -- the native twin ----------------------------------------------------------------------------------


def test_the_native_twin_refuses_what_the_circuit_refuses():
    w = world(4)
    root, proof, pk = w.tree.root, w.tree.proof(1), PUBKEYS[1]
    sig = eddsa.sign(KEYS[1], exit_message(DOMAIN, 1, L1))
    assert exit_assignment(4, root, DEPLOYMENT, 1, (pk.x, pk.y), 500, 0, proof, L1, sig) == w.exit(1)
    with pytest.raises(BadExitProof, match="not in the tree"):
        exit_assignment(4, root, DOMAIN, 1, pk, 501, 0, proof, L1, sig)
    with pytest.raises(BadExitProof, match="not in the tree"):
        exit_assignment(4, root, DOMAIN, 0, pk, 500, 0, w.tree.proof(0), L1, sig)
    with pytest.raises(BadExitProof, match="signature"):
        exit_assignment(4, root, ELSEWHERE, 1, pk, 500, 0, proof, L1, sig)
    with pytest.raises(BadExitProof, match="signature"):
        exit_assignment(4, root, DOMAIN, 1, pk, 500, 0, proof, EVIL_L1, sig)
    with pytest.raises(BadExitProof, match="levels"):
        exit_assignment(4, root, DOMAIN, 1, pk, 500, 0, MerkleProof(proof.path[:1], proof.siblings[:1]), L1, sig)
    with pytest.raises(BadExitProof, match="MerkleProof"):
        exit_assignment(4, root, DOMAIN, 1, pk, 500, 0, None, L1, sig)  # type: ignore[arg-type]
    with pytest.raises(MalformedInput, match="account_index"):
        exit_assignment(4, root, DOMAIN, 16, pk, 500, 0, proof, L1, sig)
    with pytest.raises(AmountOutOfRange, match="balance"):
        exit_assignment(4, root, DOMAIN, 1, pk, 1 << 64, 0, proof, L1, sig)
    with pytest.raises(AmountOutOfRange, match="nonce"):
        exit_assignment(4, root, DOMAIN, 1, pk, 500, 1 << 32, proof, L1, sig)
    with pytest.raises(MalformedInput, match="l1_address"):
        exit_public_inputs(root, DOMAIN, 1, 1 << 160, 500)
    with pytest.raises(MalformedInput, match="domain"):
        exit_public_inputs(root, 1 << 221, 1, L1, 500)
    with pytest.raises(MalformedInput, match="root"):
        exit_public_inputs(-1, DOMAIN, 1, L1, 500)
    with pytest.raises(MalformedInput, match="depth"):
        exit_assignment(0, root, DOMAIN, 1, pk, 500, 0, proof, L1, sig)


# -- Groth16 ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_groth16_round_trip():
    from zkl.prover import prove, setup
    from zkl.verifier.groth16 import verify

    w = world(2)
    circuit = ExitCircuit(2)
    r1cs = compile(circuit)
    a = w.exit(3, l1=EVIL_L1)
    witness = solve(circuit, a, r1cs=r1cs)
    pk = setup(r1cs)
    proof = prove(pk, witness)
    public = exit_public_inputs(w.tree.root, DOMAIN, 3, EVIL_L1, (1 << 64) - 1)
    assert verify(pk.vk, public, proof)
    for i, name in enumerate(EXIT_PUBLIC_INPUTS):  # each public input is bound by the proof
        tampered = list(public)
        tampered[i] = {"l1_address": L1, "domain": ELSEWHERE}.get(name, public[i] - 1)
        assert not verify(pk.vk, tampered, proof), name
