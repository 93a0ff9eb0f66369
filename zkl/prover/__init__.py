"""zkl.prover: Groth16 on BN254 compatible with snarkjs: keys (.zkey, .ptau), setup and the prover.

    from zkl.prover import setup, prove, read_zkey, write_zkey
    pk = setup(r1cs)                          # fresh toxic waste, erased after use
    write_zkey(pk, "circuit.zkey")            # snarkjs accepts it (groth16 prove, zkey export)
    proof = prove(pk, witness)                # Proof(a, b, c); public inputs: public_inputs(pk, witness)

Modules: `keys` (ProvingKey, ZkeyCoefficients), `zkey` (.zkey read/write), `ptau` (.ptau
read), `setup` (local setup, setup from a .ptau as `snarkjs groth16 setup`), `qap` (A.w, B.w,
C.w and the quotient on the coset), `groth16` (prove).
"""

from zkl.prover.groth16 import prove, public_inputs, witness_limbs
from zkl.prover.keys import ProvingKey, ZkeyCoefficients
from zkl.prover.ptau import PowersOfTau, read_ptau
from zkl.prover.setup import ToxicWaste, domain_size, setup, setup_from_ptau, zkey_coefficients
from zkl.prover.zkey import circuit_hash, read_zkey, read_zkey_verifying_key, write_zkey

__all__ = [
    "PowersOfTau", "ProvingKey", "ToxicWaste", "ZkeyCoefficients", "circuit_hash", "domain_size", "prove",
    "public_inputs", "read_ptau", "read_zkey", "read_zkey_verifying_key", "setup", "setup_from_ptau",
    "warmup", "witness_limbs", "write_zkey", "zkey_coefficients",
]


def warmup() -> None:
    """Compile (or load from the disk cache) the prover's kernels: a tiny setup and proof."""
    from zkl.circuits import Circuit, Public, Secret, compile, solve

    class _Square(Circuit):
        x = Public()
        y = Secret()

        def define(self, api):  # noqa: ANN001
            api.assert_equal(api.mul(self.y, self.y), self.x)

    circuit = _Square()
    r1cs = compile(circuit, cache=False)
    pk = setup(r1cs)
    witness = solve(circuit, {"x": 9, "y": 3}, r1cs=r1cs)
    prove(pk, witness, r1cs=r1cs)
    prove(pk, witness)
