"""Simulated Groth16 keys and proofs for tests and benchmarks, made with a known trapdoor (no circuit, no prover).

Whoever knows the setup's secrets alpha, beta, gamma, delta and the discrete
logs l_j of IC_j can make a proof for any public inputs x: pick a, b at random
and solve a b = alpha beta + gamma (l_0 + sum_j x_j l_j) + delta c for c.  The
proofs are distributed as honest ones are, and they verify; that is why a
real setup must forget its toxic waste.  Never use these keys for anything but
tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from zkl.algebra.constants import R
import numpy as np

from zkl.algebra.constants import G1_GENERATOR, G2_B, G2_GENERATOR, Q
from zkl.algebra.limbs import ints_to_limbs, limbs_to_ints
from zkl.algebra.points import G1Point, G2Point
from zkl.verifier import _kernels as _k
from zkl.verifier.keys import Proof, VerifyingKey

__all__ = ["Simulation", "simulate", "twist_point_outside_subgroup"]


@dataclass(frozen=True)
class Simulation:
    """A verifying key, valid (public_inputs, proof) items, and the trapdoor that made them."""

    vk: VerifyingKey
    items: list[tuple[list[int], Proof]]
    trapdoor: dict[str, int | list[int]]


def simulate(n_public: int = 3, count: int = 1, seed: int = 0, inputs: list[list[int]] | None = None) -> Simulation:
    """A random verifying key with n_public inputs and `count` valid proofs (deterministic in seed).

    The public inputs are random unless given (`inputs`, count lists of n_public ints); the key
    depends on seed and n_public only.
    """
    rnd = random.Random(seed)

    def scalar() -> int:
        return rnd.randrange(1, R)

    alpha, beta, gamma, delta = scalar(), scalar(), scalar(), scalar()
    logs = [scalar() for _ in range(n_public + 1)]
    if inputs is None:
        inputs = [[rnd.randrange(R) for _ in range(n_public)] for _ in range(count)]
    if len(inputs) != count or any(len(x) != n_public for x in inputs):
        raise ValueError(f"inputs must be {count} lists of {n_public} ints")
    a = [scalar() for _ in range(count)]
    b = [scalar() for _ in range(count)]
    inv_delta = pow(delta, -1, R)
    c = []
    for i in range(count):
        lx = (logs[0] + sum(x * l for x, l in zip(inputs[i], logs[1:]))) % R
        c.append((a[i] * b[i] - alpha * beta - gamma * lx) * inv_delta % R)
    g1 = _g1_muls([alpha, *logs, *a, *c])
    g2 = [_g2_mul(G2_GENERATOR, k) for k in (beta, gamma, delta, *b)]
    m = n_public + 2
    vk = VerifyingKey(g1[0], g2[0], g2[1], g2[2], tuple(g1[1:m]))
    items = [(inputs[i], Proof(g1[m + i], g2[3 + i], g1[m + count + i])) for i in range(count)]
    trapdoor = {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta, "ic_logs": logs}
    return Simulation(vk, items, trapdoor)


def twist_point_outside_subgroup() -> G2Point:
    """A point of the twist y^2 = x^3 + 3/(9+u) outside the order-r subgroup (x = k + u, the smallest k that works).

    The twist has r * c points with a large cofactor c, so such points are
    plentiful; a verifier must reject them (small-subgroup attacks).
    """
    for k in range(1, 1000):
        x = (k, 1)
        x2 = ((x[0] * x[0] - x[1] * x[1]) % Q, 2 * x[0] * x[1] % Q)
        x3 = ((x2[0] * x[0] - x2[1] * x[1]) % Q, (x2[0] * x[1] + x2[1] * x[0]) % Q)
        y = _fq2_sqrt((x3[0] + G2_B[0]) % Q, (x3[1] + G2_B[1]) % Q)
        if y is not None:
            p = G2Point(x, y)
            if _g2_code(p) == 3:
                return p
    raise AssertionError("no twist point outside the subgroup found")  # pragma: no cover


def _g2_code(p: G2Point) -> int:
    """The verifier kernels' validation code of a G2 point (0 valid, 2 off the twist, 3 outside the subgroup)."""
    codes = np.zeros(1, dtype=np.int8)
    _k._codes(_k._mont_g2(ints_to_limbs([*p.x, *p.y]).reshape(1, 2, 2, 4)), codes)
    return int(codes[0])


def _g1_muls(scalars: list[int]) -> list[G1Point]:
    """[k] G1 for each k (the verifier's scaling kernel on copies of the generator)."""
    n = len(scalars)
    gen = _k._mont_g1(ints_to_limbs(list(G1_GENERATOR) * n).reshape(n, 2, 4))
    out = np.empty_like(gen)
    _k._scale_g1(gen, ints_to_limbs(scalars), out)
    v = limbs_to_ints(out)
    return [G1Point(v[2 * i], v[2 * i + 1]) for i in range(n)]


def _f2mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return ((a[0] * b[0] - a[1] * b[1]) % Q, (a[0] * b[1] + a[1] * b[0]) % Q)


def _f2inv(a: tuple[int, int]) -> tuple[int, int]:
    n = pow(a[0] * a[0] + a[1] * a[1], -1, Q)
    return (a[0] * n % Q, -a[1] * n % Q)


def _g2_add(p: tuple | None, q: tuple | None) -> tuple | None:
    """Affine addition on the twist with Python ints (None is infinity): slow and obviously correct."""
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        if y1 != y2 or y1 == (0, 0):
            return None
        x1sq = _f2mul(x1, x1)
        lam = _f2mul((3 * x1sq[0] % Q, 3 * x1sq[1] % Q), _f2inv((2 * y1[0] % Q, 2 * y1[1] % Q)))
    else:
        lam = _f2mul(((y2[0] - y1[0]) % Q, (y2[1] - y1[1]) % Q), _f2inv(((x2[0] - x1[0]) % Q, (x2[1] - x1[1]) % Q)))
    lam2 = _f2mul(lam, lam)
    x3 = ((lam2[0] - x1[0] - x2[0]) % Q, (lam2[1] - x1[1] - x2[1]) % Q)
    t = _f2mul(lam, ((x1[0] - x3[0]) % Q, (x1[1] - x3[1]) % Q))
    return (x3, ((t[0] - y1[0]) % Q, (t[1] - y1[1]) % Q))


def _g2_mul(base: tuple, k: int) -> G2Point:
    """[k] base on the twist by double-and-add with Python ints."""
    acc, p = None, (tuple(base[0]), tuple(base[1]))
    while k:
        if k & 1:
            acc = _g2_add(acc, p)
        p = _g2_add(p, p)
        k >>= 1
    return G2Point.infinity() if acc is None else G2Point(*acc)


def _fq_sqrt(v: int) -> int | None:
    """A square root mod q (q = 3 mod 4), or None."""
    s = pow(v, (Q + 1) // 4, Q)
    return s if s * s % Q == v % Q else None


def _fq2_sqrt(a0: int, a1: int) -> tuple[int, int] | None:
    """A square root of a0 + a1 u in Fq2 = Fq[u]/(u^2 + 1), or None."""
    if a1 == 0:
        s = _fq_sqrt(a0)
        if s is not None:
            return (s, 0)
        s = _fq_sqrt(-a0 % Q)
        return None if s is None else (0, s)
    n = _fq_sqrt((a0 * a0 + a1 * a1) % Q)
    if n is None:
        return None
    half = pow(2, -1, Q)
    for t in ((a0 + n) * half % Q, (a0 - n) * half % Q):
        x0 = _fq_sqrt(t)
        if x0:
            return (x0, a1 * pow(2 * x0, -1, Q) % Q)
    return None
