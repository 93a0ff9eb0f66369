"""Load over HTTP: signed transactions from concurrent clients, a share invalid in each way the mempool refuses;
every answer as expected, every admitted one settled on L1 exactly once (ids recomputed from L1 data alone),
no refused one. `ZKL_HTTP_LOAD_TXS` sets the count (CI: 120; `benchmarks/bench_service.py` measures 10,000).

The run is zkl.bench.service's: a devnet of BatchCircuit(8, 4) with 14 users, served by `zkl node serve` in
its own process, sealing paused during admission, then resumed until everything is final.
"""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.slow  # proves about 20 batches

N_TXS = int(os.environ.get("ZKL_HTTP_LOAD_TXS", "120"))


def test_load_over_http_settles_every_admitted_transaction_once(service_cache: str, monkeypatch) -> None:
    from zkl.bench.service import ERRORS, run

    monkeypatch.setenv("ZKL_CACHE_DIR", service_cache)
    out = run(txs=N_TXS, users=14, batch_size=8, depth=4, settle=True, settle_timeout=900)
    assert out["txs"] == N_TXS
    assert out["mismatches"] == 0, out["mismatched"]
    assert set(out["refused_by_kind"]) == set(ERRORS)  # every kind of refusal was tried, each got its own error
    assert out["valid"] > N_TXS // 2 and out["admitted_unique"]
    assert out["groups"] < N_TXS  # admissions were committed in groups
    assert out["settled_exactly_once"] and out["l1_root_is_node_root"] and out["rebuilt_from_l1_matches"]
    assert out["settled_batches"] >= out["valid"] // 8
