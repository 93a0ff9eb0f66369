"""Executor specs (`zkl.prover.cluster.executor`): what each names, the errors of bad ones, and the process pool
replacing itself after a worker is killed. No proofs here."""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import sys
import time

import pytest
from click.testing import CliRunner

from zkl.errors import ClusterError, ZklError
from zkl.prover import cluster
from zkl.prover.cluster import executor, is_lost_worker, parse_spec


@pytest.mark.parametrize("spec,expected", [
    (None, ("processes", None)),
    ("", ("processes", None)),
    ("processes", ("processes", None)),
    ("processes:3", ("processes", 3)),
    (" Processes:1 ", ("processes", 1)),
    ("local", ("local", None)),
    ("local:2", ("local", 2)),
    ("tcp://127.0.0.1:8786", ("scheduler", "tcp://127.0.0.1:8786")),
    ("tcp://scheduler.example.org:8786", ("scheduler", "tcp://scheduler.example.org:8786")),
    ("tls://[::1]:8786", ("scheduler", "tls://[::1]:8786")),
])
def test_specs(spec, expected) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec,says", [
    ("gpu:2", "unknown executor spec"),
    ("local:0", "must be in 1.."),
    ("local:-1", "positive integer"),
    ("local:two", "positive integer"),
    ("processes:", "positive integer"),
    ("local:99999", "must be in 1.."),
    ("tcp://127.0.0.1", "tcp://HOST:PORT"),
    ("tcp://:8786", "tcp://HOST:PORT"),
    ("tcp://127.0.0.1:0", "port"),
    ("tcp://127.0.0.1:70000", "port"),
    ("http://127.0.0.1:8786", "scheme"),
    (17, "must be a string"),
])
def test_bad_specs_are_named(spec, says) -> None:
    with pytest.raises(ClusterError, match=says):
        parse_spec(spec)
    with pytest.raises(ClusterError):
        executor(spec)
    assert issubclass(ClusterError, ZklError)


def test_dask_specs_without_distributed_say_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    for spec in ("local:2", "tcp://127.0.0.1:8786"):
        with pytest.raises(ClusterError, match=r"pip install 'zkl\[cluster\]'"):
            executor(spec)
    with executor("processes:1") as ex:  # the process pool needs nothing more
        assert ex.spec == "processes:1" and ex.workers == 1


def test_no_scheduler_at_the_address() -> None:
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(ClusterError, match=f"no Dask scheduler answered at tcp://127.0.0.1:{port}"):
        executor(f"tcp://127.0.0.1:{port}", timeout=1)
    assert time.monotonic() - start < 30


def test_key_locations(tmp_path) -> None:
    key = tmp_path / "a key.zkey"
    key.write_bytes(b"x")
    assert cluster._key_path(cluster.key_location(key)) == key.resolve()
    assert cluster._key_path(key.resolve().as_uri()) == key.resolve()  # file:///.../a%20key.zkey
    assert cluster._key_path(f"file://localhost{key.resolve()}") == key.resolve()
    with pytest.raises(ClusterError, match="local file:// URL"):
        cluster._key_path("https://example.org/key.zkey")
    with pytest.raises(ClusterError, match="cannot read the proving key"):
        cluster._proving_key(str(tmp_path / "missing.zkey"))


def test_lost_workers_are_told_apart_from_failed_tasks() -> None:
    assert is_lost_worker(cf.process.BrokenProcessPool("gone"))
    assert is_lost_worker(type("KilledWorker", (Exception,), {})("worker died 3 times"))
    assert not is_lost_worker(cluster.TaskError("batch 3: UnsatisfiedConstraint: ..."))
    # a TaskError crosses any executor: it pickles by its message
    import pickle

    error = pickle.loads(pickle.dumps(cluster.TaskError("batch 3: bad")))
    assert isinstance(error, cluster.TaskError) and str(error) == "batch 3: bad"


def test_the_process_pool_replaces_itself_when_a_worker_is_killed() -> None:
    with executor("processes:2") as ex:
        assert ex.threads == max(1, cluster._cores() // 2)
        first = ex.submit(time.sleep, 30)
        second = ex.submit(os.getpid)
        second.result(timeout=60)
        deadline = time.monotonic() + 60
        while not (pids := ex.worker_pids()) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in pids.values():
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(cf.process.BrokenProcessPool):
            first.result(timeout=60)
        assert is_lost_worker(first.exception())
        assert ex.submit(os.getpid).result(timeout=60) not in pids.values()  # a fresh pool
        assert ex.replaced == 1
    with pytest.raises(RuntimeError, match="shutdown"):
        ex.submit(os.getpid)


def test_seal_refuses_a_bad_cluster_spec_before_opening_the_devnet(tmp_path) -> None:
    from zkl.cli import main

    result = CliRunner().invoke(main, ["rollup", "seal", "--all", "--cluster", "gpu:2", "--data-dir",
                                       str(tmp_path / "none")])
    assert result.exit_code == 1 and "unknown executor spec 'gpu:2'" in result.output
    result = CliRunner().invoke(main, ["rollup", "seal", "--data-dir", str(tmp_path / "none")],
                                env={"ZKL_CLUSTER": "local:0"})
    assert result.exit_code == 1 and "must be in 1.." in result.output
