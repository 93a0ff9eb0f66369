"""Batch proofs in parallel behind `concurrent.futures.Executor`: a process pool, or Dask on a cluster.

    from zkl.prover.cluster import executor, prove_batch

    with executor("local:2") as ex:                     # a Dask LocalCluster: 2 worker processes, 1 thread each
        future = ex.submit(prove_batch, 4, 16, batch.assignment(), "/cache/keys/BatchCircuit-....zkey")
        future.result()["proof"]                        # snarkjs JSON; also witness_s, prove_s, pid, worker

Executor specs (`zkl rollup seal --cluster SPEC`, env ZKL_CLUSTER):

    None, "processes", "processes:N"   a `ProcessPoolExecutor` of N processes (default: one per core), spawned
    "local", "local:N"                 a Dask `LocalCluster` of N worker processes with one thread each
                                       (default: one per core) and `Client.get_executor()`
    "tcp://HOST:PORT" (tls://, ...)    a Dask `Client` of the scheduler running there

Dask is the optional extra ``pip install 'zkl[cluster]'`` (the `distributed` package); without it a
Dask spec raises `ClusterError` saying so. Every executor here is a context manager whose exit
shuts down what it started (the pool, or the client and the local cluster; never a remote
scheduler). `threads` is the numba threads a task uses (the cores of this machine shared among
the local workers; None on a remote cluster: the worker's default).

Tasks are small: `prove_batch` gets the batch shape, the circuit's input values and *where* the
proving key lives (a path, or a ``file://`` URL, readable by the worker), never the key itself.
A worker process reads the key once (memory-mapped, `zkl.prover.zkey.read_zkey`) and keeps it
in a module-level cache keyed by the file's path, size, modification time and inode, so a key
replaced on disk is read again; the numba kernels come from numba's disk cache. The witness is
solved on the worker (`zkl.circuits.solve`, the compiled circuit from the circuit cache).

A worker killed while it proves loses its task and nothing else: Dask reruns the task on another
worker (up to `distributed.scheduler.allowed-failures` times, then the future raises
`KilledWorker`); the process pool here replaces a broken pool on the next `submit`, and its lost
futures raise `BrokenProcessPool`, so the caller (`zkl.devnet.Devnet.seal_all`) submits them again.
A pool process whose parent was killed exits within a second (it watches its parent).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from zkl.errors import ClusterError, ZklError

__all__ = ["CLUSTER_ENV", "ClusterExecutor", "DaskExecutor", "ProcessExecutor", "TaskError", "executor",
           "is_lost_worker", "key_location", "parse_spec", "prove_batch"]

CLUSTER_ENV = "ZKL_CLUSTER"
INSTALL_HINT = "pip install 'zkl[cluster]'"
_MAX_WORKERS = 4096
_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss", "inproc")




class TaskError(ClusterError):
    """A proving task failed on its own input (an unsatisfied constraint, a malformed assignment): running it
    again elsewhere gives the same answer. Carries the original error's type name and message (an exception
    that pickles by message alone, so it crosses any executor)."""


# ----------------------------------------------------------------------------- specs


def parse_spec(spec: str | None) -> tuple[str, int | str | None]:
    """(kind, argument) of an executor spec: ("processes", N or None), ("local", N or None) or ("scheduler", address).

    Raises ClusterError naming what is wrong with a bad spec.
    """
    if spec is None:
        return "processes", None
    if not isinstance(spec, str):
        raise ClusterError(f"an executor spec must be a string, not {type(spec).__name__}")
    text = spec.strip()
    if not text:
        return "processes", None
    scheme = text.split("://", 1)[0].lower() if "://" in text else None
    if scheme is not None:
        if scheme not in _SCHEMES:
            raise ClusterError(f"unknown scheduler address scheme {scheme!r} in {spec!r}: use tcp://HOST:PORT")
        rest = text.split("://", 1)[1]
        if scheme != "inproc" and not re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):[0-9]{1,5}", rest):
            raise ClusterError(f"a scheduler address is {scheme}://HOST:PORT, not {spec!r}")
        if scheme != "inproc" and not 0 < int(rest.rsplit(":", 1)[1]) < 65536:
            raise ClusterError(f"the port of {spec!r} must be in 1..65535")
        return "scheduler", text
    kind, _, count = text.partition(":")
    kind = kind.lower()
    if kind not in ("processes", "local"):
        raise ClusterError(f"unknown executor spec {spec!r}: use processes[:N], local[:N] or tcp://HOST:PORT")
    if not _:
        return kind, None
    if not re.fullmatch(r"[0-9]{1,6}", count.strip()):
        raise ClusterError(f"the worker count of {spec!r} must be a positive integer, not {count!r}")
    n = int(count)
    if not 1 <= n <= _MAX_WORKERS:
        raise ClusterError(f"the worker count of {spec!r} must be in 1..{_MAX_WORKERS}, not {n}")
    return kind, n


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def executor(spec: str | None = None, *, timeout: float = 10.0) -> ClusterExecutor:
    """The executor a spec names (see the module docstring); a context manager that shuts it down on exit.

    timeout: seconds to wait for a remote scheduler to answer.
    """
    kind, arg = parse_spec(spec)
    if kind == "processes":
        return ProcessExecutor(arg if isinstance(arg, int) else None)
    distributed = _distributed()
    if kind == "local":
        return DaskExecutor.local(distributed, arg if isinstance(arg, int) else None)
    return DaskExecutor.connect(distributed, str(arg), timeout=timeout)


def _distributed() -> Any:
    """The `distributed` module, or ClusterError with the install hint."""
    try:
        import distributed
    except ImportError as e:
        raise ClusterError(f"proving on Dask needs the distributed package ({e}): {INSTALL_HINT}") from None
    return distributed


# ----------------------------------------------------------------------------- executors


class ClusterExecutor(cf.Executor):
    """An Executor for batch proofs: its `spec`, `kind`, `threads` per task, and the worker count."""

    spec: str
    kind: str
    threads: int | None = None

    def __enter__(self) -> ClusterExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True, cancel_futures=True)

    @property
    def workers(self) -> int:
        """How many tasks run at once."""
        raise NotImplementedError

    def worker_pids(self) -> dict[str, int]:
        """Worker name -> process id of the worker processes running now."""
        raise NotImplementedError


class ProcessExecutor(ClusterExecutor):
    """A ProcessPoolExecutor of spawned processes that replaces itself once broken (a worker killed)."""

    kind = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self._n = workers or _cores()
        self.spec = f"processes:{self._n}"
        self.threads = max(1, _cores() // self._n)
        self._lock = threading.Lock()
        self._shutdown = False
        self._pool = self._new_pool()
        self.replaced = 0
        """how many times a broken pool was replaced"""

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # spawn, not fork: the parent may run numba threads and hold SQLite connections
        return cf.ProcessPoolExecutor(self._n, mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_watch_parent, initargs=(os.getpid(),))

    @property
    def workers(self) -> int:
        return self._n

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            try:
                return self._pool.submit(fn, *args, **kwargs)
            except cf.process.BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                self.replaced += 1
                return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def worker_pids(self) -> dict[str, int]:
        processes = getattr(self._pool, "_processes", None) or {}
        return {f"pid-{pid}": pid for pid, p in list(processes.items()) if p.is_alive()}


def _watch_parent(parent: int, every: float = 0.5) -> None:
    """In a pool process: exit once the process that made the pool is gone (SIGKILLed, it cannot say so; its
    workers would wait on their task queue for ever, holding the key's memory)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="zkl-watch-parent", daemon=True).start()


class DaskExecutor(ClusterExecutor):
    """`distributed.Client.get_executor()` (tasks impure: a task submitted again runs again), with its client
    and, for a local cluster, the cluster; shutdown closes the client and the local cluster only."""

    kind = "dask"

    def __init__(self, client: Any, cluster: Any | None, spec: str, threads: int | None) -> None:
        self.client = client
        self.cluster = cluster
        self.spec = spec
        self.threads = threads
        self._executor = client.get_executor(pure=False)

    @classmethod
    def local(cls, distributed: Any, workers: int | None) -> DaskExecutor:
        """A LocalCluster of `workers` processes with one thread each on this machine."""
        import logging

        n = workers or _cores()
        threads = max(1, _cores() // n)
        try:
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                               host="127.0.0.1", dashboard_address=None,
                                               silence_logs=logging.ERROR,
                                               env={"NUMBA_NUM_THREADS": str(threads)})
        except Exception as e:  # noqa: BLE001 - whatever Dask raises, name it
            raise ClusterError(f"could not start a Dask LocalCluster of {n} workers: {e}") from e
        try:
            client = distributed.Client(cluster, set_as_default=False)
        except Exception as e:  # noqa: BLE001
            cluster.close()
            raise ClusterError(f"could not connect to the local Dask cluster: {e}") from e
        return cls(client, cluster, f"local:{n}", threads)

    @classmethod
    def connect(cls, distributed: Any, address: str, timeout: float = 10.0) -> DaskExecutor:
        """A client of the Dask scheduler at `address` (its workers' own numba threads)."""
        try:
            client = distributed.Client(address, timeout=timeout, set_as_default=False)
        except Exception as e:  # noqa: BLE001 - OSError, TimeoutError, CommClosedError, ...
            raise ClusterError(f"no Dask scheduler answered at {address} within {timeout:g} s: {e}") from None
        return cls(client, None, address, None)

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            self._executor.shutdown(wait=wait and not cancel_futures)
        finally:
            try:
                self.client.close()
            finally:
                if self.cluster is not None:
                    self.cluster.close()

    def worker_pids(self) -> dict[str, int]:
        return dict(self.client.run(os.getpid))


def is_lost_worker(error: BaseException) -> bool:
    """Whether a task failed because its worker (or the pool) went away, not because of the task: submit again."""
    if isinstance(error, (cf.process.BrokenProcessPool, cf.BrokenExecutor, cf.CancelledError)):
        return True
    names = {type(error).__name__, *(c.__name__ for c in type(error).__mro__)}
    return bool(names & {"KilledWorker", "CommClosedError", "FutureCancelledError"})


# ----------------------------------------------------------------------------- the task


def key_location(path: str | os.PathLike) -> str:
    """The location a task carries for a proving key on this machine's disk: its absolute path."""
    return str(Path(path).resolve())


def _key_path(location: str) -> Path:
    """A path from a key location: a path, or a file URL (file:///abs/path, file://localhost/abs/path)."""
    if not isinstance(location, (str, os.PathLike)):
        raise ClusterError(f"a proving key location is a path or a file URL, not {type(location).__name__}")
    text = os.fspath(location)
    if "://" in text:
        url = urlparse(text)
        if url.scheme != "file" or url.netloc not in ("", "localhost"):
            raise ClusterError(f"a proving key location must be a path or a local file:// URL, not {text!r}")
        return Path(url2pathname(unquote(url.path)))
    return Path(text)


_KEYS: OrderedDict[tuple[str, int, int, int], Any] = OrderedDict()
_KEYS_KEPT = 2
_KEYS_LOCK = threading.Lock()
loads = 0
"""how many times this process read a proving key from disk (tests)"""


def _proving_key(location: str) -> tuple[Any, float]:
    """(ProvingKey, seconds spent reading it) for a key location: read once per process and file version."""
    global loads
    path = _key_path(location)
    try:
        st = path.stat()
    except OSError as e:
        raise ClusterError(f"worker pid {os.getpid()} cannot read the proving key {location}: {e}") from None
    ident = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    with _KEYS_LOCK:
        if ident in _KEYS:
            _KEYS.move_to_end(ident)
            return _KEYS[ident], 0.0
        from zkl.prover.zkey import read_zkey

        start = time.perf_counter()
        pk = read_zkey(path, validate=False)  # zkl's own key cache (zkl.prover.cache): trusted, memory-mapped
        seconds = time.perf_counter() - start
        loads += 1
        _KEYS[ident] = pk
        while len(_KEYS) > _KEYS_KEPT:
            _KEYS.popitem(last=False)
        return pk, seconds


def _worker_name() -> str:
    try:
        from distributed import get_worker

        worker = get_worker()
        return str(worker.name if worker.name is not None else worker.address)
    except (ImportError, ValueError, AttributeError):
        return f"pid-{os.getpid()}"


def prove_batch(batch_size: int, depth: int, assignment: dict[str, Any], key: str, *, threads: int | None = None,
                number: int | None = None) -> dict[str, Any]:
    """Solve and prove one batch of BatchCircuit(batch_size, depth) on this worker (a task for an executor).

    assignment: the circuit's input values (`Batch.assignment()`); key: where the proving key lives
    (`key_location`, or a file URL); threads: numba threads for the proof. Returns a dict: number,
    proof (snarkjs JSON), public_inputs (decimal strings), witness_s, prove_s, key_load_s, pid, worker.
    """
    from zkl.circuits import solve
    from zkl.circuits.rollup import BatchCircuit
    from zkl.prover.groth16 import prove, public_inputs
    from zkl.verifier.snarkjs_json import proof_to_snarkjs_json

    if not isinstance(batch_size, int) or not isinstance(depth, int):
        raise TaskError("batch_size and depth must be integers")
    pk, key_load_s = _proving_key(key)
    start = time.perf_counter()
    try:
        witness = solve(BatchCircuit(batch_size, depth), assignment)
    except ZklError as e:
        raise TaskError(f"batch {number}: {type(e).__name__}: {e}") from None
    witness_s = time.perf_counter() - start
    if len(witness) != pk.n_wires:
        raise ClusterError(f"the proving key {key} has {pk.n_wires} wires, BatchCircuit({batch_size}, {depth}) on "
                           f"worker pid {os.getpid()} {len(witness)}: the worker's zkl differs from the devnet's")
    start = time.perf_counter()
    proof = prove(pk, witness, threads=threads)
    prove_s = time.perf_counter() - start
    return {"number": number, "proof": proof_to_snarkjs_json(proof),
            "public_inputs": [str(v) for v in public_inputs(pk, witness)],
            "witness_s": witness_s, "prove_s": prove_s, "key_load_s": key_load_s,
            "pid": os.getpid(), "worker": _worker_name()}
