"""The Fq2/Fq6/Fq12 tower: the Python-int reference against py_ecc, and the numba kernels against the reference."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest
from py_ecc.fields import optimized_bn128_FQ2 as PyFQ2, optimized_bn128_FQ12 as PyFQ12

from tests.oracles.py_ecc_bridge import from_py_ecc, to_py_ecc
from zkl.algebra import tower as T
from zkl.algebra._kernels import fq12 as K
from zkl.algebra.constants import Q
from zkl.algebra.pairing import _fq12s_from_array, _fq12s_to_array
from zkl.errors import NotInvertible

SEED = 20240611


def r2(rnd: random.Random) -> T.Fq2:
    return T.Fq2(rnd.randrange(Q), rnd.randrange(Q))


def r6(rnd: random.Random) -> T.Fq6:
    return T.Fq6(r2(rnd), r2(rnd), r2(rnd))


def r12(rnd: random.Random) -> T.Fq12:
    return T.Fq12(r6(rnd), r6(rnd))


def cyclotomic(f: T.Fq12) -> T.Fq12:
    """f^((q^6 - 1)(q^2 + 1)): an element of the cyclotomic subgroup."""
    m = f.conjugate() * f.inverse()
    return m.frobenius(2) * m


def edge12() -> list[T.Fq12]:
    """Zero, one, minus one and the element with every coefficient q - 1."""
    return [T.Fq12.zero(), T.Fq12.one(), -T.Fq12.one(), T.Fq12.from_ints([Q - 1] * 12)]


@pytest.fixture(scope="module")
def rnd() -> random.Random:
    return random.Random(SEED)


# --------------------------------------------------------------------------- reference tower


def test_fq2_against_py_ecc(rnd):
    for _ in range(20):
        a, b = r2(rnd), r2(rnd)
        pa, pb = PyFQ2([a.c0, a.c1]), PyFQ2([b.c0, b.c1])
        assert (a * b).to_ints() == tuple(int(c) for c in (pa * pb).coeffs)
        assert (a * a.inverse()) == T.Fq2.one()
        assert a.mul_by_xi() == a * T.Fq2(9, 1)
        assert a.frobenius(1) == a ** Q


def test_py_ecc_map_is_a_ring_isomorphism(rnd):
    w = T.Fq12(T.Fq6(), T.Fq6.one())
    assert to_py_ecc(w) == PyFQ12([0, 1] + [0] * 10)
    u = T.Fq12(T.Fq6(T.Fq2(0, 1)))
    assert to_py_ecc(u) == PyFQ12([Q - 9] + [0] * 5 + [1] + [0] * 5)  # u = W^6 - 9
    for _ in range(5):
        a, b = r12(rnd), r12(rnd)
        pa, pb = to_py_ecc(a), to_py_ecc(b)
        assert from_py_ecc(pa) == a
        assert to_py_ecc(a * b) == pa * pb
        assert to_py_ecc(a + b) == pa + pb
        assert from_py_ecc(pa / pb) == a * b.inverse()
    assert to_py_ecc(T.Fq12.one()) == PyFQ12.one()


def test_from_py_ecc_accepts_the_slow_field_class(rnd):
    from py_ecc.fields import bn128_FQ12

    a = r12(rnd)
    slow = bn128_FQ12([int(c) for c in to_py_ecc(a).coeffs])
    assert from_py_ecc(slow) == a


def test_fq6_fq12_field_laws(rnd):
    for _ in range(5):
        a, b, c = r12(rnd), r12(rnd), r12(rnd)
        assert (a * b) * c == a * (b * c)
        assert a * (b + c) == a * b + a * c
        assert a * b == b * a
        assert a * a.inverse() == T.Fq12.one()
        assert a / b * b == a
        assert a ** 5 == a * a * a * a * a
        assert a ** -2 == (a * a).inverse()
        x, y = r6(rnd), r6(rnd)
        assert x * x.inverse() == T.Fq6.one()
        assert (x * y).inverse() == x.inverse() * y.inverse()
        v = T.Fq6(T.Fq2(), T.Fq2.one())
        assert x.mul_by_v() == x * v
        assert v * v * v == T.Fq6(T.Fq2(9, 1))  # v^3 = ξ


def test_frobenius_is_the_q_power(rnd):
    a = r12(rnd)
    assert a.frobenius(1) == a ** Q
    assert a.frobenius(2) == a ** (Q * Q)
    assert a.frobenius(3) == a ** (Q**3)
    assert a.frobenius(6) == a.conjugate()
    assert a.frobenius(12) == a
    x = r6(rnd)
    assert x.frobenius(1) == x ** Q
    assert x.frobenius(2) == x ** (Q * Q)
    assert from_py_ecc(to_py_ecc(a) ** Q) == a.frobenius(1)


def test_inverse_of_zero_raises():
    for zero in (T.Fq2.zero(), T.Fq6.zero(), T.Fq12.zero()):
        with pytest.raises(NotInvertible):
            zero.inverse()


def test_from_ints_round_trip_and_length(rnd):
    a = r12(rnd)
    assert T.Fq12.from_ints(a.to_ints()) == a
    assert T.Fq12.from_fq2_coeffs(a.fq2_coeffs()) == a
    with pytest.raises(ValueError):
        T.Fq12.from_ints([1, 2, 3])


def test_cyclotomic_elements_have_norm_one(rnd):
    m = cyclotomic(r12(rnd))
    assert m * m.conjugate() == T.Fq12.one()  # conj is the inverse there
    assert m ** (Q**4 - Q**2 + 1) != T.Fq12.zero()
    assert m.frobenius(4) * m == m.frobenius(2)  # m^(q^4 - q^2 + 1) = 1


# --------------------------------------------------------------------------- kernels vs reference


def _run12(kernel, *arrays_and_args):
    out = np.zeros_like(arrays_and_args[0])
    kernel(*arrays_and_args, out)
    return _fq12s_from_array(out)


@pytest.fixture(scope="module")
def elements(rnd):
    xs = [r12(rnd) for _ in range(6)] + edge12()
    ys = [r12(rnd) for _ in range(6)] + [r12(rnd), T.Fq12.zero(), r12(rnd), T.Fq12.from_ints([Q - 1] * 12)]
    return xs, ys


def test_kernel_fq12_mul_sqr(elements):
    xs, ys = elements
    a, b = _fq12s_to_array(xs), _fq12s_to_array(ys)
    assert _run12(K._e12_mul_arr, a, b) == [x * y for x, y in zip(xs, ys)]
    assert _run12(K._e12_sqr_arr, a) == [x * x for x in xs]


def test_kernel_fq12_inv(elements):
    xs, _ = elements
    got = _run12(K._e12_inv_arr, _fq12s_to_array(xs))
    assert got == [x.inverse() if not x.is_zero() else T.Fq12.zero() for x in xs]


@pytest.mark.parametrize("k", [1, 2, 3])
def test_kernel_fq12_frobenius(elements, k):
    xs, _ = elements
    assert _run12(K._e12_frobenius_arr, _fq12s_to_array(xs), k) == [x.frobenius(k) for x in xs]


def test_kernel_cyclotomic_squaring(rnd):
    xs = [cyclotomic(r12(rnd)) for _ in range(5)] + [T.Fq12.one()]
    got = _run12(K._e12_cyclotomic_sqr_arr, _fq12s_to_array(xs))
    assert got == [x * x for x in xs]
    # off the subgroup the formula does not square: the test above is not vacuous
    y = r12(rnd)
    assert _run12(K._e12_cyclotomic_sqr_arr, _fq12s_to_array([y])) != [y * y]


def test_kernel_sparse_line_product(rnd):
    xs = [r12(rnd) for _ in range(5)]
    coeffs = [(r2(rnd), r2(rnd), r2(rnd)) for _ in xs]
    lines = np.array(
        [[list(_fq12s_to_array([T.Fq12(T.Fq6(c))])[0, 0, 0]) for c in cs] for cs in coeffs], dtype=np.uint64
    )
    got = _run12(K._e12_mul_by_034_arr, _fq12s_to_array(xs), lines)
    # a + b w + c w^3 = (a, 0, 0) + (b, c, 0) w
    want = [x * T.Fq12(T.Fq6(a), T.Fq6(b, c)) for x, (a, b, c) in zip(xs, coeffs)]
    assert got == want


@pytest.mark.parametrize("op", ["mul", "sqr", "inv", "mul_by_01"])
def test_kernel_fq6(rnd, op):
    xs = [r6(rnd) for _ in range(5)] + [T.Fq6.zero(), T.Fq6.one()]
    ys = [r6(rnd) for _ in range(5)] + [r6(rnd), T.Fq6(T.Fq2(Q - 1, Q - 1), T.Fq2(Q - 1, 1))]
    a = _fq12s_to_array([T.Fq12(x) for x in xs])
    b = _fq12s_to_array([T.Fq12(y) for y in ys])
    code = ["mul", "sqr", "inv", "mul_by_01"].index(op)
    got = [f.c0 for f in _run12(K._e6_op_arr, a, b, code)]
    if op == "mul":
        want = [x * y for x, y in zip(xs, ys)]
    elif op == "sqr":
        want = [x * x for x in xs]
    elif op == "inv":
        want = [x.inverse() if not x.is_zero() else T.Fq6.zero() for x in xs]
    else:
        want = [x * T.Fq6(y.c0, y.c1) for x, y in zip(xs, ys)]
    assert got == want


def test_frobenius_constants_match_the_reference():
    from zkl.algebra.limbs import montgomery_to_ints

    for k, table in ((1, K.FROB1), (3, K.FROB3)):
        for i in range(6):
            limbs = np.array(table[i], dtype=np.uint64)
            assert tuple(montgomery_to_ints(limbs, Q)) == T.frobenius_coefficient(k, i).to_ints()
    for i in range(6):
        got = montgomery_to_ints(np.array([K.FROB2[i]], dtype=np.uint64), Q)[0]
        assert T.Fq2(got) == T.frobenius_coefficient(2, i)


# --------------------------------------------------------------------------- pure-Python mode

_NO_JIT_SCRIPT = r"""
import json, random, sys
import numpy as np
from tests.oracles.py_ecc_bridge import from_py_ecc, to_py_ecc
from zkl.algebra import tower as T
from zkl.algebra._kernels import fq12 as K
from zkl.algebra.constants import Q
from zkl.algebra.pairing import _fq12s_from_array, _fq12s_to_array
rnd = random.Random(int(sys.argv[1]))
def r2(): return T.Fq2(rnd.randrange(Q), rnd.randrange(Q))
def r6(): return T.Fq6(r2(), r2(), r2())
xs = [T.Fq12(r6(), r6()) for _ in range(2)]
ys = [T.Fq12(r6(), r6()) for _ in range(2)]
a, b = _fq12s_to_array(xs), _fq12s_to_array(ys)
out = np.zeros_like(a)
res = {}
K._e12_mul_arr(a, b, out); res["mul12"] = _fq12s_from_array(out) == [x * y for x, y in zip(xs, ys)]
K._e12_inv_arr(a, out); res["inv12"] = _fq12s_from_array(out) == [x.inverse() for x in xs]
K._e12_frobenius_arr(a, 1, out); res["frob12"] = _fq12s_from_array(out) == [x.frobenius(1) for x in xs]
cs = [(x.conjugate() * x.inverse()) for x in xs]
cs = [c.frobenius(2) * c for c in cs]
K._e12_cyclotomic_sqr_arr(_fq12s_to_array(cs), out); res["csqr"] = _fq12s_from_array(out) == [c * c for c in cs]
K._e6_op_arr(a, b, 0, out)
res["mul6"] = [f.c0 for f in _fq12s_from_array(out)] == [x.c0 * y.c0 for x, y in zip(xs, ys)]
K._e6_op_arr(a, b, 2, out); res["inv6"] = [f.c0 for f in _fq12s_from_array(out)] == [x.c0.inverse() for x in xs]
print(json.dumps(res))
"""


def test_kernels_without_jit():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run(
        [sys.executable, "-c", _NO_JIT_SCRIPT, str(SEED)], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res == {k: True for k in ("mul12", "inv12", "frob12", "csqr", "mul6", "inv6")}
