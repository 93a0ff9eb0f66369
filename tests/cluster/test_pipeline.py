"""Pipelined sealing on executors (real proofs, batch 2, depth 4, the embedded L1): a Dask LocalCluster of two
one-thread workers proving several batches, proofs that come back out of order, and workers SIGKILLed while they
prove (Dask reruns the task; the process pool is replaced and the lost tasks are submitted again). Every time:
each batch proven and final on L1 exactly once, in order, and the L1, L2 and rebuilt roots equal.

The batch size does not matter to any of it, so it is the smallest the bench's `--quick` also proves,
BatchCircuit(2, 4): its proving key is made once for the package (conftest.py) and each proof is cheap."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import shutil
import signal
import threading
import time
from typing import Any

import pytest

from zkl.devnet import Devnet
from zkl.prover import cluster
from zkl.verifier.snarkjs_json import proof_from_snarkjs_json

pytestmark = pytest.mark.slow  # proves: `pytest -m 'not slow'` skips it

distributed = pytest.importorskip("distributed")

B, DEPTH = 2, 4  # the bench's --quick circuit: one proving key for the package
USERS = ("u0", "u1")  # one transfer each a batch: a full batch


@pytest.fixture(scope="module")
def template(cluster_cache, tmp_path_factory: pytest.TempPathFactory):
    """A devnet (B=2, depth 4) whose users' deposits are settled, in the package's key cache (`cluster_cache`:
    ZKL_CACHE_DIR, which the workers inherit)."""
    path = str(tmp_path_factory.mktemp("devnet") / "net")
    with Devnet.init(path, batch_size=B, depth=DEPTH, seed=12) as net:
        for name in USERS:
            net.add_user(name, l1_funds=100_000)
            net.deposit(name, 10_000)
        net.seal_all()
        assert net.contract.state_root == net.node.root
    yield path


@pytest.fixture(scope="module")
def dask2(template):
    """A Dask LocalCluster of two worker processes, one thread each (after the template: same ZKL_CACHE_DIR)."""
    with cluster.executor("local:2") as ex:
        yield ex


def _copy(template: str, tmp_path) -> str:
    path = str(tmp_path / "net")
    shutil.copytree(template, path)
    return path


def _queue(net: Devnet, batches: int) -> None:
    """`batches` full batches of transfers: each user sends one transfer a batch (to the next user)."""
    assert len(USERS) == B
    for k in range(batches):
        for i, name in enumerate(USERS):
            net.transfer(name, USERS[(i + 1) % len(USERS)], 10 + k)


def _check_settled_once_in_order(net: Devnet, infos: list[dict[str, Any]], first: int, count: int) -> None:
    """The batches first..first+count-1 sealed now, and every batch on L1 exactly once, in order, proofs valid."""
    assert [i["number"] for i in infos] == list(range(first, first + count))
    assert all(i["transactions"] == B and not i["dropped"] for i in infos)
    settled_at = [i["settled_at"] for i in infos]
    assert settled_at == sorted(settled_at)
    _check_l1(net, first + count - 1, since=first)


def _check_l1(net: Devnet, last: int, since: int | None = None) -> None:
    """Batches 1..last on L1 exactly once, in order, settled, roots equal; the saved proofs from `since` verify."""
    l1 = [b.number for b in net.contract.batches()]
    assert l1 == list(range(1, last + 1))  # each batch once, in order: none lost, none twice
    assert net.settled() == l1 and net.node.next_batch - 1 == last
    assert net.contract.state_root == net.node.root
    sync = net.sync()
    assert sync["match"] and sync["rebuilt_root"] == sync["l1_root"] == sync["l2_root"]
    _, pvk = net._keys()
    from zkl.verifier import verify

    for number in range(since or last, last + 1):  # the saved proofs are the batches' and verify
        saved = json.loads((net.data_dir / "proofs" / f"batch-{number}.json").read_text())
        batch = net.node.batch(number)
        assert saved["public_inputs"] == [str(v) for v in batch.public_inputs]
        assert verify(pvk, batch.public_inputs, proof_from_snarkjs_json(saved["proof"]))


def test_two_workers_prove_batches_that_settle_in_order(template, dask2, tmp_path) -> None:
    with Devnet(_copy(template, tmp_path)) as net:
        first = net.contract.batch_number + 1
        _queue(net, 3)
        infos = net.seal_all(dask2)
        _check_settled_once_in_order(net, infos, first, 3)
        assert len({i["worker"] for i in infos}) == 2  # both workers proved
        assert all(i["attempts"] == 1 and i["witness_s"] > 0 and i["groth16_s"] > 0 for i in infos)
        # each worker read the proving key once, for all its batches
        loads = dask2.client.run(lambda: __import__("zkl.prover.cluster", fromlist=["loads"]).loads)
        assert sorted(loads.values()) == [1, 1], loads
        # nothing waits: a second call seals nothing
        assert net.seal_all(dask2) == [] and net.seal(executor=dask2) is None


class _Reversed(cf.Executor):
    """Runs the tasks in this process, in one thread, the last submitted first: proofs come back out of order."""

    workers = 3
    threads = None

    def __init__(self, expect: int) -> None:
        self.expect = expect
        self.queue: list[tuple[cf.Future, Any, tuple, dict]] = []
        self.finished: list[int] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def submit(self, fn, /, *args, **kwargs):  # noqa: ANN001
        future: cf.Future = cf.Future()
        self.queue.append((future, fn, args, kwargs))
        if len(self.queue) >= self.expect:
            self._ready.set()
        return future

    def _run(self) -> None:
        self._ready.wait(120)
        for future, fn, args, kwargs in reversed(self.queue):
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as e:  # noqa: BLE001
                    future.set_exception(e)
                else:
                    self.finished.append(result["number"])
                    future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._thread.join(120)


def test_proofs_that_come_back_out_of_order_settle_in_order(template, tmp_path) -> None:
    with Devnet(_copy(template, tmp_path)) as net:
        first = net.contract.batch_number + 1
        _queue(net, 2)
        ex = _Reversed(expect=2)
        infos = net.seal_all(ex)
        ex.shutdown()
        assert ex.finished == [first + 1, first]  # proven last first
        _check_settled_once_in_order(net, infos, first, 2)


def _kill_while_proving(pids_of: Any, busy_of: Any, stop: threading.Event, killed: list[int],
                        busy_for: float = 0.3) -> None:
    """SIGKILL the first worker process seen busy with one task for `busy_for` seconds (it is solving or
    proving then: a task of the template's batches takes several times longer)."""
    since: dict[tuple[str, str], float] = {}
    while not stop.is_set():
        now = time.monotonic()
        busy = busy_of()
        for worker, task in busy.items():
            since.setdefault((worker, task), now)
        for (worker, task), t in since.items():
            if busy.get(worker) == task and now - t >= busy_for:
                pid = pids_of()[worker]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
        time.sleep(0.05)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_dask_worker_killed_while_proving_loses_nothing(template, dask2, tmp_path) -> None:
    client = dask2.client
    pids = client.run(os.getpid)

    def busy() -> dict[str, str]:
        return {w: str(keys[0]) for w, keys in client.processing().items() if keys}

    with Devnet(_copy(template, tmp_path)) as net:
        first = net.contract.batch_number + 1
        _queue(net, 3)
        stop, killed = threading.Event(), []
        killer = threading.Thread(target=_kill_while_proving, args=(lambda: pids, busy, stop, killed), daemon=True)
        killer.start()
        try:
            infos = net.seal_all(dask2)
        finally:
            stop.set()
            killer.join(10)
        assert len(killed) == 1 and killed[0] in pids.values()
        deadline = time.monotonic() + 10
        while _pid_alive(killed[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _pid_alive(killed[0])
        _check_settled_once_in_order(net, infos, first, 3)


def _maps_the_key(pid: int) -> bool:
    """Whether a process has the batch proving key memory-mapped (read just before it solves and proves)."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return any("BatchCircuit-" in line and line.rstrip().endswith(".zkey") for line in f)
    except OSError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="watches /proc/PID/maps")
def test_a_pool_process_killed_while_proving_is_replaced_and_its_batches_proven_again(template, tmp_path) -> None:
    with cluster.executor("processes:2") as ex, Devnet(_copy(template, tmp_path)) as net:
        first = net.contract.batch_number + 1
        _queue(net, 2)
        stop, killed = threading.Event(), []

        def busy() -> dict[str, str]:  # a fresh pool process proving: it has read (mapped) the key
            return {name: "proving" for name, pid in ex.worker_pids().items() if _maps_the_key(pid)}

        killer = threading.Thread(target=_kill_while_proving, args=(ex.worker_pids, busy, stop, killed, 0.5),
                                  daemon=True)
        killer.start()
        try:
            infos = net.seal_all(ex)
        finally:
            stop.set()
            killer.join(10)
        assert len(killed) == 1 and ex.replaced >= 1
        assert max(i["attempts"] for i in infos) >= 2  # the lost tasks were submitted again
        _check_settled_once_in_order(net, infos, first, 2)


SEALER = """
import json, os, sys, threading, time
from zkl.devnet import Devnet
from zkl.prover.cluster import executor
with executor("processes:2") as ex:
    def note():  # the pool's processes, for the test to see them go (replaced whole: a kill never leaves it empty)
        while True:
            with open(sys.argv[2] + ".tmp", "w") as f:
                json.dump(list(ex.worker_pids().values()), f)
            os.replace(sys.argv[2] + ".tmp", sys.argv[2])
            time.sleep(0.1)
    threading.Thread(target=note, daemon=True).start()
    Devnet(sys.argv[1], recover=False).seal_all(ex)
"""


def test_the_sealer_killed_with_proofs_in_flight_converges_on_restart(template, tmp_path) -> None:
    """The pipelined sealer is SIGKILLed once the first proof is in (the others still proving); restarted as
    `zkl rollup seal --all --cluster processes:2`, it proves on the pool what L1 lacks (the saved proof reused)
    and submits it in order."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from zkl.cli import main

    path = _copy(template, tmp_path)
    with Devnet(path) as net:
        first = net.contract.batch_number + 1
        _queue(net, 3)
    env = {**os.environ, "ZKL_DEVNET_CRASH_AT": "seal.proved", "PYTHONWARNINGS": "ignore"}
    log = tmp_path / "sealer.log"
    with open(log, "w") as f:  # a file, not a pipe: the pool processes may outlive the sealer for a moment
        done = subprocess.run([sys.executable, "-c", SEALER, path, str(tmp_path / "pids.json")], env=env, stdout=f,
                              stderr=f, timeout=600)
    assert done.returncode == -9, log.read_text()[-2000:]  # killed, not finished
    pool = json.loads((tmp_path / "pids.json").read_text())
    assert pool
    deadline = time.monotonic() + 20
    while any(_pid_alive(pid) for pid in pool) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_pid_alive(pid) for pid in pool)  # the orphaned pool processes left by themselves
    kept = tmp_path / "net" / "proofs" / f"batch-{first}.json"
    with Devnet(path, recover=False) as net:
        assert net.contract.batch_number == first - 1  # nothing submitted
        assert net.node.next_batch == first + 3  # all three built ahead
        proof_before = kept.read_bytes()  # the proof in hand was kept
    result = CliRunner().invoke(main, ["rollup", "seal", "--all", "--data-dir", path, "--json"],
                                env={"ZKL_CLUSTER": "processes:2"})
    assert result.exit_code == 0, (result.output, result.exception)
    out = json.loads(result.output.strip().splitlines()[-1])
    assert out["cluster"] == "processes:2" and out["batches"] == [] and out["l1_batches"] == first + 2
    assert kept.read_bytes() == proof_before  # reused, not proven again (a new proof has new blinding)
    with Devnet(path, recover=False) as net:
        _check_l1(net, first + 2, since=first)
