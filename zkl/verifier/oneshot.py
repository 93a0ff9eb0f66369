"""One Groth16 verification in plain Python (zkl.algebra.pure): what `zkl groth16 verify` runs.

    from zkl.verifier.oneshot import validate_verifying_key, validate_proof, verify
    vk = read_verifying_key(path, validate=False); validate_verifying_key(vk, f"verification key {path}")
    proof = read_proof(path, validate=False); validate_proof(proof, f"proof {path}")
    ok = verify(vk, inputs, proof)

The same checks, in the same order and with the same errors, as zkl.verifier.groth16 (every
point on its curve, G2 points in the order-r subgroup, the number of public inputs, each below r),
then the same product of four pairings, e(A, B) e(-alpha, beta) e(-vk_x, gamma) e(-C, delta) == 1,
with one final exponentiation.  It loads no numba kernels: a process that verifies one proof
spends about 0.05 s here instead of most of a second loading numba.  For many proofs in one
process, zkl.verifier.verify and batch_verify (the kernels) are the faster choice.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkl.algebra import pure
from zkl.algebra.constants import R
from zkl.algebra.points import G1Point, G2Point
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotInSubgroup, NotOnCurve, ShapeMismatch
from zkl.verifier.keys import Proof, VerifyingKey

__all__ = ["check_public_inputs", "validate_proof", "validate_verifying_key", "verify"]


def _g1(p: G1Point):
    return None if p.is_infinity() else (p.x, p.y)


def _g2(p: G2Point):
    return None if p.is_infinity() else (tuple(p.x), tuple(p.y))


def _pre(what: str) -> str:
    return f"{what}: " if what else ""


def _check(g1: Sequence[tuple[str, G1Point]], g2: Sequence[tuple[str, G2Point]], what: str) -> None:
    """NotOnCurve / NotInSubgroup for the first bad point (G1 points first), named as zkl.verifier.groth16 does."""
    for name, p in g1:
        if not isinstance(p, G1Point):
            raise MalformedInput(f"{_pre(what)}{name} must be a G1Point, not {type(p).__name__}")
        if not pure.g1_on_curve(_g1(p)):
            raise NotOnCurve(f"{_pre(what)}{name} must be a point of G1 (y^2 = x^3 + 3), not a point off the curve")
    for name, p in g2:
        if not isinstance(p, G2Point):
            raise MalformedInput(f"{_pre(what)}{name} must be a G2Point, not {type(p).__name__}")
        code = pure.g2_check(_g2(p))
        if code == 2:
            raise NotOnCurve(f"{_pre(what)}{name} must be a point of G2 (y^2 = x^3 + 3/(9+u) over Fq2), "
                             f"not a point off the twist")
        if code == 3:
            raise NotInSubgroup(f"{_pre(what)}{name} must be in the order-r subgroup of G2, "
                                f"not a twist point outside it")


def validate_verifying_key(vk: VerifyingKey, what: str = "verifying key") -> None:
    """Raise unless every point of vk is a valid group element (G2 points in the order-r subgroup)."""
    if not isinstance(vk, VerifyingKey):
        raise MalformedInput(f"{what} must be a VerifyingKey, not {type(vk).__name__}")
    if not isinstance(vk.gamma_abc_g1, tuple) or not vk.gamma_abc_g1:
        raise MalformedInput(f"{what}: gamma_abc_g1 (IC) must be a non-empty tuple of G1Points")
    g1 = [("alpha_g1 (vk_alpha_1)", vk.alpha_g1)]
    g1 += [(f"gamma_abc_g1[{i}] (IC[{i}])", p) for i, p in enumerate(vk.gamma_abc_g1)]
    g2 = [("beta_g2 (vk_beta_2)", vk.beta_g2), ("gamma_g2 (vk_gamma_2)", vk.gamma_g2),
          ("delta_g2 (vk_delta_2)", vk.delta_g2)]
    _check(g1, g2, what)


def validate_proof(proof: Proof, what: str = "proof") -> None:
    """Raise unless A and C are points of G1 and B of G2's order-r subgroup."""
    if not isinstance(proof, Proof):
        raise MalformedInput(f"{what} must be a Proof, not {type(proof).__name__}")
    _check([(f"{what}: A (pi_a)", proof.a), (f"{what}: C (pi_c)", proof.c)], [(f"{what}: B (pi_b)", proof.b)], "")


def check_public_inputs(vk: VerifyingKey, public_inputs: Sequence[int], what: str = "public input") -> list[int]:
    """The inputs as ints after checking their number (ShapeMismatch) and each in [0, r)."""
    if isinstance(public_inputs, (str, bytes)) or not isinstance(public_inputs, Sequence):
        raise MalformedInput(f"{what}s must be a sequence of ints, not {type(public_inputs).__name__}")
    if len(public_inputs) != vk.n_public:
        raise ShapeMismatch(
            f"the verifying key expects {vk.n_public} public input(s) (nPublic), not {len(public_inputs)}"
        )
    out = []
    for i, x in enumerate(public_inputs):
        if isinstance(x, bool) or not isinstance(x, int):
            raise FieldElementOutOfRange(f"{what} {i} must be an int, not {type(x).__name__}")
        if not 0 <= x < R:
            raise FieldElementOutOfRange(f"{what} {i} must be in [0, r) (r the scalar field modulus), not {x}")
        out.append(int(x))
    return out


def verify(vk: VerifyingKey, public_inputs: Sequence[int], proof: Proof, *, validated: bool = False) -> bool:
    """True for a valid proof, False for a well-formed one that does not verify; MalformedInput if malformed.

    validated=True skips the point checks of vk and the proof (made already by the two
    validate_* functions); the public inputs are checked always.
    """
    if not validated:
        validate_verifying_key(vk)
    xs = check_public_inputs(vk, public_inputs)
    if not validated:
        validate_proof(proof)
    vk_x = pure.g1_lincomb([_g1(p) for p in vk.gamma_abc_g1], [1, *xs])
    return pure.pairing_is_one([
        (_g1(proof.a), _g2(proof.b)),
        (pure.g1_neg(_g1(vk.alpha_g1)), _g2(vk.beta_g2)),
        (pure.g1_neg(vk_x), _g2(vk.gamma_g2)),
        (pure.g1_neg(_g1(proof.c)), _g2(vk.delta_g2)),
    ])
