"""Limb conversions and the bulk point arrays against Python ints."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkl.algebra.constants import G2_GENERATOR, MONT_R, Q, R
from zkl.algebra.limbs import (
    check_below,
    from_montgomery,
    ints_to_limbs,
    ints_to_montgomery,
    limbs_to_ints,
    montgomery_to_ints,
    to_montgomery,
)
from zkl.algebra.points import G1Point, G2Point, g1_from_array, g1_to_array, g2_from_array, g2_to_array
from zkl.errors import FieldElementOutOfRange, ShapeMismatch

EDGES = [0, 1, 2, R - 1, R, Q - 1, (1 << 64) - 1, 1 << 64, (1 << 256) - 1]


@given(st.lists(st.integers(min_value=0, max_value=(1 << 256) - 1), max_size=50))
@settings(max_examples=60, deadline=None)
def test_ints_round_trip_through_limbs(values):
    limbs = ints_to_limbs(values)
    assert limbs.shape == (len(values), 4) and limbs.dtype == np.uint64
    assert limbs_to_ints(limbs) == values


def test_limb_order_is_little_endian():
    limbs = ints_to_limbs([(3 << 192) | (2 << 128) | (1 << 64) | 7])
    assert limbs.tolist() == [[7, 1, 2, 3]]


@pytest.mark.parametrize("modulus", [Q, R])
def test_montgomery_round_trip_and_form(modulus):
    rng = random.Random(modulus % 1000)
    values = [rng.randrange(modulus) for _ in range(200)] + [0, 1, modulus - 1]
    mont = ints_to_montgomery(values, modulus)
    assert limbs_to_ints(mont) == [v * MONT_R % modulus for v in values]
    assert montgomery_to_ints(mont, modulus) == values
    assert limbs_to_ints(from_montgomery(to_montgomery(ints_to_limbs(values), modulus), modulus)) == values


def test_montgomery_keeps_leading_shape():
    values = list(range(6))
    mont = to_montgomery(ints_to_limbs(values).reshape(3, 2, 4), Q)
    assert mont.shape == (3, 2, 4)
    assert montgomery_to_ints(mont, Q) == values


@pytest.mark.parametrize("bad, message", [(-1, "in [0"), (R, "below r"), (1 << 256, "in [0"), ("7", "must be an int"), (True, "must be an int")])
def test_out_of_range_values_are_named(bad, message):
    with pytest.raises(FieldElementOutOfRange, match=re.escape(message)) as info:
        ints_to_limbs([1, 2, bad], R, "scalar")
    assert "scalar 2" in str(info.value)


def test_check_below_names_first_offender():
    limbs = ints_to_limbs([Q - 1, Q, Q + 1])
    check_below(limbs[:1], Q)
    with pytest.raises(FieldElementOutOfRange, match="coordinate 1 must be below q"):
        check_below(limbs, Q, "coordinate")


@pytest.mark.parametrize("bad", [np.zeros((3, 3), np.uint64), np.zeros((3, 4), np.int64), [[0, 0, 0, 0]]])
def test_wrong_limb_arrays_are_refused(bad):
    with pytest.raises(ShapeMismatch):
        to_montgomery(bad, Q)


def test_point_arrays_round_trip():
    g1 = [G1Point(1, 2), G1Point.infinity(), G1Point(Q - 1, 5)]
    assert g1_from_array(g1_to_array(g1)) == g1
    assert not g1_to_array([G1Point.infinity()]).any()
    g2 = [G2Point(*G2_GENERATOR), G2Point.infinity()]
    assert g2_from_array(g2_to_array(g2)) == g2
    with pytest.raises(FieldElementOutOfRange):
        g1_to_array([G1Point(Q, 1)])
    with pytest.raises(ShapeMismatch):
        g2_from_array(g1_to_array(g1))
