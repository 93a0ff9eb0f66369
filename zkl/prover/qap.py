"""The prover's QAP steps: A.w, B.w (and C.w) on the domain, and the quotient's evaluations on the coset.

Arrays are (n, 4) uint64 limbs in *normal* form (see zkl.prover._kernels: Montgomery
coefficients times normal-form witness values give normal-form products, and the NTTs only
multiply by Montgomery constants, so no conversion pass is needed anywhere).

As snarkjs's `groth16_prove.js` does:

1. a_j = (A.w)_j, b_j = (B.w)_j for each row j of the domain (rows past the R1CS hold the
   public rows a_{m+s} = w_s, then zeros); the .zkey stores only A and B, so c_j = a_j b_j,
   which equals (C.w)_j for a satisfying witness.  A witness from the compiled solver
   (zkl.circuits.program) carries every row's (A.w)/R and (B.w)/R, made while solving:
   `evaluations_from_products` starts there; otherwise one parallel pass over the key's
   coefficient entries (`evaluations_from_coefficients`) or over the R1CS rows.
2. each of a, b, c: inverse NTT (coefficients), then NTT on the coset g w^j with g the
   primitive 2n-th root 5^((r-1)/2n) (snarkjs's `Fr.w[power + 1]`);
3. h_j = a_j b_j - c_j on the coset: the scalars of the MSM against the key's H points
   (no division by Z(g w^j) = g^n - 1 = -2: the H points account for it).
"""

from __future__ import annotations

import weakref

import numba
import numpy as np

from zkl.algebra.constants import R
from zkl.algebra.limbs import to_montgomery
from zkl.algebra.ntt import domain, ntt_mont
from zkl.circuits.r1cs import R1CS
from zkl.errors import MalformedInput, ShapeMismatch, UnsatisfiedConstraint
from zkl.prover import _kernels as _k
from zkl.prover.keys import ProvingKey, ZkeyCoefficients

__all__ = ["evaluations_from_coefficients", "evaluations_from_products", "evaluations_from_r1cs", "products_fit",
           "quotient_on_coset"]


def evaluations_from_coefficients(coefficients: ZkeyCoefficients, witness: np.ndarray,
                                  domain_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A.w, B.w, C.w) on the domain from a .zkey coefficient section, C.w taken as A.w * B.w (normal form)."""
    _check_witness_array(witness)
    a = np.zeros((domain_size, 4), dtype=np.uint64)
    b = np.zeros((domain_size, 4), dtype=np.uint64)
    c = np.empty_like(a)
    if not len(coefficients):
        return a, b, c
    parts = _plan(coefficients, domain_size, witness.shape[0])
    if parts is not None:
        _k._coefficient_products(coefficients.matrix, coefficients.constraint, coefficients.wire,
                                 coefficients.value, witness, a, b, parts)
        _k._finish_products(a, b, c)
        return a, b, c
    coeffs = to_montgomery(np.ascontiguousarray(coefficients.value), R)  # a section in no row order
    for which, out in ((0, a), (1, b)):
        mask = coefficients.matrix == which
        _spmv_sorted(coefficients.constraint[mask].astype(np.int64), coefficients.wire[mask].astype(np.int64),
                     coeffs[mask], witness, out)
    _k._mul_normal(a, b, c)
    return a, b, c


def evaluations_from_products(az: np.ndarray, bz: np.ndarray, witness: np.ndarray, n_public: int,
                              domain_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A.w, B.w, C.w) on the domain from the compiled solver's per-row (A.w)/R and (B.w)/R, plus the public rows."""
    m = az.shape[0]
    if bz.shape != az.shape or az.ndim != 2 or az.shape[1] != 4 or m + n_public + 1 > domain_size:
        raise ShapeMismatch(f"products of shapes {az.shape} and {bz.shape} do not fit a domain of {domain_size} rows "
                            f"with {n_public + 1} public rows")
    a = np.zeros((domain_size, 4), dtype=np.uint64)
    b = np.zeros((domain_size, 4), dtype=np.uint64)
    c = np.empty_like(a)
    a[:m] = az
    b[:m] = bz
    _k._finish_products(a, b, c)
    a[m: m + n_public + 1] = witness[: n_public + 1]  # the public rows: A = w_s, B = C = 0
    return a, b, c


def products_fit(pk: ProvingKey, products: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether per-row products belong to the circuit of `pk`: as many constraints as the key's R1CS
    (`pk.n_constraints`, else from its coefficient section, whose public rows are the last), or,
    knowing neither, room in the domain."""
    m = products[0].shape[0]
    known = pk.n_constraints
    if known is None and pk.coefficients is not None and len(pk.coefficients):
        known = _KEY_ROWS.get(pk.coefficients)
        if known is None:
            known = _key_constraints(pk.coefficients, pk.n_public)
            _KEY_ROWS[pk.coefficients] = known
    if known is None:
        return m + pk.n_public + 1 <= pk.domain_size
    return m == known


def _key_constraints(coefficients: ZkeyCoefficients, n_public: int) -> int:
    """m of a coefficient section: its last n_public + 1 entries are the public rows m + s (A, wire s), else its
    highest row less n_public."""
    tail = n_public + 1
    if len(coefficients) >= tail:
        last = coefficients.last(tail)  # a read key's section stays unread but for these entries
        rows, wires = last.constraint.astype(np.int64), last.wire.astype(np.int64)
        m = int(rows[0])
        if not last.matrix.any() and np.array_equal(wires, np.arange(tail)) \
                and np.array_equal(rows, m + np.arange(tail)):
            return m
    return int(coefficients.constraint.max()) - n_public


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEY_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _plan(coefficients: ZkeyCoefficients, domain_size: int, n_wires: int) -> np.ndarray | None:
    """(p, 2) entry ranges of a coefficient section that write disjoint rows, so that they run in
    parallel, or None for a section in no row order; made once per section (checked against the
    domain and the witness, and memoized)."""
    key = (domain_size, n_wires)
    known = _PLANS.get(coefficients)
    if known is not None and known[0] == key:
        return known[1]
    matrix, rows = coefficients.matrix, coefficients.constraint
    if int(rows.max()) >= domain_size or int(coefficients.wire.max()) >= n_wires or int(matrix.max()) > 1:
        raise ShapeMismatch(f"the key's coefficients use rows up to {int(rows.max())}, wires up to "
                            f"{int(coefficients.wire.max())} and matrices up to {int(matrix.max())}; the domain has "
                            f"{domain_size} rows, the witness {n_wires} values, and a .zkey two matrices (A, B)")
    n = rows.shape[0]
    # runs of non-decreasing rows (zkl and snarkjs: per row A's then B's entries, then the public rows;
    # a key with all of A before all of B has a run per matrix); two runs that share a matrix must not
    # share a row
    starts = np.concatenate([[0], np.nonzero(rows[1:] < rows[:-1])[0] + 1, [n]])
    lo, hi = starts[:-1], starts[1:]
    if len(lo) > 4096:
        _PLANS[coefficients] = (key, None)
        return None
    first, last = rows[lo].astype(np.int64), rows[hi - 1].astype(np.int64)
    has = [np.array([bool(np.any(matrix[s:e] == which)) for s, e in zip(lo, hi)], dtype=bool) for which in (0, 1)]
    for runs in has:
        order = np.argsort(first[runs], kind="stable")
        f, la = first[runs][order], last[runs][order]
        if np.any(f[1:] <= la[:-1]):
            _PLANS[coefficients] = (key, None)
            return None
    target = max(4096, n // (8 * numba.get_num_threads()))
    parts = []
    for s, e in zip(lo.tolist(), hi.tolist()):
        cuts = [s]
        for pos in range(s + target, e, target):
            cut = s + int(np.searchsorted(rows[s:e], rows[pos], side="left"))
            if cut > cuts[-1]:
                cuts.append(cut)
        cuts.append(e)
        parts.extend(zip(cuts[:-1], cuts[1:]))
    plan = np.array(parts, dtype=np.int64).reshape(-1, 2)
    _PLANS[coefficients] = (key, plan)
    return plan


def evaluations_from_r1cs(r1cs: R1CS, witness: np.ndarray, domain_size: int,
                          check: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A.w, B.w, C.w) on the domain from the R1CS rows plus snarkjs's public rows (normal form).

    With check=True, raises UnsatisfiedConstraint at the first row where A.w * B.w != C.w.
    """
    _check_witness_array(witness)
    m = r1cs.n_constraints
    if m + r1cs.n_public + 1 > domain_size:
        raise ShapeMismatch(f"a domain of {domain_size} rows cannot hold {m} constraints and "
                            f"{r1cs.n_public + 1} public rows")
    if witness.shape[0] != r1cs.n_wires:
        raise ShapeMismatch(f"witness must have {r1cs.n_wires} values (one per wire), not {witness.shape[0]}")
    out = []
    for mat in r1cs.matrices:
        x = np.zeros((domain_size, 4), dtype=np.uint64)
        if m:
            coeffs = to_montgomery(np.ascontiguousarray(mat.coeffs, dtype=np.uint64).reshape(-1, 4), R)
            _k._csr_rows(np.asarray(mat.indptr, dtype=np.int64), np.asarray(mat.indices, dtype=np.int64), coeffs,
                         witness, x[:m])
        out.append(x)
    a, b, c = out
    a[m: m + r1cs.n_public + 1] = witness[: r1cs.n_public + 1]
    if check:
        i = int(_k._first_mismatch(a, b, c))
        if i >= 0:
            raise UnsatisfiedConstraint(i, r1cs.label(i) if i < m else "public row",
                                        "A.w * B.w != C.w for the witness given to the prover")
    return a, b, c


def quotient_on_coset(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(A B - C) at the coset points g w^j from the domain evaluations (overwrites a, b, c; returns a)."""
    n = a.shape[0]
    if not (a.shape == b.shape == c.shape == (n, 4)) or n & (n - 1):
        raise ShapeMismatch(f"a, b, c must be (n, 4) arrays of one power-of-two n, not {a.shape}, {b.shape}, {c.shape}")
    g = domain(n.bit_length())  # primitive 2n-th root of unity
    for x in (a, b, c):
        ntt_mont(x, inverse=True, in_place=True)
        ntt_mont(x, coset=g, in_place=True)
    _k._join_abc(a, b, c, a)
    return a


def _spmv_sorted(rows: np.ndarray, wires: np.ndarray, coeffs: np.ndarray, values: np.ndarray, out: np.ndarray) -> None:
    """out[rows[k]] += coeffs[k] * values[wires[k]], in parallel parts cut at row boundaries."""
    if rows.shape[0] == 0:
        return
    if np.any(rows[1:] < rows[:-1]):
        order = np.argsort(rows, kind="stable")
        rows, wires, coeffs = rows[order], wires[order], coeffs[order]
    parts = max(1, min(4 * numba.get_num_threads(), rows.shape[0] // 4096))
    marks = rows[np.linspace(0, rows.shape[0] - 1, parts + 1).astype(np.int64)[1:-1]]
    cuts = np.concatenate([[0], np.searchsorted(rows, marks, side="left"), [rows.shape[0]]]).astype(np.int64)
    cuts = np.unique(cuts)
    _k._spmv(rows, wires, np.ascontiguousarray(coeffs), values, out, cuts)


def _check_witness_array(witness: np.ndarray) -> None:
    if not isinstance(witness, np.ndarray) or witness.dtype != np.uint64 or witness.ndim != 2 or witness.shape[1] != 4:
        given = f"{witness.dtype} array of shape {witness.shape}" if isinstance(witness, np.ndarray) \
            else type(witness).__name__
        raise MalformedInput(f"witness must be a uint64 array of shape (n, 4), not {given}")
