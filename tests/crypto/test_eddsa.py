"""EdDSA-Poseidon: key derivation, sign/verify round trips, forgeries that must fail, malformed input."""

from __future__ import annotations

import random

import pytest

from zkl.crypto import eddsa
from zkl.crypto.babyjubjub import (
    BASE8,
    GENERATOR,
    IDENTITY,
    SUBGROUP_ORDER,
    Point,
    add,
    is_in_subgroup,
    mul_base,
    negate,
    scalar_mul,
)
from zkl.crypto.blake512 import blake512
from zkl.crypto.eddsa import Signature, derive_scalar, public_key, sign, verify
from zkl.crypto.poseidon import poseidon_hash
from zkl.algebra.constants import R
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotOnCurve


L = SUBGROUP_ORDER


@pytest.fixture(scope="module")
def keys() -> list[tuple[bytes, Point]]:
    rng = random.Random(21)
    private = [bytes(32), b"\xff" * 32] + [rng.randbytes(32) for _ in range(4)]
    return [(k, public_key(k)) for k in private]


def test_derive_scalar_is_pruned_blake512() -> None:
    rng = random.Random(22)
    for _ in range(10):
        key = rng.randbytes(32)
        s = derive_scalar(key)
        low = int.from_bytes(blake512(key)[:32], "little")
        assert s % 8 == 0 and s >> 254 == 1
        assert s ^ low == (low & 7) | (low & (1 << 255)) | ((~low) & (1 << 254))
        assert public_key(key) == mul_base(s >> 3) == scalar_mul(BASE8, s >> 3)


def test_public_key_is_in_the_subgroup(keys: list[tuple[bytes, Point]]) -> None:
    assert all(is_in_subgroup(a) for _, a in keys)
    assert len({a for _, a in keys}) == len(keys)


def test_sign_then_verify(keys: list[tuple[bytes, Point]]) -> None:
    rng = random.Random(23)
    for key, a in keys:
        for message in (0, R - 1, rng.randrange(R)):
            signature = sign(key, message)
            assert 0 <= signature.s < L and is_in_subgroup(signature.r8)
            assert verify(a, message, signature)
            assert sign(key, message) == signature  # deterministic


def test_signature_equation() -> None:
    key = bytes(range(32))
    message = 123456789
    s = derive_scalar(key)
    a = public_key(key)
    signature = sign(key, message)
    r = int.from_bytes(blake512(blake512(key)[32:] + message.to_bytes(32, "little")), "little") % L
    assert signature.r8 == mul_base(r)
    hm = poseidon_hash([signature.r8.x, signature.r8.y, a.x, a.y, message])
    assert signature.s == (r + hm * s) % L


def test_forgeries_fail(keys: list[tuple[bytes, Point]]) -> None:
    rng = random.Random(24)
    (key, a), (_, other) = keys[2], keys[3]
    message = rng.randrange(R)
    signature = sign(key, message)
    assert verify(a, message, signature)
    assert not verify(a, (message + 1) % R, signature)
    assert not verify(other, message, signature)
    assert not verify(a, message, Signature(signature.r8, (signature.s + 1) % L))
    assert not verify(a, message, Signature(mul_base(rng.randrange(L)), signature.s))
    assert not verify(a, message, Signature(negate(signature.r8), signature.s))
    assert not verify(a, message, sign(key, (message + 1) % R))
    # the signature of another key on the same message
    assert not verify(a, message, sign(keys[3][0], message))


def test_small_order_public_key_is_rejected() -> None:
    # with 8*A = identity the equation S*B8 = R8 + 8*hm*A holds for R8 = S*B8 whatever the message
    for weak in (IDENTITY, Point(0, R - 1), scalar_mul(GENERATOR, L)):
        forged = Signature(mul_base(5), 5)
        assert not verify(weak, 42, forged)


def test_r8_shifted_by_a_low_order_point_fails() -> None:
    # R8 + a point of order 2 is on the curve but the equation no longer holds
    key = b"\x07" * 32
    signature = sign(key, 9)
    shifted = Signature(add(signature.r8, Point(0, R - 1)), signature.s)
    assert not verify(public_key(key), 9, shifted)


def test_pack_unpack_signature(keys: list[tuple[bytes, Point]]) -> None:
    key, a = keys[4]
    signature = sign(key, 77)
    packed = signature.pack()
    assert len(packed) == 64 and int.from_bytes(packed[32:], "little") == signature.s
    assert Signature.unpack(packed) == signature
    too_big = packed[:32] + L.to_bytes(32, "little")
    with pytest.raises(FieldElementOutOfRange):
        Signature.unpack(too_big)
    with pytest.raises(MalformedInput, match="64 bytes, not 63 bytes"):
        Signature.unpack(packed[:63])


@pytest.mark.parametrize("bad_key", [bytes(31), bytes(33), "00" * 32, 5])
def test_private_key_must_be_32_bytes(bad_key: object) -> None:
    with pytest.raises(MalformedInput, match="private key must be 32 bytes"):
        public_key(bad_key)  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        sign(bad_key, 1)  # type: ignore[arg-type]


def test_malformed_verify_inputs(keys: list[tuple[bytes, Point]]) -> None:
    key, a = keys[2]
    signature = sign(key, 5)
    with pytest.raises(NotOnCurve):
        verify(Point(1, 2), 5, signature)
    with pytest.raises(NotOnCurve):
        verify(a, 5, Signature(Point(1, 2), signature.s))
    with pytest.raises(FieldElementOutOfRange, match=r"signature.s must be in \[0, l\)"):
        verify(a, 5, Signature(signature.r8, signature.s + L))
    with pytest.raises(FieldElementOutOfRange):
        verify(a, 5, Signature(signature.r8, -1))
    with pytest.raises(FieldElementOutOfRange, match=r"message must be in \[0, r\)"):
        verify(a, R, signature)
    with pytest.raises(FieldElementOutOfRange):
        verify(a, -1, signature)
    with pytest.raises(MalformedInput):
        verify((a.x, a.y), 5, signature)  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        verify(a, 5, (signature.r8, signature.s))  # type: ignore[arg-type]
    with pytest.raises(FieldElementOutOfRange):
        sign(key, R)
    with pytest.raises(MalformedInput):
        sign(key, 1.5)  # type: ignore[arg-type]


def test_exports() -> None:
    assert eddsa.PRIVATE_KEY_BYTES == 32
    assert {"public_key", "sign", "verify", "derive_scalar", "Signature"} <= set(eddsa.__all__)
