"""Soundness testing of circuits, after gnark's CheckCircuit: `assert_circuit(valid=, invalid=)`.

An assignment that must be rejected is tried the ways a malicious prover would:

1. the honest solver must raise UnsatisfiedConstraint;
2. the witness solved leniently (failures ignored) with honest hints must fail `r1cs.check`;
3. the same with adversarial hints: known attacks on the std hints (bits of the alias x + r,
   non-boolean bits that still recompose, zero or wrong inverses) and rounds of random
   tampering of hint outputs, dependent wires recomputed each time;
4. direct assignment: each valid witness with its input wires overwritten by the invalid
   values; and full witness vectors given in `invalid` are checked as they are.

A witness that passes `r1cs.check` in any of these is a soundness bug and fails the test.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from zkl.circuits.circuit import Circuit, compile, solve
from zkl.circuits.field import R
from zkl.circuits.r1cs import R1CS
from zkl.circuits.solver import HintOverride
from zkl.circuits.std.arith import div_hint, identity_hint, inverse_hint
from zkl.circuits.std.bits import bits_hint
from zkl.circuits.witness import Witness
from zkl.errors import UnsatisfiedConstraint

Adversary = Callable[[list[Any], list[int]], Iterable[int]]
"""fn(hint inputs, honest outputs) -> outputs a malicious prover would use instead."""


def _bits_alias(args: list[Any], honest: list[int]) -> list[int]:
    """Bits of x + r, the other preimage of x when it fits in n bits."""
    x, n = args
    y = x + R
    return [(y >> i) & 1 for i in range(n)] if y < 1 << n else honest


def _bits_carry_low(args: list[Any], honest: list[int]) -> list[int]:
    """Bits of x mod 2**n with the excess folded into bit 0 (recomposes, not boolean)."""
    x, n = args
    low = x & ((1 << n) - 1)
    out = [(low >> i) & 1 for i in range(n)]
    if n:
        out[0] = (out[0] + x - low) % R
    return out


def _bits_carry_high(args: list[Any], honest: list[int]) -> list[int]:
    """Bits of x mod 2**n with the excess folded into the top bit (recomposes, not boolean)."""
    x, n = args
    low = x & ((1 << n) - 1)
    out = [(low >> i) & 1 for i in range(n)]
    if n:
        out[-1] = (out[-1] + (x - low) * pow(1 << (n - 1), -1, R)) % R
    return out


def _bits_of_negation(args: list[Any], honest: list[int]) -> list[int]:
    """Bits of r - x truncated to n bits (a sign confusion)."""
    x, n = args
    y = (R - x) % R
    return [(y >> i) & 1 for i in range(n)]


ADVERSARIES: dict[Callable[..., Any], list[Adversary]] = {
    bits_hint: [_bits_alias, _bits_carry_low, _bits_carry_high, _bits_of_negation],
    inverse_hint: [lambda a, h: [0], lambda a, h: [1], lambda a, h: [(h[0] + 1) % R]],
    div_hint: [lambda a, h: [0], lambda a, h: [1], lambda a, h: [(h[0] + 1) % R]],
    identity_hint: [lambda a, h: [(h[0] + 1) % R], lambda a, h: [0]],
}
"""Known attacks on the std hints, tried by assert_circuit; gadget modules may add theirs."""


def _adversary_override(adversary_index: int) -> HintOverride:
    """Return an override applying the adversary_index-th known attack to every hint that has one."""
    def override(fn: Callable[..., Any], args: list[Any], honest: list[int]) -> Iterable[int]:
        attacks = ADVERSARIES.get(fn, [])
        if adversary_index < len(attacks):
            return attacks[adversary_index](args, honest)
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
        witness = solve(circuit, assignment, r1cs=r1cs, strict=False)
        _assert_rejected(r1cs, witness, "honest hints", dict(assignment))
        inputs = witness.values[1: 1 + n_inputs]
        for k, override in enumerate([*known, *hints]):
            tampered = solve(circuit, assignment, r1cs=r1cs, strict=False, hint_override=override)
            _assert_rejected(r1cs, tampered, f"malicious hints #{k}", dict(assignment))
        for k in range(tamper_rounds):
            tampered = solve(circuit, assignment, r1cs=r1cs, strict=False, hint_override=_random_override(rng))
            _assert_rejected(r1cs, tampered, f"random hint tampering, round {k}", dict(assignment))
        for good in honest:
            forged = good.with_values(dict(enumerate(inputs, 1)))
            _assert_rejected(r1cs, forged, "a valid witness with the invalid inputs", dict(assignment))
    return r1cs
