"""Groth16 setup: a proving key for an R1CS, from fresh toxic waste or from a snarkjs `.ptau`.

The QAP is snarkjs's (`zkey_new.js`): the R1CS rows 0 .. m-1, then one row per public wire
s = 0 .. n_public (row m + s) with A = w_s and B = C = 0, which makes the public inputs'
polynomials independent; the domain is the smallest power of two above m + n_public.
For each wire i, u_i, v_i, w_i interpolate its A, B, C coefficients over the domain
(Lagrange basis L_j), and the key holds

    A_i = [u_i(tau)]_1, B1_i = [v_i(tau)]_1, B2_i = [v_i(tau)]_2,
    IC_i = [(beta u_i + alpha v_i + w_i)(tau) / gamma]_1        (i <= n_public)
    C_i  = [(beta u_i + alpha v_i + w_i)(tau) / delta]_1        (i >  n_public)
    H_j  = [L'_{2j+1}(tau) / delta]_1                            (j < n)

where L' is the Lagrange basis of the domain of size 2n: its odd points g w^j (g a primitive
2n-th root) are the coset the prover evaluates A B - C on, and because A B - C vanishes on
the even points, sum_j (A B - C)(g w^j) H_j = [(A B - C)(tau) / delta]_1 = [h(tau) Z(tau) / delta]_1.

`setup` draws tau, alpha, beta, gamma, delta with `secrets`, computes all scalars as Fr
arrays and the points with fixed-base batch multiplication (zkl.algebra.curve), then zeroes
the scalar arrays and drops the toxic values (Python ints cannot be wiped from memory; the
arrays derived from them are).  `setup_from_ptau` does what `snarkjs groth16 setup` does:
gamma = delta = 1, tau, alpha, beta from the ceremony, the points as sums of the .ptau's
Lagrange points; the result (written with `write_zkey`) is byte-identical to snarkjs's.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from zkl.algebra.constants import R
from zkl.algebra.curve import (
    G1_GENERATOR,
    G2_GENERATOR,
    fixed_base_mul_g1,
    fixed_base_mul_g2,
    g1_mul,
    g2_mul,
    validate_g1_array,
    validate_g2_array,
)
from zkl.algebra.field import FieldArray, Fr
from zkl.algebra.limbs import ints_to_limbs, to_montgomery
from zkl.algebra.ntt import domain
from zkl.algebra.points import g1_from_array
from zkl.algebra.threads import DOMAIN_MIN_ROWS, numba_threads
from zkl.algebra._kernels import batch_to_affine
from zkl.circuits.r1cs import R1CS, SparseRows
from zkl.errors import FormatError, MalformedInput, NotInvertible
from zkl.prover import _kernels as _k
from zkl.prover._progress import ProgressCallback, Steps
from zkl.prover.keys import ProvingKey, ZkeyCoefficients
from zkl.prover.ptau import PowersOfTau, read_ptau
from zkl.prover.zkey import circuit_hash
from zkl.verifier.keys import VerifyingKey

__all__ = ["ToxicWaste", "domain_size", "setup", "setup_from_ptau", "zkey_coefficients"]

#: largest domain: 2^28 (Fr's two-adicity); the H points need the domain of twice the size
_MAX_LOG_DOMAIN = 27


@dataclass(frozen=True)
class ToxicWaste:
    """The secret scalars of a setup (tests and reproducible keys only: whoever knows them can forge proofs)."""

    tau: int
    alpha: int
    beta: int
    gamma: int
    delta: int

    def __repr__(self) -> str:
        return "ToxicWaste(<secret>)"

    @classmethod
    def random(cls) -> ToxicWaste:
        """Fresh values in [1, r) from the `secrets` module."""
        return cls(*(1 + secrets.randbelow(R - 1) for _ in range(5)))


def domain_size(n_constraints: int, n_public: int) -> int:
    """snarkjs's domain for an R1CS: 2^(floor(log2(n_constraints + n_public)) + 1) (at least 2)."""
    return 1 << max((n_constraints + n_public).bit_length(), 1)


def zkey_coefficients(r1cs: R1CS) -> ZkeyCoefficients:
    """The .zkey coefficient section of an R1CS in snarkjs's order: per constraint its A then its B entries,
    then the public rows (A, row m + s, wire s, value 1); made from the R1CS when used (`R1CSCoefficients`)."""
    return R1CSCoefficients(r1cs)


class R1CSCoefficients(ZkeyCoefficients):
    """The coefficient section of an R1CS's key, made from its rows on use: whole (the fields, on first
    access) or a run of rows at a time (`chunks`, what a .zkey writer takes: the section of a 2-million-
    constraint circuit is 1.1 GB)."""

    def __init__(self, r1cs: R1CS) -> None:
        object.__setattr__(self, "_r1cs", r1cs)

    def __len__(self) -> int:
        r1cs = self._r1cs
        return r1cs.a.nnz + r1cs.b.nnz + r1cs.n_public + 1

    @cached_property
    def _whole(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return next(self._runs(len(self)))

    matrix = cached_property(lambda self: self._whole[0])  # type: ignore[assignment]
    constraint = cached_property(lambda self: self._whole[1])  # type: ignore[assignment]
    wire = cached_property(lambda self: self._whole[2])  # type: ignore[assignment]
    value = cached_property(lambda self: self._whole[3])  # type: ignore[assignment]

    def chunks(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """(matrix, constraint, wire, value) of runs of whole rows of about `size` entries (a row longer than
        size is a run alone), in order, the public rows last."""
        if "_whole" in vars(self):
            yield from super().chunks(size)
            return
        yield from self._runs(max(1, size))

    def _runs(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        r1cs = self._r1cs
        m, a, b = r1cs.n_constraints, r1cs.a, r1cs.b
        a_ptr, b_ptr = np.asarray(a.indptr, dtype=np.int64), np.asarray(b.indptr, dtype=np.int64)
        ends = a_ptr + b_ptr  # entries before each row
        n_pub = r1cs.n_public + 1
        r0 = 0
        while r0 < m:
            r1 = max(r0 + 1, int(np.searchsorted(ends, ends[r0] + size, side="right")) - 1)
            r1 = min(r1, m)
            count = int(ends[r1] - ends[r0]) + (n_pub if r1 == m else 0)
            matrix = np.zeros(count, dtype=np.uint32)
            constraint = np.empty(count, dtype=np.uint32)
            wire = np.empty(count, dtype=np.uint32)
            value = np.zeros((count, 4), dtype=np.uint64)
            _k._interleave_rows(a_ptr, a.indices, _limbs(a.coeffs), b_ptr, b.indices, _limbs(b.coeffs), r0, r1,
                                matrix, constraint, wire, value)
            if r1 == m:
                tail = count - n_pub
                constraint[tail:] = m + np.arange(n_pub, dtype=np.uint32)
                wire[tail:] = np.arange(n_pub, dtype=np.uint32)
                value[tail:, 0] = 1
            yield matrix, constraint, wire, value
            r0 = r1
        if m == 0:
            yield (np.zeros(n_pub, dtype=np.uint32), np.arange(n_pub, dtype=np.uint32),
                   np.arange(n_pub, dtype=np.uint32), np.eye(1, 4, dtype=np.uint64).repeat(n_pub, axis=0))


def _limbs(coeffs: np.ndarray) -> np.ndarray:
    """Coefficients as a contiguous (k, 4) uint64 array (no copy when they are one)."""
    return np.ascontiguousarray(coeffs, dtype=np.uint64).reshape(-1, 4)


def setup(r1cs: R1CS, *, toxic: ToxicWaste | None = None, progress: bool | ProgressCallback = False,
          threads: int | None = None) -> ProvingKey:
    """A Groth16 proving key for `r1cs` from fresh random toxic waste (or the given one), erased after use."""
    _check_r1cs(r1cs)
    with numba_threads(threads, rows=domain_size(r1cs.n_constraints, r1cs.n_public), min_rows=DOMAIN_MIN_ROWS):
        return _setup(r1cs, toxic, progress)


def _setup(r1cs: R1CS, toxic: ToxicWaste | None, progress: bool | ProgressCallback) -> ProvingKey:
    """`setup` on a checked R1CS."""
    own_toxic = toxic is None
    t = ToxicWaste.random() if own_toxic else toxic
    if not all(isinstance(v, int) and 0 < v < R for v in dataclasses.astuple(t)):
        raise MalformedInput("toxic waste values must be ints in [1, r)")
    n_pub = r1cs.n_public
    n = domain_size(r1cs.n_constraints, n_pub)
    log_n = n.bit_length() - 1
    if log_n > _MAX_LOG_DOMAIN:
        raise MalformedInput(f"the circuit needs a domain of 2^{log_n} rows, more than 2^{_MAX_LOG_DOMAIN}")
    coefficients = zkey_coefficients(r1cs)
    with Steps(progress, "setup", 5) as steps:
        steps.step("QAP at tau")
        try:
            lag = _lagrange(t.tau, log_n, 1, domain(log_n), n)
            lag_h = _lagrange(t.tau, log_n + 1, domain(log_n + 1), domain(log_n), n)
        except NotInvertible:
            if not own_toxic:
                raise MalformedInput("tau must not be a point of the domain or of its coset") from None
            return _setup(r1cs, None, progress)  # probability ~ 2n / r
        u = _at_tau(r1cs.a, lag, r1cs.n_wires, public_rows=r1cs.n_public + 1)
        v = _at_tau(r1cs.b, lag, r1cs.n_wires)
        w = _at_tau(r1cs.c, lag, r1cs.n_wires)
        # each array derived from the toxic waste is erased (and freed) once used: the peak is the R1CS, the
        # scalars and a few wire-sized arrays
        _erase([lag.montgomery])
        del lag
        mixed = u * t.beta + v * t.alpha + w
        _erase([w.montgomery])
        del w
        nv, npriv = r1cs.n_wires, r1cs.n_wires - n_pub - 1
        g1_scalars = np.empty((2 * nv + npriv + n + n_pub + 1, 4), dtype=np.uint64)  # A, B1, C, H, IC
        at = 0
        for make in (lambda: u, lambda: v, lambda: mixed[n_pub + 1:] * Fr.inv(t.delta),
                     lambda: lag_h * Fr.inv(t.delta), lambda: mixed[: n_pub + 1] * Fr.inv(t.gamma)):
            part = make()
            limbs = part.limbs()
            g1_scalars[at: at + len(limbs)] = limbs
            at += len(limbs)
            _erase([limbs] + ([part.montgomery] if part is not u and part is not v else []))
            del part, limbs
        g2_scalars = v.limbs()
        _erase([x.montgomery for x in (lag_h, u, v, mixed)])
        del lag_h, u, v, mixed
        steps.step("G1 points")
        g1_points = fixed_base_mul_g1(G1_GENERATOR, g1_scalars)
        _erase([g1_scalars])
        del g1_scalars
        steps.step("G2 points")
        b2 = fixed_base_mul_g2(G2_GENERATOR, g2_scalars)
        _erase([g2_scalars])
        del g2_scalars
        steps.step("key")
        a, b1, l_query, h_query, ic_points = np.split(g1_points, np.cumsum([nv, nv, npriv, n]))
        vk = VerifyingKey(alpha_g1=g1_mul(G1_GENERATOR, t.alpha), beta_g2=g2_mul(G2_GENERATOR, t.beta),
                          gamma_g2=g2_mul(G2_GENERATOR, t.gamma), delta_g2=g2_mul(G2_GENERATOR, t.delta),
                          gamma_abc_g1=tuple(g1_from_array(ic_points)))
        pk = ProvingKey(vk=vk, beta_g1=g1_mul(G1_GENERATOR, t.beta), delta_g1=g1_mul(G1_GENERATOR, t.delta),
                        a_query=np.ascontiguousarray(a), b_g1_query=np.ascontiguousarray(b1), b_g2_query=b2,
                        h_query=np.ascontiguousarray(h_query), l_query=np.ascontiguousarray(l_query),
                        n_wires=nv, n_public=n_pub, domain_size=n, coefficients=coefficients,
                        n_constraints=r1cs.n_constraints)
        steps.step("erase toxic waste")
        del t, toxic
    return pk


def _erase(arrays: list[np.ndarray]) -> None:
    """Overwrite arrays derived from the toxic waste with zeros."""
    for arr in arrays:
        arr.fill(0)


def setup_from_ptau(r1cs: R1CS, ptau: PowersOfTau | str | os.PathLike, *, validate: bool = True,
                    progress: bool | ProgressCallback = False, threads: int | None = None) -> ProvingKey:
    """The key `snarkjs groth16 setup` makes for `r1cs` from a prepared .ptau (before any contribution).

    validate=True checks the .ptau points it uses (on their curves, G2 in the subgroup: the
    G2 check costs about 0.1 ms a point, so it dominates for large circuits).
    """
    _check_r1cs(r1cs)
    with numba_threads(threads, rows=domain_size(r1cs.n_constraints, r1cs.n_public), min_rows=DOMAIN_MIN_ROWS):
        return _setup_from_ptau(r1cs, ptau, validate, progress)


def _setup_from_ptau(r1cs: R1CS, ptau: PowersOfTau | str | os.PathLike, validate: bool,
                     progress: bool | ProgressCallback) -> ProvingKey:
    """`setup_from_ptau` on a checked R1CS."""
    if not isinstance(ptau, PowersOfTau):
        ptau = read_ptau(ptau)
    n_pub, m, nv = r1cs.n_public, r1cs.n_constraints, r1cs.n_wires
    n = domain_size(m, n_pub)
    log_n = n.bit_length() - 1
    if log_n > ptau.power:
        raise FormatError(f"{ptau.path}: the circuit needs 2^{log_n} rows ({m} constraints and {n_pub + 1} "
                          f"public rows), the powers of tau go up to 2^{ptau.power}")
    with Steps(progress, "setup", 5) as steps:
        steps.step("read powers of tau")
        tau1 = ptau.lagrange("tau_g1", log_n)
        tau2 = ptau.lagrange("tau_g2", log_n)
        alpha1 = ptau.lagrange("alpha_g1", log_n)
        beta1 = ptau.lagrange("beta_g1", log_n)
        h_points = np.ascontiguousarray(ptau.lagrange("tau_g1", log_n + 1)[1::2])
        head1 = np.ascontiguousarray(np.stack([ptau.alpha_tau_g1[0], ptau.beta_tau_g1[0]]))
        if validate:
            for what, pts in (("Lagrange tauG1", tau1), ("Lagrange alphaTauG1", alpha1),
                              ("Lagrange betaTauG1", beta1), ("Lagrange tauG1 (2n)", h_points), ("alpha/beta", head1)):
                _validated(ptau.path, what, pts, validate_g1_array)
            _validated(ptau.path, "Lagrange tauG2", tau2, validate_g2_array)
        coefficients = zkey_coefficients(r1cs)
        a_mask = coefficients.matrix == 0
        b_mask = ~a_mask
        cw, cr, cv = coefficients.wire.astype(np.int64), coefficients.constraint.astype(np.int64), coefficients.value
        c_rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(r1cs.c.indptr))
        steps.step("A, B1, B2 points")
        a = _sums(tau1, cw[a_mask], cr[a_mask], cv[a_mask], nv)
        b1 = _sums(tau1, cw[b_mask], cr[b_mask], cv[b_mask], nv)
        b2 = _sums(tau2, cw[b_mask], cr[b_mask], cv[b_mask], nv)
        steps.step("IC and C points")
        # beta u_i + alpha v_i + w_i: A entries on [beta L], B entries on [alpha L], C entries on [L]
        stacked = np.concatenate([tau1, alpha1, beta1])
        mixed = _sums(stacked, np.concatenate([cw[a_mask], cw[b_mask], np.asarray(r1cs.c.indices, dtype=np.int64)]),
                      np.concatenate([2 * n + cr[a_mask], n + cr[b_mask], c_rows]),
                      np.concatenate([cv[a_mask], cv[b_mask], np.asarray(r1cs.c.coeffs, dtype=np.uint64)]), nv)
        steps.step("circuit hash")
        one1, one2 = G1_GENERATOR, G2_GENERATOR
        alpha_g1, beta_g1 = g1_from_array(head1)
        vk = VerifyingKey(alpha_g1=alpha_g1, beta_g2=ptau.beta_g2, gamma_g2=one2, delta_g2=one2,
                          gamma_abc_g1=tuple(g1_from_array(mixed[: n_pub + 1])))
        pk = ProvingKey(vk=vk, beta_g1=beta_g1, delta_g1=one1, a_query=a, b_g1_query=b1, b_g2_query=b2,
                        h_query=h_points, l_query=np.ascontiguousarray(mixed[n_pub + 1:]), n_wires=nv,
                        n_public=n_pub, domain_size=n, coefficients=coefficients, n_constraints=m)
        mpc = circuit_hash(pk, _hash_h_points(ptau, n)) + struct.pack("<I", 0)
    return dataclasses.replace(pk, mpc=mpc)


# ----------------------------------------------------------------------------------------------


def _check_r1cs(r1cs: R1CS) -> None:
    if not isinstance(r1cs, R1CS):
        raise MalformedInput(f"expected an R1CS, not {type(r1cs).__name__}")
    if r1cs.n_wires >= 1 << 32 or r1cs.n_constraints >= 1 << 32:
        raise MalformedInput(f"a .zkey holds at most 2^32 - 1 wires and constraints, not {r1cs.n_wires} wires")


def _mont(value: int) -> np.ndarray:
    """Montgomery limbs (1, 4) of an Fr int."""
    return to_montgomery(ints_to_limbs([value % R]), R)


def _lagrange(tau: int, log_m: int, shift: int, step: int, count: int) -> FieldArray:
    """L_k(tau) of the domain of size M = 2^log_m at its points x_j = shift * step^j, j < count (Montgomery)."""
    big_m = 1 << log_m
    x = np.empty((count, 4), dtype=np.uint64)
    _k._powers(tuple(_mont(shift)[0]), tuple(_mont(step)[0]), x)
    d = (Fr.from_montgomery(x) * -1) + tau  # tau - x_j
    d_inv = d.batch_inverse()  # NotInvertible when tau is one of the points
    c = (pow(tau, big_m, R) - 1) * pow(big_m, -1, R) % R
    out = np.empty_like(x)
    _k._lagrange_finish(x, d_inv.montgomery, tuple(_mont(c)[0]), out)
    d.montgomery.fill(0)
    d_inv.montgomery.fill(0)
    return Fr.from_montgomery(out)


def _at_tau(matrix: SparseRows, lag: FieldArray, n_wires: int, public_rows: int = 0) -> FieldArray:
    """Per wire, sum over its entries of coefficient * L_row(tau) (u, v or w at tau), plus L_{m+s}(tau) for
    the first `public_rows` wires (snarkjs's public rows, in A only); Montgomery."""
    out = np.zeros((n_wires, 4), dtype=np.uint64)
    m = matrix.n_rows
    _k._csr_scatter(np.asarray(matrix.indptr, dtype=np.int64), matrix.indices, _limbs(matrix.coeffs),
                    lag.montgomery, out)
    if public_rows:
        extra = np.zeros((public_rows, 4), dtype=np.uint64)
        extra[:, 0] = 1
        _k._csr_scatter(np.arange(public_rows + 1, dtype=np.int64), np.arange(public_rows, dtype=np.int32), extra,
                        np.ascontiguousarray(lag.montgomery[m: m + public_rows]), out)
    return Fr.from_montgomery(to_montgomery(out, R))


def _sums(points: np.ndarray, wires: np.ndarray, point_idx: np.ndarray, coeffs: np.ndarray, n_wires: int) -> np.ndarray:
    """Affine array of sum_k coeffs[k] * points[point_idx[k]] per wire (entries grouped by wire, stable)."""
    order = np.argsort(wires, kind="stable")
    wire_ptr = np.searchsorted(wires[order], np.arange(n_wires + 1, dtype=np.int64)).astype(np.int64)
    jac = np.empty((n_wires, 3) + points.shape[2:], dtype=np.uint64)
    out = np.empty((n_wires, 2) + points.shape[2:], dtype=np.uint64)
    if n_wires:
        _k._wire_sums(np.ascontiguousarray(points), np.ascontiguousarray(point_idx[order], dtype=np.int64),
                      np.ascontiguousarray(coeffs[order], dtype=np.uint64), wire_ptr, jac)
        batch_to_affine(jac, out)
    return out


def _hash_h_points(ptau: PowersOfTau, n: int) -> np.ndarray:
    """[tau^i (tau^n - 1)]_1 = tauG1[i + n] - tauG1[i] as snarkjs hashes them into the circuit hash.

    snarkjs hashes chunks of min(n - 1, 2^14) points from i = 0 in steps of 2^14, so for
    n > 2^14 + 1 it hashes n points rather than n - 1; when the last one would lie past the
    tauG1 section (n = 2^power) snarkjs reads the next bytes of the file, which is not
    reproduced here (that key's circuit hash differs from snarkjs's; nothing else does).
    """
    chunk = 1 << 14
    count = n - 1 if n - 1 <= chunk else -(-(n - 1) // chunk) * chunk
    count = min(count, ptau.tau_g1.shape[0] - n)
    hi = np.ascontiguousarray(ptau.tau_g1[n: n + count])
    lo = np.ascontiguousarray(ptau.tau_g1[:count])
    jac = np.empty((count, 3, 4), dtype=np.uint64)
    _k._sub_points(hi, lo, jac)
    out = np.empty((count, 2, 4), dtype=np.uint64)
    batch_to_affine(jac, out)
    return out


def _validated(path: str, what: str, points: np.ndarray, check) -> None:
    try:
        check(np.ascontiguousarray(points))
    except MalformedInput as e:
        raise type(e)(f"{path}: {what}: {e}") from None

