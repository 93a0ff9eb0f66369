"""The curve kernels stay correct as plain Python (NUMBA_DISABLE_JIT=1): tiny sizes in a subprocess, against py_ecc."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from py_ecc import optimized_bn128 as ref

from zkl.algebra.constants import R

K = 0x1D2C3B4A5968778695A4B3C2D1E0F0123456789ABCDEF0123456789ABCDEF01 % R

SCRIPT = f"""
import json, numba
assert numba.config.DISABLE_JIT
from zkl.algebra import serialize as S
from zkl.algebra.curve import *
from zkl.algebra.points import G2Point, g1_from_array, g2_from_array
from zkl.algebra.constants import R

k = {K}
p = g1_mul(G1_GENERATOR, k)
q = g2_mul(G2_GENERATOR, k)
fb1 = fixed_base_mul_g1(G1_GENERATOR, [0, 3, k, R - 1])
validate_g1_array(fb1)
fb2 = fixed_base_mul_g2(G2_GENERATOR, [k, 2])
validate_g2_array(fb2)
from zkl.algebra.tower import Fq2
rhs = lambda x: (Fq2(*x) * Fq2(*x) * Fq2(*x) + Fq2(*G2_B)).to_ints()
x = (1, 1)
while S._fq2_sqrt(rhs(x)) is None:
    x = (x[0] + 1, 1)
outside = G2Point(x, S._fq2_sqrt(rhs(x)))
res = {{
    "g1_mul": [p.x, p.y],
    "g1_add": (lambda r: [r.x, r.y])(g1_add(p, G1_GENERATOR)),
    "g1_double": (lambda r: [r.x, r.y])(g1_double(p)),
    "g1_cancel": g1_add(p, g1_neg(p)).is_infinity(),
    "g2_mul": [list(q.x), list(q.y)],
    "g2_add": (lambda r: [list(r.x), list(r.y)])(g2_add(q, G2_GENERATOR)),
    "fb1": [[r.x, r.y] for r in g1_from_array(fb1)],
    "fb2": [[list(r.x), list(r.y)] for r in g2_from_array(fb2)],
    "sum": (lambda r: [r.x, r.y])(g1_sum(fb1)),
    "subgroup": [is_in_subgroup_g2(q), is_in_subgroup_g2(outside), is_on_curve_g2(outside)],
    "compressed": S.g2_from_compressed(S.g2_to_compressed(q)) == q,
}}
print(json.dumps(res))
"""


def _g1(p):
    x, y = ref.normalize(p)
    return [int(x), int(y)]


def _g2(p):
    x, y = ref.normalize(p)
    return [[int(c) for c in x.coeffs], [int(c) for c in y.coeffs]]


def test_curve_kernels_without_jit():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    res = json.loads(done.stdout.strip().splitlines()[-1])
    p = ref.multiply(ref.G1, K)
    q = ref.multiply(ref.G2, K)
    assert res["g1_mul"] == _g1(p)
    assert res["g1_add"] == _g1(ref.add(p, ref.G1))
    assert res["g1_double"] == _g1(ref.double(p))
    assert res["g1_cancel"] is True
    assert res["g2_mul"] == _g2(q)
    assert res["g2_add"] == _g2(ref.add(q, ref.G2))
    assert res["fb1"] == [[0, 0], _g1(ref.multiply(ref.G1, 3)), _g1(p), _g1(ref.neg(ref.G1))]
    assert res["fb2"] == [_g2(q), _g2(ref.double(ref.G2))]
    assert res["sum"] == _g1(ref.add(ref.add(ref.multiply(ref.G1, 3), p), ref.neg(ref.G1)))
    assert res["subgroup"] == [True, False, True]
    assert res["compressed"] is True
