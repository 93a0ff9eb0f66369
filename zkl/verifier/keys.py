"""Groth16 verifying key and proof, arkworks names, as frozen dataclasses of affine points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkl.algebra.points import G1Point, G2Point


@dataclass(frozen=True)
class VerifyingKey:
    """Groth16 verifying key: alpha in G1, beta/gamma/delta in G2, gamma_abc_g1[i] for public input i (0: the constant one)."""

    alpha_g1: G1Point
    beta_g2: G2Point
    gamma_g2: G2Point
    delta_g2: G2Point
    gamma_abc_g1: tuple[G1Point, ...]

    @property
    def n_public(self) -> int:
        """Number of public inputs (snarkjs nPublic), not counting the constant one."""
        return len(self.gamma_abc_g1) - 1

    def to_snarkjs_json(self) -> dict[str, Any]:
        """snarkjs's verification_key.json object (see zkl.verifier.snarkjs_json)."""
        from zkl.verifier.snarkjs_json import vk_to_snarkjs_json

        return vk_to_snarkjs_json(self)

    @classmethod
    def from_snarkjs_json(cls, obj: Any, validate: bool = True) -> VerifyingKey:
        """The key of a verification_key.json object; FormatError / MalformedInput when malformed."""
        from zkl.verifier.snarkjs_json import vk_from_snarkjs_json

        return vk_from_snarkjs_json(obj, validate=validate)


@dataclass(frozen=True)
class Proof:
    """Groth16 proof (A in G1, B in G2, C in G1)."""

    a: G1Point
    b: G2Point
    c: G1Point

    def to_snarkjs_json(self) -> dict[str, Any]:
        """snarkjs's proof.json object (see zkl.verifier.snarkjs_json)."""
        from zkl.verifier.snarkjs_json import proof_to_snarkjs_json

        return proof_to_snarkjs_json(self)

    @classmethod
    def from_snarkjs_json(cls, obj: Any, validate: bool = True) -> Proof:
        """The proof of a proof.json object; FormatError / MalformedInput when malformed."""
        from zkl.verifier.snarkjs_json import proof_from_snarkjs_json

        return proof_from_snarkjs_json(obj, validate=validate)
