"""zkl.verifier: Groth16 verification on BN254 (single and batch) and snarkjs's JSON formats.

    from zkl.verifier import read_verifying_key, read_proof, read_public, verify, batch_verify
    vk = read_verifying_key("verification_key.json")
    ok = verify(vk, read_public("public.json"), read_proof("proof.json"))

Depends on zkl.algebra only (a base layer verifies; it never imports the prover or circuits).
"""

from zkl.verifier.batch import BatchResult, batch_verify
from zkl.verifier.groth16 import (
    PreparedVerifyingKey,
    alpha_beta,
    check_public_inputs,
    prepare_verifying_key,
    validate_proof,
    validate_verifying_key,
    verify,
)
from zkl.verifier.keys import Proof, VerifyingKey
from zkl.verifier.snarkjs_json import (
    proof_from_snarkjs_json,
    proof_to_snarkjs_json,
    public_from_snarkjs_json,
    public_to_snarkjs_json,
    read_proof,
    read_public,
    read_verifying_key,
    vk_from_snarkjs_json,
    vk_to_snarkjs_json,
    write_proof,
    write_public,
    write_verifying_key,
)

__all__ = [
    "BatchResult",
    "PreparedVerifyingKey",
    "Proof",
    "VerifyingKey",
    "alpha_beta",
    "batch_verify",
    "check_public_inputs",
    "prepare_verifying_key",
    "proof_from_snarkjs_json",
    "proof_to_snarkjs_json",
    "public_from_snarkjs_json",
    "public_to_snarkjs_json",
    "read_proof",
    "read_public",
    "read_verifying_key",
    "validate_proof",
    "validate_verifying_key",
    "verify",
    "vk_from_snarkjs_json",
    "vk_to_snarkjs_json",
    "write_proof",
    "write_public",
    "write_verifying_key",
]
