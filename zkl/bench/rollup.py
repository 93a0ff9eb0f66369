"""The rollup end to end: transactions per second proven and settled on L1 per batch size: `zkl bench rollup`.

    zkl bench rollup [--quick] [--sizes 4,16,64] [--depth 16] [--batches 2] [--users 8] [--in-process]
                     [--cluster SPEC] [--workers 1,2] [--pipeline-batches 4] [--no-progress] [--json]

For each batch size B, in order:

1. keys: BatchCircuit(B, depth) compiled and its Groth16 proving key made by a local setup
   (`zkl.devnet.proving_key`), or both read from the cache ($ZKL_CACHE_DIR, default ~/.cache/zkl):
   `compile_s`, `setup_s` (0 with `keys_cached` when the key came from the cache), `constraints`;
2. a fresh devnet (`zkl.devnet.Devnet`, in a temporary directory) with `users` users funded on
   L1 and deposited to L2; those deposit batches are proven and settled, not timed;
3. `batches` full batches of B signed transfers among the users, each sealed by `Devnet.seal`:
   built on L2, proven, checked by the sequencer, submitted to the L1 contract (which verifies
   the proof and finalizes the root).

Per batch size (key "b<B>") the medians over the timed batches: `build_s` (L2 batch), `prove_s`
(witness solve and Groth16 proof), `verify_ms` (the Groth16 verification inside the contract's
submit_batch, i.e. the check settlement runs, timed around the contract's own call), `submit_ms`
(the whole L1 transaction: decoding, deposit checks, commitment, verification, writes),
`seal_s` and `seal_cpu_s` (wall and process CPU time of one whole `Devnet.seal`, all threads),
and `tx_per_s` = B / seal_s: transactions proven and settled per second on this machine.

`l1` picks the base layer: ``embedded`` (the SQLite ledger), ``evm`` (the Solidity contracts in
pyrevm) or ``anvil`` (a node started per size on a free loopback port, gas free). On an EVM,
`submit_ms` is the L1 time (simulation, sending, mining, receipt), `verify_ms` is none (the
verification runs inside the EVM), and three gas figures join: `gas_submit` (median gas of the
timed submitBatch transactions), `gas_per_tx` = gas_submit / B, and `gas_verify` (a transaction
calling the batch verifier's verifyProof alone on the last proof, less its own 21,000: the
verification's share of a submission, as `zkl bench gas` reports it).
`peak_rss_mib` (and `peak_rss_gib`) is the peak resident memory (ru_maxrss) of the process that measured
the size (setup included when the key was made): with `isolate` (the command line's default for several
sizes) each size runs in a fresh process. A first compile runs in a child process (`compile(...,
apart=True)`, as the devnet's); its peak is `compile_peak_gib` (None when the circuit was cached). `witness_s` is the witness solve alone (inside `prove_s`).

4. pipelined proving on an executor (`zkl.prover.cluster`), per worker count N of `workers`
   (key "workers" -> "<N>"): the spec is `cluster`'s kind with N workers (``processes:N`` without
   `cluster`, ``local:N`` for ``local[:M]``; a ``tcp://`` scheduler is measured once, at its own size);
   N batches warm the workers up (their processes start, read the key and load the kernels: not
   timed), then `pipeline_batches` full batches of B transfers are queued at once and sealed by
   `Devnet.seal_all(executor)`: built ahead, proven N at a time, settled in order. `tx_per_s` =
   transactions proven and settled per second over those batches (wall clock of the whole
   seal_all), beside `wall_s`, `prove_s` (median witness + proof on a worker), `threads` (numba
   threads a task), `workers_used` and `worker_peak_rss_gib` (the largest peak of a worker process
   that ended, ru_maxrss of the children: measured before step 5's processes, though after a first
   compile's child, whose peak is `compile_peak_gib`; none for a remote cluster).
5. for the sizes in `snarkjs` (default 4 and 16): the last timed batch's key written as a .zkey and
   its witness as a .wtns, then `zkl groth16 prove` and `snarkjs groth16 prove` on those files, each
   a whole process, alternating `snarkjs_repeats` rounds (after one zkl run that records the key's
   check): `zkl_cli_prove_s`, `snarkjs_prove_s`, `ratio_vs_snarkjs` (zkl / snarkjs) and both peaks
   (`zkl_cli_peak_mib`, `snarkjs_peak_mib`); snarkjs's proof is verified by zkl.
"""

from __future__ import annotations

import contextlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from zkl.bench.timing import Say, Stopwatch, peak_rss_mib, print_table

__all__ = ["QUICK", "bench_rollup", "render"]

#: the arguments of `zkl bench rollup --quick`
QUICK = {"sizes": (2,), "depth": 4, "batches": 1, "users": 2, "pipeline_batches": 2, "snarkjs": ()}


@contextlib.contextmanager
def _timed_settlement_verify(sink: list[float]) -> Iterator[None]:
    """Time every Groth16 verification the L1 contract runs (appending milliseconds to sink)."""
    import zkl.settlement.contract as contract

    original = contract.verify

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            sink.append((time.perf_counter() - start) * 1000)

    contract.verify = timed
    try:
        yield
    finally:
        contract.verify = original


def _bench_size(b: int, depth: int, batches: int, users: int, say: Say, l1: str = "embedded",
                pipeline: Pipeline | None = None, snarkjs_repeats: int = 0) -> dict[str, Any]:
    """Measure one batch size (see the module docstring); snarkjs_repeats > 0: step 5 too."""
    if l1 == "anvil":
        from zkl.settlement.anvil import Anvil

        with Anvil.start(extra=("--base-fee", "0", "--gas-price", "0")) as node:
            return _bench_size_on(b, depth, batches, users, say, "rpc", node.url, pipeline, snarkjs_repeats)
    return _bench_size_on(b, depth, batches, users, say, l1, None, pipeline, snarkjs_repeats)


@dataclass(frozen=True)
class Pipeline:
    """What step 4 measures: the executor kind (a `zkl.prover.cluster` spec), the worker counts, the timed batches."""

    cluster: str | None = None
    workers: tuple[int, ...] = (1, 2)
    batches: int = 4

    def specs(self) -> list[tuple[int | None, str]]:
        """(worker count or None: the cluster's own, executor spec) to measure."""
        from zkl.prover.cluster import parse_spec

        kind, _ = parse_spec(self.cluster)
        if kind == "scheduler":
            return [(None, str(self.cluster))]
        return [(n, f"{kind}:{n}") for n in self.workers]


def _queue_transfers(net: Any, names: list[str], b: int, batches: int, shift: int) -> None:
    """Queue `batches` full batches of b transfers among the users (each user's nonces in order)."""
    users = len(names)
    for k in range(batches):
        for i in range(b):
            sender = names[i % users]
            net.transfer(sender, names[(i + 1 + k + shift) % users] if users > 1 else sender, 1 + i % 97)


def _bench_pipeline(net: Any, names: list[str], b: int, pipeline: Pipeline, say: Say) -> dict[str, Any]:
    """Step 4 of the module docstring on a devnet whose deposits are settled: per worker count, tx/s."""
    import resource

    from zkl.prover.cluster import executor

    out: dict[str, Any] = {}
    for n, spec in pipeline.specs():
        with executor(spec) as ex:
            count = ex.workers
            say(f"B={b}: {spec}: {count} warm-up batch(es) (not timed)")
            _queue_transfers(net, names, b, count, shift=0)
            net.seal_all(ex)
            say(f"B={b}: {spec}: {pipeline.batches} batches pipelined")
            _queue_transfers(net, names, b, pipeline.batches, shift=1)
            start = time.perf_counter()
            infos = net.seal_all(ex)
            wall = time.perf_counter() - start
            threads = ex.threads
        if [i["transactions"] for i in infos] != [b] * pipeline.batches or any(i["dropped"] for i in infos):
            raise RuntimeError(f"the pipelined batches of size {b} on {spec} were not full: {infos}")
        if net.contract.state_root != net.node.root:
            raise RuntimeError(f"the L1 root differs from the L2 root after the batches on {spec}")
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        out[str(n if n is not None else count)] = {
            "spec": spec, "batches": len(infos), "transactions": b * len(infos), "wall_s": round(wall, 3),
            "tx_per_s": round(b * len(infos) / wall, 3),
            "prove_s": round(statistics.median(i["prove_s"] for i in infos), 3),
            "witness_s": round(statistics.median(i["witness_s"] for i in infos), 3),
            "threads": threads, "workers_used": len({i["worker"] for i in infos}),
            "worker_peak_rss_gib": round(children, 2) if children and not spec.startswith(("tcp", "tls")) else None,
        }
        say(f"B={b}: {spec}: {out[str(n if n is not None else count)]['tx_per_s']} tx/s")
    return out


def _bench_size_on(b: int, depth: int, batches: int, users: int, say: Say, base: str, url: str | None,
                   pipeline: Pipeline | None = None, snarkjs_repeats: int = 0) -> dict[str, Any]:
    from zkl.circuits import compile
    from zkl.circuits.rollup import BatchCircuit
    from zkl.devnet import Devnet, proving_key

    row: dict[str, Any] = {}
    say(f"B={b}: compiling BatchCircuit({b}, {depth})")
    from zkl.circuits import cache as circuit_cache

    circuit = BatchCircuit(b, depth)
    cached = (circuit_cache.cache_dir() / "r1cs" / f"{circuit_cache.cache_key(circuit)}.npz").exists()
    with Stopwatch() as t:
        row["constraints"] = compile(circuit, apart=True).n_constraints
    row["compile_s"] = round(t.wall, 2)
    apart_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the compile's child (KiB on Linux)
    row["compile_peak_gib"] = None if cached else round(apart_kib / 2**20, 2)

    def setup_step(name: str, index: int, total: int) -> None:
        say(f"B={b}: setup ({row['constraints']:,} constraints): {name}", index, total)

    say(f"B={b}: proving key")
    with Stopwatch() as t:
        pk, r1cs, made = proving_key(b, depth, setup_progress=setup_step)
    del pk, r1cs  # the devnet reads what it needs again: the peak is not two copies
    row.update(keys_cached=not made, setup_s=round(t.wall, 2) if made else 0.0,
               setup_cpu_s=round(t.cpu, 2) if made else 0.0)
    users = max(1, min(users, b))
    settle_ms: list[float] = []
    with tempfile.TemporaryDirectory(prefix="zkl-bench-") as d, _timed_settlement_verify(settle_ms):
        net = Devnet.init(d, batch_size=b, depth=depth, seed=b, l1=base, rpc_url=url, gas_price=0 if url else None)
        try:
            names = [f"u{i}" for i in range(users)]
            for name in names:
                net.add_user(name, l1_funds=10**12)
                net.deposit(name, 10**10)
            say(f"B={b}: deposit batches (not timed)")
            net.seal_all()
            net.timings.clear()
            settle_ms.clear()
            seals: list[Stopwatch] = []
            for k in range(batches):
                say(f"B={b}: batch {k + 1}/{batches}: signing {b} transfers", k, batches)
                for i in range(b):
                    sender = names[i % users]
                    net.transfer(sender, names[(i + 1 + k) % users] if users > 1 else sender, 1 + i % 97)
                say(f"B={b}: batch {k + 1}/{batches}: build, prove, settle", k, batches)
                with Stopwatch() as t:
                    info = net.seal()
                seals.append(t)
                last = info["number"] if info else None
                if info is None or info["transactions"] != b or info["dropped"]:
                    raise RuntimeError(f"batch {k + 1} of size {b} was not full: {info}")
            if net.contract.state_root != net.node.root:
                raise RuntimeError("the L1 root differs from the L2 root after the benchmark")
            gas_verify = None if base == "embedded" else _verify_gas(net)
            timings = list(net.timings)
            if pipeline is not None:  # first: its workers' peak is the largest child's (snarkjs is a child too)
                row["workers"] = _bench_pipeline(net, names, b, pipeline, say)
            if snarkjs_repeats:
                row.update(_snarkjs_ratio(net, last, snarkjs_repeats, say))
        finally:
            net.close()
    seal_s = statistics.median(s.wall for s in seals)
    row.update(
        build_s=round(statistics.median(x["build_s"] for x in timings), 3),
        prove_s=round(statistics.median(x["prove_s"] for x in timings), 3),
        witness_s=round(statistics.median(x["witness_s"] for x in timings), 3),
        verify_ms=round(statistics.median(settle_ms), 2) if settle_ms else None,
        submit_ms=round(statistics.median(x["submit_s"] for x in timings) * 1000, 2),
        seal_s=round(seal_s, 3),
        seal_cpu_s=round(statistics.median(s.cpu for s in seals), 3),
        tx_per_s=round(b / seal_s, 3),
        peak_rss_mib=peak_rss_mib(),
        peak_rss_gib=round(peak_rss_mib() / 1024, 2),
    )
    if base != "embedded":
        gas = statistics.median(x["gas"] for x in timings)
        row.update(gas_submit=round(gas), gas_per_tx=round(gas / b), gas_verify=gas_verify)
    say(f"B={b}: {row['tx_per_s']} tx/s")
    return row


def _snarkjs_ratio(net: Any, number: int, repeats: int, say: Say) -> dict[str, Any]:
    """zkl and snarkjs proving batch `number` from the same .zkey and .wtns, each as a whole command
    (`zkl groth16 prove`, `snarkjs groth16 prove`), alternating; medians and zkl / snarkjs."""
    from zkl.bench import _js
    from zkl.bench.groth16 import run_process
    from zkl.circuits import solve
    from zkl.circuits.rollup import BatchCircuit
    from zkl.prover import write_zkey
    from zkl.verifier import verify
    from zkl.verifier.snarkjs_json import read_proof

    if not _js.have("snarkjs"):
        return {"snarkjs": "not installed (npm ci --prefix js)"}
    batch = net.node.batch(number)
    pk, _ = net._keys()
    with tempfile.TemporaryDirectory(prefix="zkl-bench-snarkjs-") as d:
        zkey, wtns = f"{d}/batch.zkey", f"{d}/batch.wtns"
        write_zkey(pk, zkey)
        solve(BatchCircuit(batch.batch_size, batch.depth), batch.assignment()).write(wtns)
        commands = {
            "zkl": [sys.executable, "-m", "zkl.cli", "groth16", "prove", zkey, wtns, f"{d}/zkl.json", f"{d}/zp.json",
                    "--quiet"],
            "snarkjs": ["node", _js._snarkjs(), "groth16", "prove", zkey, wtns, f"{d}/snarkjs.json", f"{d}/sp.json"],
        }
        run_process(commands["zkl"])  # the key's check recorded, kernels loaded: the steady state of a prover
        walls: dict[str, list[float]] = {"zkl": [], "snarkjs": []}
        peaks: dict[str, float] = {}
        for k in range(repeats):
            for name, argv in commands.items():
                say(f"B={batch.batch_size}: {name} groth16 prove as a process ({k + 1}/{repeats})", k, repeats)
                wall, peak = run_process(argv)
                walls[name].append(wall)
                peaks[name] = max(peaks.get(name, 0.0), peak)
        if not verify(pk.vk, batch.public_inputs, read_proof(f"{d}/snarkjs.json")):
            raise RuntimeError("snarkjs's proof of the batch does not verify")
    zkl_s, snarkjs_s = statistics.median(walls["zkl"]), statistics.median(walls["snarkjs"])
    return {"zkl_cli_prove_s": round(zkl_s, 3), "snarkjs_prove_s": round(snarkjs_s, 3),
            "ratio_vs_snarkjs": round(zkl_s / snarkjs_s, 3), "zkl_cli_peak_mib": round(peaks["zkl"]),
            "snarkjs_peak_mib": round(peaks["snarkjs"]), "snarkjs_repeats": repeats}


def _verify_gas(net: Any) -> int:
    """The gas of a transaction that calls the batch verifier alone (`verifyProof`) on the last batch's proof."""
    from zkl.settlement.evm import address_of
    from zkl.verifier.solidity import verify_proof_calldata

    record = net.contract.batches(net.contract.batch_number)[0]
    inputs = [record.old_root, record.new_root, record.commitment]
    receipt = net.l1.chain.transact(address_of(net.l1_addresses["sequencer"]), net.contract.verifier,
                                    verify_proof_calldata(record.proof, inputs))
    if not receipt.success:
        raise RuntimeError("the batch verifier refused the last batch's proof")
    return receipt.gas - 21_000  # its execution: the share of a submission (as `zkl bench gas` reports it)


def _isolated(b: int, depth: int, batches: int, users: int, progress: bool, l1: str,
              pipeline: Pipeline | None = None, snarkjs_repeats: int = 0) -> dict[str, Any]:
    """One batch size measured by `zkl bench rollup --in-process` in a fresh Python process."""
    args = [sys.executable, "-m", "zkl.cli", "bench", "rollup", "--sizes", str(b), "--depth", str(depth),
            "--batches", str(batches), "--users", str(users), "--l1", l1, "--json", "--in-process",
            "--snarkjs", str(b) if snarkjs_repeats else "", "--snarkjs-repeats", str(max(1, snarkjs_repeats))]
    if pipeline is None:
        args.append("--no-pipeline")
    else:
        args += ["--workers", ",".join(map(str, pipeline.workers)), "--pipeline-batches", str(pipeline.batches)]
        if pipeline.cluster:
            args += ["--cluster", pipeline.cluster]
    done = subprocess.run(args + ([] if progress else ["--no-progress"]), stdout=subprocess.PIPE, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])[f"b{b}"]


def bench_rollup(sizes: Sequence[int] = (4, 16, 64), depth: int = 16, batches: int = 2, users: int = 8, *,
                 l1: str = "embedded", isolate: bool = False, say: Say | None = None,
                 cluster: str | None = None, workers: Sequence[int] | None = (1, 2),
                 pipeline_batches: int = 4, snarkjs: Sequence[int] = (4, 16), snarkjs_repeats: int = 1
                 ) -> dict[str, Any]:
    """Per batch size (key "b<B>") the figures of the module docstring, medians over `batches` batches.

    isolate: measure each size in a fresh process (so that peak_rss_mib is that size's own); its
    progress is shown when `say` is given. cluster, workers, pipeline_batches: step 4 (workers None or
    empty: no step 4). snarkjs: the sizes of step 5, snarkjs_repeats rounds each.
    """
    if batches < 1:
        raise ValueError(f"batches must be at least 1, not {batches}")
    pipeline = None
    if workers:
        if pipeline_batches < 1 or any(n < 1 for n in workers):
            raise ValueError("pipeline_batches and every worker count must be at least 1")
        pipeline = Pipeline(cluster, tuple(workers), pipeline_batches)
        pipeline.specs()  # a bad spec fails now, not after the first size
    out: dict[str, Any] = {"depth": depth, "batches": batches, "users": users, "l1": l1}
    if pipeline is not None:
        out.update(cluster=cluster or "processes", pipeline_batches=pipeline_batches)
    for b in sizes:
        if isolate:
            out[f"b{b}"] = _isolated(b, depth, batches, users, progress=say is not None, l1=l1, pipeline=pipeline,
                                     snarkjs_repeats=snarkjs_repeats if b in snarkjs else 0)
        else:
            out[f"b{b}"] = _bench_size(b, depth, batches, users, say or (lambda *args: None), l1, pipeline,
                                       snarkjs_repeats if b in snarkjs else 0)
    return out


_COLUMNS = ("constraints", "compile_s", "setup_s", "build_s", "witness_s", "prove_s", "verify_ms", "submit_ms",
            "seal_s", "seal_cpu_s", "tx_per_s", "peak_rss_mib")


_GAS_COLUMNS = ("gas_submit", "gas_per_tx", "gas_verify")


def render(result: dict[str, Any]) -> None:
    """One row per batch size."""
    l1 = result.get("l1", "embedded")
    columns = _COLUMNS + (_GAS_COLUMNS if l1 != "embedded" else ())
    rows = [[key[1:], *("-" if row.get(c) is None else row[c] for c in columns)]
            for key, row in result.items() if key.startswith("b") and isinstance(row, dict)]
    print_table(f"rollup end to end on the {l1} base layer, depth {result['depth']}, medians of "
                f"{result['batches']} batches (setup_s 0 = key from cache)", ("B", *columns), rows)
    pipelined = [[key[1:], n, w["spec"], w["threads"], w["prove_s"], w["wall_s"], w["tx_per_s"]]
                 for key, row in result.items() if key.startswith("b") and isinstance(row, dict)
                 for n, w in row.get("workers", {}).items()]
    compared = [[key[1:], row["zkl_cli_prove_s"], row["snarkjs_prove_s"], row["ratio_vs_snarkjs"],
                 row["zkl_cli_peak_mib"], row["snarkjs_peak_mib"]]
                for key, row in result.items() if key.startswith("b") and isinstance(row, dict)
                and "ratio_vs_snarkjs" in row]
    if compared:
        print_table("groth16 prove as a process on the same batch .zkey and .wtns", ("B", "zkl_s", "snarkjs_s",
                    "zkl / snarkjs", "zkl_peak_mib", "snarkjs_peak_mib"), compared)
    if pipelined:
        print_table(f"pipelined: {result.get('pipeline_batches')} batches proven on an executor, settled in order "
                    "(tx/s over their wall time)", ("B", "workers", "spec", "threads", "prove_s", "wall_s",
                                                    "tx_per_s"), pipelined)
