"""The Groth16 prover: a proof for a witness and a proving key, as snarkjs's `groth16 prove` computes it.

With the key's points (zkl.prover.keys) and fresh r, s from `secrets`:

    A  = alpha_1 + sum_i w_i A_i + r delta_1                      (G1)
    B  = beta_2  + sum_i w_i B2_i + s delta_2                     (G2)
    B1 = beta_1  + sum_i w_i B1_i + s delta_1                     (G1, for C)
    C  = sum_{i > n_public} w_i C_i + sum_j h_j H_j + s A + r B1 - r s delta_1

where h_j = (A B - C)(g w^j) on the odd coset (zkl.prover.qap).  The five
multi-scalar multiplications skip zero scalars and add bases with scalar one
directly (zkl.algebra.msm).  The witness is range-checked once, in
`witness_limbs`; the MSMs then take the unchecked entries (their other scalars,
h and the blinding sums, are reduced mod r by construction, and the key's points
were checked when the key was made or read).  A key read from a .zkey is a memory map:
each query is aligned (copied, where its section is unaligned) for its MSM alone and its
pages handed back after it, so a proof holds one query resident at a time.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import numpy as np

from zkl._binfile import aligned, drop_pages
from zkl.algebra.constants import Q, R
from zkl.algebra.limbs import check_below, ints_to_limbs, limbs_to_ints, montgomery_to_ints
from zkl.algebra.msm import msm_g1_unchecked, msm_g2_unchecked
from zkl.algebra.points import G1Point, G2Point, g1_to_array, g2_to_array
from zkl.algebra.threads import DOMAIN_MIN_ROWS, numba_threads
from zkl.circuits.r1cs import R1CS
from zkl.circuits.witness import assignment, qap_products
from zkl.errors import MalformedInput, ShapeMismatch
from zkl.prover import qap
from zkl.prover._progress import ProgressCallback, Steps
from zkl.prover.keys import ProvingKey
from zkl.prover.setup import domain_size as _domain_size
from zkl.verifier.keys import Proof

__all__ = ["prove", "public_inputs", "witness_limbs"]

_SMALL_WINDOW = 4


def prove(pk: ProvingKey, witness: object, *, r1cs: R1CS | None = None, blinding: tuple[int, int] | None = None,
          progress: bool | ProgressCallback = False, threads: int | None = None) -> Proof:
    """A Groth16 proof for a full witness (Witness, list of ints, or (n, 4) normal-form limbs) under `pk`.

    The QAP comes from the key's coefficient section, or from `r1cs` when given (then the
    witness is also checked against every constraint: UnsatisfiedConstraint).  `blinding`
    fixes (r, s) for reproducible proofs (tests); by default they are fresh from `secrets`.
    `progress`: True shows a rich progress bar once proving has run a second, a callable
    receives (step, index, total).  `threads`: numba threads (default: one for domains up to
    2^12 rows, else numba's setting).
    """
    if not isinstance(pk, ProvingKey):
        raise MalformedInput(f"expected a ProvingKey, not {type(pk).__name__}")
    w = witness_limbs(witness, pk.n_wires)
    r, s = _blinding(blinding)
    with numba_threads(threads, rows=pk.domain_size, min_rows=DOMAIN_MIN_ROWS):
        return _prove(pk, w, r1cs, r, s, progress, qap_products(witness))


def _prove(pk: ProvingKey, w: np.ndarray, r1cs: R1CS | None, r: int, s: int,
           progress: bool | ProgressCallback, products: tuple[np.ndarray, np.ndarray] | None = None) -> Proof:
    """The pipeline of `prove` on validated input (`products`: the compiled solver's A.w / R, B.w / R)."""
    n = pk.domain_size
    with Steps(progress, "prove", 8) as steps:
        steps.step("A.w, B.w, C.w")
        if r1cs is None and products is not None and qap.products_fit(pk, products):
            a, b, c = qap.evaluations_from_products(*products, w, pk.n_public, n)
        elif r1cs is not None:
            if not isinstance(r1cs, R1CS):
                raise MalformedInput(f"r1cs must be an R1CS, not {type(r1cs).__name__}")
            if r1cs.n_wires != pk.n_wires or _domain_size(r1cs.n_constraints, r1cs.n_public) != n \
                    or r1cs.n_public != pk.n_public:
                raise ShapeMismatch(f"the R1CS ({r1cs.n_wires} wires, {r1cs.n_public} public, {r1cs.n_constraints} "
                                    f"constraints) is not the one of the key ({pk.n_wires} wires, {pk.n_public} "
                                    f"public, domain {n})")
            a, b, c = qap.evaluations_from_r1cs(r1cs, w, n)
        elif pk.coefficients is not None:
            a, b, c = qap.evaluations_from_coefficients(pk.coefficients, w, n)
        else:
            raise MalformedInput("the proving key has no coefficient section: pass the R1CS (r1cs=...)")
        steps.step("quotient (NTT)")
        h = qap.quotient_on_coset(a, b, c)
        del b, c
        steps.step("MSM A")
        msm_a = _query_msm(msm_g1_unchecked, pk.a_query, w)
        steps.step("MSM B1")
        msm_b1 = _query_msm(msm_g1_unchecked, pk.b_g1_query, w)
        steps.step("MSM B2")
        msm_b2 = _query_msm(msm_g2_unchecked, pk.b_g2_query, w)
        steps.step("MSM C")
        msm_c = _query_msm(msm_g1_unchecked, pk.l_query, np.ascontiguousarray(w[pk.n_public + 1:]))
        steps.step("MSM H")
        msm_h = _query_msm(msm_g1_unchecked, pk.h_query, h)
        steps.step("blinding")
        # C = C_w + H + s A + r B1 - r s delta_1 with A = A_w + alpha + r delta_1, B1 = B1_w + beta_1 + s delta_1,
        # expanded so that it needs neither A nor B1 first; single-threaded: a few points only
        alpha1, beta1, delta1 = g1_to_array([pk.vk.alpha_g1, pk.beta_g1, pk.delta_g1])
        beta2, delta2 = g2_to_array([pk.vk.beta_g2, pk.vk.delta_g2])
        small = {"window": _SMALL_WINDOW, "threads": 1}
        pi_a = msm_g1_unchecked(np.stack([msm_a, alpha1, delta1]), _scalars([1, 1, r]), **small)
        pi_b = msm_g2_unchecked(np.stack([msm_b2, beta2, delta2]), _scalars([1, 1, s]), **small)
        pi_c = msm_g1_unchecked(np.stack([msm_c, msm_h, msm_a, alpha1, msm_b1, beta1, delta1]),
                          _scalars([1, 1, s, s, r, r, r * s]), **small)
    return Proof(a=_g1(pi_a), b=_g2(pi_b), c=_g1(pi_c))


def _query_msm(msm, points: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    """msm(points, scalars) on a query of the key (aligned first if a read key left it unaligned), then the
    query's mapped pages handed back: a key read from a file costs resident memory for one query at a time."""
    out = msm(aligned(points), scalars)
    drop_pages(points)
    return out


def public_inputs(pk: ProvingKey, witness: object) -> list[int]:
    """The public inputs of a full witness for `pk` (wires 1 .. n_public, snarkjs's public.json order)."""
    values = assignment(witness)
    if isinstance(values, np.ndarray):
        w = witness_limbs(values, pk.n_wires)
        return limbs_to_ints(w[1: pk.n_public + 1])
    values = list(values)
    if len(values) != pk.n_wires:
        raise ShapeMismatch(f"witness must have {pk.n_wires} values (one per wire), not {len(values)}")
    return [int(v) for v in values[1: pk.n_public + 1]]


def witness_limbs(witness: object, n_wires: int | None = None) -> np.ndarray:
    """(n, 4) normal-form limbs of a witness given as a Witness, a sequence of ints or a limb array (checked < r)."""
    values = assignment(witness)
    if isinstance(values, np.ndarray) and values.dtype == np.uint64:
        if values.ndim != 2 or values.shape[1] != 4:
            raise ShapeMismatch(f"a limb witness must have shape (n, 4), not {values.shape}")
        w = np.ascontiguousarray(values)
        check_below(w, R, "witness value")
    elif isinstance(values, (Sequence, np.ndarray)) and not isinstance(values, (str, bytes)):
        w = ints_to_limbs([int(v) if isinstance(v, np.integer) else v for v in values], R, "witness value")
    else:
        raise MalformedInput(f"witness must be a Witness, a sequence of ints or an (n, 4) uint64 array, "
                             f"not {type(witness).__name__}")
    if n_wires is not None and w.shape[0] != n_wires:
        raise ShapeMismatch(f"witness must have {n_wires} values (one per wire of the key), not {w.shape[0]}")
    if w.shape[0] == 0 or not (w[0, 0] == 1 and not w[0, 1:].any()):
        raise MalformedInput("witness value 0 (the constant one wire) must be 1")
    return w


def _blinding(blinding: tuple[int, int] | None) -> tuple[int, int]:
    if blinding is None:
        return secrets.randbelow(R), secrets.randbelow(R)
    if not (isinstance(blinding, tuple) and len(blinding) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < R for v in blinding)):
        raise MalformedInput(f"blinding must be a pair of ints (r, s) in [0, r), not {blinding!r}")
    return blinding


def _scalars(values: list[int]) -> np.ndarray:
    return ints_to_limbs([v % R for v in values])


def _g1(raw: np.ndarray) -> G1Point:
    x, y = montgomery_to_ints(raw, Q)
    return G1Point(x, y)


def _g2(raw: np.ndarray) -> G2Point:
    v = montgomery_to_ints(raw, Q)
    return G2Point((v[0], v[1]), (v[2], v[3]))
