"""snarkjs JSON for the prover's outputs: proof.json, public.json, verification_key.json.

zkl.verifier.snarkjs_json owns these formats; this module uses it when it is importable and
otherwise writes the same text itself (JSON.stringify(obj, null, 1), no final newline;
points affine with z = 1, infinity as ["0", "1", "0"]).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zkl.algebra.points import G1Point, G2Point
from zkl.verifier.keys import Proof, VerifyingKey

try:
    from zkl.verifier import snarkjs_json as _verifier_json
except ImportError:  # pragma: no cover - the verifier package without its JSON module
    _verifier_json = None


def proof_json(proof: Proof) -> dict[str, Any]:
    """The proof.json object."""
    if _verifier_json is not None:
        return _verifier_json.proof_to_snarkjs_json(proof)
    return {"pi_a": _g1(proof.a), "pi_b": _g2(proof.b), "pi_c": _g1(proof.c), "protocol": "groth16", "curve": "bn128"}


def public_json(public: Sequence[int]) -> list[str]:
    """The public.json list of decimal strings."""
    return [str(int(v)) for v in public]


def verifying_key_json(vk: VerifyingKey) -> dict[str, Any]:
    """The verification_key.json object (with vk_alphabeta_12 = e(alpha, beta))."""
    if _verifier_json is not None:
        return _verifier_json.vk_to_snarkjs_json(vk)
    from zkl.algebra.pairing import pairing

    v = [str(x) for x in pairing(vk.alpha_g1, vk.beta_g2).to_ints()]
    return {
        "protocol": "groth16", "curve": "bn128", "nPublic": vk.n_public,
        "vk_alpha_1": _g1(vk.alpha_g1), "vk_beta_2": _g2(vk.beta_g2), "vk_gamma_2": _g2(vk.gamma_g2),
        "vk_delta_2": _g2(vk.delta_g2),
        "vk_alphabeta_12": [[[v[6 * i + 2 * j], v[6 * i + 2 * j + 1]] for j in range(3)] for i in range(2)],
        "IC": [_g1(p) for p in vk.gamma_abc_g1],
    }


def dumps(obj: Any) -> str:
    """JSON text as snarkjs writes it."""
    return json.dumps(obj, indent=1, ensure_ascii=False)


def write_proof(proof: Proof, path: str | os.PathLike) -> None:
    """Write proof.json."""
    Path(path).write_text(dumps(proof_json(proof)), encoding="utf-8")


def write_public(public: Sequence[int], path: str | os.PathLike) -> None:
    """Write public.json."""
    Path(path).write_text(dumps(public_json(public)), encoding="utf-8")


def write_verifying_key(vk: VerifyingKey, path: str | os.PathLike) -> None:
    """Write verification_key.json."""
    Path(path).write_text(dumps(verifying_key_json(vk)), encoding="utf-8")


def _g1(p: G1Point) -> list[str]:
    return ["0", "1", "0"] if p.is_infinity() else [str(p.x), str(p.y), "1"]


def _g2(p: G2Point) -> list[list[str]]:
    if p.is_infinity():
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    return [[str(p.x[0]), str(p.x[1])], [str(p.y[0]), str(p.y[1])], ["1", "0"]]
