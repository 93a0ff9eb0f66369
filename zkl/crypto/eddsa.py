"""EdDSA over Baby Jubjub with Poseidon, as circomlibjs ``eddsa.prv2pub`` / ``signPoseidon`` / ``verifyPoseidon``.

- key: h = BLAKE-512(private key); s = h[0:32] little-endian after pruning (clear the 3 low
  bits, clear bit 255, set bit 254); public key A = (s >> 3) * Base8;
- sign(m): r = BLAKE-512(h[32:64] || m as 32 bytes little-endian) little-endian mod l,
  R8 = r * Base8, hm = Poseidon(R8.x, R8.y, A.x, A.y, m), S = (r + hm * s) mod l;
- verify: S * Base8 == R8 + (8 * hm) * A.

``verify`` also rejects public keys of small order (8 * A = identity), as circomlib's
``EdDSAPoseidonVerifier`` circuit does and circomlibjs ``verifyPoseidon`` does not: with such a
key any message would verify.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from zkl.crypto.babyjubjub import (
    IDENTITY,
    SUBGROUP_ORDER,
    Point,
    add,
    check_point,
    mul_base,
    pack_point,
    scalar_mul,
    unpack_point,
)
from zkl.algebra.constants import R
from zkl.crypto.blake512 import blake512
from zkl.crypto.poseidon import poseidon_hash
from zkl.errors import FieldElementOutOfRange, MalformedInput

__all__ = ["PRIVATE_KEY_BYTES", "Signature", "derive_scalar", "public_key", "sign", "verify"]

PRIVATE_KEY_BYTES = 32


@dataclass(frozen=True)
class Signature:
    """An EdDSA-Poseidon signature: the point R8 and the scalar S < l."""

    r8: Point
    s: int

    def pack(self) -> bytes:
        """64 bytes as circomlibjs ``packSignature``: packed R8, then S little-endian."""
        _check_signature(self)
        return pack_point(self.r8) + self.s.to_bytes(32, "little")

    @classmethod
    def unpack(cls, data: bytes) -> Signature:
        """The signature encoded by 64 bytes as circomlibjs ``packSignature``."""
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) != 64:
            what = f"{len(data)} bytes" if isinstance(data, (bytes, bytearray, memoryview)) else type(data).__name__
            raise MalformedInput(f"a packed signature must be 64 bytes, not {what}")
        data = bytes(data)
        signature = cls(unpack_point(data[:32]), int.from_bytes(data[32:], "little"))
        _check_signature(signature)
        return signature


def _key_hash(private_key: bytes) -> bytes:
    """BLAKE-512 of a 32-byte private key."""
    if not isinstance(private_key, (bytes, bytearray, memoryview)):
        raise MalformedInput(f"private key must be {PRIVATE_KEY_BYTES} bytes, not {type(private_key).__name__}")
    if len(private_key) != PRIVATE_KEY_BYTES:
        raise MalformedInput(f"private key must be {PRIVATE_KEY_BYTES} bytes, not {len(private_key)} bytes")
    return blake512(bytes(private_key))


def _pruned_scalar(key_hash: bytes) -> int:
    """The secret scalar: the first 32 bytes of the key hash, pruned as circomlibjs ``pruneBuffer``."""
    s = int.from_bytes(key_hash[:32], "little")
    s &= ~7  # multiple of the cofactor
    s &= (1 << 255) - 1
    s |= 1 << 254
    return s


def derive_scalar(private_key: bytes) -> int:
    """The secret scalar s of a private key (a multiple of 8); the public key is (s >> 3) * Base8."""
    return _pruned_scalar(_key_hash(private_key))


def public_key(private_key: bytes) -> Point:
    """The public key A of a 32-byte private key, as circomlibjs ``eddsa.prv2pub``."""
    return mul_base(derive_scalar(private_key) >> 3)


def _check_message(message: object) -> int:
    """Return the message as an int field element, or raise."""
    if type(message) is not int:
        if isinstance(message, bool) or not hasattr(message, "__index__"):
            raise MalformedInput(f"message must be an int field element, not {type(message).__name__}")
        message = operator.index(message)
    if not 0 <= message < R:
        raise FieldElementOutOfRange(f"message must be in [0, r), r = {R}; got {message}")
    return message


def _check_signature(signature: object) -> Signature:
    """Return signature if well formed (R8 on the curve, S an int in [0, l)), else raise."""
    if not isinstance(signature, Signature):
        raise MalformedInput(f"signature must be an eddsa.Signature, not {type(signature).__name__}")
    check_point(signature.r8, "signature.r8")
    s = signature.s
    if type(s) is not int:
        raise MalformedInput(f"signature.s must be an int, not {type(s).__name__}")
    if not 0 <= s < SUBGROUP_ORDER:
        raise FieldElementOutOfRange(f"signature.s must be in [0, l), l = {SUBGROUP_ORDER}; got {s}")
    return signature


def sign(private_key: bytes, message: int) -> Signature:
    """Sign a field element with a 32-byte private key, as circomlibjs ``eddsa.signPoseidon``."""
    message = _check_message(message)
    key_hash = _key_hash(private_key)
    s = _pruned_scalar(key_hash)
    a = mul_base(s >> 3)
    nonce_hash = blake512(key_hash[32:] + message.to_bytes(32, "little"))
    r = int.from_bytes(nonce_hash, "little") % SUBGROUP_ORDER
    r8 = mul_base(r)
    hm = poseidon_hash([r8.x, r8.y, a.x, a.y, message])
    return Signature(r8, (r + hm * s) % SUBGROUP_ORDER)


def verify(public_key: Point, message: int, signature: Signature) -> bool:
    """Whether signature signs message under public_key (circomlibjs ``verifyPoseidon``); raises on malformed input."""
    check_point(public_key, "public_key")
    message = _check_message(message)
    _check_signature(signature)
    a8 = scalar_mul(public_key, 8)
    if a8 == IDENTITY:
        return False
    r8 = signature.r8
    hm = poseidon_hash([r8.x, r8.y, public_key.x, public_key.y, message])
    left = mul_base(signature.s)
    right = add(r8, scalar_mul(a8, hm))
    return left == right

