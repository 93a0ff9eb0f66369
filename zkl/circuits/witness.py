"""A full assignment vector: the value of every wire of a circuit, in the R1CS's wire order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from zkl.circuits.field import ints_to_limbs


@dataclass(eq=False)
class Witness(Sequence[int]):
    """The value of every wire: values[0] = 1, then public outputs/inputs, private inputs, internal.

    `n_public` counts the public wires after wire 0 (Groth16's public inputs). `failures` lists
    the (index, label) of constraints a non-strict solve found unsatisfied (empty otherwise).
    """

    values: list[int]
    n_public: int
    failures: list[tuple[int, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i):  # type: ignore[override]
        return self.values[i]

    def __iter__(self) -> Iterator[int]:
        return iter(self.values)

    @property
    def public(self) -> list[int]:
        """The public inputs (snarkjs's public.json order): wires 1 .. n_public."""
        return self.values[1: 1 + self.n_public]

    def to_limbs(self) -> np.ndarray:
        """Return the values as an (n, 4) uint64 array of little-endian limbs (normal form)."""
        return ints_to_limbs(self.values)

    def with_values(self, changes: dict[int, int] | Sequence[int]) -> Witness:
        """Return a copy with some wires replaced ({wire: value}) or all values replaced."""
        if isinstance(changes, dict):
            values = list(self.values)
            for w, v in changes.items():
                values[w] = v
        else:
            values = list(changes)
        return Witness(values, self.n_public)

    def write(self, path: str) -> None:
        """Write circom's binary .wtns file."""
        from zkl.circuits import circom

        circom.write_wtns(self, path)

    @classmethod
    def read(cls, path: str, n_public: int = 0) -> Witness:
        """Read circom's binary .wtns file (the file does not say how many wires are public)."""
        from zkl.circuits import circom

        return Witness(circom.read_wtns(path), n_public)
