"""Groth16 proving key with arkworks names; bases held as Montgomery limb arrays for the MSMs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from zkl.algebra.points import G1Point
from zkl.verifier.keys import VerifyingKey


@dataclass(frozen=True, eq=False)
class ZkeyCoefficients:
    """The .zkey coefficient section: the R1CS matrices A (matrix 0) and B (matrix 1) as a list of entries.

    Entry k says: row `constraint[k]` of matrix `matrix[k]` has `value[k]` at wire `wire[k]`.
    Rows n_constraints .. n_constraints + n_public are the extra rows snarkjs adds so that the
    public inputs are linearly independent (A = wire s, B = C = 0).  `value` is in normal form
    here; the file stores value * 2^512 mod r ("double Montgomery").
    """

    matrix: np.ndarray  # (k,) uint32: 0 for A, 1 for B
    constraint: np.ndarray  # (k,) uint32
    wire: np.ndarray  # (k,) uint32
    value: np.ndarray  # (k, 4) uint64, normal form

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def last(self, k: int) -> ZkeyCoefficients:
        """The last k entries (k >= 1)."""
        return ZkeyCoefficients(self.matrix[-k:], self.constraint[-k:], self.wire[-k:], self.value[-k:])

    def chunks(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """(matrix, constraint, wire, value) of consecutive runs of at most `size` entries, in order."""
        for lo in range(0, len(self), size):
            yield self.matrix[lo:lo + size], self.constraint[lo:lo + size], self.wire[lo:lo + size], \
                self.value[lo:lo + size]


class SectionCoefficients(ZkeyCoefficients):
    """A .zkey coefficient section as its file holds it (entries already checked by the reader), each
    field made on first use: a prover that starts from the solver's products never converts it."""

    def __init__(self, entries: np.ndarray) -> None:
        object.__setattr__(self, "_entries", entries)  # the section's records, a view of the file

    def __len__(self) -> int:
        return int(self._entries.shape[0])

    def last(self, k: int) -> SectionCoefficients:
        """The last k entries (k >= 1), still in the file: nothing of the rest is read."""
        return SectionCoefficients(self._entries[-k:])

    def chunks(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """(matrix, constraint, wire, value) of consecutive runs of at most `size` entries, each converted
        from the file on its own (a key read and written again is never whole in memory)."""
        if "value" in vars(self):
            yield from super().chunks(size)
            return
        for lo in range(0, len(self), size):
            yield _fields(self._entries[lo:lo + size])

    @cached_property
    def matrix(self) -> np.ndarray:  # type: ignore[override]
        return np.ascontiguousarray(self._entries["matrix"], dtype=np.uint32)

    @cached_property
    def constraint(self) -> np.ndarray:  # type: ignore[override]
        return np.ascontiguousarray(self._entries["constraint"], dtype=np.uint32)

    @cached_property
    def wire(self) -> np.ndarray:  # type: ignore[override]
        return np.ascontiguousarray(self._entries["wire"], dtype=np.uint32)

    @cached_property
    def value(self) -> np.ndarray:  # type: ignore[override]
        return _normal_values(self._entries)


def _normal_values(entries: np.ndarray) -> np.ndarray:
    """The (k, 4) normal-form values of coefficient records (the file holds value * 2^512 mod r)."""
    from zkl.algebra.constants import R
    from zkl.algebra.limbs import from_montgomery

    raw = np.ascontiguousarray(entries["value"], dtype=np.uint64)
    return from_montgomery(from_montgomery(raw, R), R)


def _fields(entries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(matrix, constraint, wire, value) of coefficient records, as ZkeyCoefficients holds them."""
    return (np.ascontiguousarray(entries["matrix"], dtype=np.uint32),
            np.ascontiguousarray(entries["constraint"], dtype=np.uint32),
            np.ascontiguousarray(entries["wire"], dtype=np.uint32), _normal_values(entries))


@dataclass(frozen=True, eq=False)
class ProvingKey:
    """Groth16 proving key in the layout of a snarkjs .zkey.

    Query arrays are bulk point arrays of zkl.algebra.points ((n, 2, 4) for G1,
    (n, 2, 2, 4) for G2, Montgomery affine, infinity all zero), exactly the bytes
    of the .zkey sections (so they may be read-only views of a memory-mapped file):
    a_query / b_g1_query / b_g2_query indexed by wire, h_query by domain index
    (snarkjs PointsH: [L_{2i+1}(tau) / delta]_1 for the Lagrange basis of the domain of
    size 2 * domain_size, i.e. its odd points, the coset the prover evaluates on),
    l_query by private wire (wires n_public + 1 .. n_wires - 1: [(beta u_i + alpha v_i
    + w_i)(tau) / delta]_1).  The verifying key holds alpha, beta, gamma, delta and IC.
    """

    vk: VerifyingKey
    beta_g1: G1Point
    delta_g1: G1Point
    a_query: np.ndarray
    b_g1_query: np.ndarray
    b_g2_query: np.ndarray
    h_query: np.ndarray
    l_query: np.ndarray
    n_wires: int
    n_public: int
    domain_size: int
    #: the R1CS matrices A and B in the .zkey's coefficient section (the QAP the key was made for)
    coefficients: ZkeyCoefficients | None = None
    #: payload of the .zkey contributions section (64-byte circuit hash, u32 count, contributions);
    #: None for a key made in memory (the writer then hashes the key's points)
    mpc: bytes | None = None
    #: constraints of the R1CS the key was made for (its public rows are m .. m + n_public), when known
    n_constraints: int | None = None

