"""EdDSA-Poseidon signature verification in a circuit, compatible with circomlibjs
`signPoseidon` / `verifyPoseidon` and circomlib's `EdDSAPoseidonVerifier`. Native twin:
`zkl.crypto.eddsa.verify` (and `sign`).

    verify_eddsa(api, pubkey, msg, Signature(r8, s))              # always checked
    verify_eddsa(api, pubkey, msg, Signature(r8, s), enabled=e)   # checked iff e == 1

What it asserts, as circomlib's verifier (plus on-curve checks of A and R8):

- A and R8 are on the curve;
- S < l (251 bits of S, then bits <= l - 1);
- 8A is not the identity (A is not of small order);
- h = Poseidon(R8.x, R8.y, A.x, A.y, M), taken as the integer h < r (unique decomposition);
- [S] Base8 == R8 + [h] (8A), i.e. circomlib's [S]B8 = R8 + [8h]A.

With `enabled` a variable (asserted boolean), enabled = 0 swaps the inputs for a constant valid
signature (6 constraints of selects), so a batch circuit can pad with no-op transactions whose
key, message and signature are anything (zeros included); enabled = 1 checks the inputs as
given. A constant enabled = 0 adds nothing.

Constraints: 3,289 (3,296 with a variable `enabled`: 6 selects and its boolean check), against 4,217 for circomlib's
EdDSAPoseidonVerifier with --O2: on-curve 6, S range 372, Poseidon(5) 321, 8A and its check 16,
[h](8A) 2,063, R8 + [h](8A) 6, [S]B8 499 and its comparison 6.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

from zkl.circuits.lincomb import Variable
from zkl.circuits.std import babyjubjub as bjj
from zkl.circuits.std.babyjubjub import Point
from zkl.circuits.std.poseidon import poseidon
from zkl.crypto import eddsa as native
from zkl.errors import CircuitError

if TYPE_CHECKING:
    from zkl.circuits.api import API

__all__ = ["Signature", "dummy_signature", "verify_eddsa"]

S_BITS = 251
"""Bits of S: l < 2^251."""


class Signature(NamedTuple):
    """An EdDSA signature in a circuit: the point R8 and the scalar S (variables or constants)."""

    r8: Point
    s: Variable


@functools.cache
def dummy_signature() -> tuple[Point, int, Signature]:
    """(public key, message, signature): a fixed valid signature, checked when `enabled` is 0.

    Made with the private key bytes(range(32)) over the message 0 by `zkl.crypto.eddsa.sign`.
    """
    key = bytes(range(32))
    a = native.public_key(key)
    sig = native.sign(key, 0)
    return Point(a.x, a.y), 0, Signature(Point(sig.r8.x, sig.r8.y), sig.s)


def _as_point(p: object, what: str) -> Point:
    """Return p as a circuit Point (accepts any pair)."""
    try:
        x, y = p  # type: ignore[misc]
    except (TypeError, ValueError):
        raise CircuitError(f"{what} must be a point (x, y), not {p!r}") from None
    return Point(x, y)


def verify_eddsa(api: API, pubkey: Point, msg: Variable, sig: Signature, enabled: Variable = 1) -> None:
    """Assert that `sig` = (R8, S) signs `msg` under `pubkey` = A (EdDSA-Poseidon, circomlib's check).

    `enabled` (default 1) switches the check off when 0 (see the module docstring). 3,289
    constraints (+7 with a variable `enabled`). Twin: `zkl.crypto.eddsa.verify`.
    """
    a = _as_point(pubkey, "pubkey")
    try:
        r8, s = sig
    except (TypeError, ValueError):
        raise CircuitError(f"sig must be a Signature (r8, s), not {sig!r}") from None
    r8 = _as_point(r8, "sig.r8")
    if api.is_constant(enabled):
        if enabled not in (0, 1):
            raise CircuitError(f"enabled must be 0 or 1, not the constant {enabled}")
        if enabled == 0:
            return
    with api.scope("eddsa"):
        if not api.is_constant(enabled):
            api.assert_boolean(enabled)
            da, dm, (dr8, ds) = dummy_signature()
            a = bjj.select(api, enabled, a, da)
            r8 = bjj.select(api, enabled, r8, dr8)
            s = api.select(enabled, s, ds)
            msg = api.select(enabled, msg, dm)
        bjj.assert_on_curve(api, a)
        bjj.assert_on_curve(api, r8)
        with api.scope("s_range"):
            s_bits = api.to_binary(s, S_BITS)
            bjj.assert_bits_le(api, s_bits, bjj.SUBGROUP_ORDER - 1)
        h = poseidon(api, [r8.x, r8.y, a.x, a.y, msg])
        a8 = bjj.assert_not_small_order(api, a)
        rhs = bjj.add(api, r8, bjj.mul(api, a8, h))
        with api.scope("s_base8"):
            p, t = bjj._mul_fixed_terms(api, s_bits, bjj.BASE8)
            bjj.assert_sum(api, p, t, rhs)
