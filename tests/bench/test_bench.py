"""`zkl bench ...` in its smallest mode: one JSON object with the keys the README's figures come from.

Run in process with click's CliRunner (progress goes to stderr, the JSON alone to stdout); the
heavy ones (setup and proving, every algebra area) are marked slow.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from tests.anvil import require_anvil

from tests.paths import ROOT
from zkl.bench import _js
from zkl.cli import main

HAVE_JS = _js.have("snarkjs", "circom")


def runner() -> CliRunner:
    """A runner keeping stderr (progress) apart from stdout (the result)."""
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2 mixes them by default
    except TypeError:
        return CliRunner()  # click >= 8.2 keeps them apart


def bench(*args: str) -> dict:
    """The one JSON object `zkl bench ARGS --json` prints."""
    result = runner().invoke(main, ["bench", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def test_bench_lists_its_subcommands():
    result = runner().invoke(main, ["bench", "--help"])
    assert result.exit_code == 0
    for name in ("algebra", "batch", "circuits", "gas", "groth16", "rollup", "verifier"):
        assert name in result.output


@pytest.mark.parametrize("script", ["bench_batch.py", "bench_circuits.py", "bench_groth16.py", "bench_rollup.py"])
def test_the_benchmark_scripts_start(script):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--help"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "--sizes" in done.stdout or "--hashes" in done.stdout


def test_a_missing_oracle_names_the_bench_extra(monkeypatch):
    from zkl.bench.timing import require

    monkeypatch.setitem(sys.modules, "galois", None)
    with pytest.raises(ModuleNotFoundError, match=r"zkl\[bench\]"):
        require("galois")


def test_the_command_reports_a_missing_oracle(monkeypatch):
    monkeypatch.setitem(sys.modules, "py_ecc", None)
    monkeypatch.setitem(sys.modules, "py_ecc.optimized_bn128", None)
    result = runner().invoke(main, ["bench", "verifier", "--quick", "--no-snarkjs", "--json"])
    assert result.exit_code == 1
    assert "pip install 'zkl[bench]'" in result.stderr
    assert result.stdout == ""


def test_verifier():
    out = bench("verifier", "--quick")
    assert {"n_public", "verify_ms", "batch_verify_8_ms", "verify_cpu_ms", "batch_verify_8_cpu_ms",
            "pyecc_verify_ms"} <= set(out)
    assert ("snarkjs_verify_ms" in out) == HAVE_JS
    assert 0 < out["verify_ms"] < out["pyecc_verify_ms"]


def test_circuits():
    out = bench("circuits", "--quick", "--no-circom")
    assert set(out) == {"gadget_constraints", "poseidon_chain", "eddsa_batch"}
    chain = out["poseidon_chain"]
    assert chain["hashes"] == 8 and chain["constraints"] == 240 * 8 + 1
    assert {"wires", "nnz", "compile_s", "compile_cpu_s", "compile_cached_s", "solve_s", "solve_cpu_s",
            "solve_write_s", "solve_runs_s", "check_s", "check_cpu_s"} <= set(chain)
    assert out["eddsa_batch"]["signatures"] == 2
    assert out["gadget_constraints"]["poseidon"]["2"] == 240


@pytest.mark.slow
@pytest.mark.js
@pytest.mark.skipif(not HAVE_JS, reason="needs js/node_modules (npm ci --prefix js)")
def test_circuits_against_circom():
    out = bench("circuits", "--quick")
    assert {"constraints", "snarkjs_wtns_calculate_s", "wasm_witness_s", "ratio_snarkjs_over_zkl",
            "ratio_wasm_over_zkl"} <= set(out["circom_chain"])


#: the keys of `zkl bench algebra --json` (the README's engine figures)
ALGEBRA_KEYS = {
    "threads", "area_seconds",
    "field_log_n", "fq_mul_ns", "fq_mul_vec_ns", "fq_inv_us", "batch_inverse_ns_per_elem", "fq_sqrt_us", "fr_mul_ns",
    "fr_mul_vec_ns", "fr_inv_us", "fr_batch_inverse_ns_per_elem", "fr_sqrt_us", "pyint_mul_ns",
    "fq_mul_speedup_vs_pyint",
    "g1_add_mixed_ns", "g1_add_ns", "g1_double_ns", "g2_add_mixed_ns", "g1_scalar_mul_us", "pyecc_g1_mul_ms",
    "fixed_base_g1_ns_per_point", "fixed_base_g2_ns_per_point", "g2_subgroup_check_us",
    "ntt_s", "ntt_cpu_s", "intt_s", "coset_ntt_s", "coset_intt_s", "ntt_ints_s", "galois_log_n", "galois_ntt_s",
    "ntt_at_galois_size_s", "galois_ratio",
    "msm_g1_s", "msm_g1_cpu_s", "msm_g2_s", "msm_g2_cpu_s",
    "pairing_ms", "multi_pairing_4_ms", "pairing_check_prepared_4_ms", "miller_loop_ms", "final_exp_ms",
    "pyecc_pairing_ms",
}


@pytest.mark.slow
def test_algebra():
    out = bench("algebra", "--quick")
    assert set(out) == ALGEBRA_KEYS
    assert set(out["area_seconds"]) == {"field", "curve", "ntt", "msm", "pairing"}
    assert set(out["msm_g1_s"]) == {"12", "14"} and set(out["msm_g2_s"]) == {"12"}
    assert set(out["ntt_s"]) == {"12", "14"} and set(out["intt_s"]) == {"14"} and out["field_log_n"] == 16


@pytest.mark.slow
def test_groth16():
    out = bench("groth16", "--quick")
    assert set(out) == {"meta", "rows"}
    assert {"repeats", "load_before", "load_after", "cpus", "peers"} <= set(out["meta"])
    rows = {row["circuit"]: row for row in out["rows"]}
    big = rows["dense (numpy)"]
    assert big["log_domain"] == 10 and big["constraints"] == 1022
    assert {"zkl_setup_s", "zkl_prove_s", "zkl_cpu_s", "zkl_peak_mib", "zkl_baseline_mib"} <= set(big)
    if HAVE_JS:
        assert {"zkl_prove_s", "snarkjs_prove_s", "snarkjs_cpu_s", "snarkjs_over_zkl",
                "zkl_peak_mib"} <= set(rows["dense"])


def test_the_dense_chain_is_satisfied_dense_and_sound():
    """Every constraint of the benchmark's dense chain has its own wire in A, B and C; a tampered wire fails."""
    from zkl.bench.groth16 import densechain

    r1cs, witness = densechain(8)
    assert r1cs.n_constraints == 254 and r1cs.is_satisfied(witness)
    for rows in (r1cs.a, r1cs.b, r1cs.c):
        assert len(set(rows.indices[rows.indptr[:-2]].tolist())) == r1cs.n_constraints - 1  # a new wire a row
    for wire in (1, 2, 100, r1cs.n_wires - 1):
        tampered = witness.copy()
        tampered[wire, 0] ^= 1
        assert not r1cs.is_satisfied(tampered), wire


@pytest.mark.slow
def test_batch():
    out = bench("batch", "--quick")
    assert out["depth"] == 4 and out["transaction"] == "transfer"
    row = out["batch_2"]
    assert {"compile_s", "constraints", "constraints_per_tx", "native_s", "solve_s", "witness_s", "witness_cpu_s",
            "setup_s", "prove_s", "prove_cpu_s", "witness_share", "tx_per_s", "interpreted_s",
            "interpreted_over_compiled"} <= set(row)
    assert row["interpreted_over_compiled"] > 1  # the compiled solver is the faster one


@pytest.mark.slow
@pytest.mark.parametrize("l1", ["embedded", "anvil"])
def test_rollup(l1):
    if l1 == "anvil":
        require_anvil()
    out = bench("rollup", "--quick", "--no-progress", "--l1", l1)
    assert {"depth": 4, "batches": 1, "users": 2, "l1": l1}.items() <= out.items()
    row = out["b2"]
    assert {"constraints", "compile_s", "keys_cached", "setup_s", "setup_cpu_s", "build_s", "prove_s", "verify_ms",
            "submit_ms", "seal_s", "seal_cpu_s", "tx_per_s", "peak_rss_mib"} <= set(row)
    if l1 == "embedded":
        assert row["verify_ms"] > 0 and "gas_submit" not in row
    else:  # the submission pays the verification and then some; per transaction, half of it at B = 2
        assert 200_000 < row["gas_verify"] < row["gas_submit"] < 320_000
        assert row["gas_per_tx"] == round(row["gas_submit"] / 2) and row["submit_ms"] > 0


@pytest.mark.slow
@pytest.mark.js
@pytest.mark.skipif(not _js.have("snarkjs"), reason="snarkjs is not installed (npm ci --prefix js)")
def test_rollup_against_snarkjs_on_the_same_batch_files():
    out = bench("rollup", "--quick", "--no-progress", "--no-pipeline", "--snarkjs", "2")
    row = out["b2"]
    assert row["snarkjs_repeats"] == 1 and row["snarkjs_prove_s"] > 0 and row["zkl_cli_prove_s"] > 0
    assert row["ratio_vs_snarkjs"] == pytest.approx(row["zkl_cli_prove_s"] / row["snarkjs_prove_s"], abs=2e-3)
    assert row["zkl_cli_peak_mib"] > 0 and row["snarkjs_peak_mib"] > 0


@pytest.mark.parametrize("l1", ["evm", "anvil"])
def test_gas(l1):
    if l1 == "anvil":
        require_anvil()
    out = bench("gas", "--quick", "--l1", l1)
    sizes = [row["size"] for row in out["batches"]]
    assert sizes == [1, 4, 16] and out["l1"].startswith(l1)
    per_tx = [row["gas_per_tx"] for row in out["batches"]]
    assert per_tx == sorted(per_tx, reverse=True)  # the verification spreads over the batch
    # each transfer beyond the first costs well under a plain L1 transfer (21,000)
    marginal = (out["batches"][-1]["gas_submit"] - out["batches"][0]["gas_submit"]) / 15
    assert 300 < marginal < 2_000
    assert 200_000 < out["gas_verify"] < out["batches"][0]["gas_submit"]
    for key in ("deploy_all", "deposit", "claim", "activate_exodus", "refund", "exit"):
        assert out[key] > 21_000, key
