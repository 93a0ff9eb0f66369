"""A full assignment vector: the value of every wire of a circuit, in the R1CS's wire order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from zkl.circuits.field import ints_to_limbs, limbs_to_ints


class Witness(Sequence[int]):
    """The value of every wire: values[0] = 1, then public outputs/inputs, private inputs, internal.

    `n_public` counts the public wires after wire 0 (Groth16's public inputs). `failures` lists
    the (index, label) of constraints a non-strict solve found unsatisfied (empty otherwise).
    A witness holds its values as Python ints, or as (n, 4) normal-form limbs (`from_limbs`,
    what the compiled solver makes): each form is made from the other on first use.
    """

    __slots__ = ("_values", "_limbs", "_products", "n_public", "failures")

    def __init__(self, values: list[int], n_public: int, failures: list[tuple[int, str]] | None = None) -> None:
        self._values: list[int] | None = values
        self._limbs: np.ndarray | None = None
        self._products: tuple[np.ndarray, np.ndarray] | None = None
        self.n_public = n_public
        self.failures: list[tuple[int, str]] = [] if failures is None else failures

    @classmethod
    def from_limbs(cls, limbs: np.ndarray, n_public: int) -> Witness:
        """A witness over an (n, 4) uint64 array of normal-form values below r (kept, not copied: do not modify it)."""
        w = cls([], n_public)
        w._values = None
        w._limbs = limbs
        return w

    @property
    def values(self) -> list[int]:
        """The values as Python ints."""
        if self._values is None:
            self._values = limbs_to_ints(self._limbs)
        return self._values

    def __len__(self) -> int:
        return len(self._values) if self._values is not None else self._limbs.shape[0]

    def __getitem__(self, i):  # type: ignore[override]
        if self._values is None and isinstance(i, (int, np.integer)):
            return limbs_to_ints(self._limbs[i: i + 1] if i != -1 else self._limbs[-1:])[0]
        return self.values[i]

    def __iter__(self) -> Iterator[int]:
        return iter(self.values)

    def __repr__(self) -> str:
        return f"Witness({len(self)} values, n_public={self.n_public})"

    @property
    def public(self) -> list[int]:
        """The public inputs (snarkjs's public.json order): wires 1 .. n_public."""
        if self._values is None:
            return limbs_to_ints(self._limbs[1: 1 + self.n_public])
        return self.values[1: 1 + self.n_public]

    def to_limbs(self) -> np.ndarray:
        """Return the values as an (n, 4) uint64 array of little-endian limbs (normal form; a copy)."""
        return ints_to_limbs(self.values) if self._limbs is None else self._limbs.copy()

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


def assignment(witness: object) -> object:
    """What a full-assignment argument holds: a Witness's limbs when it has them, else its values (or itself)."""
    if isinstance(witness, Witness) and witness._limbs is not None:
        return witness._limbs
    return getattr(witness, "values", witness)


def qap_products(witness: object) -> tuple[np.ndarray, np.ndarray] | None:
    """((A.w)/R, (B.w)/R) per constraint, (m, 4) limbs, when the compiled solver made this witness, else None.

    The Groth16 prover starts its QAP there instead of multiplying the key's coefficients again;
    any other witness (read from a file, tampered with `with_values`) has none."""
    return witness._products if isinstance(witness, Witness) else None
