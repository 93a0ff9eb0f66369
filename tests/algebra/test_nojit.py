"""The field kernels stay correct without the JIT: a script run with NUMBA_DISABLE_JIT=1 on tiny sizes.

With the JIT off every kernel is plain Python on np.uint64 limbs and the
intrinsics use their Python-int twins, so a kernel that relied on uint64
wrap-around (or on numba's typing) would give wrong answers here.  Covered:
intrinsics, mont, fq, fr, fq2, convert, field_arrays and the public
zkl.algebra.field API, all against Python ints.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

_SCRIPT = textwrap.dedent(
    r'''
    import random
    import numpy as np
    from numba import config
    assert config.DISABLE_JIT, "the JIT must be off"

    from zkl.algebra._kernels import convert, field_arrays as K, fq, fq2, fr, intrinsics as I
    from zkl.algebra.constants import MONT_R, Q, R, int_to_limbs
    from zkl.algebra.field import Fq, Fr

    rnd = random.Random(7)
    M = 2**64 - 1

    def mont(x, p):
        return int_to_limbs(x * MONT_R % p)

    def val(t, p):
        return sum(int(w) << (64 * k) for k, w in enumerate(t)) * pow(MONT_R, -1, p) % p

    def rows(xs, p):
        return np.array([mont(x, p) for x in xs], dtype=np.uint64).reshape(-1, 4)

    def ints(a, p):
        return [val(tuple(r), p) for r in a]

    # intrinsics on edge words
    words = [0, 1, 2, M, M - 1, 2**63, 2**32 + 1]
    for a in words:
        for b in words:
            A, B = np.uint64(a), np.uint64(b)
            lo, hi = I.mul_wide(A, B)
            assert (int(hi) << 64) | int(lo) == a * b
            lo, hi = I.mac(A, B, np.uint64(M), np.uint64(M))
            assert (int(hi) << 64) | int(lo) == a * b + 2 * M
            s, c = I.adc(A, B, np.uint64(1))
            assert (int(c) << 64) | int(s) == a + b + 1
            d, br = I.sbb(A, B, np.uint64(1))
            assert int(d) == (a - b - 1) % 2**64 and int(br) == (a - b - 1 < 0)
            assert int(I.mul_lo(A, B)) == a * b % 2**64

    # element kernels of Fq and Fr
    for p, m in ((Q, fq), (R, fr)):
        pre = "fq_" if p == Q else "fr_"
        f = lambda name: getattr(m, pre + name)
        xs = [0, 1, p - 1, p - 2, 2**64, rnd.randrange(p), rnd.randrange(p)]
        ys = [p - 1, 0, p - 1, 3, 2**192 + 5, rnd.randrange(p), rnd.randrange(p)]
        for x, y in zip(xs, ys):
            a, b = mont(x, p), mont(y, p)
            assert val(f("add")(a, b), p) == (x + y) % p
            assert val(f("sub")(a, b), p) == (x - y) % p
            assert val(f("neg")(a), p) == -x % p
            assert val(f("dbl")(a), p) == 2 * x % p
            assert val(f("mul")(a, b), p) == x * y % p
            assert val(f("sqr")(a), p) == x * x % p
            assert f("eq")(a, a) and f("eq")(a, b) == (x == y)
            n = int_to_limbs(x)
            assert f("to_mont")(n) == a and f("from_mont")(a) == n
            if p == Q:
                assert fq.fq_is_zero(a) == (x == 0)
        x = xs[5]
        if p == Q:  # the element kernels each field has (Fr inverts through field_arrays, below)
            assert val(fq.fq_inv(mont(x, p)), p) == pow(x, -1, p)
        else:
            assert val(fr.fr_pow(mont(x, p), int_to_limbs(12345)), p) == pow(x, 12345, p)

    # Fq2 = Fq[u]/(u^2 + 1)
    def f2(z):
        return (mont(z[0], Q), mont(z[1], Q))

    def v2(z):
        return (val(z[0], Q), val(z[1], Q))

    def mul2(x, y):
        return ((x[0] * y[0] - x[1] * y[1]) % Q, (x[0] * y[1] + x[1] * y[0]) % Q)

    for x, y in (((rnd.randrange(Q), rnd.randrange(Q)), (rnd.randrange(Q), Q - 1)), ((Q - 1, 0), (0, Q - 1))):
        assert v2(fq2.fq2_mul(f2(x), f2(y))) == mul2(x, y)
        assert v2(fq2.fq2_sqr(f2(x))) == mul2(x, x)
        assert v2(fq2.fq2_add(f2(x), f2(y))) == ((x[0] + y[0]) % Q, (x[1] + y[1]) % Q)
        assert v2(fq2.fq2_sub(f2(x), f2(y))) == ((x[0] - y[0]) % Q, (x[1] - y[1]) % Q)
        assert v2(fq2.fq2_mul_by_xi(f2(x))) == mul2(x, (9, 1))
        assert v2(fq2.fq2_conj(f2(x))) == (x[0], -x[1] % Q)
        assert v2(fq2.fq2_mul_fq(f2(x), mont(y[0], Q))) == (x[0] * y[0] % Q, x[1] * y[0] % Q)
        assert v2(fq2.fq2_mul(fq2.fq2_inv(f2(x)), f2(x))) == (1, 0)

    # limb conversions
    for p in (Q, R):
        xs = [0, 1, p - 1, rnd.randrange(p)]
        normal = np.array([int_to_limbs(x) for x in xs], dtype=np.uint64)
        out = np.empty_like(normal)
        convert._to_mont(normal, out, p == R)
        assert ints(out, p) == xs
        back = np.empty_like(normal)
        convert._from_mont(out, back, p == R)
        assert (back == normal).all()
        bad = normal.copy()
        bad[2] = int_to_limbs(p)
        assert convert._first_not_below(normal, np.array(int_to_limbs(p), dtype=np.uint64)) == -1
        assert convert._first_not_below(bad, np.array(int_to_limbs(p), dtype=np.uint64)) == 2

    # array kernels of zkl.algebra._kernels.field_arrays
    for p in (Q, R):
        is_fr = p == R
        xs = [0, 1, p - 1, rnd.randrange(p)]
        ys = [p - 1, 5, p - 1, rnd.randrange(p)]
        a, b = rows(xs, p), rows(ys, p)
        out = np.empty_like(a)
        for kernel, ref in ((K._add, lambda x, y: (x + y) % p), (K._sub, lambda x, y: (x - y) % p),
                            (K._mul, lambda x, y: x * y % p)):
            kernel(a, b, out, is_fr)
            assert ints(out, p) == [ref(x, y) for x, y in zip(xs, ys)], kernel
            kernel(a, b[:1], out, is_fr)
            assert ints(out, p) == [ref(x, ys[0]) for x in xs], kernel
        K._neg(a, out, is_fr)
        assert ints(out, p) == [-x % p for x in xs]
        K._sqr(a, out, is_fr)
        assert ints(out, p) == [x * x % p for x in xs]
        K._pow(a, int_to_limbs(2**64 + 3), out, is_fr)
        assert ints(out, p) == [pow(x, 2**64 + 3, p) for x in xs]
        K._inv(a[3:], out[3:], is_fr)
        assert ints(out[3:], p) == [pow(xs[3], -1, p)]
        K._batch_inverse(a, out, 2, is_fr)
        assert ints(out, p) == [pow(x, -1, p) if x else 0 for x in xs]
        assert K._first_zero(a) == 0 and K._first_zero(a[1:]) == -1
        assert ints(K._sum(a, 2, is_fr), p) == [sum(xs) % p]
        assert ints(K._dot(a, b, 3, is_fr), p) == [sum(x * y for x, y in zip(xs, ys)) % p]
        flags = np.empty(4, dtype=np.bool_)
        K._is_square(a, flags, is_fr)
        assert flags.tolist() == [x == 0 or pow(x, (p - 1) // 2, p) == 1 for x in xs]
        sq = rows([x * x % p for x in xs[2:]] + [5], p)  # 5: Fr's generator, a non-residue
        ok = np.empty(3, dtype=np.bool_)
        roots = np.empty_like(sq)
        K._sqrt(sq, roots, ok, is_fr)
        assert ints(roots[:2], p) == [min(x, p - x) for x in xs[2:]] and ok[:2].all()
        assert ok[2] == (pow(5, (p - 1) // 2, p) == 1)
        below = np.empty(2, dtype=np.bool_)
        K._below(np.array([int_to_limbs(p - 1), int_to_limbs(p)], dtype=np.uint64),
                 np.array(int_to_limbs(p), dtype=np.uint64), below)
        assert below.tolist() == [True, False]

    # Tonelli-Shanks deep in Fr's 2-adic tower: a primitive 2^27-th root of unity
    w = pow(5, (R - 1) >> 27, R)
    roots = np.empty((1, 4), dtype=np.uint64)
    ok = np.empty(1, dtype=np.bool_)
    K._sqrt(rows([w], R), roots, ok, True)
    assert ok[0] and pow(ints(roots, R)[0], 2, R) == w

    # the public API, end to end
    for F in (Fq, Fr):
        p = F.modulus
        a = F.array([2, 3, p - 1])
        assert (a * a + 1).to_ints() == [5, 10, 2]
        assert (a / a).to_ints() == [1, 1, 1] and (a ** -1 * a == 1).all()
        assert F.array([4, 9, 1]).sqrt().to_ints() == [2, 3, 1]
        assert a.sum() == 4 and a.dot(a) == 14
        assert F.random(3, 1).to_ints() == F.random(3, 1).to_ints()
    print("nojit ok")
    '''
)


def test_field_kernels_without_jit():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    result = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nojit ok" in result.stdout
