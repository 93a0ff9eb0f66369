"""zkl.crypto.eddsa_batch against the pure-Python path: same messages, same accept / reject answers item by item."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkl.algebra.constants import R
from zkl.crypto import eddsa, protocol
from zkl.crypto.babyjubjub import (
    BASE8,
    GENERATOR,
    SUBGROUP_ORDER,
    Point,
    add,
    pack_point,
    scalar_mul,
)
from zkl.crypto.eddsa import Signature
from zkl.crypto.eddsa_batch import Status, message_many, verify_packed

BATCH = 16  # items in the batched cases
from zkl.errors import FieldElementOutOfRange, MalformedInput, ShapeMismatch

L = SUBGROUP_ORDER
#: the 8-torsion: k * (l * GENERATOR) for k < 8, the identity and (0, -1) among them
TORSION = [scalar_mul(scalar_mul(GENERATOR, L), k) for k in range(8)]


def reference(pubkey: object, message: int, data: object) -> tuple[Status, Signature | None, type | None, str | None]:
    """What the Python path says: Signature.unpack, then eddsa.verify (a refused key is INVALID, as SignedTx.verify)."""
    try:
        signature = Signature.unpack(data)  # type: ignore[arg-type]
    except MalformedInput as exc:
        return Status.MALFORMED, None, type(exc), str(exc)
    try:
        point = pubkey if isinstance(pubkey, Point) else Point(*pubkey)  # type: ignore[misc]
        ok = eddsa.verify(point, message, signature)
    except (MalformedInput, TypeError):  # TypeError: not a pair
        ok = False
    return (Status.VALID if ok else Status.INVALID), signature, None, None


def check_same(pubkeys: list, messages: list[int], packed: list) -> list[Status]:
    """verify_packed agrees with `reference` on every item (status, decoded signature, error class and message)."""
    result = verify_packed(pubkeys, messages, packed)
    assert len(result) == len(packed)
    for i, (pk, m, data) in enumerate(zip(pubkeys, messages, packed)):
        status, signature, kind, reason = reference(pk, m, data)
        assert result.status[i] is status, (i, result.status[i], status, reason)
        assert result.signatures[i] == signature, i
        assert result.errors[i] is kind and result.reasons[i] == reason, i
        if kind is not None:
            error = result.error(i)
            assert type(error) is kind and str(error) == reason
    assert result.valid == [s is Status.VALID for s in result.status]
    return result.status


@pytest.fixture(scope="module")
def signed() -> list[tuple[Point, int, bytes]]:
    rng = random.Random(5)
    out = []
    for _ in range(6):
        key = rng.randbytes(32)
        message = rng.randrange(R)
        out.append((eddsa.public_key(key), message, eddsa.sign(key, message).pack()))
    return out


def _with_s(data: bytes, s: int) -> bytes:
    return data[:32] + s.to_bytes(32, "little")


def _with_r8(data: bytes, r8: bytes) -> bytes:
    return r8 + data[32:]


def _non_decompressible() -> bytes:
    """A packed point whose y is below r but on no curve point (the first such y from 2)."""
    y = 2
    while True:
        try:
            from zkl.crypto.babyjubjub import unpack_point

            unpack_point(y.to_bytes(32, "little"))
        except MalformedInput:
            return y.to_bytes(32, "little")
        y += 1


# ----------------------------------------------------------------------------- messages


def test_message_many_matches_message_to_sign() -> None:
    rng = random.Random(1)
    n = 4 * BATCH + 3  # a batch
    e0 = [rng.randrange(1 << 200) for _ in range(n)] + [R, R + 5, 0, -3]
    e1 = [rng.randrange(1 << 256) for _ in range(n)] + [0, 2**300, R - 1, -1]
    nonces = [rng.randrange(1 << 32) for _ in range(n)] + [0, 2**32 - 1, 7, 1]
    domains = [rng.randrange(1 << 221) for _ in range(n)] + [2**221 - 1, 0, 3, 9]
    expected = [protocol.message_to_sign(*args) for args in zip(e0, e1, nonces, domains)]
    assert message_many(e0, e1, nonces, domains) == expected
    for k in (1, 2):  # the serial kernel
        assert message_many(e0[:k], e1[:k], nonces[:k], domains[:k]) == expected[:k]
    assert message_many([], [], [], []) == []


@pytest.mark.parametrize(("nonce", "domain"), [(-1, 0), (2**32, 0), (0, 2**221), (0, -1), (True, 0), ("1", 0),
                                               (1.0, 0)])
def test_message_many_range_checks(nonce: object, domain: object) -> None:
    with pytest.raises(MalformedInput) as reference_error:
        protocol.message_to_sign(1, 2, nonce, domain)  # type: ignore[arg-type]
    with pytest.raises(type(reference_error.value), match=r"^item 1: ") as error:
        message_many([1, 1], [2, 2], [0, nonce], [0, domain])  # type: ignore[list-item]
    assert str(reference_error.value) in str(error.value)


def test_message_many_odd_inputs_and_shapes() -> None:
    import numpy as np

    # inputs message_to_sign accepts off the fast path (a bool e0) give its answer
    assert message_many([5, True], [2, False], [4, 1], [6, 7]) == [
        protocol.message_to_sign(5, 2, 4, 6), protocol.message_to_sign(True, False, 1, 7)]
    # where message_to_sign fails with a Python error, a MalformedInput naming the item
    for bad in ("x", 1.5, np.int64(5), None):
        with pytest.raises(MalformedInput, match="item 1"):
            message_many([1, bad], [2, 2], [0, 0], [0, 0])  # type: ignore[list-item]
    with pytest.raises(ShapeMismatch):
        message_many([1], [2], [3], [])


# ----------------------------------------------------------------------------- signatures


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=3),
       messages=st.lists(st.integers(0, R - 1), min_size=3, max_size=3))
def test_random_keys_and_messages(keys: list[bytes], messages: list[int]) -> None:
    pubkeys, msgs, packed = [], [], []
    for i, key in enumerate(keys):
        pk = eddsa.public_key(key)
        signature = eddsa.sign(key, messages[i]).pack()
        pubkeys += [pk, (pk.x, pk.y)]
        msgs += [messages[i], messages[(i + 1) % 3] if messages[(i + 1) % 3] != messages[i] else messages[i] ^ 1]
        packed += [signature, signature]
    status = check_same(pubkeys, msgs, packed)
    assert status[0::2] == [Status.VALID] * len(keys)


def test_tampering(signed: list[tuple[Point, int, bytes]]) -> None:
    rng = random.Random(9)
    pubkeys: list = []
    messages: list[int] = []
    packed: list = []

    def case(pk: object, m: int, data: object) -> None:
        pubkeys.append(pk)
        messages.append(m)
        packed.append(data)

    pk, m, sig = signed[0]
    other_pk, other_m, other_sig = signed[1]
    s = int.from_bytes(sig[32:], "little")
    case(pk, m, sig)
    for bit in [0, 1, 7, 100, 200, 253, 254, 255] + rng.sample(range(256), 6):  # R8's bits (255: the sign)
        flipped = bytearray(sig)
        flipped[bit // 8] ^= 1 << (bit % 8)
        case(pk, m, bytes(flipped))
    for bit in [0, 1, 100, 250, 251, 252, 253, 255] + rng.sample(range(256), 4):  # S's bits
        flipped = bytearray(sig)
        flipped[32 + bit // 8] ^= 1 << (bit % 8)
        case(pk, m, bytes(flipped))
    for bad_s in (L, L + 1, s + L, 2**256 - 1, L - 1, 0):
        case(pk, m, _with_s(sig, bad_s))
    case(pk, m ^ 1, sig)  # wrong message
    case(pk, other_m, sig)
    case(other_pk, m, sig)  # wrong key
    case(pk, m, other_sig)
    case((pk.x, (pk.y + 1) % R), m, sig)  # key off the curve
    case((pk.x + R, pk.y), m, sig)  # key coordinate not below r
    case((-1, pk.y), m, sig)
    case((float(pk.x), pk.y), m, sig)  # not ints
    case((True, 1), m, sig)
    case(Point(pk.x, 1.0), m, sig)  # type: ignore[arg-type]
    case(Point(pk.x, pk.y), m, sig)
    case("not a key", m, sig)
    for torsion in TORSION:  # small-order keys (identity, (0, -1), the 8-torsion): refused
        case(torsion, m, sig)
        case((torsion.x, torsion.y), m, sig)
        r8 = Signature.unpack(sig).r8
        case(pk, m, _with_r8(sig, pack_point(add(r8, torsion))))  # R8 moved by a small-order point
        case(add(pk, torsion), m, sig)  # key moved by a small-order point: 8 A unchanged, hm changes
        case(pk, m, _with_r8(sig, pack_point(torsion)))  # R8 of small order
    for k in (0, 1):  # forgeries with the identity / small-order R8 and S = 0
        case(pk, m, pack_point(TORSION[k]) + bytes(32))
    case(pk, m, _with_r8(sig, _non_decompressible()))
    case(pk, m, _with_r8(sig, (R).to_bytes(32, "little")))  # y = r
    case(pk, m, _with_r8(sig, ((1 << 255) - 1).to_bytes(32, "little")))  # y = 2^255 - 1
    case(pk, m, _with_r8(sig, (1 | 1 << 255).to_bytes(32, "little")))  # y = 1 (x = 0) with the sign bit
    case(pk, m, _with_r8(sig, (R - 1).to_bytes(32, "little")))  # y = -1, x = 0: decodes
    case(pk, m, _with_r8(sig, pack_point(BASE8)))
    case(pk, m, sig[:63])  # not 64 bytes
    case(pk, m, sig + b"\0")
    case(pk, m, sig.hex())
    case(pk, m, bytearray(sig))
    case(pk, m, memoryview(sig))
    status = check_same(pubkeys, messages, packed)
    assert status[0] is Status.VALID and Status.MALFORMED in status and Status.INVALID in status
    # the same items one at a time and in one batch
    for i in range(0, len(packed), 7):
        check_same(pubkeys[i:i + 1], messages[i:i + 1], packed[i:i + 1])
    assert len(packed) >= BATCH


def test_mixed_batch_keeps_order(signed: list[tuple[Point, int, bytes]]) -> None:
    rng = random.Random(3)
    pubkeys, messages, packed = [], [], []
    kinds = []
    for i in range(3 * BATCH):
        pk, m, sig = signed[i % len(signed)]
        kind = rng.choice(["valid", "message", "s", "r8"])
        kinds.append(kind)
        if kind == "message":
            m = (m + 1) % R
        elif kind == "s":
            sig = _with_s(sig, L + i)
        elif kind == "r8":
            sig = _with_r8(sig, _non_decompressible())
        pubkeys.append((pk.x, pk.y))
        messages.append(m)
        packed.append(sig)
    status = check_same(pubkeys, messages, packed)
    expected = {"valid": Status.VALID, "message": Status.INVALID, "s": Status.MALFORMED, "r8": Status.MALFORMED}
    assert status == [expected[k] for k in kinds]
    result = verify_packed(pubkeys, messages, packed)
    for i, kind in enumerate(kinds):
        if kind == "valid":
            tx_signature = result.signatures[i]
            assert tx_signature == Signature.unpack(packed[i]) and tx_signature.pack() == packed[i]


def test_messages_and_shapes_are_checked(signed: list[tuple[Point, int, bytes]]) -> None:
    pk, m, sig = signed[0]
    with pytest.raises(FieldElementOutOfRange, match=r"messages\[1\]"):
        verify_packed([pk, pk], [m, R], [sig, sig])
    with pytest.raises(MalformedInput, match=r"messages\[0\]"):
        verify_packed([pk], ["1"], [sig])  # type: ignore[list-item]
    with pytest.raises(ShapeMismatch):
        verify_packed([pk], [m, m], [sig])
    assert len(verify_packed([], [], [])) == 0


_NOJIT_SCRIPT = """
import random
from numba import config
assert config.DISABLE_JIT
from zkl.crypto import eddsa, protocol
from zkl.crypto.eddsa_batch import Status, message_many, verify_packed
key = bytes(range(32))
pk = eddsa.public_key(key)
m = message_many([11], [12], [13], [14])[0]
assert m == protocol.message_to_sign(11, 12, 13, 14)
sig = eddsa.sign(key, m).pack()
bad = sig[:32] + (int.from_bytes(sig[32:], "little") ^ 1).to_bytes(32, "little")
result = verify_packed([pk, pk, pk], [m, m, m ^ 1], [sig, bad, (2).to_bytes(32, "little") + sig[32:]])
assert result.status[0] is Status.VALID and result.signatures[0] == eddsa.Signature.unpack(sig), result
assert result.status[1] is (Status.VALID if eddsa.verify(pk, m, eddsa.Signature.unpack(bad)) else Status.INVALID)
assert result.status[2] is Status.MALFORMED, result
print("nojit ok")
"""


def test_without_jit() -> None:
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    result = subprocess.run([sys.executable, "-c", _NOJIT_SCRIPT], env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nojit ok" in result.stdout
