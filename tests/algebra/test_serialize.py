"""Point encodings (EVM bytes, gnark compressed bytes): round trips and rejection of bad input.

snarkjs's JSON points are zkl.verifier.snarkjs_json's: tests/verifier/test_snarkjs_json.py.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkl.algebra import serialize as S
from zkl.algebra.constants import G1_B, Q, R
from zkl.algebra.curve import G1_GENERATOR, G2_B, G2_GENERATOR, g1_mul, g1_neg, g2_mul, g2_neg
from zkl.algebra.points import G1Point, G2Point
from zkl.algebra.tower import Fq2
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotInSubgroup, NotOnCurve, ShapeMismatch

INF1 = G1Point.infinity()
INF2 = G2Point.infinity()
scalars = st.integers(min_value=0, max_value=R - 1)


def _twist_point_outside_g2(rng: random.Random) -> G2Point:
    while True:
        x = (rng.randrange(Q), rng.randrange(Q))
        y = S._fq2_sqrt(_twist_rhs(x))
        if y is not None:
            return G2Point(x, y)


def _twist_rhs(x: tuple[int, int]) -> tuple[int, int]:
    """x^3 + b' in Fq2, as a pair."""
    fx = Fq2(*x)
    return (fx * fx * fx + Fq2(*G2_B)).to_ints()


def _mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return (Fq2(*a) * Fq2(*b)).to_ints()


def _g1_off_curve_x(rng: random.Random) -> int:
    while True:
        x = rng.randrange(Q)
        if S._fq_sqrt((x**3 + G1_B) % Q) is None:
            return x


# ------------------------------------------------------------------------------------------
# square roots


def test_fq2_sqrt_against_squares(rng=random.Random(7)):
    found_none = 0
    for _ in range(40):
        a = (rng.randrange(Q), rng.randrange(Q))
        sq = _mul(a, a)
        root = S._fq2_sqrt(sq)
        assert root in (a, ((-a[0]) % Q, (-a[1]) % Q))
        b = (rng.randrange(Q), rng.randrange(Q))
        rb = S._fq2_sqrt(b)
        if rb is None:
            found_none += 1
            # a non-square has norm a non-square in Fq
            assert pow((b[0] ** 2 + b[1] ** 2) % Q, (Q - 1) // 2, Q) == Q - 1
        else:
            assert _mul(rb, rb) == b
    assert 5 <= found_none <= 35
    # alpha = -1 branch: elements of Fq that are not squares in Fq
    for c in (Q - 1, Q - 2, Q - 5):
        r = S._fq2_sqrt((c, 0))
        assert r is not None and _mul(r, r) == (c, 0)
    assert S._fq2_sqrt((0, 0)) == (0, 0)
    assert S._fq2_sqrt((Q - 1, 0)) in ((0, 1), (0, Q - 1))


def test_lexicographic_rule():
    assert not S._fq_largest(0) and not S._fq_largest((Q - 1) // 2) and S._fq_largest((Q + 1) // 2)
    assert S._fq2_largest((1, Q - 1)) and not S._fq2_largest((Q - 1, 1))
    assert S._fq2_largest((Q - 1, 0)) and not S._fq2_largest((1, 0))


# ------------------------------------------------------------------------------------------
# known encodings


def test_known_vectors():
    assert S.g1_to_bytes(G1_GENERATOR) == (1).to_bytes(32, "big") + (2).to_bytes(32, "big")
    assert S.g1_to_bytes(INF1) == bytes(64) and S.g2_to_bytes(INF2) == bytes(128)
    g2 = S.g2_to_bytes(G2_GENERATOR)
    # EIP-197's G2 generator, imaginary part first
    assert g2[:32].hex() == "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    assert g2[32:64].hex() == "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    c = S.g1_to_compressed(G1_GENERATOR)
    assert c == bytes([0x80]) + (1).to_bytes(31, "big")  # y = 2 is the smallest root
    assert S.g1_to_compressed(g1_neg(G1_GENERATOR))[0] == 0xC0
    assert S.g1_to_compressed(INF1) == bytes([0x40]) + bytes(31)
    assert S.g2_to_compressed(INF2) == bytes([0x40]) + bytes(63)
    assert S.g2_to_compressed(G2_GENERATOR)[1:32] == g2[1:32]


# ------------------------------------------------------------------------------------------
# round trips


@settings(max_examples=40, deadline=None)
@given(scalars)
def test_g1_round_trips(k):
    p = g1_mul(G1_GENERATOR, k)
    assert S.g1_from_bytes(S.g1_to_bytes(p)) == p
    assert S.g1_from_compressed(S.g1_to_compressed(p)) == p


@settings(max_examples=12, deadline=None)
@given(scalars)
def test_g2_round_trips(k):
    p = g2_mul(G2_GENERATOR, k)
    assert S.g2_from_bytes(S.g2_to_bytes(p)) == p
    assert S.g2_from_compressed(S.g2_to_compressed(p)) == p
    assert S.g2_from_compressed(S.g2_to_compressed(g2_neg(p))) == g2_neg(p)


# ------------------------------------------------------------------------------------------
# rejection


def test_uncompressed_rejects(rng=random.Random(3)):
    with pytest.raises(ShapeMismatch):
        S.g1_from_bytes(bytes(63))
    with pytest.raises(ShapeMismatch):
        S.g2_from_bytes(bytes(64))
    with pytest.raises(MalformedInput):
        S.g1_from_bytes("00" * 64)
    with pytest.raises(FieldElementOutOfRange):
        S.g1_from_bytes(Q.to_bytes(32, "big") + (2).to_bytes(32, "big"))
    with pytest.raises(FieldElementOutOfRange):
        S.g1_from_bytes((1).to_bytes(32, "big") + (Q + 2).to_bytes(32, "big"))
    with pytest.raises(NotOnCurve):
        S.g1_from_bytes((1).to_bytes(32, "big") + (3).to_bytes(32, "big"))
    with pytest.raises(NotOnCurve):
        S.g1_from_bytes(bytes(32) + (1).to_bytes(32, "big"))
    g2 = bytearray(S.g2_to_bytes(G2_GENERATOR))
    g2[127] ^= 1
    with pytest.raises(NotOnCurve):
        S.g2_from_bytes(bytes(g2))
    with pytest.raises(FieldElementOutOfRange):
        S.g2_from_bytes(bytes(32) + Q.to_bytes(32, "big") + bytes(64))
    t = _twist_point_outside_g2(rng)
    raw = b"".join(v.to_bytes(32, "big") for v in (t.x[1], t.x[0], t.y[1], t.y[0]))
    with pytest.raises(NotInSubgroup):
        S.g2_from_bytes(raw)
    with pytest.raises(NotOnCurve):
        S.g1_to_bytes(G1Point(1, 3))
    with pytest.raises(NotOnCurve):
        S.g2_to_compressed(G2Point((1, 0), (1, 0)))


def test_compressed_rejects(rng=random.Random(5)):
    x = _g1_off_curve_x(rng)
    with pytest.raises(NotOnCurve):
        S.g1_from_compressed(bytes([0x80 | (x >> 248)]) + x.to_bytes(32, "big")[1:])
    with pytest.raises(MalformedInput):  # 0b00: gnark's uncompressed mark
        S.g1_from_compressed((1).to_bytes(32, "big"))
    with pytest.raises(MalformedInput):  # infinity flag with x bits set
        S.g1_from_compressed(bytes([0x40]) + (1).to_bytes(31, "big"))
    with pytest.raises(MalformedInput):
        S.g2_from_compressed(bytes([0x41]) + bytes(63))
    over = bytearray(Q.to_bytes(32, "big"))
    over[0] |= 0x80
    with pytest.raises(FieldElementOutOfRange):
        S.g1_from_compressed(bytes(over))
    with pytest.raises(ShapeMismatch):
        S.g1_from_compressed(bytes(33))
    with pytest.raises(ShapeMismatch):
        S.g2_from_compressed(bytes(32))
    t = _twist_point_outside_g2(rng)
    enc = bytearray(t.x[1].to_bytes(32, "big") + t.x[0].to_bytes(32, "big"))
    enc[0] |= 0x80
    with pytest.raises(NotInSubgroup):
        S.g2_from_compressed(bytes(enc))
    # a G2 x with no point on the twist
    while True:
        x2 = (rng.randrange(Q), rng.randrange(Q))
        if S._fq2_sqrt(_twist_rhs(x2)) is None:
            break
    enc = bytearray(x2[1].to_bytes(32, "big") + x2[0].to_bytes(32, "big"))
    enc[0] |= 0xC0
    with pytest.raises(NotOnCurve):
        S.g2_from_compressed(bytes(enc))


def test_compressed_flag_picks_the_root():
    p = g1_mul(G1_GENERATOR, 123456789)
    c = bytearray(S.g1_to_compressed(p))
    c[0] ^= 0x40  # flip smallest <-> largest
    assert S.g1_from_compressed(bytes(c)) == g1_neg(p)
    q = g2_mul(G2_GENERATOR, 987654321)
    d = bytearray(S.g2_to_compressed(q))
    d[0] ^= 0x40
    assert S.g2_from_compressed(bytes(d)) == g2_neg(q)
