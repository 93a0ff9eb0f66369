"""The registry of known attacks on hints, which `zkl.circuits.testing.assert_circuit` tries.

A hint's outputs are chosen by the prover, so a sound gadget must reject every answer but the
honest one. Each gadget module registers, at import, what a malicious prover would answer for
its hints (bits of the alias x + r, non-boolean bits that still recompose, a wrong inverse...):

    register(bits_hint, [alias_bits, carry_into_bit_0, ...])

An attack is `fn(hint inputs, honest outputs) -> outputs`. This module imports nothing from
the circuit machinery, so any gadget module can import it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["ADVERSARIES", "Adversary", "register"]

Adversary = Callable[[list[Any], list[int]], Iterable[int]]
"""fn(hint inputs, honest outputs) -> outputs a malicious prover would use instead."""

ADVERSARIES: dict[Callable[..., Any], list[Adversary]] = {}
"""Known attacks per hint function (`zkl.circuits.testing.ADVERSARIES` is this dict)."""


def register(hint: Callable[..., Any], attacks: Sequence[Adversary]) -> None:
    """Add attacks on a hint function to ADVERSARIES (each attack once, in order)."""
    known = ADVERSARIES.setdefault(hint, [])
    for attack in attacks:
        if attack not in known:
            known.append(attack)
