"""The optimal ate pairing on BN254: e(P, Q) for P in G1, Q in G2, valued in the Fq12 of zkl.algebra.tower.

e(P, Q) = f_{6x+2,Q}(P)^((q^12 - 1)/r) with the two Frobenius-twisted lines of
the optimal ate pairing; the value is exactly py_ecc's
`optimized_bn128.pairing(Q, P)` (note py_ecc's argument order, G2 first)
after `tower.from_py_ecc`.  The infinity (0, 0) pairs to 1 with everything.

Products of pairings share one Miller loop (one Fq12 squaring per bit for all
pairs) and one final exponentiation: use `multi_pairing` for the value and
`pairing_check` (product == 1, compared inside the kernel) for verification.
A verifier with fixed G2 points (a Groth16 verifying key) prepares them once
with `prepare_g2` and calls `pairing_check_prepared`, which skips the G2
arithmetic of the Miller loop.

Validation (validate=True, the default): coordinates must be ints in [0, q)
(FieldElementOutOfRange) and points on their curves (NotOnCurve).  G1 has
cofactor 1, so that also puts P in the subgroup; membership of Q in the
order-r subgroup of the twist is not checked here yet: that is the job of the
subgroup check of zkl.algebra.curve, to be called from `_check_g2_subgroup`
(until then, callers taking G2 points from outside must apply it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from zkl.algebra._kernels import pairing as _kp
from zkl.algebra.constants import Q
from zkl.algebra.limbs import ints_to_limbs, ints_to_montgomery, limbs_to_ints, montgomery_to_ints
from zkl.algebra.points import G1Point, G2Point
from zkl.algebra.tower import Fq12
from zkl.errors import NotInSubgroup, FieldElementOutOfRange, MalformedInput, NotOnCurve, ShapeMismatch

__all__ = [
    "PreparedG2",
    "final_exponentiation",
    "miller_loop",
    "multi_pairing",
    "pairing",
    "pairing_check",
    "pairing_check_prepared",
    "prepare_g2",
    "warmup",
]

#: number of precomputed line values per prepared G2 point
N_LINES = _kp.N_LINES
#: empty arrays for the unused arguments of the kernel entry point
_NO_G1 = np.zeros((0, 2, 4), dtype=np.uint64)
_NO_G2 = np.zeros((0, 2, 2, 4), dtype=np.uint64)
_NO_LINES = np.zeros((0, N_LINES, 2, 2, 4), dtype=np.uint64)


@dataclass(frozen=True, eq=False)
class PreparedG2:
    """A G2 point with the line coefficients of its Miller loop precomputed ((N_LINES, 2, 2, 4) Montgomery)."""

    point: G2Point
    lines: np.ndarray = field(repr=False)

    def is_infinity(self) -> bool:
        """True when the prepared point is the point at infinity (it pairs to 1)."""
        return self.point.is_infinity()


def pairing(p: G1Point, q: G2Point, validate: bool = True) -> Fq12:
    """The reduced optimal ate pairing e(p, q) (1 when either point is infinity)."""
    return multi_pairing([(p, q)], validate=validate)


def multi_pairing(pairs: Sequence[tuple[G1Point, G2Point]], validate: bool = True) -> Fq12:
    """The product of e(p, q) over pairs: one multi-Miller loop and one final exponentiation (1 when empty)."""
    g1, g2 = _pairs_to_arrays(pairs, validate)
    if g1.shape[0] == 0:
        return Fq12.one()
    out = np.empty((1, 2, 3, 2, 4), dtype=np.uint64)
    _kp._pairing_entry(_kp.MODE_PAIRING, g1, g2, _NO_LINES, out)
    return _fq12s_from_limbs(out)[0]


def pairing_check(pairs: Sequence[tuple[G1Point, G2Point]], validate: bool = True) -> bool:
    """True when the product of e(p, q) over pairs is 1 (the comparison happens in the kernel)."""
    g1, g2 = _pairs_to_arrays(pairs, validate)
    if g1.shape[0] == 0:
        return True
    return bool(_kp._pairing_entry(_kp.MODE_PAIRING, g1, g2, _NO_LINES, np.empty((1, 2, 3, 2, 4), dtype=np.uint64)))


def miller_loop(pairs: Sequence[tuple[G1Point, G2Point]], validate: bool = True) -> Fq12:
    """The multi-Miller loop value Π f_{6x+2,q}(p) · lines (unreduced: up to factors the final exponentiation kills)."""
    g1, g2 = _pairs_to_arrays(pairs, validate)
    if g1.shape[0] == 0:
        return Fq12.one()
    out = np.empty((1, 2, 3, 2, 4), dtype=np.uint64)
    _kp._pairing_entry(_kp.MODE_MILLER, g1, g2, _NO_LINES, out)
    return _fq12s_from_limbs(out)[0]


def final_exponentiation(f: Fq12) -> Fq12:
    """f^((q^12 - 1)/r), mapping a Miller loop value to the pairing group (0 maps to 0)."""
    if not isinstance(f, Fq12):
        raise MalformedInput(f"Argument 'f' must be a tower.Fq12, not {type(f).__name__}")
    out = ints_to_limbs(list(f.to_ints())).reshape(1, 2, 3, 2, 4)
    _kp._pairing_entry(_kp.MODE_FINAL_EXP, _NO_G1, _NO_G2, _NO_LINES, out)
    return _fq12s_from_limbs(out)[0]


def prepare_g2(q: G2Point, validate: bool = True) -> PreparedG2:
    """Precompute the Miller-loop line coefficients of a fixed G2 point (e.g. a verifying key's β, γ, δ)."""
    _, g2 = _to_montgomery([], [q], validate, "G1 point", "G2 point")
    lines = np.zeros((1, N_LINES, 2, 2, 4), dtype=np.uint64)
    if not q.is_infinity():
        _kp._prepare_g2(g2, lines)
    lines = lines[0]
    lines.setflags(write=False)
    return PreparedG2(q, lines)


def pairing_check_prepared(
    g1_points: Sequence[G1Point], prepared_g2s: Sequence[PreparedG2 | G2Point], validate: bool = True
) -> bool:
    """True when Π e(g1_points[i], prepared_g2s[i]) is 1; G2 entries from `prepare_g2` (or plain G2Points, prepared here)."""
    if len(g1_points) != len(prepared_g2s):
        raise ShapeMismatch(
            f"pairing_check_prepared needs as many G2 points as G1 points ({len(g1_points)}), "
            f"not {len(prepared_g2s)}"
        )
    plain = []
    for i, prep in enumerate(prepared_g2s):
        if isinstance(prep, G2Point):
            plain.append(i)
        elif not isinstance(prep, PreparedG2):
            raise MalformedInput(
                f"prepared_g2s[{i}] must be a PreparedG2 (from prepare_g2) or a G2Point, not {type(prep).__name__}"
            )
        elif prep.lines.shape != (N_LINES, 2, 2, 4) or prep.lines.dtype != np.uint64:
            raise ShapeMismatch(f"prepared_g2s[{i}].lines must have shape ({N_LINES}, 2, 2, 4), not {prep.lines.shape}")
    g1, g2 = _to_montgomery(list(g1_points), [prepared_g2s[i] for i in plain], validate, "g1_points", "G2 point")
    keep = [i for i, (p, q) in enumerate(zip(g1_points, prepared_g2s)) if not p.is_infinity() and not q.is_infinity()]
    if not keep:
        return True
    lines = np.empty((len(keep), N_LINES, 2, 2, 4), dtype=np.uint64)
    row_of = {i: row for row, i in enumerate(keep)}
    fresh = [(row_of[i], j) for j, i in enumerate(plain) if i in row_of]  # (row in lines, row in g2)
    if fresh:
        fresh_lines = np.empty((len(fresh), N_LINES, 2, 2, 4), dtype=np.uint64)
        _kp._prepare_g2(np.ascontiguousarray(g2[[j for _, j in fresh]]), fresh_lines)
        lines[[row for row, _ in fresh]] = fresh_lines
    for row, i in enumerate(keep):
        if not isinstance(prepared_g2s[i], G2Point):
            lines[row] = prepared_g2s[i].lines
    if len(keep) != len(g1_points):
        g1 = np.ascontiguousarray(g1[keep])
    out = np.empty((1, 2, 3, 2, 4), dtype=np.uint64)
    return bool(_kp._pairing_entry(_kp.MODE_PAIRING_PREPARED, g1, _NO_G2, lines, out))


# --------------------------------------------------------------------------- helpers


def _pairs_to_arrays(pairs: Sequence[tuple[G1Point, G2Point]], validate: bool) -> tuple[np.ndarray, np.ndarray]:
    """Montgomery arrays of the pairs with no point at infinity, after validation of every point."""
    ps, qs = [], []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise MalformedInput(f"pair {i} must be a (G1Point, G2Point) tuple, not {type(pair).__name__}")
        ps.append(pair[0])
        qs.append(pair[1])
    g1, g2 = _to_montgomery(ps, qs, validate, "G1 point", "G2 point")
    keep = [i for i in range(len(ps)) if not ps[i].is_infinity() and not qs[i].is_infinity()]
    if len(keep) != len(ps):
        g1, g2 = np.ascontiguousarray(g1[keep]), np.ascontiguousarray(g2[keep])
    return g1, g2


def _to_montgomery(
    ps: list, qs: list, validate: bool, what1: str = "G1 point", what2: str = "G2 point"
) -> tuple[np.ndarray, np.ndarray]:
    """(k, 2, 4) and (m, 2, 2, 4) Montgomery arrays of G1 and G2 points: types and ranges always
    checked, the curve equations when validate.  One serial kernel call: no parallel launch on the
    verifier's hot path."""
    for i, p in enumerate(ps):
        if not isinstance(p, G1Point):
            raise MalformedInput(f"{what1} {i} must be a G1Point, not {type(p).__name__}")
    for i, q in enumerate(qs):
        if not isinstance(q, G2Point):
            raise MalformedInput(f"{what2} {i} must be a G2Point, not {type(q).__name__}")
    c1 = [c for p in ps for c in (p.x, p.y)]
    c2 = [c for q in qs for xy in (q.x, q.y) for c in _fq2_coords(xy, what2)]
    c1 = _check_coordinates(c1, "G1 coordinate")
    c2 = _check_coordinates(c2, "G2 coordinate")
    g1, g2, bad1, bad2 = _kp._convert_inputs(
        ints_to_limbs(c1).reshape(len(ps), 2, 4), ints_to_limbs(c2).reshape(len(qs), 2, 2, 4), validate
    )
    if bad1 >= 0:
        p = ps[bad1]
        raise NotOnCurve(f"{what1} {bad1} must be on G1 (y^2 = x^3 + 3), not ({p.x}, {p.y})")
    if bad2 >= 0:
        q = qs[bad2]
        raise NotOnCurve(f"{what2} {bad2} must be on the twist G2 (y^2 = x^3 + 3/(9+u)), not ({q.x}, {q.y})")
    if validate and g2.shape[0]:
        _check_g2_subgroup(g2, qs, what2)
    return g1, g2


def _check_g2_subgroup(g2: np.ndarray, points: list, what: str) -> None:
    """Raise NotInSubgroup for the first G2 point (on-curve already checked) outside the order-r subgroup."""
    from zkl.algebra._kernels import curve as _kc

    bad = int(_kc._validate_points(np.ascontiguousarray(g2), True)[0]) if len(points) else -1
    if bad >= 0:
        raise NotInSubgroup(f"{what} {bad} must be in the order-r subgroup of G2; it is on the twist but outside it")


def _fq2_coords(xy: object, what: str) -> tuple:
    """The two coordinates of an Fq2 pair, checking its shape."""
    if not isinstance(xy, (tuple, list)) or len(xy) != 2:
        raise MalformedInput(f"{what} coordinates must be (c0, c1) pairs of ints, not {xy!r}")
    return tuple(xy)


def _check_coordinates(values: list, what: str) -> list[int]:
    """The values as ints, raising FieldElementOutOfRange for the first that is not an int in [0, q)."""
    out = []
    for i, v in enumerate(values):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise FieldElementOutOfRange(f"{what} {i} must be an int, not {type(v).__name__}")
        if not 0 <= v < Q:
            raise FieldElementOutOfRange(f"{what} {i} must be in [0, q) (q the base field modulus), not {v}")
        out.append(int(v))
    return out


def _fq12s_from_limbs(array: np.ndarray) -> list[Fq12]:
    """tower.Fq12 elements of a normal-form (n, 2, 3, 2, 4) limb array."""
    v = limbs_to_ints(array)
    return [Fq12.from_ints(v[12 * i : 12 * i + 12]) for i in range(array.shape[0])]


def _fq12s_to_array(fs: Sequence[Fq12]) -> np.ndarray:
    """(n, 2, 3, 2, 4) Montgomery array of tower.Fq12 elements (for the tower kernels' tests)."""
    coeffs = [c for f in fs for c in f.to_ints()]
    return ints_to_montgomery(coeffs, Q, "Fq12 coefficient").reshape(len(fs), 2, 3, 2, 4)


def _fq12s_from_array(array: np.ndarray) -> list[Fq12]:
    """tower.Fq12 elements of an (n, 2, 3, 2, 4) Montgomery array (for the tower kernels' tests)."""
    v = montgomery_to_ints(np.ascontiguousarray(array), Q)
    return [Fq12.from_ints(v[12 * i : 12 * i + 12]) for i in range(array.shape[0])]


def warmup() -> None:
    """Compile (or load from numba's disk cache) the pairing kernels: a pairing check, plain and prepared."""
    from zkl.algebra.curve import G1_GENERATOR, G2_GENERATOR, g1_neg

    pairing_check([(G1_GENERATOR, G2_GENERATOR), (g1_neg(G1_GENERATOR), G2_GENERATOR)])
    pairing_check_prepared([G1_GENERATOR], [prepare_g2(G2_GENERATOR)])
