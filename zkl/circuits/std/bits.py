"""Binary decomposition gadgets: to_binary, from_binary, range_check, booleans, bits <= constant.

A decomposition into n < 254 bits is unique (2**n <= r), so `to_binary(x, n)` both range-checks
x and yields its bits. With 254 bits the value x + r would also fit, so the bits are further
asserted to encode a number <= r - 1 (circomlib's Num2Bits_strict/AliasCheck).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from zkl.circuits.field import R
from zkl.circuits.lincomb import Variable, constant
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API

FIELD_BITS = 254
"""Bit length of r: the most bits a field element needs."""


def bits_hint(x: int, n: int) -> list[int]:
    """Hint: the n little-endian bits of x (truncated if x >= 2**n; constraints then fail)."""
    return [(x >> i) & 1 for i in range(n)]


def _check_n_bits(n_bits: int, most: int = FIELD_BITS) -> int:
    """Return n_bits as an int if 0 <= n_bits <= most, else raise CircuitError."""
    if isinstance(n_bits, bool) or not isinstance(n_bits, int) or not 0 <= n_bits <= most:
        raise CircuitError(f"number of bits must be an integer in [0, {most}], not {n_bits!r}")
    return n_bits


def assert_boolean(api: API, a: Variable) -> None:
    """Assert a in {0, 1} with a * (1 - a) = 0; skipped when a is already known boolean."""
    if api.is_constant(a):
        if constant(a) not in (0, 1):
            raise CircuitError(f"assert_boolean of the constant {constant(a)}, which is not 0 or 1")
        return
    if a.bits == 1:
        return
    api.constraint(a, api.sub(1, a), 0, "assert_boolean")
    a.bits = 1


def to_binary(api: API, a: Variable, n_bits: int = FIELD_BITS) -> list[Variable]:
    """Return the n_bits little-endian bits of a, asserting a < 2**n_bits (and < r for 254)."""
    n = _check_n_bits(n_bits)
    if api.is_constant(a):
        value = constant(a)
        if value >> n:
            raise CircuitError(f"the constant {value} does not fit in {n} bits")
        return [(value >> i) & 1 for i in range(n)]
    bs = api.hint(bits_hint, a, n, n_outputs=n)
    for b in bs:
        api.constraint(b, api.sub(1, b), 0, "to_binary.bit")
        b.bits = 1
    api.constraint(api.lincomb([(1 << i, b) for i, b in enumerate(bs)]), 1, a, "to_binary")
    if n >= FIELD_BITS:
        assert_bits_le_constant(api, bs, R - 1)
    else:
        api.mark_bits(a, max(n, 1))
    return bs


def from_binary(api: API, bs: Sequence[Variable], check: bool = True) -> Variable:
    """Return sum(bs[i] * 2**i), asserting each bit boolean when `check` (free otherwise)."""
    if check:
        for b in bs:
            assert_boolean(api, b)
    out = api.lincomb([(1 << i, b) for i, b in enumerate(bs)])
    if len(bs) < FIELD_BITS and all(api.known_bits(b) == 1 for b in bs):
        api.mark_bits(out, max(len(bs), 1))
    return out


def range_check(api: API, a: Variable, n_bits: int) -> None:
    """Assert 0 <= a < 2**n_bits (n_bits + 1 constraints; none if a is already known to fit)."""
    n = _check_n_bits(n_bits, FIELD_BITS - 1)
    if api.is_constant(a):
        if constant(a) >> n:
            raise CircuitError(f"range_check of the constant {constant(a)}, which does not fit in {n} bits")
        return
    if 0 < a.bits <= n:
        return
    to_binary(api, a, n)


def assert_bits_le_constant(api: API, bs: Sequence[Variable], k: int) -> None:
    """Assert sum(bs[i] * 2**i) <= k for bits already enforced boolean (about len(bs) constraints).

    Scanning from the top bit, p stays 1 while the bits equal those of k; where k has a 0
    bit and p is 1 the bit must be 0 (p * b = 0); where k has a 1 bit, p becomes p * b.
    Bits below k's trailing ones need nothing.
    """
    n = len(bs)
    if k < 0:
        raise CircuitError(f"bits compared with a negative constant {k}")
    if k >= (1 << n) - 1:
        return
    low = (~k & (k + 1)).bit_length() - 1  # number of trailing one bits of k
    p: Variable = 1
    for i in range(n - 1, low - 1, -1):
        if (k >> i) & 1:
            if i > low:
                p = api.mul(p, bs[i])
        else:
            api.constraint(p, bs[i], 0, "bits<=constant")
