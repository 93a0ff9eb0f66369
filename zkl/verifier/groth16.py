"""Groth16 verification on BN254: one product of pairings with one final exponentiation.

A proof (A, B, C) for public inputs x_1..x_n is valid under a verifying key
(alpha, beta, gamma, delta, IC) when

    e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta),   vk_x = IC_0 + sum_j x_j IC_j.

`prepare_verifying_key` (arkworks' name) validates the key once, computes
e(alpha, beta) (snarkjs's vk_alphabeta_12 is a fixed power of it, see
snarkjs_json) and the Miller-loop lines of beta, gamma and delta; `verify`
then checks

    e(A, B) * e(-alpha, beta) * e(-vk_x, gamma) * e(-C, delta) == 1

as one product of four pairings: one multi-Miller loop (B's lines computed on
the fly, the key's read from the prepared key) and one final exponentiation,
through `zkl.algebra.pairing.pairing_check_prepared`.  `verify` accepts a
VerifyingKey too and keeps the last few prepared keys in a small cache.

Outcomes, as arkworks: False for a well-formed proof that does not verify; a
zkl.errors.MalformedInput subclass for malformed input, checked in this order
before any pairing (the public inputs first, as snarkjs does):
ShapeMismatch (number of public inputs != nPublic), FieldElementOutOfRange (a
public input not in [0, r), a coordinate not in [0, q)), NotOnCurve,
NotInSubgroup (G2 points outside the order-r subgroup).  The point at infinity
is a valid group element (it pairs to 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from zkl.algebra.constants import Q, R
from zkl.algebra.limbs import ints_to_limbs, limbs_to_ints
from zkl.algebra.pairing import PreparedG2, pairing, pairing_check_prepared, prepare_g2
from zkl.algebra.points import G1Point, G2Point
from zkl.algebra.tower import Fq12
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotInSubgroup, NotOnCurve, ShapeMismatch
from zkl.verifier import _kernels as _k
from zkl.verifier.keys import Proof, VerifyingKey

__all__ = [
    "PreparedVerifyingKey",
    "alpha_beta",
    "check_public_inputs",
    "prepare_verifying_key",
    "validate_proof",
    "validate_verifying_key",
    "verify",
    "warmup",
]


@dataclass(frozen=True, eq=False)
class PreparedVerifyingKey:
    """A validated VerifyingKey with e(alpha, beta) computed and beta, gamma, delta prepared for the Miller loop."""

    vk: VerifyingKey
    alpha_g1_beta_g2: Fq12
    beta_g2_prepared: PreparedG2 = field(repr=False)
    gamma_g2_prepared: PreparedG2 = field(repr=False)
    delta_g2_prepared: PreparedG2 = field(repr=False)
    #: -alpha, the G1 side of e(-alpha, beta)
    neg_alpha_g1: G1Point = field(repr=False)
    # Montgomery arrays of alpha and IC for the kernels (private: never part of the API)
    _alpha: np.ndarray = field(repr=False)
    _ic: np.ndarray = field(repr=False)

    @property
    def n_public(self) -> int:
        """Number of public inputs the key expects."""
        return self.vk.n_public


def prepare_verifying_key(vk: VerifyingKey) -> PreparedVerifyingKey:
    """Validate vk and precompute e(alpha, beta) and the Miller-loop lines of beta, gamma, delta."""
    g1, _ = _vk_arrays(vk)
    preps = [prepare_g2(q, validate=False) for q in (vk.beta_g2, vk.gamma_g2, vk.delta_g2)]
    ab = pairing(vk.alpha_g1, vk.beta_g2, validate=False)
    alpha = np.ascontiguousarray(g1[:1])
    ic = np.ascontiguousarray(g1[1:])
    alpha.setflags(write=False)
    ic.setflags(write=False)
    return PreparedVerifyingKey(vk, ab, *preps, neg_alpha_g1=_neg_g1(vk.alpha_g1), _alpha=alpha, _ic=ic)


def alpha_beta(vk: VerifyingKey | PreparedVerifyingKey) -> Fq12:
    """e(alpha, beta), as zkl.algebra.pairing computes it (snarkjs's vk_alphabeta_12 is a fixed power of it)."""
    return _as_prepared(vk).alpha_g1_beta_g2


def verify(vk: VerifyingKey | PreparedVerifyingKey, public_inputs: Sequence[int], proof: Proof) -> bool:
    """True for a valid Groth16 proof of public_inputs under vk, False for an invalid one; MalformedInput if malformed."""
    pvk = _as_prepared(vk)
    xs = check_public_inputs(pvk.vk, public_inputs)
    g1n, g2n, g1_names, g2_names = _proof_limbs([proof], "proof")
    out = np.empty((1, 2, 4), dtype=np.uint64)
    code = int(_k._verify_inputs(pvk._ic, xs, g1n, g2n, out))
    if code < 0:
        _raise_for_code(g1_names[-code - 1] if code >= -2 else g2_names[0], 2 if code >= -3 else 3, code >= -2, "")
    neg_vk_x = G1Point(*limbs_to_ints(out[0]))
    return pairing_check_prepared(
        [proof.a, pvk.neg_alpha_g1, neg_vk_x, _neg_g1(proof.c)],
        [proof.b, pvk.beta_g2_prepared, pvk.gamma_g2_prepared, pvk.delta_g2_prepared],
        validate=False,
    )


def _neg_g1(p: G1Point) -> G1Point:
    """-p (infinity stays (0, 0)); p's coordinates already checked."""
    return p if p.is_infinity() else G1Point(p.x, (Q - p.y) % Q)


# --------------------------------------------------------------------------- validation


def check_public_inputs(vk: VerifyingKey, public_inputs: Sequence[int], what: str = "public input") -> np.ndarray:
    """(n + 1, 4) normal limbs of [1, x_1, .., x_n] after checking the count (ShapeMismatch) and each x in [0, r)."""
    if isinstance(public_inputs, (str, bytes)) or not isinstance(public_inputs, Sequence):
        raise MalformedInput(f"{what}s must be a sequence of ints, not {type(public_inputs).__name__}")
    if len(public_inputs) != vk.n_public:
        raise ShapeMismatch(
            f"the verifying key expects {vk.n_public} public input(s) (nPublic), not {len(public_inputs)}"
        )
    for i, x in enumerate(public_inputs):
        if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
            raise FieldElementOutOfRange(f"{what} {i} must be an int, not {type(x).__name__}")
        if not 0 <= x < R:
            raise FieldElementOutOfRange(f"{what} {i} must be in [0, r) (r the scalar field modulus), not {x}")
    return ints_to_limbs([1, *(int(x) for x in public_inputs)])


def validate_proof(proof: Proof, what: str = "proof") -> None:
    """Raise unless A and C are points of G1 and B of G2's order-r subgroup, all coordinates in [0, q)."""
    _proof_arrays([proof], what)


def validate_verifying_key(vk: VerifyingKey, what: str = "verifying key") -> None:
    """Raise unless every point of vk is a valid group element (G2 points in the order-r subgroup)."""
    _vk_arrays(vk, what)


def _vk_arrays(vk: VerifyingKey, what: str = "verifying key") -> tuple[np.ndarray, np.ndarray]:
    """Validated Montgomery arrays of vk: G1 [alpha, IC_0, .., IC_n] and G2 [beta, gamma, delta]."""
    if not isinstance(vk, VerifyingKey):
        raise MalformedInput(f"{what} must be a VerifyingKey, not {type(vk).__name__}")
    if not isinstance(vk.gamma_abc_g1, tuple) or not vk.gamma_abc_g1:
        raise MalformedInput(f"{what}: gamma_abc_g1 (IC) must be a non-empty tuple of G1Points")
    g1_names = ["alpha_g1 (vk_alpha_1)"] + [f"gamma_abc_g1[{i}] (IC[{i}])" for i in range(len(vk.gamma_abc_g1))]
    g2_names = ["beta_g2 (vk_beta_2)", "gamma_g2 (vk_gamma_2)", "delta_g2 (vk_delta_2)"]
    g1n = _g1_limbs([vk.alpha_g1, *vk.gamma_abc_g1], g1_names, what)
    g2n = _g2_limbs([vk.beta_g2, vk.gamma_g2, vk.delta_g2], g2_names, what)
    return _checked_mont(g1n, g2n, g1_names, g2_names, what)


def _proof_limbs(proofs: Sequence[Proof], what: str, indexed: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Normal-form arrays of proofs (types and coordinate ranges checked): G1 (2k, 2, 4) as
    [A_0, C_0, A_1, C_1, ...], G2 (k, 2, 2, 4), and the names of the points for error messages
    ("{what} {i}: A (pi_a)" when indexed, else "{what}: A (pi_a)")."""
    g1, g2, g1_names, g2_names = [], [], [], []
    for i, p in enumerate(proofs):
        tag = f"{what} {i}" if indexed else what
        if not isinstance(p, Proof):
            raise MalformedInput(f"{tag} must be a Proof, not {type(p).__name__}")
        g1 += [p.a, p.c]
        g2.append(p.b)
        g1_names += [f"{tag}: A (pi_a)", f"{tag}: C (pi_c)"]
        g2_names.append(f"{tag}: B (pi_b)")
    return _g1_limbs(g1, g1_names, ""), _g2_limbs(g2, g2_names, ""), g1_names, g2_names


def _proof_arrays(proofs: Sequence[Proof], what: str, indexed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Validated Montgomery arrays of proofs: G1 (2k, 2, 4) as [A_0, C_0, A_1, C_1, ...] and G2 (k, 2, 2, 4)."""
    g1n, g2n, g1_names, g2_names = _proof_limbs(proofs, what, indexed)
    return _checked_mont(g1n, g2n, g1_names, g2_names, "")


def _checked_mont(g1n: np.ndarray, g2n: np.ndarray, g1_names: list[str], g2_names: list[str],
                  what: str) -> tuple[np.ndarray, np.ndarray]:
    """Montgomery forms of normal-form point arrays; NotOnCurve / NotInSubgroup for the first bad point, by name."""
    g1 = _k._mont_g1(g1n)
    g2 = _k._mont_g2(g2n)
    codes = np.zeros(g1.shape[0], dtype=np.int8)
    _k._codes(g1, codes)
    bad = np.flatnonzero(codes)
    if bad.size:
        _raise_for_code(g1_names[bad[0]], 2, True, what)
    codes = np.zeros(g2.shape[0], dtype=np.int8)
    _k._codes(g2, codes)
    bad = np.flatnonzero(codes)
    if bad.size:
        _raise_for_code(g2_names[bad[0]], int(codes[bad[0]]), False, what)
    return g1, g2


def _raise_for_code(name: str, code: int, is_g1: bool, what: str) -> None:
    """Raise the error of a validation code (2: off the curve, 3: outside the subgroup)."""
    if is_g1:
        raise NotOnCurve(f"{_pre(what)}{name} must be a point of G1 (y^2 = x^3 + 3), not a point off the curve")
    if code == 2:
        raise NotOnCurve(
            f"{_pre(what)}{name} must be a point of G2 (y^2 = x^3 + 3/(9+u) over Fq2), not a point off the twist"
        )
    raise NotInSubgroup(f"{_pre(what)}{name} must be in the order-r subgroup of G2, not a twist point outside it")


def _g1_limbs(points: Sequence[G1Point], names: Sequence[str], what: str) -> np.ndarray:
    """(n, 2, 4) normal-form limbs; FieldElementOutOfRange / MalformedInput naming the point."""
    coords = []
    for name, p in zip(names, points):
        if not isinstance(p, G1Point):
            raise MalformedInput(f"{_pre(what)}{name} must be a G1Point, not {type(p).__name__}")
        coords += [_coordinate(p.x, f"{_pre(what)}{name} x"), _coordinate(p.y, f"{_pre(what)}{name} y")]
    return ints_to_limbs(coords).reshape(len(points), 2, 4)


def _g2_limbs(points: Sequence[G2Point], names: Sequence[str], what: str) -> np.ndarray:
    """(n, 2, 2, 4) normal-form limbs; FieldElementOutOfRange / MalformedInput naming the point."""
    coords = []
    for name, p in zip(names, points):
        if not isinstance(p, G2Point):
            raise MalformedInput(f"{_pre(what)}{name} must be a G2Point, not {type(p).__name__}")
        for axis, pair in (("x", p.x), ("y", p.y)):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise MalformedInput(f"{_pre(what)}{name} {axis} must be an Fq2 pair (c0, c1), not {pair!r}")
            coords += [_coordinate(pair[k], f"{_pre(what)}{name} {axis}.c{k}") for k in range(2)]
    return ints_to_limbs(coords).reshape(len(points), 2, 2, 4)


def _coordinate(v: object, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise FieldElementOutOfRange(f"{what} must be an int coordinate, not {type(v).__name__}")
    if not 0 <= v < Q:
        raise FieldElementOutOfRange(f"{what} must be in [0, q) (q the base field modulus), not {v}")
    return int(v)


def _pre(what: str) -> str:
    return f"{what}: " if what else ""


# --------------------------------------------------------------------------- prepared-key cache


def _as_prepared(vk: VerifyingKey | PreparedVerifyingKey) -> PreparedVerifyingKey:
    if isinstance(vk, PreparedVerifyingKey):
        return vk
    if not isinstance(vk, VerifyingKey):
        raise MalformedInput(f"vk must be a VerifyingKey or a PreparedVerifyingKey, not {type(vk).__name__}")
    try:
        hash(vk)
    except TypeError:  # e.g. a list where a tuple belongs: prepare (and fail) without the cache
        return prepare_verifying_key(vk)
    return _prepared(vk)


@lru_cache(maxsize=16)
def _prepared(vk: VerifyingKey) -> PreparedVerifyingKey:
    """prepare_verifying_key, cached by key value (VerifyingKey is frozen and hashable)."""
    return prepare_verifying_key(vk)


def warmup() -> None:
    """Compile (or load from numba's disk cache) the verifier's kernels: one verification and a bisecting batch."""
    from zkl.verifier.batch import batch_verify
    from zkl.verifier.testing import simulate

    sim = simulate(n_public=2, count=3, seed=1)
    pvk = prepare_verifying_key(sim.vk)
    inputs, proof = sim.items[0]
    verify(pvk, inputs, proof)
    bad = [(sim.items[1][0], sim.items[2][1])]  # a wrong pairing: the batch check bisects
    batch_verify(sim.vk, sim.items + bad)
