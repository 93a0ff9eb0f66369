"""zkl.verifier: Groth16 verification on BN254 (single and batch) and snarkjs's JSON formats.

    from zkl.verifier import read_verifying_key, read_proof, read_public, verify, batch_verify
    vk = read_verifying_key("verification_key.json")
    ok = verify(vk, read_public("public.json"), read_proof("proof.json"))

Depends on zkl.algebra only (a base layer verifies; it never imports the prover or circuits).
"""

from __future__ import annotations


from zkl._lazy import lazy_exports

#: where each public name lives: the modules are imported on first use, so that reading
#: snarkjs JSON (or `zkl groth16 verify`) loads neither the batch verifier nor numba's kernels
_HOME = {
    "BatchResult": "batch", "batch_verify": "batch",
    "PreparedVerifyingKey": "groth16", "alpha_beta": "groth16", "check_public_inputs": "groth16",
    "prepare_verifying_key": "groth16", "validate_proof": "groth16", "validate_verifying_key": "groth16",
    "verify": "groth16",
    "Proof": "keys", "VerifyingKey": "keys",
    **{name: "snarkjs_json" for name in (
        "proof_from_snarkjs_json", "proof_to_snarkjs_json", "public_from_snarkjs_json", "public_to_snarkjs_json",
        "read_proof", "read_public", "read_verifying_key", "vk_from_snarkjs_json", "vk_to_snarkjs_json",
        "write_proof", "write_public", "write_verifying_key")},
}


__getattr__, __dir__ = lazy_exports("zkl.verifier", _HOME, globals())


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
