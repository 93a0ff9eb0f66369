"""Comparisons of field elements read as integers in [0, r), sound for every field value.

Each gadget states its bound. `assert_less_or_equal(a, b, n)` proves a <= b by range-checking
a and d = b - a to n bits: then b = a + d exactly (no wrap-around since 2**(n+1) < r), whatever
values a malicious prover picks. `less_than(a, b, n)` range-checks both a and b to n bits and
reads the top bit of a - b + 2**n, which lies in [1, 2**(n+1)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkl.circuits.lincomb import Variable, constant
from zkl.circuits.std.arith import is_zero
from zkl.circuits.field import R
from zkl.circuits.std.bits import FIELD_BITS, assert_bits_le_constant, decompose, range_check, to_binary
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API

MAX_COMPARE_BITS = 252
"""Largest bit bound for comparing two variables (keeps 2**(n+1) < r)."""


def _check_compare_bits(n_bits: int | None) -> int:
    """Return n_bits if it is an integer in [1, 252], else raise CircuitError."""
    if isinstance(n_bits, bool) or not isinstance(n_bits, int) or not 1 <= n_bits <= MAX_COMPARE_BITS:
        raise CircuitError(f"comparing two variables needs n_bits, an integer in [1, {MAX_COMPARE_BITS}], "
                           f"not {n_bits!r}")
    return n_bits


def assert_less_or_equal(api: API, a: Variable, b: Variable, n_bits: int | None = None) -> None:
    """Assert a <= b (integers in [0, r)); see API.assert_less_or_equal for costs and bounds."""
    if api.is_constant(b):
        k = constant(b)
        if api.is_constant(a):
            if constant(a) > k:
                raise CircuitError(f"assert_less_or_equal of constants that fail: {constant(a)} > {k}")
            return
        if k == R - 1:  # every field element is at most r - 1
            return
        n = max(1, k.bit_length())
        known = api.known_bits(a)
        if known and known <= n and k == (1 << n) - 1:
            return
        # the bits are bounded by k < r - 1 next, so with 254 bits to_binary's own check
        # against r - 1 is redundant: the decomposition is unique either way
        bs = to_binary(api, a, n) if n < FIELD_BITS else decompose(api, a, n)
        assert_bits_le_constant(api, bs, k)
        return
    n = _check_compare_bits(n_bits)
    range_check(api, a, n)
    range_check(api, api.sub(b, a), n)


def less_than(api: API, a: Variable, b: Variable, n_bits: int) -> Variable:
    """Return the boolean a < b, asserting a, b < 2**n_bits."""
    n = _check_compare_bits(n_bits)
    if api.is_constant(a) and api.is_constant(b):
        range_check(api, a, n)
        range_check(api, b, n)
        return int(constant(a) < constant(b))
    range_check(api, a, n)
    range_check(api, b, n)
    bs = to_binary(api, api.add(api.sub(a, b), 1 << n), n + 1)
    out = api.sub(1, bs[n])
    api.mark_bits(out, 1)
    return out


def cmp(api: API, a: Variable, b: Variable, n_bits: int) -> Variable:
    """Return 1 if a > b, 0 if a == b, r - 1 if a < b (1 - 2 * lt - eq), asserting a, b < 2**n_bits."""
    lt = less_than(api, a, b, n_bits)
    eq = is_zero(api, api.sub(a, b))
    return api.sub(1, api.add(api.mul(2, lt), eq))
