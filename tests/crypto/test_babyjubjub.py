"""Baby Jubjub: constants, group law (extended coordinates vs affine reference), subgroup, packing."""

from __future__ import annotations

import random

import galois
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkl.crypto import babyjubjub as bj
from zkl.crypto.babyjubjub import (
    A,
    BASE8,
    COFACTOR,
    D,
    GENERATOR,
    IDENTITY,
    ORDER,
    SUBGROUP_ORDER,
    Point,
    add,
    check_point,
    double,
    is_in_subgroup,
    is_on_curve,
    mul_base,
    negate,
    pack_point,
    scalar_mul,
    unpack_point,
)
from zkl.algebra.constants import R
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotOnCurve

P = R
L = SUBGROUP_ORDER
HYPOTHESIS = settings(max_examples=25, deadline=None, derandomize=True)


def naive_mul(point: Point, k: int) -> Point:
    """k * point by affine double-and-add, most significant bit first (reference)."""
    acc = IDENTITY
    for bit in bin(k)[2:]:
        acc = bj._add(acc, acc)
        if bit == "1":
            acc = bj._add(acc, point)
    return acc


def _sqrt(n: int) -> int:
    root = bj._sqrt(n)
    assert root is not None and root * root % P == n
    return root


#: the points of order 2 and 4: (0, -1) and (+-1/sqrt(a), 0)
ORDER2 = Point(0, P - 1)
ORDER4 = Point(pow(_sqrt(A), -1, P), 0)
SMALL_ORDER = [IDENTITY, ORDER2, ORDER4, negate(ORDER4), scalar_mul(GENERATOR, L)]


def random_subgroup_point(rng: random.Random) -> Point:
    return mul_base(rng.randrange(1, L))


def test_curve_constants() -> None:
    assert galois.is_prime(L)
    assert ORDER == COFACTOR * L
    assert pow(A, (P - 1) // 2, P) == 1, "a must be a square for a complete addition law"
    assert pow(D, (P - 1) // 2, P) == P - 1, "d must be a non-square for a complete addition law"
    assert is_on_curve(GENERATOR) and is_on_curve(BASE8) and is_on_curve(IDENTITY)


def test_base8_is_eight_times_the_generator() -> None:
    assert naive_mul(GENERATOR, 8) == BASE8 == scalar_mul(GENERATOR, 8)
    assert scalar_mul(BASE8, L) == IDENTITY
    assert scalar_mul(GENERATOR, L) != IDENTITY
    assert scalar_mul(GENERATOR, ORDER) == IDENTITY


def test_small_order_points() -> None:
    assert all(is_on_curve(p) for p in SMALL_ORDER)
    assert double(ORDER2) == IDENTITY
    assert double(ORDER4) == ORDER2
    assert scalar_mul(SMALL_ORDER[-1], 8) == IDENTITY and scalar_mul(SMALL_ORDER[-1], 4) != IDENTITY


@given(st.integers(min_value=0, max_value=(1 << 260)))
@HYPOTHESIS
def test_scalar_mul_equals_naive_double_and_add(k: int) -> None:
    assert scalar_mul(GENERATOR, k) == naive_mul(GENERATOR, k)


@given(st.integers(min_value=-(1 << 256), max_value=1 << 256))
@HYPOTHESIS
def test_mul_base_equals_scalar_mul(k: int) -> None:
    assert mul_base(k) == scalar_mul(BASE8, k)


def test_negative_scalar() -> None:
    assert scalar_mul(GENERATOR, -5) == negate(scalar_mul(GENERATOR, 5))
    assert scalar_mul(GENERATOR, 0) == IDENTITY == mul_base(0) == mul_base(L)


def test_group_laws() -> None:
    rng = random.Random(11)
    points = [random_subgroup_point(rng) for _ in range(4)] + [scalar_mul(GENERATOR, rng.randrange(ORDER))]
    points += SMALL_ORDER
    for p in points:
        assert add(p, IDENTITY) == p
        assert add(p, negate(p)) == IDENTITY
        assert add(p, p) == double(p) == scalar_mul(p, 2)
        assert p - p == IDENTITY and -(-p) == p
        for q in points[:5]:
            assert add(p, q) == add(q, p)
            assert is_on_curve(add(p, q))
            for s in points[:3]:
                assert add(add(p, q), s) == add(p, add(q, s))


def test_extended_coordinates_equal_affine() -> None:
    rng = random.Random(12)
    for _ in range(20):
        p, q = scalar_mul(GENERATOR, rng.randrange(ORDER)), rng.choice([*SMALL_ORDER, BASE8, GENERATOR])
        ep, eq = bj._to_extended(p), bj._to_extended(q)
        assert bj._to_affine(bj._ext_add(ep, eq)) == add(p, q)
        assert bj._to_affine(bj._ext_double(ep)) == double(p)
        assert bj._to_affine(bj._ext_add_affine(ep, q.x, q.y, D * q.x * q.y % P)) == add(p, q)


def test_scalar_mul_is_linear() -> None:
    rng = random.Random(13)
    for _ in range(5):
        a, b = rng.randrange(L), rng.randrange(L)
        assert add(mul_base(a), mul_base(b)) == mul_base(a + b)
        assert scalar_mul(mul_base(a), b) == mul_base(a * b)


def test_subgroup_membership() -> None:
    rng = random.Random(14)
    p = random_subgroup_point(rng)
    assert is_in_subgroup(p) and is_in_subgroup(IDENTITY)
    assert not is_in_subgroup(add(p, ORDER2))
    assert not is_in_subgroup(GENERATOR)
    assert not is_in_subgroup(Point(1, 1))
    assert is_in_subgroup(scalar_mul(scalar_mul(GENERATOR, rng.randrange(ORDER)), COFACTOR))


def test_pack_unpack_round_trip() -> None:
    rng = random.Random(15)
    points = [scalar_mul(GENERATOR, rng.randrange(ORDER)) for _ in range(20)] + SMALL_ORDER
    signs = set()
    for p in points:
        for q in (p, negate(p)):
            packed = pack_point(q)
            assert len(packed) == 32
            assert int.from_bytes(packed, "little") & ((1 << 255) - 1) == q.y
            signs.add(packed[31] >> 7)
            assert (packed[31] >> 7) == (q.x > (P - 1) // 2)
            assert unpack_point(packed) == q
    assert signs == {0, 1}


def test_unpack_rejects_bad_encodings() -> None:
    with pytest.raises(MalformedInput, match="32 bytes, not 31 bytes"):
        unpack_point(bytes(31))
    with pytest.raises(MalformedInput):
        unpack_point("00" * 32)  # type: ignore[arg-type]
    with pytest.raises(FieldElementOutOfRange):
        unpack_point(P.to_bytes(32, "little"))
    with pytest.raises(MalformedInput, match="not canonical"):
        unpack_point((1 | (1 << 255)).to_bytes(32, "little"))
    # a y for which (1 - y^2) / (a - d y^2) is not a square
    y = next(y for y in range(2, 100) if bj._sqrt((1 - y * y) * pow(A - D * y * y, -1, P) % P) is None)
    with pytest.raises(NotOnCurve):
        unpack_point(y.to_bytes(32, "little"))


def test_check_point_errors() -> None:
    assert check_point(BASE8) is BASE8
    with pytest.raises(NotOnCurve, match="must be on Baby Jubjub"):
        check_point(Point(1, 2))
    with pytest.raises(FieldElementOutOfRange):
        check_point(Point(BASE8.x + P, BASE8.y))
    with pytest.raises(MalformedInput, match="must be a babyjubjub.Point, not tuple"):
        check_point((BASE8.x, BASE8.y))
    with pytest.raises(MalformedInput):
        check_point(Point(float(BASE8.x), BASE8.y))  # type: ignore[arg-type]
    assert not is_on_curve(Point(BASE8.x + P, BASE8.y))
    with pytest.raises(NotOnCurve):
        add(BASE8, Point(3, 4))
    with pytest.raises(NotOnCurve):
        scalar_mul(Point(3, 4), 2)
    with pytest.raises(MalformedInput, match="scalar must be an int"):
        scalar_mul(BASE8, 2.0)  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        pack_point(Point(3, 4))


def test_point_is_frozen_and_hashable() -> None:
    with pytest.raises(AttributeError):
        BASE8.x = 1  # type: ignore[misc]
    assert len({BASE8, Point(BASE8.x, BASE8.y), GENERATOR}) == 2
