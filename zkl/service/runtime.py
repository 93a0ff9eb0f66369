"""The node service's engine: one thread owns the devnet; admissions are group-committed; sealing runs behind.

    service = NodeService("data/", seal_interval=2.0)   # opens the devnet, starts the node thread
    tx_id = await service.submit(tx_json)                # admitted and durable, or raises the ZklError
    info = await service.call(views.status, ...)         # anything else, run on the node thread
    service.stop()

SQLite connections and the devnet's objects belong to one thread, the node thread; HTTP handlers
on the event loop hand it work through a queue and await the answer. The node thread takes every
submission waiting (up to `max_group`) and admits them with `Node.submit_many`: one SQLite
transaction, one fsync, their signatures checked in one batch; each answer is sent back only
after the commit, so an acknowledged transaction is durable. Between groups it drives a
`zkl.devnet.SealPipeline`: it builds a batch when `batch_size` deposits and transactions wait,
when the oldest waited `seal_interval` seconds, or on an operator's request, sends it to be
proven on the executor (by default one process beside the server, so proving never holds the
server's interpreter), and settles proven batches on L1 in order as their proofs come back.
Admission never waits for a proof. Every change is published to `subscribe`rs (the explorer's
event stream): "admitted", "deposits", "sealed", "proven", "settled", "sealer".

A crash loses nothing acknowledged: the mempool and the batches are in node.db, proofs in
proofs/, and the next start runs the devnet's recovery (`Devnet.pipeline` catches up with L1
and proves again what L1 lacks).
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkl.devnet import Devnet, SealPipeline
from zkl.errors import ServiceUnavailable, ZklError

__all__ = ["PAUSED_FILE", "NodeService"]

#: exists in the data directory while the operator keeps sealing paused (so a restart keeps it paused)
PAUSED_FILE = "sealer.paused"


@dataclass
class _Work:
    """A submission (data) or a call (fn) for the node thread, and where its answer goes."""

    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    data: Any = None
    fn: Callable[[Devnet], Any] | None = None


@dataclass
class _Sealer:
    """The sealer's state, as /api/status shows it."""

    paused: bool = False
    interval_s: float = 2.0
    requested: bool = False
    last_seal: float = field(default_factory=time.monotonic)
    in_flight: int = 0
    error: str | None = None


def _answer(loop: asyncio.AbstractEventLoop, answers: list[tuple[asyncio.Future, Any, bool]]) -> None:
    """Resolve many futures of one loop in one hop onto it (one wake-up for a whole group)."""
    def resolve() -> None:
        for future, value, failed in answers:
            if future.done():
                continue
            if failed:
                future.set_exception(value)
            else:
                future.set_result(value)

    loop.call_soon_threadsafe(resolve)


class NodeService:
    """A devnet behind a queue: the node thread admits, answers and seals (see the module docstring)."""

    def __init__(self, data_dir: str | Path, *, seal_interval: float = 2.0, executor: cf.Executor | None = None,
                 max_group: int = 1024, ahead: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._paused_file = self.data_dir / PAUSED_FILE
        self._sealer = _Sealer(interval_s=float(seal_interval), paused=self._paused_file.exists())
        self._max_group = max_group
        self._ahead = ahead
        self._executor = executor
        self._own_executor = executor is None
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []
        self._lock = threading.Lock()
        self._seal_lock = threading.Lock()  # held while the sealer decides and builds: pause() waits for it
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._stopping = False
        self.admitted = 0
        self.refused = 0
        self.groups = 0
        self._thread = threading.Thread(target=self._run, name="zkl-node", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error

    # -- the event loop's side -----------------------------------------------------------------

    async def submit(self, data: Any) -> str:
        """Admit one transaction (its JSON form): its id once durable, or the ZklError that refused it."""
        return await self._put(_Work(asyncio.get_running_loop(), asyncio.get_running_loop().create_future(),
                                     data=data))

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run fn(devnet, *args) on the node thread; its result, or its exception."""
        loop = asyncio.get_running_loop()
        return await self._put(_Work(loop, loop.create_future(), fn=lambda net: fn(net, *args)))

    async def _put(self, work: _Work) -> Any:
        if self._stopping or not self._thread.is_alive():
            raise ServiceUnavailable("the node service is stopping" if self._stopping else
                                     f"the node thread stopped: {self._sealer.error}")
        self._queue.put(work)
        return await work.future

    def subscribe(self) -> asyncio.Queue:
        """A queue of the service's events (dicts with "event"), for the running loop; `unsubscribe` when done."""
        q: asyncio.Queue = asyncio.Queue(maxsize=256)
        with self._lock:
            self._subscribers.append((asyncio.get_running_loop(), q))
        return q

    def unsubscribe(self, q: asyncio.Queue) -> None:
        """Stop sending events to a queue from `subscribe`."""
        with self._lock:
            self._subscribers = [(loop, s) for loop, s in self._subscribers if s is not q]

    def sealer_state(self) -> dict[str, Any]:
        """The sealer's state: paused, interval, batches in flight, the last error."""
        s = self._sealer
        return {"paused": s.paused, "interval_s": s.interval_s, "in_flight": s.in_flight, "error": s.error,
                "admitted": self.admitted, "refused": self.refused, "groups": self.groups}

    def request_seal(self) -> None:
        """Seal the next batch as soon as the pipeline has room, even if it is not full."""
        self._sealer.requested = True
        self._queue.put(None)  # wake the node thread

    def pause(self, paused: bool = True) -> None:
        """Stop (or resume) building batches; admission and settling of batches in flight go on.

        Returns once no batch will be built after it (a batch being built is in flight by then).
        The pause is kept across restarts (DATA_DIR/sealer.paused exists while it holds).
        """
        if paused:
            self._paused_file.touch()
        else:
            self._paused_file.unlink(missing_ok=True)
        with self._seal_lock:
            self._sealer.paused = paused
        self._publish({"event": "sealer", "paused": paused})
        self._queue.put(None)

    def stop(self) -> None:
        """Stop the node thread (what is in flight is proven again on the next start) and close the devnet."""
        self._stopping = True
        self._queue.put(None)
        self._thread.join(timeout=30)

    # -- the node thread -------------------------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        """Send an event to every subscriber (any thread)."""
        self._publish(event)

    def _publish(self, event: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, q in subscribers:
            loop.call_soon_threadsafe(_offer, q, event)

    def _open(self) -> tuple[Devnet, cf.Executor, SealPipeline]:
        net = Devnet(self.data_dir, recover=False)
        executor = self._executor
        if executor is None:
            from zkl.prover.cluster import executor as make_executor

            executor = make_executor("processes:1")
        return net, executor, net.pipeline(executor, ahead=self._ahead)

    def _run(self) -> None:
        try:
            net, executor, pipe = self._open()
        except BaseException as e:  # noqa: BLE001 - handed to the constructor's thread
            self._startup_error = e
            self._ready.set()
            return
        self._ready.set()
        last_pull = time.monotonic()
        try:
            while not self._stopping:
                work = self._next_group()
                if self._stopping:
                    break
                self._serve(net, work)
                now = time.monotonic()
                if now - last_pull >= 1.0:  # L1 deposits made by anyone, not through this service
                    if net.pull_deposits():
                        self._publish({"event": "deposits"})
                    last_pull = now
                with self._seal_lock:
                    self._seal_step(net, pipe)
        except BaseException as e:  # noqa: BLE001 - the service reports it and refuses new work
            self._sealer.error = f"{type(e).__name__}: {e}"
            traceback.print_exc()
        finally:
            self._stopping = True
            self._fail_waiting(ServiceUnavailable("the node service stopped"))
            pipe.close()
            if self._own_executor:
                executor.shutdown(wait=False, cancel_futures=True)
            net.close()

    def _next_group(self) -> list[_Work]:
        """The work waiting now (blocking briefly when none, so sealing is looked at a few times a second)."""
        out: list[_Work] = []
        try:
            item = self._queue.get(timeout=0.05)
        except queue.Empty:
            return out
        while True:
            if item is not None:
                out.append(item)
            if len(out) >= self._max_group:
                return out
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return out

    def _serve(self, net: Devnet, work: list[_Work]) -> None:
        """Admit the group's submissions in one commit, then run its calls; answer each."""
        submissions = [w for w in work if w.fn is None]
        answers: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Any, bool]]] = {}
        if submissions:
            results = net.node.submit_many([w.data for w in submissions])
            self.groups += 1
            admitted = 0
            for w, result in zip(submissions, results):
                failed = isinstance(result, ZklError)
                admitted += not failed
                answers.setdefault(w.loop, []).append((w.future, result, failed))
            self.admitted += admitted
            self.refused += len(submissions) - admitted
            if admitted:
                self._publish({"event": "admitted", "count": admitted})
        for w in work:
            if w.fn is None:
                continue
            try:
                answers.setdefault(w.loop, []).append((w.future, w.fn(net), False))
            except Exception as e:  # noqa: BLE001 - the handler maps ZklErrors; others are 500s
                answers.setdefault(w.loop, []).append((w.future, e, True))
        for loop, items in answers.items():
            _answer(loop, items)

    def _seal_step(self, net: Devnet, pipe: SealPipeline) -> None:
        """Settle the batches whose proofs came back; build the next one if it is due."""
        waiting = [n for n, job in pipe.jobs.items() if job.proven is None]
        settled = pipe.poll(timeout=0)
        for n in waiting:
            job = pipe.jobs.get(n)
            if job is None or job.proven is not None:  # its proof came back (and it may be settled already)
                self._publish({"event": "proven", "batch": n})
        for info in settled:
            self._publish({"event": "settled", "batch": info["number"], "l1_height": info["l1_height"]})
        s = self._sealer
        s.in_flight = len(pipe.jobs)
        if s.paused or not pipe.has_room():
            return
        node = net.node
        waiting = node.pending_deposit_count() + len(node.mempool)
        now = time.monotonic()
        due = waiting >= net.batch_size or (waiting and (s.requested or now - s.last_seal >= s.interval_s))
        if not due:
            if not waiting:
                s.requested = False
                s.last_seal = now  # the interval counts from when something waits
            return
        batch = pipe.build()
        s.requested = False
        s.last_seal = now
        s.in_flight = len(pipe.jobs)
        if batch is not None:
            self._publish({"event": "sealed", "batch": batch.number})

    def _fail_waiting(self, error: BaseException) -> None:
        answers: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Any, bool]]] = {}
        while True:
            try:
                w = self._queue.get_nowait()
            except queue.Empty:
                break
            if w is not None:
                answers.setdefault(w.loop, []).append((w.future, error, True))
        for loop, items in answers.items():
            _answer(loop, items)


def _offer(q: asyncio.Queue, event: dict[str, Any]) -> None:
    """Put an event on a subscriber's queue, dropping it if the subscriber is that far behind."""
    try:
        q.put_nowait(event)
    except asyncio.QueueFull:
        pass
