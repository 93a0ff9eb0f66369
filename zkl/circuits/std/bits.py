"""Binary decomposition gadgets: to_binary, from_binary, range_check, booleans, bits <= constant.

A decomposition into n < 254 bits is unique (2**n <= r), so `to_binary(x, n)` both range-checks
x and yields its bits. With 254 bits the value x + r would also fit, so the bits are further
asserted to encode a number <= r - 1 (circomlib's Num2Bits_strict/AliasCheck), at one
constraint per run of equal bits of r - 1 (106) rather than one per bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zkl.circuits.adversaries import register
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
    bs = decompose(api, a, n)
    if n >= FIELD_BITS:
        assert_bits_le_constant(api, bs, R - 1)
    else:
        api.mark_bits(a, max(n, 1))
    return bs


def decompose(api: API, a: Variable, n: int) -> list[Variable]:
    """Return n boolean bits recomposing to a mod r (n + 1 constraints), a variable. Unique only
    for n < 254: with 254 bits the caller must also bound them (to_binary asserts <= r - 1)."""
    bs = api.hint(bits_hint, a, n, n_outputs=n)
    for b in bs:
        api.constraint(b, api.sub(1, b), 0, "to_binary.bit")
        b.bits = 1
    api.constraint(api.lincomb([(1 << i, b) for i, b in enumerate(bs)]), 1, a, "to_binary")
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


def run_hint(p: int, deficit: int) -> list[int]:
    """Hint of assert_bits_le_constant: (g, p') = (p / deficit, 0), or (0, p) when deficit is 0."""
    return [p * pow(deficit, -1, R) % R, 0] if deficit else [0, p]


def assert_bits_le_constant(api: API, bs: Sequence[Variable], k: int) -> None:
    """Assert sum(bs[i] * 2**i) <= k, each bit asserted boolean (free when already known).

    One constraint per run of equal bits of k, from the top (the run of ones ending at bit 0 is
    free): 106 for the alias check of 254 bits against r - 1, instead of one per bit. A flag p
    is nonzero whenever the bits so far equal k's (p = 1 at the start). A run of zeros asserts
    p * (sum of its bits) = 0: while the prefix matches, those bits are 0. A run of ones of
    length m updates p with (m - sum) * g = p - p' (g and p' hints): when the run matches, the
    deficit m - sum is 0 and p' = p stays nonzero; otherwise the bits fell below k's at this
    run, whatever the lower bits, and the prover may zero p. The first bit above k's is
    therefore in a run of zeros whose prefix matched, where p != 0 forbids it.
    """
    n = len(bs)
    if k < 0:
        raise CircuitError(f"bits compared with a negative constant {k}")
    if k >= (1 << n) - 1:
        return
    for b in bs:
        assert_boolean(api, b)
    with api.scope("bits_le"):
        p: Variable = 1
        i = n - 1
        while i >= 0:
            bit = (k >> i) & 1
            j = i
            while j > 0 and (k >> (j - 1)) & 1 == bit:
                j -= 1
            run = api.lincomb([(1, bs[m]) for m in range(j, i + 1)])
            if not bit:
                api.constraint(p, run, 0, "zero_run")
            elif j > 0:
                deficit = api.sub(i - j + 1, run)
                g, p_next = api.hint(run_hint, p, deficit, n_outputs=2)
                api.constraint(deficit, g, api.sub(p, p_next), "one_run")
                p = p_next
            i = j - 1


def bits_le_cost(n: int, k: int) -> int:
    """Return the constraints of assert_bits_le_constant over n known-boolean bits."""
    if k >= (1 << n) - 1:
        return 0
    runs, i = 0, n - 1
    while i >= 0:
        bit = (k >> i) & 1
        j = i
        while j > 0 and (k >> (j - 1)) & 1 == bit:
            j -= 1
        runs += 0 if bit and j == 0 else 1
        i = j - 1
    return runs


# -- known attacks on the hints of this module (tried by zkl.circuits.testing.assert_circuit) --


def _bits_alias(args: list[Any], honest: list[int]) -> list[int]:
    """Bits of x + r, the other preimage of x when it fits in n bits."""
    x, n = args
    y = x + R
    return [(y >> i) & 1 for i in range(n)] if y < 1 << n else honest


def _bits_carry_low(args: list[Any], honest: list[int]) -> list[int]:
    """Bits of x mod 2**n with the excess folded into bit 0 (recomposes, not boolean)."""
    x, n = args
    low = x & ((1 << n) - 1)
    out = [(low >> i) & 1 for i in range(n)]
    if n:
        out[0] = (out[0] + x - low) % R
    return out


def _bits_carry_high(args: list[Any], honest: list[int]) -> list[int]:
    """Bits of x mod 2**n with the excess folded into the top bit (recomposes, not boolean)."""
    x, n = args
    low = x & ((1 << n) - 1)
    out = [(low >> i) & 1 for i in range(n)]
    if n:
        out[-1] = (out[-1] + (x - low) * pow(1 << (n - 1), -1, R)) % R
    return out


def _bits_of_negation(args: list[Any], honest: list[int]) -> list[int]:
    """Bits of r - x truncated to n bits (a sign confusion)."""
    x, n = args
    y = (R - x) % R
    return [(y >> i) & 1 for i in range(n)]


def _run_drop_flag(args: list[Any], honest: list[int]) -> list[int]:
    """Zero the flag although the run matched."""
    return [honest[0], 0]


def _run_zero_both(args: list[Any], honest: list[int]) -> list[int]:
    """Zero g and the flag."""
    return [0, 0]


def _run_keep_flag(args: list[Any], honest: list[int]) -> list[int]:
    """Keep the flag although the run did not match."""
    return [honest[0], args[0]]


def _run_junk(args: list[Any], honest: list[int]) -> list[int]:
    """A wrong g and the flag 1."""
    return [(honest[0] + 1) % R, 1]


BITS_ATTACKS = [_bits_alias, _bits_carry_low, _bits_carry_high, _bits_of_negation]
"""Known attacks on bits_hint."""
RUN_ATTACKS = [_run_drop_flag, _run_zero_both, _run_keep_flag, _run_junk]
"""Known attacks on run_hint: (g, p') dropping the flag although the run matched, zeros,
keeping it although the run did not match, junk."""
register(bits_hint, BITS_ATTACKS)
register(run_hint, RUN_ATTACKS)
