"""One key cache for tests/cluster: the bench's `--quick` circuit, BatchCircuit(2, 4), is also the pipeline tests'
circuit, so its proving key (and the exit circuit's) is made once for the package, not once per module."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="package")
def cluster_cache(tmp_path_factory: pytest.TempPathFactory):
    """ZKL_CACHE_DIR for the package's tests and the processes they start (Dask workers, pool processes and
    sealer subprocesses inherit it: the key cache and the circuit cache are theirs too): $ZKL_TEST_CACHE_DIR, else
    one temporary directory; restored after the package's last test."""
    saved = os.environ.get("ZKL_CACHE_DIR")
    path = os.environ.get("ZKL_TEST_CACHE_DIR") or str(tmp_path_factory.mktemp("cluster-cache"))
    os.environ["ZKL_CACHE_DIR"] = path
    yield path
    if saved is None:
        os.environ.pop("ZKL_CACHE_DIR", None)
    else:
        os.environ["ZKL_CACHE_DIR"] = saved

