"""`zkl circuit info|compile|audit|check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkl.circuits import R, read_r1cs, read_wtns
from zkl.cli import main
from tests.paths import FIXTURES

POWER = f"{FIXTURES / 'cli_circuits.py'}:Power"
SLOPPY = f"{FIXTURES / 'cli_circuits.py'}:Sloppy"


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))


def zkl(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["circuit", *map(str, args)])
    return result.exit_code, result.output


@pytest.fixture
def power_files(tmp_path):
    (tmp_path / "in.json").write_text(json.dumps({"y": str(5**4), "x": "5"}))
    code, out = zkl("compile", POWER, "n=4", "-o", tmp_path / "p.r1cs", "--wtns", tmp_path / "in.json",
                    tmp_path / "p.wtns", "--sym", "--json")
    assert code == 0, out
    return tmp_path, json.loads(out)


def test_compile_writes_r1cs_wtns_and_sym(power_files):
    path, summary = power_files
    assert summary["constraints"] == 4 and summary["wires"] == 6 and summary["public_inputs"] == 1
    r1cs = read_r1cs(path / "p.r1cs")
    assert r1cs.wire_names == ["one", "y", "x", "mul", "mul", "mul"]
    assert read_wtns(path / "p.wtns")[:3] == [1, 625, 5]
    r1cs.check(read_wtns(path / "p.wtns"))


def test_compile_by_module_name(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES))
    code, out = zkl("compile", "cli_circuits:Power", "-o", tmp_path / "q.r1cs", "--json", "--no-cache")
    assert code == 0, out
    assert json.loads(out)["constraints"] == 3


def test_info_table_and_json(power_files):
    path, _ = power_files
    code, out = zkl("info", path / "p.r1cs", "--json")
    assert code == 0 and json.loads(out) == {
        "curve": "bn128", "constraints": 4, "wires": 6, "public_outputs": 0, "public_inputs": 1,
        "private_inputs": 1, "labels": 6, "nonzero_terms": 12}
    code, out = zkl("info", path / "p.r1cs")
    assert code == 0 and "constraints" in out and "private inputs" in out


def test_check_accepts_and_rejects(power_files):
    path, _ = power_files
    code, out = zkl("check", path / "p.r1cs", path / "p.wtns")
    assert code == 0 and "witness is correct" in out
    data = bytearray((path / "p.wtns").read_bytes())
    data[-32] ^= 1
    (path / "bad.wtns").write_bytes(bytes(data))
    code, out = zkl("check", path / "p.r1cs", path / "bad.wtns")
    assert code == 1 and "NOT correct" in out and "constraint 2 ((mul) * (x) = (mul))" in out


def test_audit_passes_a_sound_circuit_and_flags_a_sloppy_one(power_files):
    path, _ = power_files
    assert zkl("audit", POWER, "n=2")[0] == 0
    assert zkl("audit", path / "p.r1cs")[0] == 0
    code, out = zkl("audit", SLOPPY, "--json")
    assert code == 1
    report = json.loads(out)
    assert [w["name"] for w in report["unconstrained_secret_inputs"]] == ["salt"]
    assert [w["name"] for w in report["unused_wires"]] == ["salt", "hint:<lambda>"]
    code, out = zkl("audit", SLOPPY)
    assert code == 1 and "salt" in out and "FAILED" in out


def test_errors_are_reported_clearly(tmp_path):
    assert zkl("compile", "no_colon", "-o", tmp_path / "x.r1cs")[0] == 2
    assert zkl("compile", POWER, "n", "-o", tmp_path / "x.r1cs")[0] == 2
    assert zkl("compile", POWER, "m=3", "-o", tmp_path / "x.r1cs")[0] == 2
    assert zkl("compile", f"{FIXTURES / 'cli_circuits.py'}:Nope", "-o", tmp_path / "x.r1cs")[0] == 2
    (tmp_path / "junk.r1cs").write_bytes(b"junkjunkjunkjunk")
    code, out = zkl("info", tmp_path / "junk.r1cs")
    assert code == 2 and "expected a r1cs file" in out  # malformed input: exit 2, as `groth16 verify`
    (tmp_path / "in.json").write_text(json.dumps({"x": 2}))
    code, out = zkl("compile", POWER, "-o", tmp_path / "x.r1cs", "--wtns", tmp_path / "in.json", tmp_path / "x.wtns")
    assert code == 2 and "missing a value for input 'y'" in out
    (tmp_path / "in.json").write_text(json.dumps({"x": 2, "y": str(R)}))
    code, out = zkl("compile", POWER, "-o", tmp_path / "x.r1cs", "--wtns", tmp_path / "in.json", tmp_path / "x.wtns")
    assert code == 2 and "[0, r)" in out


def _one_line_error(code: int, out: str) -> str:
    """Assert exit code 2 and a one-line `Error: ...` (no traceback); return the line."""
    assert code == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in out, out
    return lines[0]


def test_malformed_files_and_arguments_exit_2_on_one_line(power_files, tmp_path):
    """Defects: deep or huge JSON in input files and key=value parameters ended in tracebacks."""
    path, _ = power_files
    (tmp_path / "bomb.json").write_text("[" * 100_000)
    (tmp_path / "digits.json").write_text('{"x": ' + "1" * 5000 + ', "y": 1}')
    for name in ("bomb.json", "digits.json"):
        line = _one_line_error(*zkl("compile", POWER, "-o", tmp_path / "x.r1cs", "--wtns", tmp_path / name,
                                    tmp_path / "x.wtns"))
        assert name in line
    code, out = zkl("compile", POWER, "n=" + "[" * 100_000, "-o", tmp_path / "x.r1cs")
    assert code == 2 and "nesting" in out and "Traceback" not in out
    code, out = zkl("compile", POWER, "n=" + "9" * 5000, "-o", tmp_path / "x.r1cs")
    assert code == 2 and "at most 100 digits" in out
    code, out = zkl("compile", "no_such_module_zkl:Power", "-o", tmp_path / "x.r1cs")
    assert code == 2 and "cannot import no_such_module_zkl" in out
    data = (path / "p.r1cs").read_bytes()
    for blob in (data[:40], data[:-3], b"r1cs" + b"\xff" * 60):
        (tmp_path / "bad.r1cs").write_bytes(blob)
        for args in (("info", tmp_path / "bad.r1cs"), ("audit", tmp_path / "bad.r1cs"),
                     ("check", tmp_path / "bad.r1cs", path / "p.wtns")):
            assert "bad.r1cs" in _one_line_error(*zkl(*args))
    (tmp_path / "bad.wtns").write_bytes((path / "p.wtns").read_bytes()[:-1])
    assert "bad.wtns" in _one_line_error(*zkl("check", path / "p.r1cs", tmp_path / "bad.wtns"))
    (tmp_path / "p.sym").write_bytes(b"\xff\xfe")
    (tmp_path / "p.r1cs").write_bytes(data)
    assert "UTF-8" in _one_line_error(*zkl("info", tmp_path / "p.r1cs"))
