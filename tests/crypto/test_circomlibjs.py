"""zkl.crypto against circomlibjs 0.1.7 and npm blake-hash, in one node process (tests/js/oracle_crypto.cjs)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from zkl.crypto import eddsa
from zkl.crypto.babyjubjub import (
    BASE8,
    GENERATOR,
    ORDER,
    SUBGROUP_ORDER,
    Point,
    add,
    is_in_subgroup,
    mul_base,
    negate,
    pack_point,
    scalar_mul,
    unpack_point,
)
from zkl.crypto.blake512 import blake512
from zkl.crypto.eddsa import Signature
from zkl.crypto.merkle import empty_hashes
from zkl.algebra.constants import R
from zkl.crypto.poseidon import MAX_INPUTS, poseidon_hash, poseidon_params
from tests.paths import ORACLES, ROOT

pytestmark = pytest.mark.js

JS_DIR = ROOT / "js"
ORACLE = ORACLES / "oracle_crypto.cjs"
R = R
L = SUBGROUP_ORDER


def _skip_without_node_modules() -> None:
    if not (JS_DIR / "node_modules" / "circomlibjs").is_dir():
        pytest.skip("js/node_modules is missing (run `npm ci --prefix js`): circomlibjs oracle unavailable")


def _point(p: Point) -> list[str]:
    return [str(p.x), str(p.y)]


def _from_js(p: list[str]) -> Point:
    return Point(int(p[0]), int(p[1]))


class Cases:
    """Seeded random inputs, the request sent to the oracle, and its answer."""

    def __init__(self) -> None:
        rng = random.Random(2024)
        self.poseidon_inputs = []
        for n in range(1, MAX_INPUTS + 1):
            self.poseidon_inputs += [[0] * n, [R - 1] * n]
            self.poseidon_inputs += [[rng.randrange(R) for _ in range(n)] for _ in range(4)]
        # one level of each empty-subtree chain per request: Poseidon(z_j, ..., z_j)
        self.empty_chains = {arity: empty_hashes(32, arity) for arity in (2, 4)}
        for arity, zeros in self.empty_chains.items():
            self.poseidon_inputs += [[z] * arity for z in zeros[:-1]]

        lengths = list(range(0, 20)) + [63, 64, 65, 110, 111, 112, 113, 127, 128, 129, 200, 239, 240, 256, 300]
        lengths += [rng.randrange(1, 1000) for _ in range(10)]
        self.blake_inputs = [rng.randbytes(n) for n in lengths]

        self.keys = [bytes(32), b"\xff" * 32] + [rng.randbytes(32) for _ in range(6)]
        self.messages = [0, R - 1] + [rng.randrange(R) for _ in range(len(self.keys) - 2)]

        # zkl signatures for circomlibjs to verify, good and forged
        self.zkl_verify = []
        for key, message in zip(self.keys, self.messages):
            a = eddsa.public_key(key)
            signature = eddsa.sign(key, message)
            self.zkl_verify.append((a, message, signature, True))
            self.zkl_verify.append((a, (message + 1) % R, signature, False))
            self.zkl_verify.append((a, message, Signature(signature.r8, (signature.s + 1) % L), False))
            self.zkl_verify.append((a, message, Signature(negate(signature.r8), signature.s), False))
        other = eddsa.public_key(self.keys[-1])
        self.zkl_verify.append((other, self.messages[0], eddsa.sign(self.keys[0], self.messages[0]), False))

        self.points = [scalar_mul(GENERATOR, rng.randrange(ORDER)) for _ in range(8)]
        self.points += [mul_base(rng.randrange(L)) for _ in range(8)] + [BASE8, GENERATOR]
        self.scalars = [rng.randrange(1 << 256) for _ in self.points]
        self.bad_y = [rng.randrange(R) for _ in range(10)]

        self.request = {
            "poseidon": [[str(v) for v in inputs] for inputs in self.poseidon_inputs],
            "blake512": [data.hex() for data in self.blake_inputs],
            "prv2pub": [key.hex() for key in self.keys],
            "sign": [[key.hex(), str(m)] for key, m in zip(self.keys, self.messages)],
            "verify": [
                {"msg": str(m), "r8": _point(sig.r8), "s": str(sig.s), "a": _point(a)}
                for a, m, sig, _ in self.zkl_verify
            ],
            "pack": [_point(p) for p in self.points],
            "unpack": [pack_point(p).hex() for p in self.points] + [y.to_bytes(32, "little").hex() for y in self.bad_y],
            "add": [[_point(p), _point(q)] for p, q in zip(self.points, self.points[1:] + self.points[:1])],
            "mul": [[_point(p), str(k)] for p, k in zip(self.points, self.scalars)],
            "in_subgroup": [_point(p) for p in self.points],
        }
        self.answer: dict[str, Any] = {}


@pytest.fixture(scope="module")
def cases() -> Cases:
    _skip_without_node_modules()
    node = shutil.which("node")
    assert node is not None, "node is not on PATH but js/node_modules exists"
    result = Cases()
    completed = subprocess.run(
        [node, str(ORACLE)],
        input=json.dumps(result.request),
        capture_output=True,
        text=True,
        timeout=120,
        env={"ZKL_JS_DIR": str(JS_DIR), "PATH": str(Path(node).parent)},
    )
    assert completed.returncode == 0, completed.stderr
    result.answer = json.loads(completed.stdout)
    return result


def test_poseidon_constants_equal_circomlibjs_file() -> None:
    _skip_without_node_modules()
    reference = json.loads((JS_DIR / "node_modules/circomlibjs/src/poseidon_constants.json").read_text())
    for t in range(2, MAX_INPUTS + 2):
        params = poseidon_params(t)
        assert [c for row in params.round_constants for c in row] == [int(c, 16) for c in reference["C"][t - 2]]
        assert [list(row) for row in params.mds] == [[int(m, 16) for m in row] for row in reference["M"][t - 2]]


def test_poseidon_every_arity(cases: Cases) -> None:
    expected = [int(v) for v in cases.answer["poseidon"]]
    assert [poseidon_hash(inputs) for inputs in cases.poseidon_inputs] == expected
    arities = {len(inputs) for inputs in cases.poseidon_inputs}
    assert arities == set(range(1, MAX_INPUTS + 1))


def test_empty_subtree_chains(cases: Cases) -> None:
    # each level's hash computed by circomlibjs from the level below equals the next level
    answers = dict(zip(map(tuple, cases.request["poseidon"]), cases.answer["poseidon"]))
    for arity, zeros in cases.empty_chains.items():
        for below, above in zip(zeros, zeros[1:]):
            assert int(answers[tuple([str(below)] * arity)]) == above


def test_blake512(cases: Cases) -> None:
    assert [blake512(data).hex() for data in cases.blake_inputs] == cases.answer["blake512"]


def test_public_keys(cases: Cases) -> None:
    assert [eddsa.public_key(key) for key in cases.keys] == [_from_js(p) for p in cases.answer["prv2pub"]]


def test_signatures_byte_for_byte(cases: Cases) -> None:
    for key, message, theirs in zip(cases.keys, cases.messages, cases.answer["sign"]):
        ours = eddsa.sign(key, message)
        assert ours.r8 == _from_js(theirs["r8"]) and ours.s == int(theirs["s"])
        assert ours.pack().hex() == theirs["packed"]
        their_signature = Signature.unpack(bytes.fromhex(theirs["packed"]))
        assert eddsa.verify(eddsa.public_key(key), message, their_signature)
        assert not eddsa.verify(eddsa.public_key(key), (message + 1) % R, their_signature)


def test_circomlibjs_verifies_zkl_signatures(cases: Cases) -> None:
    expected = [valid for *_, valid in cases.zkl_verify]
    assert cases.answer["verify"] == expected
    assert [eddsa.verify(a, m, sig) for a, m, sig, _ in cases.zkl_verify] == expected


def test_pack_unpack(cases: Cases) -> None:
    assert [pack_point(p).hex() for p in cases.points] == cases.answer["pack"]
    n = len(cases.points)
    assert [_from_js(p) for p in cases.answer["unpack"][:n]] == cases.points
    for y, theirs in zip(cases.bad_y, cases.answer["unpack"][n:]):
        data = y.to_bytes(32, "little")
        if theirs is None:
            with pytest.raises(ValueError):
                unpack_point(data)
        else:
            assert unpack_point(data) == _from_js(theirs)


def test_add_mul_subgroup(cases: Cases) -> None:
    pairs = zip(cases.points, cases.points[1:] + cases.points[:1])
    assert [add(p, q) for p, q in pairs] == [_from_js(v) for v in cases.answer["add"]]
    products = [scalar_mul(p, k) for p, k in zip(cases.points, cases.scalars)]
    assert products == [_from_js(v) for v in cases.answer["mul"]]
    assert [is_in_subgroup(p) for p in cases.points] == cases.answer["in_subgroup"]
    assert set(cases.answer["in_subgroup"]) == {True, False}
