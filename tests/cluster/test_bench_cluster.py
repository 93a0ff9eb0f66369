"""`zkl bench rollup --cluster local`: per size the sequential figures and, per worker count, the pipelined tx/s."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from zkl.cli import main

pytestmark = pytest.mark.slow  # proves

pytest.importorskip("distributed")


def test_bench_rollup_per_worker_count(cluster_cache) -> None:
    # the package's key cache (conftest.py): BatchCircuit(2, 4), the --quick size, is the pipeline tests' too
    # one worker count here (each costs its warm-up and timed batches); the default, 1 and 2: test_default_specs
    result = CliRunner().invoke(main, ["bench", "rollup", "--quick", "--no-progress", "--cluster", "local:2",
                                       "--workers", "2", "--pipeline-batches", "1", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert out["cluster"] == "local:2" and out["pipeline_batches"] == 1
    row = out["b2"]
    assert {"prove_s", "witness_s", "seal_s", "tx_per_s", "peak_rss_gib", "peak_rss_mib"} <= set(row)
    assert 0 < row["witness_s"] < row["prove_s"] and row["peak_rss_gib"] > 0
    assert set(row["workers"]) == {"2"}
    for n, w in row["workers"].items():
        assert w["spec"] == f"local:{n}" and w["batches"] == 1 and w["transactions"] == 2
        assert w["tx_per_s"] > 0 and w["wall_s"] > 0 and w["threads"] >= 1
    result = CliRunner().invoke(main, ["bench", "rollup", "--quick", "--cluster", "gpu:1", "--json"])
    assert result.exit_code != 0 and "unknown executor spec" in result.output


def test_default_specs() -> None:
    from zkl.bench.rollup import Pipeline

    assert Pipeline().specs() == [(1, "processes:1"), (2, "processes:2")]
    assert Pipeline("local:2").specs() == [(1, "local:1"), (2, "local:2")]
    assert Pipeline("tcp://10.0.0.1:8786").specs() == [(None, "tcp://10.0.0.1:8786")]
