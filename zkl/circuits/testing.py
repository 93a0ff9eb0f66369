"""Soundness testing of circuits, after gnark's CheckCircuit: `assert_circuit(valid=, invalid=)`.

An assignment that must be rejected is tried the ways a malicious prover would:

1. the honest solver must raise UnsatisfiedConstraint;
2. the witness solved leniently (failures ignored) with honest hints must fail `r1cs.check`;
3. the same with adversarial hints: the known attacks that gadget modules register in
   `zkl.circuits.adversaries` (bits of the alias x + r, non-boolean bits that still recompose,
   zero or wrong inverses...), the k-th attack of every hint at once and then each
   (hint, attack) pair alone with every other hint honest; then rounds of random tampering of
   hint outputs, dependent wires recomputed each time;
4. direct assignment: each valid witness with its input wires overwritten by the invalid
   values; and full witness vectors given in `invalid` are checked as they are.

A witness that passes `r1cs.check` in any of these is a soundness bug and fails the test.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from zkl.circuits.adversaries import ADVERSARIES, Adversary
from zkl.circuits.circuit import Circuit, compile, solve
from zkl.circuits.field import R
from zkl.circuits.r1cs import R1CS
from zkl.circuits.solver import HintOverride
from zkl.circuits.witness import Witness
from zkl.errors import UnsatisfiedConstraint

__all__ = ["ADVERSARIES", "Adversary", "assert_circuit"]


def _adversary_override(adversary_index: int) -> HintOverride:
    """Return an override applying the adversary_index-th known attack to every hint that has one."""
    def override(fn: Callable[..., Any], args: list[Any], honest: list[int]) -> Iterable[int]:
        attacks = ADVERSARIES.get(fn, [])
        if adversary_index < len(attacks):
            return attacks[adversary_index](args, honest)
        return honest
    return override


def _targeted_override(target: Callable[..., Any], attack: Adversary) -> HintOverride:
    """Return an override applying one attack to the calls of one hint function, every other hint
    honest (and computed from the attacked values)."""
    def override(fn: Callable[..., Any], args: list[Any], honest: list[int]) -> Iterable[int]:
        return attack(args, honest) if fn is target else honest
    return override


def _recording_override(seen: dict[Callable[..., Any], None]) -> HintOverride:
    """Return an override that answers honestly and records the hint functions called."""
    def override(fn: Callable[..., Any], args: list[Any], honest: list[int]) -> Iterable[int]:
        seen[fn] = None
        return honest
    return override


def _random_override(rng: random.Random) -> HintOverride:
    """Return an override that perturbs about half the hint outputs at random."""
    def override(fn: Callable[..., Any], args: list[Any], honest: list[int]) -> Iterable[int]:
        out = list(honest)
        for i in range(len(out)):
            if rng.random() < 0.5:
                out[i] = rng.choice([out[i] + 1, out[i] - 1, 0, 1, R - 1, rng.randrange(R), 1 - out[i]]) % R
        return out
    return override


def _assert_rejected(r1cs: R1CS, witness: Witness | Sequence[int], how: str, assignment: object) -> None:
    """Fail the test if r1cs accepts the witness."""
    if r1cs.is_satisfied(witness):
        raise AssertionError(f"R1CS accepted an invalid assignment {assignment!r} ({how})")


def assert_circuit(circuit: Circuit, valid: Iterable[Mapping[str, Any]] = (),
                   invalid: Iterable[Mapping[str, Any] | Sequence[int]] = (), *,
                   hints: Iterable[HintOverride] = (), tamper_rounds: int = 12, seed: int = 0) -> R1CS:
    """Assert that every valid assignment solves and checks, and no invalid one can be proven.

    `invalid` entries are input mappings, or full witness vectors (checked as given).
    `hints` are extra malicious-prover overrides to try, `fn(hint_fn, inputs, honest)`.
    Returns the compiled R1CS.
    """
    r1cs = compile(circuit)
    rng = random.Random(seed)
    honest: list[Witness] = []
    for assignment in valid:
        witness = solve(circuit, assignment, r1cs=r1cs)
        r1cs.check(witness)
        honest.append(witness)
    n_inputs = r1cs.n_public + r1cs.n_private_inputs
    known = [_adversary_override(i) for i in range(max(map(len, ADVERSARIES.values())))]
    for assignment in invalid:
        if not isinstance(assignment, Mapping):
            _assert_rejected(r1cs, assignment, "a witness vector given directly", "vector")
            continue
        try:
            solve(circuit, assignment, r1cs=r1cs)
        except UnsatisfiedConstraint:
            pass
        else:
            raise AssertionError(f"the solver accepted an invalid assignment {dict(assignment)!r}")
        called: dict[Callable[..., Any], None] = {}
        witness = solve(circuit, assignment, r1cs=r1cs, strict=False, hint_override=_recording_override(called))
        _assert_rejected(r1cs, witness, "honest hints", dict(assignment))
        inputs = witness.values[1: 1 + n_inputs]
        for k, override in enumerate([*known, *hints]):
            tampered = solve(circuit, assignment, r1cs=r1cs, strict=False, hint_override=override)
            _assert_rejected(r1cs, tampered, f"malicious hints #{k}", dict(assignment))
        attacked = [fn for fn in called if ADVERSARIES.get(fn)]
        if len(attacked) > 1:  # with one attacked hint function the rounds above did exactly this
            for fn in attacked:
                for k, attack in enumerate(ADVERSARIES[fn]):
                    tampered = solve(circuit, assignment, r1cs=r1cs, strict=False,
                                     hint_override=_targeted_override(fn, attack))
                    name = getattr(fn, "__name__", fn)
                    _assert_rejected(r1cs, tampered, f"malicious hints: attack {k} on {name} alone", dict(assignment))
        for k in range(tamper_rounds):
            tampered = solve(circuit, assignment, r1cs=r1cs, strict=False, hint_override=_random_override(rng))
            _assert_rejected(r1cs, tampered, f"random hint tampering, round {k}", dict(assignment))
        for good in honest:
            forged = good.with_values(dict(enumerate(inputs, 1)))
            _assert_rejected(r1cs, forged, "a valid witness with the invalid inputs", dict(assignment))
    return r1cs
