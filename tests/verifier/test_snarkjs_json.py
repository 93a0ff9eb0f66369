"""snarkjs JSON points and files: encodings, Jacobian z as snarkjs reads it, and bounded reading.

The point tests came from tests/algebra/test_serialize.py when the JSON half of
zkl.algebra.serialize moved here (one reader, zkl.verifier.snarkjs_json).  What snarkjs
itself accepts decides z: ffjavascript's `fromObject` reads z = 0 as infinity whatever x
and y are, z = 1 as affine, any other z as Jacobian (x/z^2, y/z^3), and `snarkjs groth16
verify` verifies proofs so written (checked against node when it is installed).
"""

from __future__ import annotations

import json
import random
import tracemalloc

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as ref

from tests.circuits import circom_tools
from zkl.algebra.constants import Q, R
from zkl.algebra.curve import G1_GENERATOR, G2_GENERATOR, g1_mul, g2_mul
from zkl.algebra.points import G1Point, G2Point
from zkl.algebra.tower import Fq2
from zkl.errors import FormatError, MalformedInput, NotInSubgroup, NotOnCurve
from zkl.verifier import (
    proof_from_snarkjs_json,
    proof_to_snarkjs_json,
    read_proof,
    read_public,
    read_verifying_key,
    verify,
    write_proof,
    write_public,
    write_verifying_key,
)
from zkl.verifier.snarkjs_json import g1_from_json, g1_to_json, g2_from_json, g2_to_json
from zkl.verifier.testing import simulate, twist_point_outside_subgroup

INF1 = G1Point.infinity()
INF2 = G2Point.infinity()
scalars = st.integers(min_value=0, max_value=R - 1)


def _verify_cli(*args: object):
    """`zkl groth16 verify ARGS` through the CLI (the result of click's runner)."""
    from zkl.cli import main

    return CliRunner().invoke(main, ["groth16", "verify", *map(str, args)])


def _validated_g1(obj) -> G1Point:
    """A G1 point read and validated as a proof's pi_a is."""
    proof = {"pi_a": obj, "pi_b": g2_to_json(G2_GENERATOR), "pi_c": g1_to_json(G1_GENERATOR), "protocol": "groth16"}
    return proof_from_snarkjs_json(proof).a


def _validated_g2(obj) -> G2Point:
    """A G2 point read and validated as a proof's pi_b is."""
    proof = {"pi_a": g1_to_json(G1_GENERATOR), "pi_b": obj, "pi_c": g1_to_json(G1_GENERATOR), "protocol": "groth16"}
    return proof_from_snarkjs_json(proof).b


def _jacobian_g1(p: G1Point, z: int) -> list[str]:
    return [str(p.x * z * z % Q), str(p.y * z**3 % Q), str(z)]


def _jacobian_g2(p: G2Point, z: tuple[int, int]) -> list[list[str]]:
    fz = Fq2(*z)
    x, y = Fq2(*p.x) * fz * fz, Fq2(*p.y) * fz * fz * fz
    return [[str(c) for c in v.to_ints()] for v in (x, y, fz)]


# ------------------------------------------------------------------------------------------ encodings


def test_known_vectors():
    assert g1_to_json(G1_GENERATOR) == ["1", "2", "1"]
    assert g1_to_json(INF1) == ["0", "1", "0"]
    assert g2_to_json(INF2) == [["0", "0"], ["1", "0"], ["0", "0"]]
    x, y = G2_GENERATOR.x, G2_GENERATOR.y
    assert g2_to_json(G2_GENERATOR) == [[str(x[0]), str(x[1])], [str(y[0]), str(y[1])], ["1", "0"]]


@settings(max_examples=40, deadline=None)
@given(scalars)
def test_g1_round_trips(k):
    p = g1_mul(G1_GENERATOR, k)
    assert g1_from_json(g1_to_json(p), "p") == p
    assert _validated_g1(g1_to_json(p)) == p


@settings(max_examples=12, deadline=None)
@given(scalars)
def test_g2_round_trips(k):
    p = g2_mul(G2_GENERATOR, k)
    assert g2_from_json(g2_to_json(p), "p") == p
    assert _validated_g2(g2_to_json(p)) == p


@settings(max_examples=25, deadline=None)
@given(scalars, st.integers(min_value=1, max_value=Q - 1))
def test_g1_json_any_z(k, z):
    p = g1_mul(G1_GENERATOR, k)
    if p.is_infinity():
        return
    assert _validated_g1(_jacobian_g1(p, z)) == p
    assert _validated_g1([str(p.x), str(p.y)]) == p


def test_g2_json_any_z(rng=random.Random(11)):
    for _ in range(3):
        p = g2_mul(G2_GENERATOR, rng.randrange(1, R))
        z = (rng.randrange(Q), rng.randrange(1, Q))
        assert _validated_g2(_jacobian_g2(p, z)) == p
        # py_ecc agrees on the affine point
        assert ref.is_on_curve((ref.FQ2(list(p.x)), ref.FQ2(list(p.y)), ref.FQ2.one()), ref.b2)
    assert _validated_g2([["5", "6"], ["7", "8"], ["0", "0"]]) == INF2  # z = 0: infinity, as ffjavascript reads it
    assert _validated_g1(["5", "6", "0"]) == INF1


def test_json_rejects():
    for bad in (["0x1", "2", "1"], ["1", "-2", "1"], ["1", "2.0", "1"], [1.0, 2, 1], [True, 2, 1], ["", "2", "1"],
                [1, 2, 1]):  # decimal strings only, as snarkjs writes them (ints were accepted by serialize's reader)
        with pytest.raises(FormatError, match="decimal string"):
            _validated_g1(bad)
    with pytest.raises(FormatError, match="below q"):
        _validated_g1([str(Q), "2", "1"])
    with pytest.raises(FormatError, match="below q"):
        _validated_g1(["1", "2", str(Q + 1)])
    for bad in (["1", "2", "1", "0"], ["1"], "1,2,1", {"x": "1"}):
        with pytest.raises(FormatError, match="must be a G1 point"):
            _validated_g1(bad)
    with pytest.raises(NotOnCurve):
        _validated_g1(["1", "3", "1"])
    with pytest.raises(NotOnCurve, match=r"not \(0, 0\)"):
        _validated_g1(["0", "0", "1"])
    with pytest.raises(NotOnCurve, match=r"not \(0, 0\)"):
        _validated_g1(["0", "0", "7"])
    with pytest.raises(FormatError, match="Fq2 pair"):
        _validated_g2([["1", "2", "3"], ["1", "2"], ["1", "0"]])
    with pytest.raises(FormatError, match="Fq2 pair"):
        _validated_g2(["1", "2", "1"])
    with pytest.raises(FormatError, match="decimal string"):
        _validated_g2([["1", "x"], ["1", "2"], ["1", "0"]])
    t = twist_point_outside_subgroup()
    with pytest.raises(NotInSubgroup):
        _validated_g2([[str(t.x[0]), str(t.x[1])], [str(t.y[0]), str(t.y[1])], ["1", "0"]])
    with pytest.raises(NotOnCurve):
        _validated_g2([["1", "0"], ["1", "0"], ["1", "0"]])
    assert issubclass(FormatError, MalformedInput)


def test_jacobian_proofs_verify_with_zkl_and_snarkjs(tmp_path, rng=random.Random(5)):
    """A proof written with z != 1 is the same proof for zkl and for `snarkjs groth16 verify`."""
    sim = simulate(n_public=2, count=1, seed=3)
    x, p = sim.items[0]
    write_verifying_key(sim.vk, tmp_path / "vk.json")
    write_public(x, tmp_path / "public.json")
    obj = proof_to_snarkjs_json(p)
    obj["pi_a"] = _jacobian_g1(p.a, rng.randrange(2, Q))
    obj["pi_b"] = _jacobian_g2(p.b, (rng.randrange(Q), rng.randrange(1, Q)))
    obj["pi_c"] = _jacobian_g1(p.c, rng.randrange(2, Q))
    (tmp_path / "proof.json").write_text(json.dumps(obj))
    assert read_proof(tmp_path / "proof.json") == p
    assert verify(sim.vk, read_public(tmp_path / "public.json"), read_proof(tmp_path / "proof.json"))
    junk_infinity = dict(obj, pi_a=["5", "7", "0"])  # well formed (infinity), not a valid proof
    (tmp_path / "inf.json").write_text(json.dumps(junk_infinity))
    assert _verify_cli(*(tmp_path / f for f in ("vk.json", "public.json", "inf.json"))).exit_code == 1
    if not circom_tools.available():
        pytest.skip("node or snarkjs is missing: the snarkjs half of this test needs `npm ci --prefix js`")
    assert circom_tools.snarkjs_verifies(tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json")
    assert not circom_tools.snarkjs_verifies(tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "inf.json")


# ------------------------------------------------------------------------------------------ bounded reading


def test_nesting_bomb_is_a_format_error(tmp_path):
    """Defect: a deeply nested proof.json raised RecursionError (a traceback in `zkl groth16 verify`)."""
    (tmp_path / "bomb.json").write_text("[" * 100_000)
    with pytest.raises(FormatError, match="nesting must be at most 64 levels"):
        read_proof(tmp_path / "bomb.json")
    (tmp_path / "deep.json").write_text('{"pi_a": ' + "[" * 200 + "]" * 200 + "}")
    with pytest.raises(FormatError, match=r"deep.json: JSON nesting must be at most 64 levels deep, not 201 "
                                          r"\(at \$\['pi_a'\]\[0\]"):
        read_proof(tmp_path / "deep.json")


def test_parse_json_bounds():
    from zkl.verifier.snarkjs_json import MAX_NESTING, MAX_DIGITS, parse_json

    assert parse_json("[" * MAX_NESTING + "]" * MAX_NESTING, "ok") is not None
    assert parse_json(r'["[[[[", "\\"]', "strings are skipped") == ["[[[[", "\\"]
    assert parse_json("1" * MAX_DIGITS, "ok") == int("1" * MAX_DIGITS)
    for text, message in (("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), "not 65"), ("1" * (MAX_DIGITS + 1), "digits"),
                          ('"\\' + '\\"' * 100_000, "not valid JSON"), ("[" * 10**6, "not 1000000")):
        with pytest.raises(FormatError, match=message):
            parse_json(text, "x")


def test_long_integer_literal_is_a_format_error(tmp_path):
    """Defect: a number literal of more than 4,300 digits raised ValueError (int_max_str_digits)."""
    sim = simulate(n_public=1)
    write_verifying_key(sim.vk, tmp_path / "vk.json")
    text = (tmp_path / "vk.json").read_text().replace('"nPublic": 1', '"nPublic": ' + "1" * 5000)
    (tmp_path / "vk.json").write_text(text)
    with pytest.raises(FormatError, match=r"vk.json: a JSON number must have at most 100 digits, not 5000"):
        read_verifying_key(tmp_path / "vk.json")
    (tmp_path / "public.json").write_text("[" + "9" * 10_000_000 + "]")  # 10 MB: refused without converting it
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="not 10000000"):
            read_public(tmp_path / "public.json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 120 * 2**20, peak  # the text itself (bytes, then str) and a little more
    (tmp_path / "public.json").write_text('["' + "1" * 5000 + '"]')
    with pytest.raises(FormatError, match=r"\[0\] must be a decimal string of at most 100 digits"):
        read_public(tmp_path / "public.json")
    (tmp_path / "public.json").write_text("[NaN]")
    with pytest.raises(FormatError, match="finite"):
        read_public(tmp_path / "public.json")


@pytest.mark.parametrize("which", ["vk.json", "public.json", "proof.json"])
@pytest.mark.parametrize("content", ["[" * 100_000, "[" + "1" * 5000 + "]", "\xff\xfe", '{"a": ' * 70 + "}" * 70])
def test_cli_verify_reports_malformed_json_with_exit_2(tmp_path, which, content):
    """Defect: `zkl groth16 verify` ended in a traceback on these files; now ERROR and exit 2."""
    sim = simulate(n_public=1)
    x, p = sim.items[0]
    write_verifying_key(sim.vk, tmp_path / "vk.json")
    write_public(x, tmp_path / "public.json")
    write_proof(p, tmp_path / "proof.json")
    if content == "\xff\xfe":
        (tmp_path / which).write_bytes(b"\xff\xfe[")
    else:
        (tmp_path / which).write_text(content)
    result = _verify_cli(*(tmp_path / f for f in ("vk.json", "public.json", "proof.json")))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2 and result.output.startswith("ERROR: ") and result.output.count("\n") == 1, \
        result.output
    assert which in result.output
