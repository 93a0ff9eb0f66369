"""BLAKE-512, the SHA-3 finalist (not BLAKE2), as npm ``blake-hash`` computes it for circomlibjs's EdDSA.

Specification: J.-P. Aumasson, L. Henzen, W. Meier, R. C.-W. Phan, "SHA-3 proposal BLAKE"
(version 1.3, final round): 64-bit words, 16 rounds of the G function over a 4x4 state,
constants from the digits of pi, initial value of SHA-512, salt zero, padding
``message || 1 || 0* || 1 || 128-bit bit length``, words big-endian.
"""

from __future__ import annotations

from zkl.errors import MalformedInput

__all__ = ["blake512"]

_MASK = (1 << 64) - 1

#: initial value: SHA-512's (fractional parts of the square roots of the first 8 primes)
IV = (
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
)  # fmt: skip

#: the first 1024 bits of the fractional part of pi, as sixteen 64-bit words
CONSTANTS = (
    0x243F6A8885A308D3, 0x13198A2E03707344, 0xA4093822299F31D0, 0x082EFA98EC4E6C89,
    0x452821E638D01377, 0xBE5466CF34E90C6C, 0xC0AC29B7C97C50DD, 0x3F84D5B5B5470917,
    0x9216D5D98979FB1B, 0xD1310BA698DFB5AC, 0x2FFD72DBD01ADFB7, 0xB8E1AFED6A267E96,
    0xBA7C9045F12C7F99, 0x24A19947B3916CF7, 0x0801F2E2858EFC16, 0x636920D871574E69,
)  # fmt: skip

#: message word permutations; round i uses SIGMA[i % 10]
SIGMA = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3),
    (11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4),
    (7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8),
    (9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13),
    (2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9),
    (12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11),
    (13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10),
    (6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5),
    (10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0),
)

ROUNDS = 16
BLOCK_BYTES = 128

#: the state indices (a, b, c, d) of the eight G calls of a round: four columns, then four diagonals
_G_INDICES = (
    (0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
    (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14),
)  # fmt: skip

#: per round, per G call: the state indices a, b, c, d and the word indices σ_r(2i), σ_r(2i+1)
_SCHEDULE = tuple(
    tuple(
        (a, b, c, d, SIGMA[r % 10][2 * i], SIGMA[r % 10][2 * i + 1])
        for i, (a, b, c, d) in enumerate(_G_INDICES)
    )
    for r in range(ROUNDS)
)


def _compress(h: list[int], block: bytes, counter: int) -> list[int]:
    """The BLAKE-512 compression function of chain value h, one 128-byte block and the bit counter."""
    mask = _MASK
    k = CONSTANTS
    m = [int.from_bytes(block[8 * i : 8 * i + 8], "big") for i in range(16)]
    t0 = counter & mask
    t1 = (counter >> 64) & mask
    v = h + [k[0], k[1], k[2], k[3], t0 ^ k[4], t0 ^ k[5], t1 ^ k[6], t1 ^ k[7]]
    for round_schedule in _SCHEDULE:
        for a, b, c, d, s0, s1 in round_schedule:
            va, vb, vc, vd = v[a], v[b], v[c], v[d]
            va = (va + vb + (m[s0] ^ k[s1])) & mask
            vd ^= va
            vd = (vd >> 32) | ((vd << 32) & mask)
            vc = (vc + vd) & mask
            vb ^= vc
            vb = (vb >> 25) | ((vb << 39) & mask)
            va = (va + vb + (m[s1] ^ k[s0])) & mask
            vd ^= va
            vd = (vd >> 16) | ((vd << 48) & mask)
            vc = (vc + vd) & mask
            vb ^= vc
            vb = (vb >> 11) | ((vb << 53) & mask)
            v[a], v[b], v[c], v[d] = va, vb, vc, vd
    return [h[i] ^ v[i] ^ v[i + 8] for i in range(8)]


def blake512(data: bytes) -> bytes:
    """The 64-byte BLAKE-512 digest of data (salt zero), as npm blake-hash ``blake512``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedInput(f"blake512 takes bytes, not {type(data).__name__}")
    data = bytes(data)
    n_bits = 8 * len(data)
    # padding: a 1 bit, zeros, a 1 bit (marking the 512-bit variant), then the 128-bit length
    padded = bytearray(data) + b"\x80"
    while len(padded) % BLOCK_BYTES != BLOCK_BYTES - 16:
        padded.append(0)
    padded[-1] |= 0x01
    padded += n_bits.to_bytes(16, "big")
    h = list(IV)
    n_blocks = len(padded) // BLOCK_BYTES
    for i in range(n_blocks):
        # the counter holds the message bits in this and earlier blocks; 0 for a block of padding only
        end_bits = min(8 * BLOCK_BYTES * (i + 1), n_bits)
        counter = end_bits if end_bits > 8 * BLOCK_BYTES * i else 0
        h = _compress(h, padded[BLOCK_BYTES * i : BLOCK_BYTES * (i + 1)], counter)
    return b"".join(word.to_bytes(8, "big") for word in h)
