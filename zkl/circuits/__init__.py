"""zkl.circuits: R1CS circuits written in Python (gnark's shape), compiled, solved and checked.

    from zkl.circuits import Circuit, Public, Secret, compile, solve

    class Mul(Circuit):
        x = Public()
        y = Secret()

        def define(self, api):
            api.assert_equal(api.mul(self.y, self.y), self.x)

    r1cs = compile(Mul())                      # R1CS in NumPy arrays, cached on disk
    witness = solve(Mul(), {"x": 9, "y": 3})   # full assignment vector, constraints checked
    r1cs.check(witness)                        # vectorized re-check of a given vector
    r1cs.write("mul.r1cs"); witness.write("mul.wtns")   # circom / snarkjs files

Modules: `field` (r, limb conversions), `lincomb` (variables), `api` (what define calls),
`builder`/`solver` (the two modes), `circuit` (Circuit, inputs, compile, solve), `r1cs`,
`witness`, `cache`, `circom` (.r1cs/.wtns/.sym), `audit`, `testing` (assert_circuit), and the
gadgets in `std`.
"""

from zkl.circuits.api import API
from zkl.circuits.audit import AuditReport, audit
from zkl.circuits.builder import Builder
from zkl.circuits.circom import read_r1cs, read_wtns, write_r1cs, write_wtns
from zkl.circuits.circuit import Circuit, Input, Public, Secret, compile, solve
from zkl.circuits.field import R
from zkl.circuits.lincomb import LinComb, Value, Variable
from zkl.circuits.r1cs import R1CS, SparseRows
from zkl.circuits.solver import Solver
from zkl.circuits.witness import Witness

__all__ = [
    "API", "AuditReport", "Builder", "Circuit", "Input", "LinComb", "Public", "R", "R1CS", "Secret", "Solver",
    "SparseRows", "Value", "Variable", "Witness", "audit", "compile", "read_r1cs", "read_wtns", "solve",
    "write_r1cs", "write_wtns",
]
