"""BN254 in plain Python ints, for one verification in a short-lived process: no numba kernels.

    from zkl.algebra.pure import g1_on_curve, g2_check, g1_lincomb, pairing_is_one
    g2_check(((x0, x1), (y0, y1)))        # 0 valid, 2 off the twist, 3 outside the order-r subgroup
    pairing_is_one([(p1, q1), (p2, q2)])  # prod e(p_i, q_i) == 1, one final exponentiation

The numba kernels (zkl.algebra.pairing) win as soon as their machine code is loaded, but loading
numba and its target context costs most of a second: more than a whole Groth16 verification
here (about 0.05 s: four Miller loops, one final exponentiation, four G2 subgroup checks).
`zkl groth16 verify` uses this module; everything else uses the kernels.

Representation: Fq as int in [0, q); Fq2 as a tuple (c0, c1) for c0 + c1 u (u^2 = -1); Fq6 as
three Fq2 (v^3 = xi = 9 + u); Fq12 as two Fq6 (w^2 = v): the tower of zkl.algebra.tower. A G1
point is (x, y) affine, a G2 point ((x0, x1), (y0, y1)) on the twist y^2 = x^3 + 3/xi; None
(and, at the API, (0, 0) resp. ((0, 0), (0, 0))) is the point at infinity.  The pairing is the
optimal ate pairing f_{6x+2,Q}(P) l_{T,pi(Q)}(P) l_{T',-pi^2(Q)}(P) with affine Miller steps
(vertical lines dropped: the final exponentiation kills them) and the final exponentiation
(q^6 - 1)(q^2 + 1) times the hard part lambda_0 + lambda_1 q + lambda_2 q^2 + q^3 written in
powers of x (Scott et al.); tests compare it with the kernels and with py_ecc.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkl.algebra.constants import ATE_LOOP_COUNT, BN_X, G2_B, Q, R

__all__ = ["g1_add", "g1_lincomb", "g1_mul", "g1_neg", "g1_on_curve", "g2_check", "g2_on_curve", "miller_loop",
           "final_exponentiation", "pairing_is_one"]

Fq2 = tuple[int, int]

# --------------------------------------------------------------------------- Fq2


def _f2mul(a: Fq2, b: Fq2) -> Fq2:
    a0, a1 = a
    b0, b1 = b
    return (a0 * b0 - a1 * b1) % Q, (a0 * b1 + a1 * b0) % Q


def _f2sq(a: Fq2) -> Fq2:
    a0, a1 = a
    return (a0 + a1) * (a0 - a1) % Q, 2 * a0 * a1 % Q


def _f2add(a: Fq2, b: Fq2) -> Fq2:
    return (a[0] + b[0]) % Q, (a[1] + b[1]) % Q


def _f2sub(a: Fq2, b: Fq2) -> Fq2:
    return (a[0] - b[0]) % Q, (a[1] - b[1]) % Q


def _f2neg(a: Fq2) -> Fq2:
    return -a[0] % Q, -a[1] % Q


def _f2xi(a: Fq2) -> Fq2:
    """a * (9 + u)."""
    a0, a1 = a
    return (9 * a0 - a1) % Q, (a0 + 9 * a1) % Q


def _f2inv(a: Fq2) -> Fq2:
    a0, a1 = a
    t = pow(a0 * a0 + a1 * a1, -1, Q)
    return a0 * t % Q, -a1 * t % Q


def _f2pow(a: Fq2, e: int) -> Fq2:
    out = (1, 0)
    for bit in bin(e)[2:]:
        out = _f2sq(out)
        if bit == "1":
            out = _f2mul(out, a)
    return out


# --------------------------------------------------------------------------- Fq6, Fq12


def _f6add(a, b):
    return _f2add(a[0], b[0]), _f2add(a[1], b[1]), _f2add(a[2], b[2])


def _f6sub(a, b):
    return _f2sub(a[0], b[0]), _f2sub(a[1], b[1]), _f2sub(a[2], b[2])


def _f6neg(a):
    return _f2neg(a[0]), _f2neg(a[1]), _f2neg(a[2])


def _f6mul(a, b):
    (a00, a01), (a10, a11), (a20, a21) = a
    (b00, b01), (b10, b11), (b20, b21) = b
    # products of the Fq2 coefficients, unreduced
    p00r, p00i = a00 * b00 - a01 * b01, a00 * b01 + a01 * b00
    p11r, p11i = a10 * b10 - a11 * b11, a10 * b11 + a11 * b10
    p22r, p22i = a20 * b20 - a21 * b21, a20 * b21 + a21 * b20
    p01r, p01i = a00 * b10 - a01 * b11 + a10 * b00 - a11 * b01, a00 * b11 + a01 * b10 + a10 * b01 + a11 * b00
    p02r, p02i = a00 * b20 - a01 * b21 + a20 * b00 - a21 * b01, a00 * b21 + a01 * b20 + a20 * b01 + a21 * b00
    p12r, p12i = a10 * b20 - a11 * b21 + a20 * b10 - a21 * b11, a10 * b21 + a11 * b20 + a20 * b11 + a21 * b10
    # c0 = p00 + xi p12, c1 = p01 + xi p22, c2 = p02 + p11 (xi = 9 + u)
    return (((p00r + 9 * p12r - p12i) % Q, (p00i + p12r + 9 * p12i) % Q),
            ((p01r + 9 * p22r - p22i) % Q, (p01i + p22r + 9 * p22i) % Q),
            ((p02r + p11r) % Q, (p02i + p11i) % Q))


def _f6v(a):
    """a * v."""
    return _f2xi(a[2]), a[0], a[1]


def _f6inv(a):
    a0, a1, a2 = a
    t0 = _f2sub(_f2sq(a0), _f2xi(_f2mul(a1, a2)))
    t1 = _f2sub(_f2xi(_f2sq(a2)), _f2mul(a0, a1))
    t2 = _f2sub(_f2sq(a1), _f2mul(a0, a2))
    den = _f2add(_f2mul(a0, t0), _f2xi(_f2add(_f2mul(a2, t1), _f2mul(a1, t2))))
    d = _f2inv(den)
    return _f2mul(t0, d), _f2mul(t1, d), _f2mul(t2, d)


_F6_ZERO = ((0, 0), (0, 0), (0, 0))
_F6_ONE = ((1, 0), (0, 0), (0, 0))
_F12_ONE = (_F6_ONE, _F6_ZERO)


def _f12mul(a, b):
    a0, a1 = a
    b0, b1 = b
    t0 = _f6mul(a0, b0)
    t1 = _f6mul(a1, b1)
    c1 = _f6sub(_f6sub(_f6mul(_f6add(a0, a1), _f6add(b0, b1)), t0), t1)
    return _f6add(t0, _f6v(t1)), c1


def _f12sq(a):
    a0, a1 = a
    t = _f6mul(a0, a1)
    c0 = _f6sub(_f6sub(_f6mul(_f6add(a0, a1), _f6add(a0, _f6v(a1))), t), _f6v(t))
    return c0, _f6add(t, t)


def _f12conj(a):
    return a[0], _f6neg(a[1])


def _f12inv(a):
    a0, a1 = a
    d = _f6inv(_f6sub(_f6mul(a0, a0), _f6v(_f6mul(a1, a1))))
    return _f6mul(a0, d), _f6neg(_f6mul(a1, d))


def _f12pow(a, e: int):
    out = _F12_ONE
    for bit in bin(e)[2:]:
        out = _f12sq(out)
        if bit == "1":
            out = _f12mul(out, a)
    return out


_XI = (9, 1)
#: _GAMMA[k][i] = xi^(i (q^k - 1) / 6): the factor of w^i in the q^k-power Frobenius (k = 1, 2, 3)
def _powers(g: Fq2) -> list[Fq2]:
    out = [(1, 0)]
    for _ in range(5):
        out.append(_f2mul(out[-1], g))
    return out


_GAMMA = {k: _powers(_f2pow(_XI, (Q**k - 1) // 6)) for k in (1, 2, 3)}


def _f12frob(a, k: int):
    """a^(q^k) for k in 1, 2, 3: coefficient a_i of w^i (i = 2j + half) becomes frob(a_i) * gamma_{k,i}."""
    g = _GAMMA[k]
    odd = k & 1
    out = []
    for half in (0, 1):
        coeffs = []
        for j in range(3):
            c = a[half][j]
            if odd:
                c = (c[0], -c[1] % Q)
            coeffs.append(_f2mul(c, g[2 * j + half]))
        out.append(tuple(coeffs))
    return tuple(out)


# --------------------------------------------------------------------------- G1


def g1_on_curve(p: tuple[int, int] | None) -> bool:
    """y^2 = x^3 + 3 (None is the point at infinity: valid); coordinates must be < q (the caller's check)."""
    if p is None:
        return True
    x, y = p
    return (y * y - x * x * x - 3) % Q == 0


def g1_neg(p):
    return None if p is None else (p[0], -p[1] % Q)


def _jac_double(p):
    x, y, z = p
    if z == 0 or y == 0:
        return (1, 1, 0)
    a = x * x % Q
    b = y * y % Q
    c = b * b % Q
    d = 2 * ((x + b) * (x + b) - a - c) % Q
    e = 3 * a % Q
    x3 = (e * e - 2 * d) % Q
    return x3, (e * (d - x3) - 8 * c) % Q, 2 * y * z % Q


def _jac_add(p, q):
    x1, y1, z1 = p
    x2, y2, z2 = q
    if z1 == 0:
        return q
    if z2 == 0:
        return p
    z1z1 = z1 * z1 % Q
    z2z2 = z2 * z2 % Q
    u1 = x1 * z2z2 % Q
    u2 = x2 * z1z1 % Q
    s1 = y1 * z2 * z2z2 % Q
    s2 = y2 * z1 * z1z1 % Q
    if u1 == u2:
        return _jac_double(p) if s1 == s2 else (1, 1, 0)
    h = (u2 - u1) % Q
    i = 4 * h * h % Q
    j = h * i % Q
    r = 2 * (s2 - s1) % Q
    v = u1 * i % Q
    x3 = (r * r - j - 2 * v) % Q
    y3 = (r * (v - x3) - 2 * s1 * j) % Q
    z3 = ((z1 + z2) * (z1 + z2) - z1z1 - z2z2) * h % Q
    return x3, y3, z3


def _to_affine(p):
    x, y, z = p
    if z == 0:
        return None
    zi = pow(z, -1, Q)
    zi2 = zi * zi % Q
    return x * zi2 % Q, y * zi2 * zi % Q


def g1_lincomb(points: Sequence, scalars: Sequence[int]):
    """sum_i scalars[i] * points[i] (affine or None), scalars in [0, r): one shared double-and-add (Straus)."""
    jac = [(p[0], p[1], 1) for p in points if p is not None]
    ks = [k for p, k in zip(points, scalars) if p is not None]
    acc = (1, 1, 0)
    for bit in range(max((k.bit_length() for k in ks), default=0) - 1, -1, -1):
        acc = _jac_double(acc)
        for p, k in zip(jac, ks):
            if k >> bit & 1:
                acc = _jac_add(acc, p)
    return _to_affine(acc)


def g1_mul(p, k: int):
    return g1_lincomb([p], [k % R])


def g1_add(p, q):
    return g1_lincomb([p, q], [1, 1])


# --------------------------------------------------------------------------- G2 (affine, on the twist)


def g2_on_curve(p) -> bool:
    """y^2 = x^3 + 3/xi over Fq2 (None: infinity)."""
    if p is None:
        return True
    x, y = p
    lhs = _f2sq(y)
    rhs = _f2add(_f2mul(_f2sq(x), x), G2_B)
    return lhs == rhs


def _g2_step(t, q):
    """(t + q, slope) in affine coordinates; slope None when the line is vertical or a point is infinity."""
    if t is None:
        return q, None
    if q is None:
        return t, None
    (x1, y1), (x2, y2) = t, q
    if x1 == x2:
        if y1 != y2 or y1 == (0, 0):
            return None, None  # t = -q: a vertical line
        lam = _f2mul(_f2mul((3, 0), _f2sq(x1)), _f2inv(_f2add(y1, y1)))
    else:
        lam = _f2mul(_f2sub(y2, y1), _f2inv(_f2sub(x2, x1)))
    x3 = _f2sub(_f2sub(_f2sq(lam), x1), x2)
    y3 = _f2sub(_f2mul(lam, _f2sub(x1, x3)), y1)
    return (x3, y3), lam


def _g2_mul(p, k: int):
    """k * p (k > 0) on the twist, affine double-and-add with the Fq2 arithmetic written out (the subgroup check's
    cost); None for infinity."""
    (px0, px1), (py0, py1) = p
    x0, x1, y0, y1 = px0, px1, py0, py1
    inf = False
    for bit in bin(k)[3:]:
        if not inf:  # double: lam = 3 x^2 / (2 y)
            if y0 == 0 and y1 == 0:
                inf = True
            else:
                n0, n1 = 3 * (x0 + x1) * (x0 - x1), 6 * x0 * x1
                t = pow(4 * (y0 * y0 + y1 * y1), -1, Q)
                d0, d1 = 2 * y0 * t, -2 * y1 * t
                l0, l1 = (n0 * d0 - n1 * d1) % Q, (n0 * d1 + n1 * d0) % Q
                nx0, nx1 = ((l0 + l1) * (l0 - l1) - 2 * x0) % Q, (2 * l0 * l1 - 2 * x1) % Q
                e0, e1 = x0 - nx0, x1 - nx1
                y0, y1 = (l0 * e0 - l1 * e1 - y0) % Q, (l0 * e1 + l1 * e0 - y1) % Q
                x0, x1 = nx0, nx1
        if bit == "1":
            if inf:
                x0, x1, y0, y1, inf = px0, px1, py0, py1, False
            elif x0 == px0 and x1 == px1:
                if y0 == py0 and y1 == py1:  # t = p: double (as above, through the generic step)
                    (x0, x1), (y0, y1) = _g2_step(((x0, x1), (y0, y1)), ((x0, x1), (y0, y1)))[0]
                else:
                    inf = True  # t = -p
            else:  # add: lam = (py - y) / (px - x)
                a0, a1 = px0 - x0, px1 - x1
                t = pow(a0 * a0 + a1 * a1, -1, Q)
                i0, i1 = a0 * t, -a1 * t
                b0, b1 = py0 - y0, py1 - y1
                l0, l1 = (b0 * i0 - b1 * i1) % Q, (b0 * i1 + b1 * i0) % Q
                nx0, nx1 = ((l0 + l1) * (l0 - l1) - x0 - px0) % Q, (2 * l0 * l1 - x1 - px1) % Q
                e0, e1 = x0 - nx0, x1 - nx1
                y0, y1 = (l0 * e0 - l1 * e1 - y0) % Q, (l0 * e1 + l1 * e0 - y1) % Q
                x0, x1 = nx0, nx1
    return None if inf else ((x0, x1), (y0, y1))


def _g2_mul_reference(p, k: int):
    """k * p through the generic affine step (the tests' reference for _g2_mul)."""
    acc = None
    for bit in bin(k)[2:]:
        acc = _g2_step(acc, acc)[0] if acc is not None else None
        if bit == "1":
            acc = _g2_step(acc, p)[0]
    return acc


def _psi(q):
    """The endomorphism psi = untwist-Frobenius-twist of the twist (None stays None)."""
    return None if q is None else _frob_g2(q, 1)


def _g2_add(a, b):
    return _g2_step(a, b)[0]


def in_g2_subgroup(p) -> bool:
    """Whether a twist point is in the order-r subgroup, by the BN criterion of El Housni, Guillevic and
    Piellard (eprint 2022/348, sec. 3 and 5.1; gnark-crypto's bn254 G2 IsInSubGroup):
    [r]P = 0  <=>  [x+1]P + psi([x]P) + psi^2([x]P) = psi^3([2x]P); a 63-bit multiplication instead of 254."""
    if p is None:
        return True
    xp = _g2_mul(p, BN_X)
    psi_xp = _psi(xp)
    lhs = _g2_add(_g2_add(_g2_add(xp, p), psi_xp), _psi(psi_xp))
    rhs = _psi(_psi(_psi(_g2_add(xp, xp))))
    return lhs == rhs


def in_g2_subgroup_by_order(p) -> bool:
    """[r]P = 0, the definition (the tests' reference for in_g2_subgroup)."""
    return p is None or _g2_mul(p, R) is None


def g2_check(p) -> int:
    """0 for a point of G2 (None, the point at infinity, included), 2 off the twist, 3 outside the order-r subgroup."""
    if p is None:
        return 0
    if not g2_on_curve(p):
        return 2
    return 0 if in_g2_subgroup(p) else 3


# --------------------------------------------------------------------------- pairing


def _line(lam: Fq2, t, p):
    """The line of slope lam (on the twist) through t, at P = (xp, yp), as an Fq12:
    yp - lam xp w + (lam x_t - y_t) w^3  (w^3 = v w)."""
    xp, yp = p
    xt, yt = t
    c1 = ((-lam[0] * xp % Q, -lam[1] * xp % Q), _f2sub(_f2mul(lam, xt), yt), (0, 0))
    return ((yp, 0), (0, 0), (0, 0)), c1


def _frob_g2(q, k: int):
    """pi^k(q) on the twist: (conj^k(x) xi^((q^k-1)/3), conj^k(y) xi^((q^k-1)/2))."""
    x, y = q
    if k & 1:
        x, y = (x[0], -x[1] % Q), (y[0], -y[1] % Q)
    return _f2mul(x, _GAMMA[k][2]), _f2mul(y, _GAMMA[k][3])


def miller_loop(pairs: Sequence) -> tuple:
    """prod_i f_i(P_i) of the optimal ate pairing (before the final exponentiation); infinity pairs skipped."""
    work = [(p, q) for p, q in pairs if p is not None and q is not None]
    f = _F12_ONE
    ts = [q for _, q in work]
    for bit in bin(ATE_LOOP_COUNT)[3:]:
        f = _f12sq(f)
        for i, (p, q) in enumerate(work):
            t = ts[i]
            nt, lam = _g2_step(t, t)
            if lam is not None:
                f = _f12mul(f, _line(lam, t, p))
            ts[i] = t = nt
            if bit == "1":
                nt, lam = _g2_step(t, q)
                if lam is not None:
                    f = _f12mul(f, _line(lam, t, p))
                ts[i] = nt
    for i, (p, q) in enumerate(work):
        q1 = _frob_g2(q, 1)
        x2, y2 = _frob_g2(q, 2)
        q2 = (x2, _f2neg(y2))
        t = ts[i]
        nt, lam = _g2_step(t, q1)
        if lam is not None:
            f = _f12mul(f, _line(lam, t, p))
        nt2, lam = _g2_step(nt, q2)
        if lam is not None:
            f = _f12mul(f, _line(lam, nt, p))
    return f


def _cyc_pow_x(a):
    return _f12pow(a, BN_X)


def final_exponentiation(f) -> tuple:
    """f^((q^12 - 1) / r) (with the hard part's exponent in the base-q digits lambda_i of Scott et al.)."""
    f1 = _f12mul(_f12conj(f), _f12inv(f))  # f^(q^6 - 1)
    f2 = _f12mul(_f12frob(f1, 2), f1)  # ^(q^2 + 1): now in the cyclotomic subgroup (inverse = conjugate)
    fx = _cyc_pow_x(f2)
    fx2 = _cyc_pow_x(fx)
    fx3 = _cyc_pow_x(fx2)
    # f^lambda_3 = f; f^lambda_2 = fx2^6 f; f^lambda_1 = (fx3^36 fx2^18 fx^12)^-1 f; f^lambda_0 = (fx3^36 fx2^30 fx^18 f^2)^-1
    fx3_36 = _f12pow(fx3, 36)
    fx2_6 = _f12pow(fx2, 6)
    fx2_18 = _f12pow(fx2_6, 3)
    fx_6 = _f12pow(fx, 6)
    l2 = _f12mul(fx2_6, f2)
    l1 = _f12mul(_f12conj(_f12mul(_f12mul(fx3_36, fx2_18), _f12sq(fx_6))), f2)
    fx2_30 = _f12mul(fx2_18, _f12sq(fx2_6))
    l0 = _f12conj(_f12mul(_f12mul(_f12mul(fx3_36, fx2_30), _f12pow(fx_6, 3)), _f12sq(f2)))
    return _f12mul(_f12mul(l0, _f12frob(l1, 1)), _f12mul(_f12frob(l2, 2), _f12frob(f2, 3)))


def pairing_is_one(pairs: Sequence) -> bool:
    """Whether prod_i e(P_i, Q_i) == 1 (points already checked; None is infinity)."""
    return final_exponentiation(miller_loop(pairs)) == _F12_ONE
