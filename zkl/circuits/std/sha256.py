"""SHA-256 (FIPS 180-4) in constraints: `sha256(api, bits)`; native twin: Python's `hashlib.sha256`.

The message is a list of bits, most significant bit of the first byte first (the order
`bytes_to_bits` gives), each a variable known to be boolean or a constant 0/1; its length must
be a multiple of 8, and is fixed when the circuit is built (the padding is constant). The digest
comes back as 256 bits in the same order. Bits of constants cost nothing: a constant message
byte, the padding and the round constants fold into the linear combinations.

A 32-bit word is a list of 32 bits, least significant first. Rotations and shifts are free (a
re-indexing); XOR of two bits is one constraint (a + b - 2ab), so a three-way XOR is two; Ch is
one (e (f - g) + g), Maj two; a sum of words is a linear combination decomposed once into 32 bits
plus its carry bits (the sum of k words needs 32 + ceil(log2 k) bits). Per 64-byte block: 48
message-schedule words at about 160 constraints and 64 rounds at about 294, about 27,000 in all
(circomlib's Sha256: about 29,600).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from zkl.circuits.lincomb import Variable
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API

__all__ = ["bits_to_bytes", "bytes_to_bits", "sha256", "sha256_native"]

_K = (
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
)
_H0 = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)

Word = list  # 32 bits, least significant first


def sha256_native(data: bytes) -> bytes:
    """The native twin: SHA-256 of bytes."""
    return hashlib.sha256(data).digest()


def bytes_to_bits(data: bytes) -> list[int]:
    """Bits of bytes, most significant bit of the first byte first (the order sha256 takes and returns)."""
    return [(byte >> (7 - i)) & 1 for byte in data for i in range(8)]


def bits_to_bytes(bits: Sequence[int]) -> bytes:
    """Inverse of bytes_to_bits (for bits known as ints)."""
    if len(bits) % 8:
        raise CircuitError(f"a bit string of whole bytes has a multiple of 8 bits, not {len(bits)}")
    return bytes(sum(int(bits[8 * k + i]) << (7 - i) for i in range(8)) for k in range(len(bits) // 8))


def _word(value: int) -> Word:
    return [(value >> i) & 1 for i in range(32)]


def _rotr(w: Word, n: int) -> Word:
    return [w[(i + n) % 32] for i in range(32)]


def _shr(w: Word, n: int) -> Word:
    return [w[i + n] if i + n < 32 else 0 for i in range(32)]


def _xor3(api: API, a: Word, b: Word, c: Word) -> Word:
    return [api.xor(api.xor(x, y), z) for x, y, z in zip(a, b, c)]


def _ch(api: API, e: Word, f: Word, g: Word) -> Word:
    """(e AND f) XOR (NOT e AND g) = e (f - g) + g, one constraint a bit."""
    out = []
    for x, y, z in zip(e, f, g):
        bit = api.add(api.mul(x, api.sub(y, z)), z)
        api.mark_bits(bit, 1)
        out.append(bit)
    return out


def _maj(api: API, a: Word, b: Word, c: Word) -> Word:
    """Majority: ab + c (a XOR b), two constraints a bit."""
    out = []
    for x, y, z in zip(a, b, c):
        ab = api.mul(x, y)
        bit = api.add(ab, api.mul(z, api.sub(api.add(x, y), api.mul(2, ab))))
        api.mark_bits(bit, 1)
        out.append(bit)
    return out


def _add(api: API, *words: Word) -> Word:
    """The sum of words mod 2^32: one linear combination, decomposed into its low 32 bits and the carry bits."""
    total = api.lincomb([(1 << i, bit) for w in words for i, bit in enumerate(w)])
    if api.is_constant(total):
        return _word(int(total) % (1 << 32))
    n_bits = 32 + (len(words) - 1).bit_length()
    return api.to_binary(total, n_bits)[:32]


def sha256(api: API, bits: Sequence[Variable]) -> list[Variable]:
    """The SHA-256 digest (256 bits, big-endian) of a message of boolean variables (see the module docstring)."""
    n = len(bits)
    if n % 8:
        raise CircuitError(f"sha256 takes whole bytes: the message must have a multiple of 8 bits, not {n}")
    for i, bit in enumerate(bits):
        if api.is_constant(bit) and int(bit) not in (0, 1):
            raise CircuitError(f"message bit {i} must be 0 or 1, not the constant {int(bit)}")
        if not api.is_constant(bit) and api.known_bits(bit) != 1:
            raise CircuitError(f"message bit {i} must be known boolean (a bit of to_binary, a boolean input)")
    padded = list(bits) + [1] + [0] * ((447 - n) % 512) + [(n >> (63 - i)) & 1 for i in range(64)]
    state = [_word(v) for v in _H0]
    with api.scope("sha256"):
        for start in range(0, len(padded), 512):
            chunk = padded[start:start + 512]
            block = [[chunk[32 * j + 31 - i] for i in range(32)] for j in range(16)]
            state = _compress_block(api, state, block)
    return [word[31 - i] for word in state for i in range(32)]


def _compress_block(api: API, state: list[Word], block: list[Word]) -> list[Word]:
    """One application of the compression function: the state after a 16-word block (FIPS 180-4, 6.2.2)."""
    w = list(block)
    for t in range(16, 64):
        s0 = _xor3(api, _rotr(w[t - 15], 7), _rotr(w[t - 15], 18), _shr(w[t - 15], 3))
        s1 = _xor3(api, _rotr(w[t - 2], 17), _rotr(w[t - 2], 19), _shr(w[t - 2], 10))
        w.append(_add(api, w[t - 16], s0, w[t - 7], s1))
    a, b, c, d, e, f, g, h = state
    for t in range(64):
        big_s1 = _xor3(api, _rotr(e, 6), _rotr(e, 11), _rotr(e, 25))
        ch = _ch(api, e, f, g)
        big_s0 = _xor3(api, _rotr(a, 2), _rotr(a, 13), _rotr(a, 22))
        maj = _maj(api, a, b, c)
        t1 = (h, big_s1, ch, _word(_K[t]), w[t])
        new_e = _add(api, d, *t1)
        new_a = _add(api, *t1, big_s0, maj)
        a, b, c, d, e, f, g, h = new_a, a, b, c, new_e, e, f, g
    return [_add(api, x, y) for x, y in zip(state, (a, b, c, d, e, f, g, h))]
