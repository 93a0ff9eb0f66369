"""The SHA-256 gadget against hashlib (its native twin), its cost per block, and its soundness."""

from __future__ import annotations

import hashlib
import random

import pytest

from zkl.circuits import Circuit, Public, Secret, compile, solve
from zkl.circuits.std.sha256 import bits_to_bytes, bytes_to_bits, sha256, sha256_native
from zkl.circuits.testing import assert_circuit
from zkl.errors import CircuitError


class Digest(Circuit):
    """A secret message of n bytes (each range-checked to 8 bits) and its public digest (256 bits)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.msg = Secret(n)
        self.digest = Public(256)

    def define(self, api) -> None:  # noqa: ANN001
        bits = [bit for byte in self.msg for bit in reversed(api.to_binary(byte, 8))]
        for got, want in zip(sha256(api, bits), self.digest):
            api.assert_equal(got, want)


def _assignment(message: bytes) -> dict:
    return {"msg": list(message), "digest": bytes_to_bits(hashlib.sha256(message).digest())}


@pytest.mark.parametrize("n", [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 200])
def test_agrees_with_hashlib_at_every_padding_boundary(n):
    rng = random.Random(n)
    message = bytes(rng.randrange(256) for _ in range(n))
    circuit = Digest(n)
    r1cs = compile(circuit, cache=False)
    witness = solve(circuit, _assignment(message), r1cs=r1cs)
    r1cs.check(witness)
    assert sha256_native(message) == hashlib.sha256(message).digest()


def test_bits_and_bytes():
    data = bytes(range(256))
    assert bits_to_bytes(bytes_to_bits(data)) == data
    assert bytes_to_bits(b"\x80") == [1, 0, 0, 0, 0, 0, 0, 0]
    with pytest.raises(CircuitError):
        bits_to_bytes([1, 0, 1])


def test_constant_messages_cost_nothing_and_a_block_costs_about_27000():
    class Constant(Circuit):
        out = Public(256)

        def define(self, api) -> None:  # noqa: ANN001
            for got, want in zip(sha256(api, bytes_to_bits(b"abc")), self.out):
                api.assert_equal(got, want)

    r1cs = compile(Constant(), cache=False)
    assert r1cs.n_constraints == 256  # the digest folds to constants: only the 256 equalities remain
    r1cs.check(solve(Constant(), {"out": bytes_to_bits(hashlib.sha256(b"abc").digest())}, r1cs=r1cs))
    one, two = (compile(Digest(n), cache=False).n_constraints for n in (55, 119))  # one block, two blocks
    per_block = two - one
    assert 26_000 < per_block < 28_000  # circomlib's Sha256: ~29,600 a block
    assert one - 55 * 9 - 256 < 28_000  # the message's range checks (9 a byte) and the equalities aside


def test_a_wrong_digest_or_message_is_refused():
    rng = random.Random(5)
    message = bytes(rng.randrange(256) for _ in range(40))
    good = _assignment(message)
    wrong_digest = {**good, "digest": list(good["digest"])}
    wrong_digest["digest"][rng.randrange(256)] ^= 1
    wrong_message = {**good, "msg": [(good["msg"][0] + 1) % 256] + good["msg"][1:]}
    long_byte = {**good, "msg": [good["msg"][0] + 256] + good["msg"][1:]}  # not a byte: same low bits
    assert_circuit(Digest(40), valid=[good], invalid=[wrong_digest, wrong_message, long_byte], tamper_rounds=4)


def test_misuse_is_a_circuit_error():
    class Bad(Circuit):
        x = Secret()

        def __init__(self, bits) -> None:
            self.bits = bits

        def define(self, api) -> None:  # noqa: ANN001
            sha256(api, self.bits(self, api))

    for bits, match in [(lambda s, api: [0] * 7, "multiple of 8"),
                        (lambda s, api: [2] + [0] * 7, "0 or 1"),
                        (lambda s, api: [s.x] + [0] * 7, "known boolean")]:
        with pytest.raises(CircuitError, match=match):
            compile(Bad(bits), cache=False)
