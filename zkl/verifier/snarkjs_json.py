"""snarkjs's Groth16 JSON files: verification_key.json, proof.json, public.json.

The layouts, as `snarkjs zkey export verificationkey` and `snarkjs groth16
prove` write them (snarkjs 0.7; every number a decimal string):

verification_key.json::

    {"protocol": "groth16", "curve": "bn128", "nPublic": n,
     "vk_alpha_1": G1, "vk_beta_2": G2, "vk_gamma_2": G2, "vk_delta_2": G2,
     "vk_alphabeta_12": GT, "IC": [G1, ... n + 1 of them]}

proof.json::

    {"pi_a": G1, "pi_b": G2, "pi_c": G1, "protocol": "groth16", "curve": "bn128"}

public.json::

    ["x1", ..., "xn"]

A G1 point is `[x, y, z]`, a G2 point `[[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]`
(Fq2 = c0 + c1*u), in ffjavascript's Jacobian coordinates (x, y, z) = (x/z^2, y/z^3);
snarkjs writes affine points with z = 1 and the point at infinity as `["0", "1", "0"]`
(G2: `[["0", "0"], ["1", "0"], ["0", "0"]]`), and so do we.  When reading we accept
what snarkjs's reader (ffjavascript's `fromObject`) accepts: a missing z means 1, z = 0
is the point at infinity whatever x and y are, and any other z is Jacobian (checked on
the curve after conversion; snarkjs verifies such proofs).  Every coordinate, z included,
must be a decimal string below q (snarkjs would reduce larger ones; we refuse them), and
an affine (0, 0) is refused as not on the curve rather than read as zkl's infinity.
GT (`vk_alphabeta_12`) is an Fq12 written in the tower Fq2 -> Fq6 -> Fq12
of zkl.algebra.tower: `[[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]]`, each
an Fq2 pair.  snarkjs's pairing (ffjavascript) ends with the final
exponentiation of Fuentes-Castaneda et al., a fixed multiple of
(q^12 - 1)/r, so its e(alpha, beta) is ours (py_ecc's) to the power
SNARKJS_GT_EXPONENT = 2x(6x^2 + 3x + 1), x the BN parameter (checked against
snarkjs's own verification keys in tests/test_verifier_snarkjs.py).  Files are `JSON.stringify(obj, null, 1)`:
one-space indentation and no final newline; `dumps` writes exactly that.

Reading checks the structure (keys, protocol and curve, lengths, decimal
strings, nPublic == len(IC) - 1) and raises FormatError naming the file and
the key; the text itself is read by `parse_json`/`read_json` (also the CLI's
input.json), which bound what the JSON may hold: at most MAX_NESTING levels of
nesting and number literals of at most MAX_DIGITS digits, as zkl errors
(never RecursionError or ValueError); with validate=True (the default) the points are also checked to be
on their curves and in the order-r subgroup (coordinates below q), raising
the MalformedInput subclasses of zkl.errors.  Public inputs are only parsed
here; their range (< r) is checked by `verify`, before any pairing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import Any

from zkl._json import MAX_NESTING, MAX_DIGITS, parse_json, read_json
from zkl.algebra.constants import BN_X, Q
from zkl.algebra.points import G1Point, G2Point
from zkl.algebra.tower import Fq2, Fq12
from zkl.errors import FormatError, NotOnCurve
from zkl.verifier.keys import Proof, VerifyingKey

__all__ = [
    "SNARKJS_GT_EXPONENT",
    "alphabeta_from_snarkjs_json",
    "MAX_NESTING",
    "MAX_DIGITS",
    "dumps",
    "g1_from_json",
    "g1_to_json",
    "g2_from_json",
    "g2_to_json",
    "parse_json",
    "proof_from_snarkjs_json",
    "proof_to_snarkjs_json",
    "public_from_snarkjs_json",
    "public_to_snarkjs_json",
    "read_json",
    "read_proof",
    "read_public",
    "read_verifying_key",
    "to_snarkjs_gt",
    "vk_from_snarkjs_json",
    "vk_to_snarkjs_json",
    "write_proof",
    "write_public",
    "write_verifying_key",
]

#: snarkjs's GT values are ours raised to this power (ffjavascript's final exponentiation)
SNARKJS_GT_EXPONENT = 2 * BN_X * (6 * BN_X * BN_X + 3 * BN_X + 1)

PROTOCOL = "groth16"
CURVE = "bn128"
#: curve names snarkjs's getCurveFromName accepts for BN254 (case-insensitive)
_CURVE_NAMES = {"bn128", "bn254", "altbn128"}
_DECIMAL = re.compile(r"[0-9]{1,100}")
_VK_KEYS = ("protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC")
_PROOF_KEYS = ("pi_a", "pi_b", "pi_c", "protocol")

PathLike = str | os.PathLike


# --------------------------------------------------------------------------- verification key


def vk_to_snarkjs_json(vk: VerifyingKey) -> dict[str, Any]:
    """The verification_key.json object of vk, with snarkjs's keys in snarkjs's order (vk_alphabeta_12 computed)."""
    if not isinstance(vk, VerifyingKey):
        raise FormatError(f"vk must be a VerifyingKey, not {type(vk).__name__}")
    from zkl.verifier.groth16 import alpha_beta  # the pairing, only when writing

    alphabeta = to_snarkjs_gt(alpha_beta(vk))
    return {
        "protocol": PROTOCOL,
        "curve": CURVE,
        "nPublic": vk.n_public,
        "vk_alpha_1": g1_to_json(vk.alpha_g1),
        "vk_beta_2": g2_to_json(vk.beta_g2),
        "vk_gamma_2": g2_to_json(vk.gamma_g2),
        "vk_delta_2": g2_to_json(vk.delta_g2),
        "vk_alphabeta_12": gt_to_json(alphabeta),
        "IC": [g1_to_json(p) for p in vk.gamma_abc_g1],
    }


def vk_from_snarkjs_json(obj: Any, validate: bool = True, what: str = "verification key") -> VerifyingKey:
    """The VerifyingKey of a verification_key.json object (vk_alphabeta_12, when present, is checked for form only)."""
    _expect_dict(obj, _VK_KEYS, what)
    _check_protocol(obj, what)
    n_public = obj["nPublic"]
    if type(n_public) is not int or n_public < 0:
        raise FormatError(f"{what}: 'nPublic' must be a non-negative integer, not {n_public!r}")
    ic = obj["IC"]
    if not isinstance(ic, list):
        raise FormatError(f"{what}: 'IC' must be a list of G1 points, not {type(ic).__name__}")
    if len(ic) != n_public + 1:
        raise FormatError(f"{what}: 'IC' must hold nPublic + 1 = {n_public + 1} points, not {len(ic)}")
    if "vk_alphabeta_12" in obj:
        gt_from_json(obj["vk_alphabeta_12"], f"{what}: 'vk_alphabeta_12'")
    vk = VerifyingKey(
        alpha_g1=g1_from_json(obj["vk_alpha_1"], f"{what}: 'vk_alpha_1'"),
        beta_g2=g2_from_json(obj["vk_beta_2"], f"{what}: 'vk_beta_2'"),
        gamma_g2=g2_from_json(obj["vk_gamma_2"], f"{what}: 'vk_gamma_2'"),
        delta_g2=g2_from_json(obj["vk_delta_2"], f"{what}: 'vk_delta_2'"),
        gamma_abc_g1=tuple(g1_from_json(p, f"{what}: 'IC'[{i}]") for i, p in enumerate(ic)),
    )
    if validate:
        from zkl.verifier.groth16 import validate_verifying_key

        validate_verifying_key(vk, what)
    return vk


def to_snarkjs_gt(f: Fq12) -> Fq12:
    """A pairing value of zkl.algebra.pairing as snarkjs computes it: f^SNARKJS_GT_EXPONENT."""
    return f**SNARKJS_GT_EXPONENT


def alphabeta_from_snarkjs_json(obj: Any, what: str = "verification key") -> Fq12:
    """The vk_alphabeta_12 entry of a verification_key.json object as a tower.Fq12 (in snarkjs's convention)."""
    if not isinstance(obj, dict) or "vk_alphabeta_12" not in obj:
        raise FormatError(f"{what} must have the key 'vk_alphabeta_12'")
    return gt_from_json(obj["vk_alphabeta_12"], f"{what}: 'vk_alphabeta_12'")


# --------------------------------------------------------------------------- proof


def proof_to_snarkjs_json(proof: Proof) -> dict[str, Any]:
    """The proof.json object of a proof, keys in snarkjs's order."""
    if not isinstance(proof, Proof):
        raise FormatError(f"proof must be a Proof, not {type(proof).__name__}")
    return {
        "pi_a": g1_to_json(proof.a),
        "pi_b": g2_to_json(proof.b),
        "pi_c": g1_to_json(proof.c),
        "protocol": PROTOCOL,
        "curve": CURVE,
    }


def proof_from_snarkjs_json(obj: Any, validate: bool = True, what: str = "proof") -> Proof:
    """The Proof of a proof.json object."""
    _expect_dict(obj, _PROOF_KEYS, what)
    _check_protocol(obj, what)
    proof = Proof(
        a=g1_from_json(obj["pi_a"], f"{what}: 'pi_a'"),
        b=g2_from_json(obj["pi_b"], f"{what}: 'pi_b'"),
        c=g1_from_json(obj["pi_c"], f"{what}: 'pi_c'"),
    )
    if validate:
        from zkl.verifier.groth16 import validate_proof

        validate_proof(proof, what)
    return proof


# --------------------------------------------------------------------------- public inputs


def public_to_snarkjs_json(public_inputs: Sequence[int]) -> list[str]:
    """The public.json list: decimal strings."""
    out = []
    for i, x in enumerate(public_inputs):
        if type(x) is not int or x < 0:
            raise FormatError(f"public input {i} must be a non-negative int, not {x!r}")
        out.append(str(x))
    return out


def public_from_snarkjs_json(obj: Any, what: str = "public inputs") -> list[int]:
    """The public inputs of a public.json list of decimal strings (their range is checked by verify)."""
    if not isinstance(obj, list):
        raise FormatError(f"{what} must be a JSON list of decimal strings, not {_json_type(obj)}")
    return [_decimal(x, f"{what}[{i}]") for i, x in enumerate(obj)]


# --------------------------------------------------------------------------- files


def dumps(obj: Any) -> str:
    """JSON text as snarkjs writes it: JSON.stringify(obj, null, 1), no final newline."""
    return json.dumps(obj, indent=1, ensure_ascii=False)


def read_verifying_key(path: PathLike, validate: bool = True) -> VerifyingKey:
    """Read a snarkjs verification_key.json."""
    return vk_from_snarkjs_json(read_json(path, "verification key"), validate=validate,
                                what=f"verification key {os.fspath(path)}")


def write_verifying_key(vk: VerifyingKey, path: PathLike) -> None:
    """Write vk as a snarkjs verification_key.json."""
    _atomic_write(path, dumps(vk_to_snarkjs_json(vk)).encode("utf-8"))


def read_proof(path: PathLike, validate: bool = True) -> Proof:
    """Read a snarkjs proof.json."""
    return proof_from_snarkjs_json(read_json(path, "proof"), validate=validate, what=f"proof {os.fspath(path)}")


def write_proof(proof: Proof, path: PathLike) -> None:
    """Write a proof as a snarkjs proof.json."""
    _atomic_write(path, dumps(proof_to_snarkjs_json(proof)).encode("utf-8"))


def read_public(path: PathLike) -> list[int]:
    """Read a snarkjs public.json (list of decimal strings)."""
    return public_from_snarkjs_json(read_json(path, "public inputs"), what=f"public inputs {os.fspath(path)}")


def write_public(public_inputs: Sequence[int], path: PathLike) -> None:
    """Write public inputs as a snarkjs public.json."""
    _atomic_write(path, dumps(public_to_snarkjs_json(public_inputs)).encode("utf-8"))


def _atomic_write(path: PathLike, data: bytes) -> None:
    """zkl._binfile.atomic_write, imported when writing (it loads NumPy, which reading does not need)."""
    from zkl._binfile import atomic_write

    atomic_write(path, data)


# --------------------------------------------------------------------------- points and numbers


def g1_to_json(p: G1Point) -> list[str]:
    """[x, y, "1"], or ["0", "1", "0"] for infinity."""
    if p.is_infinity():
        return ["0", "1", "0"]
    return [str(p.x), str(p.y), "1"]


def g2_to_json(p: G2Point) -> list[list[str]]:
    """[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]], or [["0", "0"], ["1", "0"], ["0", "0"]] for infinity."""
    if p.is_infinity():
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    return [[str(p.x[0]), str(p.x[1])], [str(p.y[0]), str(p.y[1])], ["1", "0"]]


def gt_to_json(f: Fq12) -> list[list[list[str]]]:
    """An Fq12 as [[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]] of Fq2 pairs of decimal strings."""
    v = [str(x) for x in f.to_ints()]
    return [[[v[6 * i + 2 * j], v[6 * i + 2 * j + 1]] for j in range(3)] for i in range(2)]


def g1_from_json(obj: Any, what: str) -> G1Point:
    """A G1 point from [x, y] or Jacobian [x, y, z] (z = 0: infinity), as snarkjs reads it; not validated."""
    if not isinstance(obj, list) or len(obj) not in (2, 3):
        raise FormatError(f"{what} must be a G1 point [x, y, z] of 3 decimal strings, not {_short(obj)}")
    x, y = _coord(obj[0], f"{what}[0]"), _coord(obj[1], f"{what}[1]")
    z = _coord(obj[2], f"{what}[2]") if len(obj) == 3 else 1
    if z == 0:
        return G1Point.infinity()
    if z != 1:
        zi = pow(z, -1, Q)
        zi2 = zi * zi % Q
        x, y = x * zi2 % Q, y * zi2 * zi % Q
    if (x, y) == (0, 0):
        raise NotOnCurve(f"{what} must be a point of G1, not (0, 0) (the point at infinity is written with z = 0)")
    return G1Point(x, y)


def g2_from_json(obj: Any, what: str) -> G2Point:
    """A G2 point from [[x.c0, x.c1], [y.c0, y.c1]] or with a Jacobian z pair (z = 0: infinity); not validated."""
    if not isinstance(obj, list) or len(obj) not in (2, 3):
        raise FormatError(f"{what} must be a G2 point [x, y, z] of 3 pairs of decimal strings, not {_short(obj)}")
    x, y = Fq2(*_fq2(obj[0], f"{what}[0]")), Fq2(*_fq2(obj[1], f"{what}[1]"))
    z = Fq2(*_fq2(obj[2], f"{what}[2]")) if len(obj) == 3 else Fq2.one()
    if z.is_zero():
        return G2Point.infinity()
    if z != Fq2.one():
        zi = z.inverse()
        zi2 = zi * zi
        x, y = x * zi2, y * zi2 * zi
    if x.is_zero() and y.is_zero():
        raise NotOnCurve(f"{what} must be a point of G2, not (0, 0) (the point at infinity is written with z = 0)")
    return G2Point(x.to_ints(), y.to_ints())


def gt_from_json(obj: Any, what: str) -> Fq12:
    """An Fq12 from the [[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]] layout."""
    if not isinstance(obj, list) or len(obj) != 2 or any(not isinstance(c, list) or len(c) != 3 for c in obj):
        raise FormatError(f"{what} must be an Fq12 as 2 lists of 3 pairs of decimal strings, not {_short(obj)}")
    ints = [v for i in range(2) for j in range(3) for v in _fq2(obj[i][j], f"{what}[{i}][{j}]")]
    return Fq12.from_ints(ints)


def _fq2(obj: Any, what: str) -> tuple[int, int]:
    if not isinstance(obj, list) or len(obj) != 2:
        raise FormatError(f"{what} must be an Fq2 pair [c0, c1] of decimal strings, not {_short(obj)}")
    return (_coord(obj[0], f"{what}[0]"), _coord(obj[1], f"{what}[1]"))


def _coord(obj: Any, what: str) -> int:
    """A base-field coordinate: a decimal string below q."""
    value = _decimal(obj, what)
    if value >= Q:
        raise FormatError(f"{what} must be a coordinate below q (the base field modulus), not {value}")
    return value


def _decimal(obj: Any, what: str) -> int:
    """The int of a decimal string (digits only, as snarkjs writes numbers)."""
    if not isinstance(obj, str):
        raise FormatError(f"{what} must be a decimal string, not {_json_type(obj)} {_short(obj)}")
    if not _DECIMAL.fullmatch(obj):
        raise FormatError(f"{what} must be a decimal string of at most 100 digits, not {_short(obj)}")
    return int(obj)


def _expect_dict(obj: Any, keys: Sequence[str], what: str) -> None:
    if not isinstance(obj, dict):
        raise FormatError(f"{what} must be a JSON object, not {_json_type(obj)}")
    missing = [k for k in keys if k not in obj]
    if missing:
        raise FormatError(f"{what} must have the key(s) {', '.join(repr(k) for k in missing)}")


def _check_protocol(obj: dict, what: str) -> None:
    if obj["protocol"] != PROTOCOL:
        raise FormatError(f"{what}: 'protocol' must be {PROTOCOL!r}, not {_short(obj['protocol'])}")
    if "curve" in obj and not (isinstance(obj["curve"], str) and obj["curve"].lower() in _CURVE_NAMES):
        raise FormatError(f"{what}: 'curve' must be {CURVE!r} (BN254), not {_short(obj['curve'])}")




def _json_type(obj: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if obj is None else names.get(type(obj), type(obj).__name__)


def _short(obj: Any, limit: int = 80) -> str:
    text = json.dumps(obj) if isinstance(obj, (dict, list, str, int, float, bool, type(None))) else repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."
