"""Batch verification of many Groth16 proofs under one key, by a random linear combination.

For proofs (A_i, B_i, C_i) with public inputs x_i and random 128-bit r_i
(from `secrets`), all are valid (except with probability about 2^-128) when

    prod_i e(r_i A_i, B_i) * e(-(sum r_i) alpha, beta) * e(-sum_i r_i vk_x_i, gamma) * e(-sum r_i C_i, delta) == 1,

with sum_i r_i vk_x_i = (sum r_i) IC_0 + sum_j (sum_i r_i x_ij) IC_j: one
multi-Miller loop of k + 3 pairings (beta, gamma, delta prepared once in the
PreparedVerifyingKey, the B_i's lines computed in one call) and one final
exponentiation, through `zkl.algebra.pairing.pairing_check_prepared`; 2k
scalar multiplications of 128 bits for r_i A_i and r_i C_i (in parallel) and
n + 2 of 254 bits.

When the combination fails, bisection finds every invalid proof: a failing
set is split in halves with the same r_i; when the left half passes, the
right half must fail (the products multiply), so it is not checked again; a
single proof is checked exactly (r_i != 0 and the pairing group has prime
order r).  Malformed input (wrong count, public input >= r, bad points) raises
the MalformedInput subclass that `verify` raises, naming the item.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from random import Random

import numpy as np

from zkl.algebra.constants import R
from zkl.algebra.limbs import ints_to_limbs, limbs_to_ints
from zkl.algebra.pairing import pairing_check_prepared
from zkl.algebra.points import G1Point, G2Point
from zkl.errors import MalformedInput
from zkl.verifier import _kernels as _k
from zkl.verifier.groth16 import PreparedVerifyingKey, _as_prepared, _proof_arrays, check_public_inputs
from zkl.verifier.keys import Proof, VerifyingKey

__all__ = ["BatchResult", "batch_verify"]

#: bits of the random coefficients r_i
RANDOM_BITS = 128


@dataclass(frozen=True)
class BatchResult:
    """Outcome of batch_verify: ok when every proof verifies, else the sorted indices of the invalid ones."""

    ok: bool
    invalid_indices: tuple[int, ...] = ()
    #: number of proofs checked
    count: int = 0

    def __bool__(self) -> bool:
        return self.ok


def batch_verify(
    vk: VerifyingKey | PreparedVerifyingKey,
    items: Iterable[tuple[Sequence[int], Proof]],
    *,
    find_invalid: bool = True,
    rng: Random | None = None,
) -> BatchResult:
    """Verify (public_inputs, proof) pairs under one key at once; bisection names the invalid ones (find_invalid)."""
    pvk = _as_prepared(vk)
    items = list(items)
    k = len(items)
    if k == 0:
        return BatchResult(True, (), 0)
    xs, proofs = [], []
    for i, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise MalformedInput(f"batch item {i} must be a (public_inputs, proof) pair, not {type(item).__name__}")
        check_public_inputs(pvk.vk, item[0], what=f"batch item {i}: public input")
        xs.append([1, *(int(x) for x in item[0])])
        proofs.append(item[1])
    g1, b = _proof_arrays(proofs, "batch item", indexed=True)  # g1 = [A_0, C_0, A_1, C_1, ...]
    draw = rng.getrandbits if rng is not None else secrets.randbits
    r = []
    while len(r) < k:
        v = draw(RANDOM_BITS)
        if v:
            r.append(v)
    scaled = np.empty_like(g1)
    _k._scale_g1(g1, ints_to_limbs([v for v in r for _ in range(2)]), scaled)
    pts = limbs_to_ints(scaled)  # [r_0 A_0, r_0 C_0, r_1 A_1, ...] affine, normal form
    a = [G1Point(pts[4 * i], pts[4 * i + 1]) for i in range(k)]
    checker = _Checker(pvk, a, [p.b for p in proofs], scaled[1::2].copy(), r, xs)
    everything = list(range(k))
    if checker(everything):
        return BatchResult(True, (), k)
    if not find_invalid:
        return BatchResult(False, (), k)
    return BatchResult(False, tuple(sorted(_bisect(checker, everything))), k)


class _Checker:
    """The combined pairing check of any subset of the batch, with fixed r_i."""

    def __init__(self, pvk: PreparedVerifyingKey, a: list[G1Point], b: list[G2Point], c: np.ndarray,
                 r: list[int], xs: list[list[int]]) -> None:
        self.pvk, self.a, self.b, self.c, self.r = pvk, a, b, c, r
        self.x = xs  # row i = [1, x_i1, .., x_in]

    def __call__(self, idx: list[int]) -> bool:
        pvk = self.pvk
        n1 = pvk.vk.n_public + 1
        t = [0] * n1
        for i in idx:
            ri, xi = self.r[i], self.x[i]
            for j in range(n1):
                t[j] += ri * xi[j]
        t = [v % R for v in t]  # t[0] = sum r_i
        side = np.empty((3, 2, 4), dtype=np.uint64)
        _k._batch_side(pvk._ic, ints_to_limbs(t), pvk._alpha, ints_to_limbs(t[:1]),
                       np.ascontiguousarray(self.c[np.asarray(idx)]), side)
        v = limbs_to_ints(side)
        g1 = [self.a[i] for i in idx] + [G1Point(v[0], v[1]), G1Point(v[2], v[3]), G1Point(v[4], v[5])]
        g2 = [self.b[i] for i in idx] + [pvk.beta_g2_prepared, pvk.gamma_g2_prepared, pvk.delta_g2_prepared]
        return pairing_check_prepared(g1, g2, validate=False)


def _bisect(check: _Checker, idx: list[int]) -> list[int]:
    """The invalid indices of idx, a set whose combined check is known to fail."""
    if len(idx) == 1:
        return idx
    half = len(idx) // 2
    left, right = idx[:half], idx[half:]
    if check(left):
        return _bisect(check, right)  # the whole fails and the left passes: the right fails
    bad = _bisect(check, left)
    if not check(right):
        bad += _bisect(check, right)
    return bad
