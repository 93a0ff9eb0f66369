"""EdDSA-Poseidon in bulk: the messages of many transactions and the verification of many packed signatures at once.

The answers are those of the pure-Python path, item by item:

- `message_many(e0, e1, nonces, domains)[i] == protocol.message_to_sign(e0[i], e1[i], nonces[i], domains[i])`,
  with the same range checks (the exception names the item);
- `verify_packed(pubkeys, messages, packed)` gives per item MALFORMED where
  `eddsa.Signature.unpack(packed[i])` would raise (the reason is that exception's message),
  else VALID where `eddsa.verify(Point(*pubkeys[i]), messages[i], signature)` is True and INVALID
  where it is False or would refuse the public key (not int coordinates in [0, r) on the curve),
  as `SignedTx.verify` does. A message that is not a field element raises, naming the item.

The work runs in numba kernels (zkl.crypto._eddsa_kernels) over all items, in one thread without the GIL; with
NUMBA_DISABLE_JIT=1 the same kernels run as plain Python (slow, but exact).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from zkl.algebra.constants import R
from zkl.crypto import _eddsa_kernels as _k
from zkl.crypto.babyjubjub import SUBGROUP_ORDER, Point
from zkl.crypto.eddsa import Signature, _check_message
from zkl.crypto.protocol import DOMAIN_BITS, NONCE_BITS, message_to_sign
from zkl.errors import FieldElementOutOfRange, MalformedInput, NotOnCurve, ShapeMismatch, ZklError

__all__ = ["BatchResult", "Status", "message_many", "verify_packed", "warmup"]

_HALF = (R - 1) // 2
_Y_MASK = (1 << 255) - 1
_NONCE_LIMIT = 1 << NONCE_BITS
_DOMAIN_LIMIT = 1 << DOMAIN_BITS
#: batches below this many items run in the calling thread (waking the thread pool costs more than it saves)
class Status(IntEnum):
    """What `verify_packed` says of one signature."""

    VALID = 0
    #: well formed, but does not verify (or the public key is refused)
    INVALID = 1
    #: eddsa.Signature.unpack would raise (see the item's reason)
    MALFORMED = 2


@dataclass(frozen=True)
class BatchResult:
    """Per item of a `verify_packed` call: its status, its decoded signature (None when malformed) and why malformed."""

    status: list[Status]
    signatures: list[Signature | None]
    reasons: list[str | None]
    #: the zkl.errors class Signature.unpack would raise, per malformed item (None otherwise)
    errors: list[type[MalformedInput] | None]

    def __len__(self) -> int:
        return len(self.status)

    @property
    def valid(self) -> list[bool]:
        """Whether each item verified."""
        return [s is Status.VALID for s in self.status]

    def error(self, i: int) -> MalformedInput | None:
        """The exception Signature.unpack would raise on item i, or None when it is well formed."""
        kind = self.errors[i]
        return None if kind is None else kind(self.reasons[i])


# ----------------------------------------------------------------------------- conversions


def _rows(values: Sequence[int], width: int = 1) -> np.ndarray:
    """Ints in [0, 2^256) as a writable (n, 4) or (n, width, 4) uint64 array of little-endian limbs."""
    a = np.frombuffer(b"".join([v.to_bytes(32, "little") for v in values]), dtype="<u8").copy()  # aligned, writable
    return a.reshape(-1, 4) if width == 1 else a.reshape(-1, width, 4)


def _ints(a: np.ndarray) -> list[int]:
    """The rows of an (n, 4) uint64 limb array as ints."""
    data = a.astype("<u8", copy=False).tobytes()
    return [int.from_bytes(data[k:k + 32], "little") for k in range(0, len(data), 32)]


@functools.cache
def _poseidon_constants(t: int) -> tuple[np.ndarray, int]:
    return _k.poseidon_constants(t)


@functools.cache
def _base_table() -> np.ndarray:
    return _k.base8_table()


def _check_lengths(**sequences: Sequence[object]) -> int:
    """The common length of the sequences, or ShapeMismatch."""
    lengths = {name: len(s) for name, s in sequences.items()}
    if len(set(lengths.values())) > 1:
        raise ShapeMismatch(f"sequences of different lengths: {lengths}")
    return next(iter(lengths.values()))


# ----------------------------------------------------------------------------- messages


def _message_inputs(i: int, e0: object, e1: object, nonce: object, domain: object) -> tuple[int, int, int] | int:
    """(e0 mod r, e1 mod r, nonce word) of one item; for inputs off the fast path, message_to_sign's answer or error."""
    if (type(nonce) is int and 0 <= nonce < _NONCE_LIMIT and type(domain) is int and 0 <= domain < _DOMAIN_LIMIT
            and type(e0) is int and type(e1) is int):
        return e0 % R, e1 % R, nonce + (domain << NONCE_BITS)
    try:
        value = message_to_sign(e0, e1, nonce, domain)  # type: ignore[arg-type]
    except ZklError as exc:
        raise type(exc)(f"item {i}: {exc}") from exc
    except (TypeError, ValueError, ArithmeticError) as exc:  # what message_to_sign lets through unnamed
        raise MalformedInput(f"item {i}: {type(exc).__name__}: {exc}") from exc
    if type(value) is not int:  # message_to_sign answered with something else than an int (a float e0)
        raise MalformedInput(f"item {i}: e0 and e1 must be integers")
    return value


def message_many(e0: Sequence[int], e1: Sequence[int], nonces: Sequence[int], domains: Sequence[int]) -> list[int]:
    """protocol.message_to_sign(e0[i], e1[i], nonces[i], domains[i]) for every i, in one kernel call."""
    n = _check_lengths(e0=e0, e1=e1, nonces=nonces, domains=domains)
    if n == 0:
        return []
    flat: list[int] = []
    done: dict[int, int] = {}
    for i in range(n):
        item = _message_inputs(i, e0[i], e1[i], nonces[i], domains[i])
        if type(item) is int:  # computed by message_to_sign itself
            done[i] = item
            flat.extend((0, 0, 0))
        else:
            flat.extend(item)
    consts, n_partial = _poseidon_constants(4)
    out = np.empty((n, 4), dtype=np.uint64)
    _k.poseidon_many(_rows(flat, 3), consts, n_partial, out)
    result = _ints(out)
    for i, value in done.items():
        result[i] = value
    return result


# ----------------------------------------------------------------------------- signatures


def _coordinate(value: object) -> int | None:
    """value as an int in [0, r), or None (eddsa.verify would refuse it)."""
    if type(value) is not int:
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            return None
        value = operator.index(value)
    return value if 0 <= value < R else None


def _pubkey(pk: object) -> tuple[int, int] | None:
    """A public key's coordinates when they are ints in [0, r) (the curve equation is checked in the kernel)."""
    if isinstance(pk, Point):
        x, y = pk.x, pk.y
        if type(x) is not int or type(y) is not int:
            return None
    else:
        try:
            x, y = pk  # type: ignore[misc]
        except (TypeError, ValueError):
            return None
    x, y = _coordinate(x), _coordinate(y)
    return None if x is None or y is None else (x, y)


def _message(i: int, m: object) -> int:
    """messages[i] as an int field element, or raise as eddsa.verify would (naming the item)."""
    try:
        return _check_message(m)
    except MalformedInput as e:
        raise type(e)(f"messages[{i}]: {e}") from None


def _malformed(code: int, data: bytes) -> tuple[type[MalformedInput], str]:
    """The exception class and message Signature.unpack raises for a kernel's malformed code."""
    value = int.from_bytes(data[:32], "little")
    y = value & _Y_MASK
    if code == _k.Y_OUT_OF_RANGE:
        return FieldElementOutOfRange, f"packed point's y must be below r = {R}; got {y}"
    if code == _k.NOT_ON_CURVE:
        return NotOnCurve, f"no Baby Jubjub point has y = {y}"
    if code == _k.SIGN_OF_ZERO:
        return MalformedInput, f"packed point with y = {y} has x = 0 but its sign bit set (not canonical)"
    s = int.from_bytes(data[32:], "little")
    return FieldElementOutOfRange, f"signature.s must be in [0, l), l = {SUBGROUP_ORDER}; got {s}"


_ZERO_SIGNATURE = bytes(64)


def verify_packed(pubkeys: Sequence[tuple[int, int]], messages: Sequence[int], packed: Sequence[bytes]) -> BatchResult:
    """Decode and verify packed[i] (64 bytes, circomlibjs packSignature) on messages[i] under pubkeys[i], for every i."""
    n = _check_lengths(pubkeys=pubkeys, messages=messages, packed=packed)
    blobs: list[bytes] = []
    early: dict[int, str] = {}
    for i, data in enumerate(packed):
        if isinstance(data, (bytes, bytearray, memoryview)) and len(data) == 64:
            blobs.append(bytes(data))
        else:
            what = f"{len(data)} bytes" if isinstance(data, (bytes, bytearray, memoryview)) else type(data).__name__
            early[i] = f"a packed signature must be 64 bytes, not {what}"
            blobs.append(_ZERO_SIGNATURE)
    msgs = [_message(i, m) for i, m in enumerate(messages)]
    if n == 0:
        return BatchResult([], [], [], [])
    keys = [_pubkey(pk) for pk in pubkeys]
    pubkey_ok = np.array([k is not None for k in keys], dtype=np.uint8)
    flat_keys: list[int] = []
    for k in keys:
        flat_keys.extend(k if k is not None else (0, 0))
    packed_words = np.frombuffer(b"".join(blobs), dtype="<u8").reshape(n, 8).copy()
    consts, n_partial = _poseidon_constants(6)
    status = np.empty(n, dtype=np.int8)
    r8x = np.zeros((n, 4), dtype=np.uint64)
    _k.verify_packed(packed_words, _rows(flat_keys, 2), pubkey_ok, _rows(msgs), _base_table(), consts, n_partial,
                     status, r8x)
    xs = _ints(r8x)
    codes = status.tolist()
    statuses: list[Status] = []
    signatures: list[Signature | None] = []
    reasons: list[str | None] = []
    errors: list[type[MalformedInput] | None] = []
    valid, invalid, malformed = Status.VALID, Status.INVALID, Status.MALFORMED
    for i, code in enumerate(codes):
        if i in early:
            statuses.append(malformed)
            signatures.append(None)
            reasons.append(early[i])
            errors.append(MalformedInput)
        elif code <= _k.INVALID:
            data = blobs[i]
            y = int.from_bytes(data[:32], "little") & _Y_MASK
            signatures.append(Signature(Point(xs[i], y), int.from_bytes(data[32:], "little")))
            statuses.append(valid if code == _k.VALID else invalid)
            reasons.append(None)
            errors.append(None)
        else:
            kind, reason = _malformed(code, blobs[i])
            statuses.append(malformed)
            signatures.append(None)
            reasons.append(reason)
            errors.append(kind)
    return BatchResult(statuses, signatures, reasons, errors)


def warmup() -> None:
    """Compile (or load from numba's disk cache) every kernel of this module, on a few items."""
    from zkl.crypto import eddsa

    message = message_many([1], [3], [0], [5])[0]
    key = bytes(range(32))
    signature = eddsa.sign(key, message).pack()
    verify_packed([eddsa.public_key(key)], [message], [signature])
