"""circom interop against the real tools: circom 2 (wasm) and snarkjs 0.7.6 from js/node_modules.

Fixture circuits in tests/fixtures are compiled with circom2 at test time; their
.r1cs/.wtns load into zkl and check. zkl's own .r1cs/.wtns pass `snarkjs r1cs info` and
`snarkjs wtns check`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from zkl.circuits import Circuit, Public, R, Secret, compile, read_r1cs, read_wtns, solve
from zkl.errors import UnsatisfiedConstraint
from tests.circuits import circom_tools
from tests.paths import FIXTURES, ROOT

pytestmark = pytest.mark.js

JS = ROOT / "js"
CIRCOM = JS / "node_modules" / "circom2" / "cli.js"
SNARKJS = JS / "node_modules" / "snarkjs" / "build" / "cli.cjs"


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


def _require_js() -> None:
    if shutil.which("node") is None or not CIRCOM.exists() or not SNARKJS.exists():
        pytest.skip("node or js/node_modules (circom2, snarkjs) is missing: run `npm ci --prefix js`")


def _run(*args: str | Path, expect: int = 0) -> str:
    done = subprocess.run([str(a) for a in args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == expect, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def circom_out(tmp_path_factory):
    """Compile every fixture with circom2 (includes found beside the real node_modules)."""
    _require_js()
    out = tmp_path_factory.mktemp("circom")
    for name in ("comparators", "multiplier", "poseidon"):
        circom_tools.circom(FIXTURES / f"{name}.circom", out)
    return out


def _witness(out: Path, name: str, inputs: dict, tag: str) -> Path:
    """Run circom's generated witness calculator for inputs; return the .wtns path."""
    (out / f"{name}-{tag}.json").write_text(json.dumps(inputs))
    wtns = out / f"{name}-{tag}.wtns"
    _run("node", out / f"{name}_js" / "generate_witness.js", out / f"{name}_js" / f"{name}.wasm",
         out / f"{name}-{tag}.json", wtns)
    return wtns


def test_circom_files_load_and_check(circom_out):
    cases = {"multiplier": {"k": "5", "a": "3", "b": "7"},
             "comparators": {"x": "181", "a": "1000", "b": "1234"},
             "poseidon": {"in": ["1", "2"]}}
    for name, inputs in cases.items():
        r1cs = read_r1cs(circom_out / f"{name}.r1cs")
        values = read_wtns(_witness(circom_out, name, inputs, "a"))
        assert len(values) == r1cs.n_wires and values[0] == 1
        r1cs.check(values)
        tampered = list(values)
        tampered[-1] = (tampered[-1] + 1) % R
        with pytest.raises(UnsatisfiedConstraint):
            r1cs.check(tampered)
    mult = read_r1cs(circom_out / "multiplier.r1cs")
    assert (mult.n_public_outputs, mult.n_public_inputs, mult.n_private_inputs) == (1, 1, 2)
    assert mult.wire_names[:4] == ["one", "main.c", "main.k", "main.a"]
    values = read_wtns(circom_out / "multiplier-a.wtns")
    assert values[:5] == [1, 3 * 21 + 5, 5, 3, 7]
    poseidon = read_r1cs(circom_out / "poseidon.r1cs")
    assert poseidon.n_constraints > 200
    # circomlibjs: poseidon([1, 2])
    assert read_wtns(circom_out / "poseidon-a.wtns")[1] == \
        7853200120776062878684798364095072458815029376092732009249414926327459813530


class LikeComparators(Circuit):
    """zkl's gadgets doing what tests/fixtures/comparators.circom does."""

    a = Public()
    x = Secret()
    b = Secret()
    bits = Public(8)
    lt = Public()
    eq = Public()

    def define(self, api):
        for got, want in zip(api.to_binary(self.x, 8), self.bits):
            api.assert_equal(got, want)
        api.assert_equal(api.less_than(self.a, self.b, 16), self.lt)
        api.assert_equal(api.is_equal(self.a, self.b), self.eq)


def test_circomlib_gadgets_agree_with_zkl(circom_out):
    r1cs = read_r1cs(circom_out / "comparators.r1cs")
    for tag, (x, a, b) in {"p": (181, 1000, 1234), "q": (7, 4321, 4321), "s": (255, 60000, 3)}.items():
        values = read_wtns(_witness(circom_out, "comparators", {"x": x, "a": a, "b": b}, tag))
        r1cs.check(values)
        by_name = dict(zip(r1cs.wire_names, values))
        bits = [by_name[f"main.bits[{i}]"] for i in range(8)]
        assignment = {"a": a, "x": x, "b": b, "bits": bits, "lt": by_name["main.lt"], "eq": by_name["main.eq"]}
        compile(LikeComparators()).check(solve(LikeComparators(), assignment))


class Showcase(Circuit):
    """Products, gadgets and constants, to export for snarkjs."""

    y = Public()
    x = Secret()
    s = Secret(2)

    def define(self, api):
        v = api.add(api.mul(api.square(self.x), self.x), 5)
        w = api.lookup2(self.s[0], self.s[1], 10, v, 30, api.inverse(self.x))
        api.assert_less_or_equal(self.s[0], 1)
        api.assert_equal(api.select(api.less_than(self.x, 1000, 16), w, 0), self.y)


def test_zkl_files_pass_snarkjs(tmp_path):
    _require_js()
    circuit = Showcase()
    r1cs = compile(circuit)
    witness = solve(circuit, {"y": 3**3 + 5, "x": 3, "s": [1, 0]}, r1cs=r1cs)
    r1cs.write(tmp_path / "show.r1cs", sym=True)
    witness.write(tmp_path / "show.wtns")
    info = _run("node", SNARKJS, "r1cs", "info", tmp_path / "show.r1cs")
    counts = {k: int(v) for k, v in re.findall(r"# of ([A-Za-z ]+): (\d+)", info)}
    assert counts == {"Wires": r1cs.n_wires, "Constraints": r1cs.n_constraints, "Private Inputs": 3,
                      "Public Inputs": 1, "Labels": r1cs.n_wires, "Outputs": 0}
    assert "WITNESS IS CORRECT" in _run("node", SNARKJS, "wtns", "check", tmp_path / "show.r1cs", tmp_path / "show.wtns")
    wire = r1cs.n_wires - 1
    witness.with_values({wire: (witness[wire] + 1) % R}).write(tmp_path / "bad.wtns")
    out = _run("node", SNARKJS, "wtns", "check", tmp_path / "show.r1cs", tmp_path / "bad.wtns", expect=1)
    assert "WITNESS IS NOT CORRECT" in out
    assert not r1cs.is_satisfied(read_wtns(tmp_path / "bad.wtns"))
