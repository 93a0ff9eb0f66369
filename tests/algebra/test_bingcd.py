"""The binary-GCD inversion kernel against Python's pow(a, -1, m), for the two BN254 moduli and others."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkl.algebra._kernels import bingcd
from zkl.algebra.constants import Q, R


def _limbs(v: int) -> tuple:
    return tuple(np.uint64((v >> (64 * i)) & (2**64 - 1)) for i in range(4))


def _int(limbs) -> int:
    return sum(int(x) << (64 * i) for i, x in enumerate(limbs))


@pytest.mark.parametrize("m", [R, Q, 2**255 - 19, 3, 101, 2**61 - 1])
def test_inverse_matches_pow(m):
    params = bingcd.modulus_params(m)
    rng = random.Random(m % 1000)
    values = [1, 2, m - 1, m - 2, (m + 1) // 2] + [1 << k for k in range(m.bit_length() - 1)]
    values += [rng.randrange(1, m) for _ in range(500)]
    for v in values:
        v %= m
        if v:
            assert _int(bingcd.inverse(_limbs(v), *params)) == pow(v, -1, m), v


def test_zero_and_a_non_invertible_value_give_zero():
    assert _int(bingcd.inverse(_limbs(0), *bingcd.modulus_params(R))) == 0
    assert _int(bingcd.inverse(_limbs(21), *bingcd.modulus_params(3 * 7 * 11))) == 0


@pytest.mark.parametrize("m", [2**20, 1, 2**270 + 1])
def test_a_modulus_it_cannot_take_is_refused(m):
    with pytest.raises(ValueError, match="odd and below"):
        bingcd.modulus_params(m)


def test_the_solvers_inverse_and_its_fermat_fallback_agree_with_pow():
    from zkl.circuits import _program_kernels as k

    rng = random.Random(5)
    for v in [1, R - 1] + [rng.randrange(1, R) for _ in range(200)]:
        expected = pow(v, -1, R)
        assert _int(k._inverse(_limbs(v))) == expected
        assert _int(k._fermat_inverse(_limbs(v))) == expected
