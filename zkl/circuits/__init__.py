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

from zkl._lazy import lazy_exports

# eager: the module and the function share the name `audit`, and a submodule import would rebind it
from zkl.circuits.audit import AuditReport, audit

#: public name -> the module that defines it, imported on first access (so that reading a .wtns
#: does not import the circuit API and its gadgets)
_WHERE = {
    "API": "api", "Builder": "builder",
    "read_r1cs": "circom", "read_wtns": "circom", "write_r1cs": "circom", "write_wtns": "circom",
    "Circuit": "circuit", "Input": "circuit", "Public": "circuit", "Secret": "circuit", "compile": "circuit",
    "solve": "circuit", "R": "field", "LinComb": "lincomb", "Value": "lincomb", "Variable": "lincomb",
    "R1CS": "r1cs", "SparseRows": "r1cs", "Solver": "solver", "Witness": "witness",
}

__all__ = [
    "API", "AuditReport", "Builder", "Circuit", "Input", "LinComb", "Public", "R", "R1CS", "Secret", "Solver",
    "SparseRows", "Value", "Variable", "Witness", "audit", "compile", "read_r1cs", "read_wtns", "solve",
    "write_r1cs", "write_wtns",
]


__getattr__, __dir__ = lazy_exports("zkl.circuits", _WHERE, globals())
