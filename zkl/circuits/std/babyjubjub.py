"""Baby Jubjub in a circuit: a*x^2 + y^2 = 1 + d*x^2*y^2 over Fr, a = 168700, d = 168696.
Native twin: `zkl.crypto.babyjubjub` (`add`, `double`, `is_on_curve`, `mul_base`, `scalar_mul`,
`is_in_subgroup`).

Points are `Point(x, y)` of variables or constants (affine twisted Edwards coordinates). Every
gadget takes points ON THE CURVE (assert it where they enter: `assert_on_curve`); the formulas
divide by 1 +- d*x1*x2*y1*y2, which never vanishes on the curve (a is a square, d is not: the
addition law is complete).

Costs in constraints (variable points; constant operands fold):

- `assert_on_curve` 3; `add` 6 (3 with a constant point); `double` 5; `assert_sum` (p + q == r) 6;
  `negate`, `select` with constant points: free; `select` 2;
- `mul_by_cofactor` (8P) 15; `assert_not_small_order` 16 (8P != identity, as circomlib);
  `assert_in_subgroup` 18 (a hint Q with 8Q == P: the image of x8 is the order-l subgroup);
- `mul_fixed(bits, base)`, base a constant point of order l: 2 constraints per scalar bit
  (505 for 251 bits), see below;
- `mul(p, k)`, p of order l, k any field element: 2,063 (about 8.1 per bit of the 254-bit k:
  505 for its unique decomposition, 6 per ladder step), see below;
- `assert_bits_le/ge(bits, k)` (a bit vector vs a constant): one constraint per run of equal
  bits of k.

Fixed base (`mul_fixed`). Bits are taken two at a time; window j adds the constant point
(2 d_j - 3) * 4^j * H, H = base / 2, looked up from d_j = b0 + 2 b1 with the one product
b0 * b1 (every other term is linear in the bits). The sum of 125 windows (250 bits) is made on
the birationally equivalent Montgomery curve v^2 = u^3 + 168698 u^2 + u with the incomplete
addition (3 constraints): the multiples of H summed so far stay below 4^j in absolute value and
the one added is at least 4^j, all below l, so the two points are never equal nor opposite and
each slope is fixed by its constraint. The sum is the scalar times base minus a constant;
bits beyond 250 and that constant are added on Edwards (complete, 6 each).

Variable base (`mul`). A double-and-add ladder on Montgomery, Acc <- (Acc + T) + Acc with
T = +-P (5 constraints and 1 for the sign), started at Acc = 2P: after t steps
Acc = [m]P with 2^t < m < 3 * 2^t, which keeps every addition away from its exceptional cases
(equal or opposite points) for the first 249 steps since 6 * 2^248 < l; the last 4 steps use
complete Edwards formulas. A ladder of N = 253 signed digits computes [2^N + 2K + 1]P; the
scalar is therefore taken as Z = 2K + b0 = k + 7l - 2^N, bits of Z asserted in
[7l - 2^N, 7l - 2^N + r - 1] (so 2^N + Z - 7l is exactly the integer k < r: the decomposition is
unique, no alias k + r), and [k]P = [2^N + 2K + 1]P - (1 - b0) P since [7l]P is the identity.

Every coordinate a ladder or window sum carries is one wire (`api.mul_sub`: a * b = w + c
instead of w = a * b and w - c), so linear combinations never grow along a chain of additions
(the R1CS of `mul` holds about 5 nonzero terms per constraint).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from zkl.circuits.adversaries import register
from zkl.circuits.field import R
from zkl.circuits.lincomb import Variable
from zkl.circuits.std.bits import RUN_ATTACKS, assert_bits_le_constant, run_hint
from zkl.crypto import babyjubjub as native
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API

__all__ = [
    "A", "BASE8", "D", "IDENTITY", "MONTGOMERY_A", "Point", "SUBGROUP_ORDER", "add", "assert_bits_ge",
    "assert_bits_le", "assert_equal", "assert_in_subgroup", "assert_not_small_order", "assert_on_curve",
    "assert_sum", "constant_point", "double", "mul", "mul_by_cofactor", "mul_fixed", "negate", "select",
]

A = native.A
D = native.D
SUBGROUP_ORDER = native.SUBGROUP_ORDER
MONTGOMERY_A = 2 * (A + D) * pow(A - D, -1, R) % R
"""A of the Montgomery form v^2 = u^3 + A u^2 + u (B = 4 / (a - d) = 1 for Baby Jubjub)."""
assert MONTGOMERY_A == 168698 and 4 * pow(A - D, -1, R) % R == 1


class Point(NamedTuple):
    """An affine Baby Jubjub point in a circuit: coordinates are variables or int constants."""

    x: Variable
    y: Variable


IDENTITY = Point(0, 1)
BASE8 = Point(native.BASE8.x, native.BASE8.y)
"""The EdDSA base point (order l) as a constant circuit point."""


def constant_point(p: native.Point) -> Point:
    """Return a native point as a constant circuit point."""
    return Point(p.x, p.y)


# ----------------------------------------------------------------------------- Edwards


def assert_on_curve(api: API, p: Point) -> None:
    """Assert a x^2 + y^2 = 1 + d x^2 y^2. 3 constraints."""
    with api.scope("bjj_on_curve"):
        x2 = api.mul(p.x, p.x)
        y2 = api.mul(p.y, p.y)
        api.constraint(api.mul(D, x2), y2, api.lincomb([(A, x2), (1, y2)], -1), "on_curve")


def _add_terms(api: API, p: Point, q: Point) -> tuple[Variable, Variable, Variable, Variable]:
    """Return (x numerator, x denominator, y numerator, y denominator) of p + q. 4 constraints."""
    beta = api.mul(p.x, q.y)
    gamma = api.mul(p.y, q.x)
    delta = api.mul(api.add(api.mul(-A, p.x), p.y), api.add(q.x, q.y))
    dtau = api.mul(D, api.mul(beta, gamma))
    return (api.add(beta, gamma), api.add(1, dtau),
            api.lincomb([(1, delta), (A, beta), (-1, gamma)]), api.sub(1, dtau))


def add(api: API, p: Point, q: Point) -> Point:
    """Return p + q (complete twisted Edwards addition). 6 constraints, 3 if q is constant."""
    with api.scope("bjj_add"):
        xn, xd, yn, yd = _add_terms(api, p, q)
        return Point(api.div_unchecked(xn, xd), api.div_unchecked(yn, yd))


def assert_sum(api: API, p: Point, q: Point, r: Point) -> None:
    """Assert p + q == r. 6 constraints (3 if q is constant): add without output wires."""
    with api.scope("bjj_assert_sum"):
        xn, xd, yn, yd = _add_terms(api, p, q)
        api.constraint(r.x, xd, xn, "sum.x")
        api.constraint(r.y, yd, yn, "sum.y")


def _double_terms(api: API, p: Point) -> tuple[Variable, Variable, Variable, Variable]:
    """Return (x numerator, x denominator, y numerator, y denominator) of 2p. 3 constraints."""
    beta = api.mul(p.x, p.y)
    delta = api.mul(api.add(api.mul(-A, p.x), p.y), api.add(p.x, p.y))
    dtau = api.mul(D, api.mul(beta, beta))
    return api.mul(2, beta), api.add(1, dtau), api.lincomb([(1, delta), (A - 1, beta)]), api.sub(1, dtau)


def double(api: API, p: Point) -> Point:
    """Return 2p. 5 constraints."""
    with api.scope("bjj_double"):
        xn, xd, yn, yd = _double_terms(api, p)
        return Point(api.div_unchecked(xn, xd), api.div_unchecked(yn, yd))


def negate(api: API, p: Point) -> Point:
    """Return -p = (-x, y). Free."""
    return Point(api.neg(p.x), p.y)


def select(api: API, cond: Variable, p: Point, q: Point) -> Point:
    """Return p if cond else q (cond asserted boolean). 2 constraints, free for constant points."""
    return Point(api.select(cond, p.x, q.x), api.select(cond, p.y, q.y))


def assert_equal(api: API, p: Point, q: Point) -> None:
    """Assert p == q. 2 constraints."""
    api.assert_equal(p.x, q.x)
    api.assert_equal(p.y, q.y)


def mul_by_cofactor(api: API, p: Point) -> Point:
    """Return 8p (three doublings). 15 constraints."""
    with api.scope("bjj_mul8"):
        return double(api, double(api, double(api, p)))


def assert_not_small_order(api: API, p: Point) -> Point:
    """Assert 8p != identity (p on the curve), as circomlib's EdDSA; return 8p. 16 constraints.

    8p lies in the subgroup of odd order l, where x = 0 only at the identity."""
    p8 = mul_by_cofactor(api, p)
    with api.scope("bjj_not_small_order"):
        api.assert_nonzero(p8.x)
    return p8


def eighth_hint(x: int, y: int) -> list[int]:
    """Hint: a point Q with 8Q = (x, y): Q = [8^-1 mod l] P (junk off the curve)."""
    try:
        q = native.scalar_mul(native.Point(x, y), pow(8, -1, SUBGROUP_ORDER))
    except Exception:
        return [0, 1]
    return [q.x, q.y]


def assert_in_subgroup(api: API, p: Point) -> None:
    """Assert p is in the subgroup of prime order l (p on the curve). 18 constraints.

    The curve group is (Z/8 torsion) x (Z/l), so the points 8Q are exactly the subgroup:
    Q is a hint, asserted on the curve, and 8Q == p."""
    with api.scope("bjj_in_subgroup"):
        qx, qy = api.hint(eighth_hint, p.x, p.y, n_outputs=2)
        q = Point(qx, qy)
        assert_on_curve(api, q)
        q4 = double(api, double(api, q))
        xn, xd, yn, yd = _double_terms(api, q4)
        api.constraint(p.x, xd, xn, "8q.x")
        api.constraint(p.y, yd, yn, "8q.y")


# ----------------------------------------------------------------------------- bits vs constants


def assert_bits_le(api: API, bits: Sequence[Variable], k: int) -> None:
    """Assert sum(bits[i] * 2**i) <= k for bits known or asserted boolean (asserted here).

    One constraint per run of equal bits of k: `zkl.circuits.std.bits.assert_bits_le_constant`
    (its hint is `run_hint`)."""
    assert_bits_le_constant(api, bits, k)


def assert_bits_ge(api: API, bits: Sequence[Variable], k: int) -> None:
    """Assert sum(bits[i] * 2**i) >= k (bits boolean): assert_bits_le on the complements."""
    n = len(bits)
    if k <= 0:
        return
    if k >= 1 << n:
        raise CircuitError(f"{n} bits can never reach {k}")
    complements = []
    for b in bits:
        api.assert_boolean(b)
        c = api.sub(1, b)
        api.mark_bits(c, 1)
        complements.append(c)
    assert_bits_le(api, complements, ((1 << n) - 1) ^ k)


# ----------------------------------------------------------------------------- Montgomery


class _Mont(NamedTuple):
    """A Montgomery point (u, v) in a circuit."""

    u: Variable
    v: Variable


def product_minus_hint(a: int, b: int, c: int) -> int:
    """Hint: a * b - c (unused since `api.mul_sub` makes that wire; kept for callers)."""
    return (a * b - c) % R


def _product_minus(api: API, a: Variable, b: Variable, c: Variable, label: str) -> Variable:
    """Return a * b - c as ONE new wire w, with the one constraint a * b = w + c (`api.mul_sub`),
    so that chained formulas never copy growing linear combinations; free (linear) when a or b
    is constant."""
    return api.mul_sub(a, b, c, label)


def _native_to_mont(p: native.Point) -> tuple[int, int]:
    """(u, v) of a native Edwards point that is neither the identity nor of order 2."""
    u = (1 + p.y) * pow(1 - p.y, -1, R) % R
    return u, u * pow(p.x, -1, R) % R


def _to_mont(api: API, p: Point) -> _Mont:
    """Edwards -> Montgomery: u = (1 + y) / (1 - y), v = u / x. 2 constraints; sound for
    x != 0 (y != +-1), i.e. p not the identity nor the point of order 2."""
    u = api.div_unchecked(api.add(1, p.y), api.sub(1, p.y))
    return _Mont(u, api.div_unchecked(u, p.x))


def _from_mont(api: API, m: _Mont) -> Point:
    """Montgomery -> Edwards: x = u / v, y = (u - 1) / (u + 1). 2 constraints; sound for v != 0
    (u = -1 is on no point, since d is not a square)."""
    return Point(api.div_unchecked(m.u, m.v), api.div_unchecked(api.sub(m.u, 1), api.add(m.u, 1)))


def _mont_add(api: API, p: _Mont, q: _Mont) -> _Mont:
    """p + q for p != +-q (incomplete). 3 constraints."""
    lam = api.div_unchecked(api.sub(q.v, p.v), api.sub(q.u, p.u))
    u = _product_minus(api, lam, lam, api.add(p.u, q.u, MONTGOMERY_A), "mont_add.u")
    return _Mont(u, _product_minus(api, lam, api.sub(p.u, u), p.v, "mont_add.v"))


def _mont_double(api: API, p: _Mont) -> _Mont:
    """2p for p of odd order. 4 constraints."""
    u2 = api.mul(p.u, p.u)
    lam = api.div_unchecked(api.lincomb([(3, u2), (2 * MONTGOMERY_A, p.u)], 1), api.mul(2, p.v))
    u = _product_minus(api, lam, lam, api.lincomb([(2, p.u)], MONTGOMERY_A), "mont_double.u")
    return _Mont(u, _product_minus(api, lam, api.sub(p.u, u), p.v, "mont_double.v"))


def _mont_double_add(api: API, acc: _Mont, t: _Mont) -> _Mont:
    """(acc + t) + acc = 2 acc + t for acc != +-t and acc + t != +-acc. 5 constraints."""
    lam1 = api.div_unchecked(api.sub(t.v, acc.v), api.sub(t.u, acc.u))
    ur = _product_minus(api, lam1, lam1, api.add(acc.u, t.u, MONTGOMERY_A), "mont_dbl_add.ur")
    # lam2 = (v_R - v_acc) / (u_R - u_acc) = -lam1 - 2 v_acc / (u_R - u_acc), v_R never made
    lam2 = api.sub(api.div_unchecked(api.mul(-2, acc.v), api.sub(ur, acc.u)), lam1)
    u = _product_minus(api, lam2, lam2, api.add(ur, acc.u, MONTGOMERY_A), "mont_dbl_add.u")
    return _Mont(u, _product_minus(api, lam2, api.sub(acc.u, u), acc.v, "mont_dbl_add.v"))


# ----------------------------------------------------------------------------- fixed base

_WINDOWS = 125
"""Two-bit windows summed on Montgomery: the partial sums stay below 4^125 = 2^250 < l."""
assert 4 ** _WINDOWS < SUBGROUP_ORDER


def _check_base(base: Point) -> native.Point:
    """Return a constant circuit point of order l as a native point, else raise CircuitError."""
    if not (isinstance(base.x, int) and isinstance(base.y, int)):
        raise CircuitError("mul_fixed needs a constant base point")
    p = native.Point(int(base.x) % R, int(base.y) % R)
    if not _is_base(p.x, p.y):
        raise CircuitError(f"mul_fixed needs a base of prime order l, not ({p.x}, {p.y})")
    return p


@functools.cache
def _is_base(x: int, y: int) -> bool:
    """Whether (x, y) is a point of prime order l (memoized: a native scalar multiplication)."""
    p = native.Point(x, y)
    return p != native.IDENTITY and native.is_in_subgroup(p)


@functools.cache
def _fixed_tables(bx: int, by: int, n_windows: int) -> tuple[tuple[tuple[tuple[int, int], ...], ...], native.Point]:
    """Montgomery (u, v) of (2d - 3) 4^j H, d = 0..3, per window j (H = base / 2), and the offset
    -[(4^W - 1) / 2] base that the window sum carries."""
    base = native.Point(bx, by)
    half = native.scalar_mul(base, pow(2, -1, SUBGROUP_ORDER))
    rows = []
    h = half
    for _ in range(n_windows):
        three = native.add(native.double(h), h)
        rows.append(tuple(_native_to_mont(p) for p in (native.negate(three), native.negate(h), h, three)))
        h = native.double(native.double(h))
    offset = native.scalar_mul(base, -(4 ** n_windows - 1) * pow(2, -1, SUBGROUP_ORDER) % SUBGROUP_ORDER)
    return tuple(rows), offset


def _window_point(api: API, b0: Variable, b1: Variable, row: tuple[tuple[int, int], ...]) -> _Mont:
    """The table entry row[b0 + 2 b1] as a Montgomery point: one product b0 * b1."""
    both = api.mul(b0, b1)
    out = []
    for c in range(2):
        t0, t1, t2, t3 = (e[c] for e in row)
        out.append(api.lincomb([((t1 - t0) % R, b0), ((t2 - t0) % R, b1), ((t3 - t2 - t1 + t0) % R, both)], t0))
    return _Mont(*out)


def _mul_fixed_terms(api: API, bits: Sequence[Variable], base: Point) -> tuple[Point, Point]:
    """Return (P, T) with P + T = [sum bits[i] 2^i] base; T is constant when len(bits) <= 250.

    Costs 2 constraints per bit before the final addition (see the module docstring)."""
    nb = _check_base(base)
    for b in bits:
        api.assert_boolean(b)
    low, high = list(bits[: 2 * _WINDOWS]), list(bits[2 * _WINDOWS:])
    if not low:
        return IDENTITY, IDENTITY
    n_windows = (len(low) + 1) // 2
    rows, offset = _fixed_tables(nb.x, nb.y, n_windows)
    acc: _Mont | None = None
    for j, row in enumerate(rows):
        b1 = low[2 * j + 1] if 2 * j + 1 < len(low) else 0
        entry = _window_point(api, low[2 * j], b1, row)
        acc = entry if acc is None else _mont_add(api, acc, entry)
    assert acc is not None
    point = _from_mont(api, acc)
    correction = native.negate(offset)
    if not high:
        return point, constant_point(correction)
    t = _select_constant(api, high[0], native.add(native.scalar_mul(nb, 1 << len(low)), correction), correction)
    for i, b in enumerate(high[1:], len(low) + 1):
        point = add(api, point, t)
        t = _select_constant(api, b, native.scalar_mul(nb, 1 << i), native.IDENTITY)
    return point, t


def _select_constant(api: API, b: Variable, p: native.Point, q: native.Point) -> Point:
    """p if b else q for constant points: linear in b, free."""
    return Point(api.lincomb([((p.x - q.x) % R, b)], q.x), api.lincomb([((p.y - q.y) % R, b)], q.y))


def mul_fixed(api: API, bits: Sequence[Variable], base: Point = BASE8) -> Point:
    """Return [sum bits[i] 2^i] base for a constant base of prime order l (default Base8).

    Bits little-endian, asserted boolean (free when known). About 2 constraints per bit: 505
    for 251 bits (S of EdDSA), 2.0 per bit up to 250 bits plus 3. Twin: `mul_base`."""
    with api.scope("bjj_mul_fixed"):
        p, t = _mul_fixed_terms(api, bits, base)
        return add(api, p, t)


# ----------------------------------------------------------------------------- variable base

_LADDER_BITS = 253
"""Signed digits of the ladder: [2^N + 2K + 1]P for K < 2^N, N = 253, covers every k < r."""
_LADDER_T = 7
"""k is written 2^N + Z - 7l with Z = 2K + b0 (the cheapest bounds among the t that fit)."""
_Z_LOW = _LADDER_T * SUBGROUP_ORDER - (1 << _LADDER_BITS)
_Z_HIGH = _Z_LOW + R - 1
assert 0 <= _Z_LOW and _Z_HIGH < 1 << (_LADDER_BITS + 1)


def _montgomery_steps() -> int:
    """Ladder steps safe on Montgomery: step t sees 2^t < m < 3 * 2^t (m = 2 at t = 0) and needs
    2m + 1 < l, so that Acc, T = +-P and Acc + T are never equal or opposite."""
    t = 0
    while 6 * (1 << t) - 1 < SUBGROUP_ORDER:
        t += 1
    return t


_MONTGOMERY_STEPS = _montgomery_steps()
assert _MONTGOMERY_STEPS == 249


def ladder_scalar_hint(k: int) -> list[int]:
    """Hint: the 254 bits of Z = k + 7l - 2^253 (little-endian)."""
    z = k + _Z_LOW
    return [(z >> i) & 1 for i in range(_LADDER_BITS + 1)]


def _ladder_scalar(api: API, k: Variable) -> list[Variable]:
    """Bits of Z with 2^N + Z - 7l == k and Z in [7l - 2^N, 7l - 2^N + r - 1] (unique)."""
    with api.scope("scalar"):
        zs = api.hint(ladder_scalar_hint, k, n_outputs=_LADDER_BITS + 1)
        for z in zs:
            api.assert_boolean(z)
        value = api.lincomb([(1 << i, z) for i, z in enumerate(zs)], (1 << _LADDER_BITS) - _LADDER_T * SUBGROUP_ORDER)
        api.assert_equal(value, k)
        assert_bits_ge(api, zs, _Z_LOW)
        assert_bits_le(api, zs, _Z_HIGH)
    return zs


def mul(api: API, p: Point, k: Variable) -> Point:
    """Return [k] p for p of prime order l, p != identity (e.g. 8A; `assert_not_small_order`
    makes one), k any field element (its integer value < r). 2,063 constraints for a variable k.

    Twin: `scalar_mul`. If p is the identity no witness exists; p of order 2, 4 or 8 is not
    allowed (the incomplete additions could then meet their exceptional cases)."""
    with api.scope("bjj_mul"):
        zs = _ladder_scalar(api, k)
        b0, digits = zs[0], zs[1:][::-1]  # digits: K's bits, most significant first
        pm = _to_mont(api, p)
        acc = _mont_double(api, pm)
        for t in range(_MONTGOMERY_STEPS):
            with api.scope(f"step{t}"):
                signed_v = api.sub(api.mul(2, api.mul(digits[t], pm.v)), pm.v)
                acc = _mont_double_add(api, acc, _Mont(pm.u, signed_v))
        point = _from_mont(api, acc)
        for t in range(_MONTGOMERY_STEPS, _LADDER_BITS):
            with api.scope(f"step{t}"):
                signed_x = api.sub(api.mul(2, api.mul(digits[t], p.x)), p.x)
                point = add(api, double(api, point), Point(signed_x, p.y))
        # point = [2^N + 2K + 1] p = [k + 1 - b0] p: subtract p unless b0
        fix = Point(api.sub(api.mul(b0, p.x), p.x), api.add(b0, api.sub(p.y, api.mul(b0, p.y))))
        return add(api, point, fix)


# ----------------------------------------------------------------------------- adversaries


def _ladder_alias(args: list, honest: list[int]) -> list[int]:
    """Bits of Z + r or Z - r: the other preimages of k mod r, if they fit."""
    (k,) = args
    z = k + _Z_LOW
    for other in (z + R, z - R):
        if 0 <= other < 1 << (_LADDER_BITS + 1):
            return [(other >> i) & 1 for i in range(_LADDER_BITS + 1)]
    return honest


def _ladder_plus_l(args: list, honest: list[int]) -> list[int]:
    """Bits of Z + l or Z - l: the same point, a different (out of range) scalar."""
    (k,) = args
    z = k + _Z_LOW
    for other in (z + SUBGROUP_ORDER, z - SUBGROUP_ORDER):
        if 0 <= other < 1 << (_LADDER_BITS + 1):
            return [(other >> i) & 1 for i in range(_LADDER_BITS + 1)]
    return honest


def _eighth_torsion(args: list, honest: list[int]) -> list[int]:
    """Q + (0, -1): another eighth of p (a valid witness too) or junk."""
    x, y = honest
    return [(-x) % R, (-y) % R]


ATTACKS = {
    # (g, p'): drop the flag although the run matched, keep it although it did not, junk
    run_hint: RUN_ATTACKS,
    ladder_scalar_hint: [_ladder_alias, _ladder_plus_l],
    eighth_hint: [_eighth_torsion, lambda a, h: [h[1], h[0]]],
}
"""Known attacks on the hints this module uses, registered in `zkl.circuits.adversaries` (the
`zkl.circuits.testing.ADVERSARIES` that assert_circuit tries) when the module is imported."""


def register_attacks() -> None:
    """Register ATTACKS in zkl.circuits.testing.ADVERSARIES (done at import; idempotent)."""
    for fn, attacks in ATTACKS.items():
        register(fn, attacks)


register_attacks()
