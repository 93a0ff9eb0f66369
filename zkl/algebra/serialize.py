"""Byte encodings of G1 and G2 points: EVM precompile bytes and gnark compressed bytes.

(snarkjs's JSON encoding of points lives in zkl.verifier.snarkjs_json, with the files that use it.)

Uncompressed (the EVM precompile encoding, EIP-196 / EIP-197)
    G1: 64 bytes, x || y, each coordinate 32 bytes big-endian.
    G2: 128 bytes, x.c1 || x.c0 || y.c1 || y.c0 (imaginary part first, as
        EIP-197 and Solidity verifiers order it), for x = x.c0 + x.c1 u.
    Infinity: all bytes zero.

Compressed (gnark-crypto's BN254 layout)
    G1: 32 bytes, big-endian x.   G2: 64 bytes, x.c1 || x.c0.
    q < 2^254, so the two most significant bits of the first byte are free
    and carry flags:
        0b10  compressed, y is the lexicographically smallest of {y, -y}
        0b11  compressed, y is the lexicographically largest
        0b01  the point at infinity (every other bit must be zero)
        0b00  gnark's "uncompressed" mark: rejected by the compressed readers
    Largest: for Fq, y > (q - 1) / 2; for Fq2, the same test on y.c1, or
    on y.c0 when y.c1 = 0 (gnark and zkcrypto's rule).
    Decompression solves y^2 = x^3 + b.  Fq square root: a^((q+1)/4)
    (q = 3 mod 4).  Fq2 square root: Algorithm 9 of Adj and
    Rodriguez-Henriquez, "Square root computation over even extension
    fields" (IEEE Trans. Computers, 2014), for q = 3 mod 4:
        a1 = a^((q-3)/4), alpha = a1^2 a, x0 = a1 a;
        alpha^q alpha = -1 -> no root; alpha = -1 -> sqrt = u x0;
        otherwise sqrt = (1 + alpha)^((q-1)/2) x0.
    Each root is squared back before use.

Every reader validates: length (ShapeMismatch), flags (MalformedInput),
coordinates below q (FieldElementOutOfRange), the curve equation (NotOnCurve)
and, for G2, the order-r subgroup (NotInSubgroup).  Writers check the point
is on its curve.
"""

from __future__ import annotations

from zkl.algebra.constants import G1_B, Q
from zkl.algebra.curve import G2_B, is_on_curve_g1, is_on_curve_g2, validate_g1, validate_g2
from zkl.algebra.points import G1Point, G2Point
from zkl.algebra.tower import Fq2
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotOnCurve, ShapeMismatch

Fq2Int = tuple[int, int]

_FLAG_MASK = 0b11 << 6
_FLAG_SMALLEST = 0b10 << 6
_FLAG_LARGEST = 0b11 << 6
_FLAG_INFINITY = 0b01 << 6
_HALF_Q = (Q - 1) // 2

G1_BYTES = 64
G2_BYTES = 128
G1_COMPRESSED_BYTES = 32
G2_COMPRESSED_BYTES = 64


# ------------------------------------------------------------------------------------------
# square roots (Fq2 arithmetic is zkl.algebra.tower's)


def _fq_sqrt(a: int) -> int | None:
    """A square root of a in Fq, or None."""
    y = pow(a, (Q + 1) // 4, Q)
    return y if y * y % Q == a % Q else None


def _fq2_sqrt(a: Fq2Int) -> Fq2Int | None:
    """A square root of a = (c0, c1) in Fq2 (Adj and Rodriguez-Henriquez, Algorithm 9), or None."""
    a = Fq2(*a)
    a1 = a ** ((Q - 3) // 4)
    alpha = a1 * a1 * a
    x0 = a1 * a
    minus_one = Fq2(-1, 0)
    if alpha.conjugate() * alpha == minus_one:
        return None
    if alpha == minus_one:
        x = Fq2(-x0.c1, x0.c0)  # u * x0
    else:
        x = (Fq2.one() + alpha) ** ((Q - 1) // 2) * x0
    return x.to_ints() if x * x == a else None


def _fq_largest(y: int) -> bool:
    return y > _HALF_Q


def _fq2_largest(y: Fq2Int) -> bool:
    return _fq_largest(y[1]) if y[1] else _fq_largest(y[0])


# ------------------------------------------------------------------------------------------
# helpers


def _as_bytes(data: bytes | bytearray | memoryview, size: int, what: str) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedInput(f"{what} must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) != size:
        raise ShapeMismatch(f"{what} must be {size} bytes, not {len(data)}")
    return data


def _coord(data: bytes, k: int, what: str) -> int:
    v = int.from_bytes(data[32 * k : 32 * k + 32], "big")
    if v >= Q:
        raise FieldElementOutOfRange(f"{what} coordinate {k} must be below q, not {v}")
    return v


def _be(v: int) -> bytes:
    return v.to_bytes(32, "big")


def _checked_g1(p: G1Point) -> G1Point:
    if not isinstance(p, G1Point):
        raise MalformedInput(f"G1 point must be a G1Point, not {type(p).__name__}")
    if not is_on_curve_g1(p):
        raise NotOnCurve(f"G1 point must be on the curve, not {p}")
    return p


def _checked_g2(p: G2Point) -> G2Point:
    if not isinstance(p, G2Point):
        raise MalformedInput(f"G2 point must be a G2Point, not {type(p).__name__}")
    if not is_on_curve_g2(p):
        raise NotOnCurve(f"G2 point must be on the twist curve, not {p}")
    return p


# ------------------------------------------------------------------------------------------
# uncompressed bytes


def g1_to_bytes(p: G1Point) -> bytes:
    """64-byte x || y big-endian (EVM precompile encoding); infinity is all zeros."""
    _checked_g1(p)
    return _be(p.x) + _be(p.y)


def g1_from_bytes(data: bytes) -> G1Point:
    """G1 point of a 64-byte x || y encoding, validated."""
    data = _as_bytes(data, G1_BYTES, "G1 encoding")
    p = G1Point(_coord(data, 0, "G1"), _coord(data, 1, "G1"))
    validate_g1(p)
    return p


def g2_to_bytes(p: G2Point) -> bytes:
    """128-byte x.c1 || x.c0 || y.c1 || y.c0 big-endian (EIP-197 order); infinity is all zeros."""
    _checked_g2(p)
    return _be(p.x[1]) + _be(p.x[0]) + _be(p.y[1]) + _be(p.y[0])


def g2_from_bytes(data: bytes) -> G2Point:
    """G2 point of a 128-byte EIP-197 encoding, validated (curve and subgroup)."""
    data = _as_bytes(data, G2_BYTES, "G2 encoding")
    v = [_coord(data, k, "G2") for k in range(4)]
    p = G2Point((v[1], v[0]), (v[3], v[2]))
    validate_g2(p)
    return p


# ------------------------------------------------------------------------------------------
# compressed bytes


def _flags(data: bytes, what: str) -> tuple[int, bytes]:
    flag = data[0] & _FLAG_MASK
    body = bytes([data[0] & ~_FLAG_MASK & 0xFF]) + data[1:]
    if flag == 0:
        raise MalformedInput(f"{what} must carry a compressed flag (0b10, 0b11 or 0b01 in the top bits), "
                             f"not 0b00 (uncompressed)")
    if flag == _FLAG_INFINITY and any(body):
        raise MalformedInput(f"{what} flagged as infinity must have every other bit zero")
    return flag, body


def g1_to_compressed(p: G1Point) -> bytes:
    """32-byte compressed G1 point: big-endian x with gnark's flags in the top two bits."""
    _checked_g1(p)
    if p.is_infinity():
        return bytes([_FLAG_INFINITY]) + bytes(31)
    out = bytearray(_be(p.x))
    out[0] |= _FLAG_LARGEST if _fq_largest(p.y) else _FLAG_SMALLEST
    return bytes(out)


def g1_from_compressed(data: bytes) -> G1Point:
    """G1 point of a 32-byte compressed encoding (square root, flags checked, validated)."""
    data = _as_bytes(data, G1_COMPRESSED_BYTES, "compressed G1 encoding")
    flag, body = _flags(data, "compressed G1 encoding")
    if flag == _FLAG_INFINITY:
        return G1Point.infinity()
    x = _coord(body, 0, "compressed G1")
    y = _fq_sqrt((x * x * x + G1_B) % Q)
    if y is None:
        raise NotOnCurve(f"compressed G1 x = {x} must be the x of a curve point (x^3 + 3 is not a square)")
    if _fq_largest(y) != (flag == _FLAG_LARGEST):
        y = (Q - y) % Q
    p = G1Point(x, y)
    validate_g1(p)
    return p


def g2_to_compressed(p: G2Point) -> bytes:
    """64-byte compressed G2 point: x.c1 || x.c0 big-endian with gnark's flags in the top two bits."""
    _checked_g2(p)
    if p.is_infinity():
        return bytes([_FLAG_INFINITY]) + bytes(63)
    out = bytearray(_be(p.x[1]) + _be(p.x[0]))
    out[0] |= _FLAG_LARGEST if _fq2_largest(p.y) else _FLAG_SMALLEST
    return bytes(out)


def g2_from_compressed(data: bytes) -> G2Point:
    """G2 point of a 64-byte compressed encoding (Fq2 square root, flags checked, curve and subgroup validated)."""
    data = _as_bytes(data, G2_COMPRESSED_BYTES, "compressed G2 encoding")
    flag, body = _flags(data, "compressed G2 encoding")
    if flag == _FLAG_INFINITY:
        return G2Point.infinity()
    x = (_coord(body, 1, "compressed G2"), _coord(body, 0, "compressed G2"))
    fx = Fq2(*x)
    y = _fq2_sqrt((fx * fx * fx + Fq2(*G2_B)).to_ints())
    if y is None:
        raise NotOnCurve(f"compressed G2 x = {x} must be the x of a twist point (x^3 + b' is not a square)")
    if _fq2_largest(y) != (flag == _FLAG_LARGEST):
        y = (-y[0] % Q, -y[1] % Q)
    p = G2Point(x, y)
    validate_g2(p)
    return p
