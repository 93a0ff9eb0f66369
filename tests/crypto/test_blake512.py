"""BLAKE-512: official vectors, the constants re-derived from their definition, padding edge cases."""

from __future__ import annotations

import math

import pytest

from zkl.crypto.blake512 import BLOCK_BYTES, CONSTANTS, IV, SIGMA, blake512
from zkl.errors import MalformedInput

# BLAKE-512 of one zero byte and of 144 zero bytes: the test values of the BLAKE submission
# (final round, appendix A); the empty message: the reference implementation's output
OFFICIAL = {
    b"": "a8cfbbd73726062df0c6864dda65defe58ef0cc52a5625090fa17601e1eecd1b"
    "628e94f396ae402a00acc9eab77b4d4c2e852aaaa25a636d80af3fc7913ef5b8",
    b"\x00": "97961587f6d970faba6d2478045de6d1fabd09b61ae50932054d52bc29d31be4"
    "ff9102b9f69e2bbdb83be13d4b9c06091e5fa0b48bd081b634058be0ec49beb3",
    bytes(144): "313717d608e9cf758dcb1eb0f0c3cf9fc150b2d500fb33f51c52afc99d358a2f"
    "1374b8a38bba7974e7f6ef79cab16f22ce1e649d6e01ad9589c213045d545dde",
}


@pytest.mark.parametrize("message", list(OFFICIAL))
def test_official_vectors(message: bytes) -> None:
    assert blake512(message).hex() == OFFICIAL[message]


def _pi_fraction_bits(n_bits: int) -> int:
    """floor(frac(pi) * 2^n_bits), with Machin's formula in integers (guard bits against rounding)."""
    scale = 1 << (n_bits + 64)

    def arctan_inverse(x: int) -> int:
        total, term, k, sign = 0, scale // x, 1, 1
        while term:
            total += sign * (term // k)
            term //= x * x
            k += 2
            sign = -sign
        return total

    pi_scaled = 4 * (4 * arctan_inverse(5) - arctan_inverse(239))
    return (pi_scaled >> 64) - (3 << n_bits)


def test_constants_are_the_digits_of_pi() -> None:
    bits = _pi_fraction_bits(1024)
    assert CONSTANTS == tuple((bits >> (64 * (15 - i))) & ((1 << 64) - 1) for i in range(16))


def test_iv_is_sha512_iv() -> None:
    primes = [2, 3, 5, 7, 11, 13, 17, 19]
    # frac(sqrt(p)) * 2^64 = isqrt(p * 2^128) mod 2^64
    assert IV == tuple(math.isqrt(p << 128) & ((1 << 64) - 1) for p in primes)


def test_sigma_rows_are_permutations() -> None:
    assert len(SIGMA) == 10
    assert all(sorted(row) == list(range(16)) for row in SIGMA)
    assert SIGMA[0] == tuple(range(16))


def test_digest_size_and_determinism() -> None:
    digest = blake512(b"zkl")
    assert len(digest) == 64
    assert blake512(bytearray(b"zkl")) == blake512(memoryview(b"zkl")) == digest


def test_padding_boundaries_give_distinct_digests() -> None:
    # lengths where the 1-bit and the final 1-bit share a byte (111), where padding needs a
    # block of its own (112..127) or the message fills a block exactly (128)
    lengths = [0, 1, 110, 111, 112, 113, 127, 128, 129, 239, 240, 255, 256]
    digests = {blake512(bytes(n)) for n in lengths}
    assert len(digests) == len(lengths)
    assert BLOCK_BYTES == 128


def test_rejects_text() -> None:
    with pytest.raises(MalformedInput, match="bytes, not str"):
        blake512("abc")  # type: ignore[arg-type]
