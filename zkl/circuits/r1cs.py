"""A compiled rank-1 constraint system held in NumPy arrays, and the check of a full assignment.

Layout. Constraint i reads (A_i . w) * (B_i . w) = (C_i . w) over Fr, for the assignment
vector w of n_wires field elements. A, B and C are `SparseRows` in CSR form:

- `indptr`  int64  (m + 1,)   row i's entries are indptr[i]:indptr[i+1]
- `indices` int32  (nnz,)     wire index of each entry
- `coeffs`  uint64 (nnz, 4)   coefficient, 4 little-endian 64-bit limbs, normal (not Montgomery) form

Wires follow circom's order: 0 is the constant one, then public outputs, public inputs,
private inputs, and internal wires.  `n_private_inputs` is the declared count (the .r1cs
header's); `n_removed_inputs` of them have no wire (circom 2.2 removes a private input no
non-linear constraint needs, see zkl.circuits.circom), so the private-input wires are the
`n_private_input_wires` = n_private_inputs - n_removed_inputs wires after the public ones.
`wire_names` (one per wire) and `labels` (one per constraint, `scope/op`) are kept for errors
and audits; both may be absent for files read from circom.

Checking an assignment runs numba kernels over limbs (`zkl.circuits._kernels`: each row's
A.w, B.w, C.w with zkl.algebra's Fr Montgomery arithmetic, on the normal-form arrays as they
are); `SparseRows.evaluate` is the plain NumPy-object reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from zkl.circuits.field import R, ints_to_limbs, limbs_below_modulus, limbs_to_ints, limbs_to_objects
from zkl.circuits.witness import assignment
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch, UnsatisfiedConstraint


PARALLEL_SIZE = 1 << 15
"""Work (entries + rows) from which the check kernels run in parallel blocks; below it a thread
launch costs more than the whole serial loop."""


def _chunks(m: int) -> int:
    """Number of parallel blocks for m rows: a few per thread, each of at least 4096 rows."""
    import numba

    return max(1, min(4 * numba.get_num_threads(), m // 4096))


@dataclass(frozen=True, eq=False)
class SparseRows:
    """One matrix (A, B or C) of an R1CS in CSR form; see the module docstring for dtypes."""

    indptr: np.ndarray
    indices: np.ndarray
    coeffs: np.ndarray
    _objects: list = field(default_factory=list, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        """Number of rows (constraints)."""
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        """Number of stored entries."""
        return len(self.indices)

    def coeff_objects(self) -> np.ndarray:
        """Return the coefficients as a 1-D object array of Python ints (converted once, cached)."""
        if not self._objects:
            self._objects.append(limbs_to_objects(self.coeffs))
        return self._objects[0]

    def dot(self, w: np.ndarray) -> np.ndarray:
        """Return (M . w) mod r as (n_rows, 4) normal-form limbs, for (n_wires, 4) limbs w < r."""
        from zkl.circuits import _kernels

        out = np.empty((self.n_rows, 4), dtype=np.uint64)
        indices = self.indices if self.indices.dtype == np.int32 else np.asarray(self.indices, dtype=np.int64)
        args = (np.asarray(self.indptr, dtype=np.int64), indices, np.ascontiguousarray(self.coeffs, dtype=np.uint64), w,
                out)
        if self.nnz + self.n_rows >= PARALLEL_SIZE:
            _kernels._csr_dot_parallel(*args, _chunks(self.n_rows))
        else:
            _kernels._csr_dot_rows(*args, 0, self.n_rows)
        return out

    def row(self, i: int) -> dict[int, int]:
        """Return row i as {wire: coefficient}."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        coeffs = self.coeff_objects()
        return {int(w): int(c) for w, c in zip(self.indices[lo:hi], coeffs[lo:hi])}

    def evaluate(self, w: np.ndarray) -> np.ndarray:
        """Return the object array (M . w) mod r for an object array w of wire values (the
        Python-int reference of `dot`)."""
        out = np.zeros(self.n_rows, dtype=object)
        if self.nnz:
            prod = self.coeff_objects() * w[self.indices]
            starts = self.indptr[:-1]
            nonempty = self.indptr[1:] > starts
            out[nonempty] = np.add.reduceat(prod, starts[nonempty])
        return out % R


class R1CS:
    """A compiled constraint system: matrices A, B, C over n_wires wires; see module docstring."""

    def __init__(self, a: SparseRows, b: SparseRows, c: SparseRows, n_wires: int,
                 n_public_outputs: int, n_public_inputs: int, n_private_inputs: int,
                 wire_names: Sequence[str] | None = None, labels: Sequence[str] | None = None,
                 n_labels: int | None = None, wire_labels: np.ndarray | None = None,
                 prime: int = R, n_removed_inputs: int = 0, removed_input_names: Sequence[str] | None = None) -> None:
        if not a.n_rows == b.n_rows == c.n_rows:
            raise ShapeMismatch(f"A, B and C must have as many rows, not {a.n_rows}, {b.n_rows}, {c.n_rows}")
        if not 0 <= n_removed_inputs <= n_private_inputs:
            raise ShapeMismatch(f"n_removed_inputs must be in [0, n_private_inputs = {n_private_inputs}], "
                                f"not {n_removed_inputs}")
        with_wires = n_public_outputs + n_public_inputs + n_private_inputs - n_removed_inputs
        if 1 + with_wires > n_wires:
            raise ShapeMismatch(f"{n_wires} wires cannot hold the one wire and {with_wires} inputs/outputs")
        self.a, self.b, self.c = a, b, c
        self.n_wires = n_wires
        self.n_public_outputs = n_public_outputs
        self.n_public_inputs = n_public_inputs
        self.n_private_inputs = n_private_inputs
        self.wire_names = list(wire_names) if wire_names is not None else None
        self.labels = list(labels) if labels is not None else None
        self.n_labels = n_wires if n_labels is None else n_labels
        self.wire_labels = wire_labels
        self.prime = prime
        self.n_removed_inputs = n_removed_inputs
        self.removed_input_names = list(removed_input_names) if removed_input_names is not None else None

    def __repr__(self) -> str:
        return (f"R1CS(constraints={self.n_constraints}, wires={self.n_wires}, public={self.n_public}, "
                f"private_inputs={self.n_private_inputs})")

    @property
    def n_constraints(self) -> int:
        """Number of constraints m."""
        return self.a.n_rows

    @property
    def n_public(self) -> int:
        """Number of public wires after wire 0 (outputs and inputs): Groth16's public inputs."""
        return self.n_public_outputs + self.n_public_inputs

    @property
    def n_private_input_wires(self) -> int:
        """Number of private inputs that have a wire (the declared ones less those the compiler removed)."""
        return self.n_private_inputs - self.n_removed_inputs

    @property
    def matrices(self) -> tuple[SparseRows, SparseRows, SparseRows]:
        """The triple (A, B, C)."""
        return self.a, self.b, self.c

    def label(self, i: int) -> str:
        """Return the label of constraint i: its gadget scope and operation, or its text when the
        R1CS came from a file without labels."""
        if self.labels is not None:
            return self.labels[i]
        return self.describe(i, max_terms=3)

    def wire_name(self, w: int) -> str:
        """Return the name of wire w."""
        if self.wire_names is not None:
            return self.wire_names[w]
        return "one" if w == 0 else f"wire {w}"

    def wire_kind(self, w: int) -> str:
        """Return 'one', 'public output', 'public input', 'private input' or 'internal'."""
        if w == 0:
            return "one"
        bounds = np.cumsum([1, self.n_public_outputs, self.n_public_inputs, self.n_private_input_wires])
        kinds = ("public output", "public input", "private input")
        for kind, hi in zip(kinds, bounds[1:]):
            if w < hi:
                return kind
        return "internal"

    def describe(self, i: int, max_terms: int = 6) -> str:
        """Return constraint i as readable text, wires by name."""
        def lc(row: dict[int, int]) -> str:
            parts = [("" if c == 1 else f"{c if c < R // 2 else c - R}*") + self.wire_name(w)
                     for w, c in list(row.items())[:max_terms]]
            more = " + ..." if len(row) > max_terms else ""
            return "(" + (" + ".join(parts) or "0") + more + ")"
        return f"{lc(self.a.row(i))} * {lc(self.b.row(i))} = {lc(self.c.row(i))}"

    # -- checking an assignment ---------------------------------------------------------------

    def _assignment(self, witness: object) -> np.ndarray:
        """Return a full assignment as an object array of canonical ints, validated."""
        values = assignment(witness)
        if isinstance(values, np.ndarray) and values.dtype == np.uint64:
            if values.ndim != 2 or values.shape[1] != 4:
                raise ShapeMismatch(f"a limb witness must have shape (n, 4), not {values.shape}")
            w = limbs_to_objects(values)
        else:
            w = np.empty(len(values), dtype=object)
            w[:] = [int(v) for v in values]
        if len(w) != self.n_wires:
            raise ShapeMismatch(f"witness must have {self.n_wires} values (one per wire), not {len(w)}")
        bad = np.nonzero((w < 0) | (w >= R))[0]
        if len(bad):
            raise FieldElementOutOfRange(f"witness value of wire {bad[0]} ({self.wire_name(int(bad[0]))}) "
                                         f"must be in [0, r), not {w[bad[0]]}")
        if w[0] != 1:
            raise MalformedInput(f"witness wire 0 (the constant one) must be 1, not {w[0]}")
        return w

    def _assignment_limbs(self, witness: object) -> np.ndarray:
        """Return a full assignment as (n_wires, 4) normal-form limbs, validated as `_assignment`."""
        values = assignment(witness)
        if isinstance(values, np.ndarray) and values.dtype == np.uint64:
            if values.ndim != 2 or values.shape[1] != 4:
                raise ShapeMismatch(f"a limb witness must have shape (n, 4), not {values.shape}")
            w = np.ascontiguousarray(values)
        else:
            if len(values) != self.n_wires:
                raise ShapeMismatch(f"witness must have {self.n_wires} values (one per wire), not {len(values)}")
            try:
                w = ints_to_limbs(values if isinstance(values, list) else list(values))
            except (FieldElementOutOfRange, TypeError, ValueError):
                w = ints_to_limbs(self._assignment(values).tolist())  # raises the message naming the wire
        if len(w) != self.n_wires:
            raise ShapeMismatch(f"witness must have {self.n_wires} values (one per wire), not {len(w)}")
        below = limbs_below_modulus(w)
        if not below.all():
            i = int(np.argmin(below))
            raise FieldElementOutOfRange(f"witness value of wire {i} ({self.wire_name(i)}) must be in [0, r), "
                                         f"not {limbs_to_ints(w[i: i + 1])[0]}")
        if w[0, 0] != 1 or w[0, 1:].any():
            raise MalformedInput(f"witness wire 0 (the constant one) must be 1, not {limbs_to_ints(w[:1])[0]}")
        return w

    def _products(self, witness: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (A.w, B.w, C.w) as normal-form limb arrays for a full assignment (validated)."""
        w = self._assignment_limbs(witness)
        return self.a.dot(w), self.b.dot(w), self.c.dot(w)

    @staticmethod
    def _failing(az: np.ndarray, bz: np.ndarray, cz: np.ndarray) -> np.ndarray:
        """Return the indices of rows with A.w * B.w != C.w (limb arrays)."""
        from zkl.circuits import _kernels

        m = az.shape[0]
        bad = np.empty(m, dtype=np.bool_)
        if m >= PARALLEL_SIZE:
            _kernels._unsatisfied_parallel(az, bz, cz, bad, _chunks(m))
        else:
            _kernels._unsatisfied_rows(az, bz, cz, bad, 0, m)
        return np.nonzero(bad)[0]

    def evaluate(self, witness: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the object arrays (A.w, B.w, C.w) mod r for a full assignment."""
        az, bz, cz = self._products(witness)
        return limbs_to_objects(az), limbs_to_objects(bz), limbs_to_objects(cz)

    def unsatisfied(self, witness: object) -> np.ndarray:
        """Return the indices of constraints a full assignment does not satisfy (int64 array)."""
        return self._failing(*self._products(witness)).astype(np.int64)

    def is_satisfied(self, witness: object) -> bool:
        """Return whether a full assignment (Witness, list of ints, or (n, 4) limbs) satisfies every constraint."""
        return len(self.unsatisfied(witness)) == 0

    def check(self, witness: object) -> None:
        """Raise UnsatisfiedConstraint naming the first constraint a full assignment fails."""
        az, bz, cz = self._products(witness)
        bad = self._failing(az, bz, cz)
        if len(bad):
            i = int(bad[0])
            a, b, c = (limbs_to_ints(x[i: i + 1])[0] for x in (az, bz, cz))
            raise UnsatisfiedConstraint(i, self.label(i), f"A.w * B.w != C.w with A.w = {a}, B.w = {b}, "
                                                          f"C.w = {c} ({len(bad)} failing in all)")

    # -- files --------------------------------------------------------------------------

    def write(self, path: str, sym: bool = False) -> None:
        """Write circom's binary .r1cs (and, if `sym`, a .sym file of wire names beside it)."""
        from zkl.circuits import circom

        circom.write_r1cs(self, path)
        if sym:
            circom.write_sym(self, str(path)[: -len(".r1cs")] + ".sym" if str(path).endswith(".r1cs")
                             else str(path) + ".sym")

    @classmethod
    def read(cls, path: str) -> R1CS:
        """Read circom's binary .r1cs (wire names from a .sym beside it, if any)."""
        from zkl.circuits import circom

        return circom.read_r1cs(path)


def warmup() -> None:
    """Compile (or load from numba's disk cache) the kernels of R1CS checks, serial and parallel,
    and of .r1cs reading, so that a first real check does not pay for it (for `zkl warmup`)."""
    from zkl.circuits import _kernels

    rows = SparseRows(np.array([0, 1, 2], dtype=np.int64), np.array([0, 1], dtype=np.int32),
                      np.array([[1, 0, 0, 0], [2, 0, 0, 0]], dtype=np.uint64))
    w = np.array([[1, 0, 0, 0], [3, 0, 0, 0]], dtype=np.uint64)
    out = np.empty((2, 4), dtype=np.uint64)
    bad = np.empty(2, dtype=np.bool_)
    args = (rows.indptr, rows.indices, rows.coeffs, w, out)
    _kernels._csr_dot_rows(*args, 0, 2)
    _kernels._csr_dot_parallel(*args, 2)
    _kernels._unsatisfied_rows(out, out, out, bad, 0, 2)
    _kernels._unsatisfied_parallel(out, out, out, bad, 2)
    _kernels._lc_offsets(np.zeros(1, dtype=np.uint32), 1, 9)
    from zkl.circuits import program

    program.warmup()
