"""The command-line rows of the Groth16 benchmark (zkl.bench.groth16.bench_cli) and their helpers."""

from __future__ import annotations

import os
import sys

import pytest

from zkl.bench import _js
from zkl.bench.groth16 import bench_cli, rapidsnark_path, run_process


def test_run_process_measures_the_child_alone():
    wall, peak = run_process([sys.executable, "-c", "x = bytearray(200_000_000); x[::4096] = b'1' * len(x[::4096])"])
    assert wall > 0 and 190 < peak < 400  # the child's own pages, not this process's
    with pytest.raises(RuntimeError, match="exited 3"):
        run_process([sys.executable, "-c", "raise SystemExit(3)"])


def test_rapidsnark_path(tmp_path, monkeypatch):
    monkeypatch.delenv("RAPIDSNARK", raising=False)
    assert rapidsnark_path(tmp_path / "missing") is None
    fake = tmp_path / "prover"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert rapidsnark_path(fake) == fake
    monkeypatch.setenv("RAPIDSNARK", str(fake))
    assert rapidsnark_path() == fake


@pytest.mark.skipif(not _js.have("snarkjs"), reason="snarkjs (npm ci --prefix js) not installed")
def test_bench_cli_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKL_BENCH_CACHE", str(tmp_path / "bench"))
    monkeypatch.setenv("ZKL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RAPIDSNARK", raising=False)
    (row,) = bench_cli([8], repeats=1, rapidsnark=tmp_path / "no-such-prover")
    assert row["log_domain"] == 8 and "rapidsnark not found" in row["rapidsnark_note"]
    for key in ("zkl_cli_prove_s", "zkl_cli_peak_mib", "snarkjs_cli_prove_s", "zkl_cli_verify_s",
                "snarkjs_cli_verify_s", "zkl_over_snarkjs_cli"):
        assert row[key] > 0, key
    assert os.listdir(tmp_path / "cache" / "zkey-checked" / "v1")  # the first run recorded the key
