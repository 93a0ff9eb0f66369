"""Static audit of an R1CS for signs of under-constraint.

Findings (the audit fails on any):

- unused wires: a wire (other than the constant one) with a nonzero coefficient in no
  constraint, so a prover may set it freely: a hint output nobody constrained, a dead input;
- unconstrained secret inputs: the private inputs among them, listed apart;
- unused public inputs: public wires in no constraint (they bind nothing);
- removed inputs: private inputs the .r1cs header declares but that have no wire, because
  the compiler removed them (circom 2.2 drops a private input no non-linear constraint
  needs: at --O1 one in no constraint, at --O2 one used only linearly).  They appear in no
  constraint, so the proof says nothing about them; named when a .sym came with the file.

Warnings: internal wires that appear in exactly one constraint. Such a wire is fixed by that
one constraint at best (a value computed and never used) and is the usual shape of a
forgotten check, e.g. bits asserted boolean but never recomposed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zkl.circuits.r1cs import R1CS


@dataclass
class AuditReport:
    """What `audit` found; `ok` is False when a wire is unconstrained."""

    n_wires: int
    n_constraints: int
    unused_wires: list[int] = field(default_factory=list)
    unconstrained_secret_inputs: list[int] = field(default_factory=list)
    unused_public_inputs: list[int] = field(default_factory=list)
    single_use_wires: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)
    removed_inputs: int = 0
    removed_input_names: list[str] | None = None

    @property
    def ok(self) -> bool:
        """True when every wire and every declared input appears in some constraint."""
        return not self.unused_wires and not self.removed_inputs

    def to_dict(self) -> dict:
        """Return the report as JSON-ready data (wires as {wire, name, kind})."""
        def wires(ws: list[int]) -> list[dict]:
            return [{"wire": w, "name": self.names.get(w, ""), "kind": self.kinds.get(w, "")} for w in ws]
        return {
            "ok": self.ok, "wires": self.n_wires, "constraints": self.n_constraints,
            "unused_wires": wires(self.unused_wires),
            "unconstrained_secret_inputs": wires(self.unconstrained_secret_inputs),
            "unused_public_inputs": wires(self.unused_public_inputs),
            "single_use_wires": wires(self.single_use_wires),
            "removed_inputs": {"count": self.removed_inputs, "names": self.removed_input_names},
        }


def constraints_per_wire(r1cs: R1CS) -> np.ndarray:
    """Return, for each wire, the number of constraints in which it has a nonzero coefficient."""
    rows, wires = [], []
    for mat in r1cs.matrices:
        nonzero = mat.coeffs.any(axis=1)
        rows.append(np.repeat(np.arange(mat.n_rows, dtype=np.int64), np.diff(mat.indptr))[nonzero])
        wires.append(mat.indices[nonzero].astype(np.int64))
    pairs = np.unique(np.concatenate(rows) * r1cs.n_wires + np.concatenate(wires)) if rows else np.empty(0, np.int64)
    return np.bincount(pairs % r1cs.n_wires, minlength=r1cs.n_wires)


def audit(r1cs: R1CS) -> AuditReport:
    """Return the audit of an R1CS (see the module docstring)."""
    counts = constraints_per_wire(r1cs)
    first_private = 1 + r1cs.n_public
    first_internal = first_private + r1cs.n_private_input_wires
    unused = [int(w) for w in np.nonzero(counts == 0)[0] if w != 0]
    single = [int(w) for w in np.nonzero(counts == 1)[0] if w >= first_internal]
    report = AuditReport(
        n_wires=r1cs.n_wires, n_constraints=r1cs.n_constraints, unused_wires=unused,
        unconstrained_secret_inputs=[w for w in unused if first_private <= w < first_internal],
        unused_public_inputs=[w for w in unused if 1 <= w < first_private],
        single_use_wires=single, removed_inputs=r1cs.n_removed_inputs,
        removed_input_names=r1cs.removed_input_names,
    )
    for w in unused + single:
        report.names[w] = r1cs.wire_name(w)
        report.kinds[w] = r1cs.wire_kind(w)
    return report
