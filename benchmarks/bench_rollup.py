"""End-to-end rollup benchmark: transactions per second proven and settled on L1, per batch size, and
the verification time per batch on settlement.

    python benchmarks/bench_rollup.py [--sizes 4,16,64] [--depth 16] [--batches 2] [--users 8] [--json]
                                      [--no-progress] [--in-process]

For each batch size B, in order:

1. keys: BatchCircuit(B, depth) compiled and its Groth16 proving key made by a local setup
   (`zkl.devnet.proving_key`), or both read from the cache ($ZKL_CACHE_DIR, default ~/.cache/zkl):
   `compile_s`, `setup_s` (0 with `keys_cached` when the key came from the cache), `constraints`;
2. a fresh devnet (`zkl.devnet.Devnet`, in a temporary directory) with `--users` users funded on
   L1 and deposited to L2; those deposit batches are proven and settled, not timed;
3. `--batches` full batches of B signed transfers among the users, each sealed by `Devnet.seal`:
   built on L2, proven, checked by the sequencer, submitted to the L1 contract (which verifies
   the proof and finalizes the root).

Per batch size the medians over the timed batches: `build_s` (L2 batch), `prove_s` (witness solve
and Groth16 proof), `verify_ms` (the Groth16 verification inside the contract's submit_batch,
i.e. the check settlement runs, timed around the contract's own call), `submit_ms` (the whole L1
transaction: decoding, deposit checks, commitment, verification, writes), `seal_s` and
`seal_cpu_s` (wall and process CPU time of one whole `Devnet.seal`, all threads), and
`tx_per_s` = B / seal_s: transactions proven and settled per second on this machine.
`peak_rss_mib` is the peak resident memory (ru_maxrss) of the process that measured the size: each
size runs in a fresh process unless --in-process is given.

Long phases show a rich progress display on stderr; the result is a rich table on stdout, or
one JSON object with --json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["bench_rollup", "main"]


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


def _peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_size(b: int, depth: int, batches: int, users: int,
               say: Callable[[str, float | None, float | None], None]) -> dict[str, Any]:
    """Measure one batch size (see the module docstring); `say(description, completed, total)` reports progress."""
    from zkl.circuits import compile
    from zkl.circuits.rollup import BatchCircuit
    from zkl.devnet import Devnet, proving_key

    row: dict[str, Any] = {}
    say(f"B={b}: compiling BatchCircuit({b}, {depth})", None, None)
    start = time.perf_counter()
    row["constraints"] = compile(BatchCircuit(b, depth)).n_constraints
    row["compile_s"] = round(time.perf_counter() - start, 2)

    def setup_step(name: str, index: int, total: int) -> None:
        say(f"B={b}: setup ({row['constraints']:,} constraints): {name}", index, total)

    say(f"B={b}: proving key", None, None)
    start, cpu = time.perf_counter(), time.process_time()
    pk, _, made = proving_key(b, depth, setup_progress=setup_step)
    keys_s, keys_cpu = time.perf_counter() - start, time.process_time() - cpu
    del pk
    row.update(keys_cached=not made, setup_s=round(keys_s, 2) if made else 0.0,
               setup_cpu_s=round(keys_cpu, 2) if made else 0.0)
    users = max(1, min(users, b))
    settle_ms: list[float] = []
    with tempfile.TemporaryDirectory(prefix="zkl-bench-") as d, _timed_settlement_verify(settle_ms):
        net = Devnet.init(d, batch_size=b, depth=depth, seed=b)
        try:
            names = [f"u{i}" for i in range(users)]
            for name in names:
                net.add_user(name, l1_funds=10**12)
                net.deposit(name, 10**10)
            say(f"B={b}: deposit batches (not timed)", None, None)
            net.seal_all()
            net.timings.clear()
            settle_ms.clear()
            seals: list[tuple[float, float]] = []
            for k in range(batches):
                say(f"B={b}: batch {k + 1}/{batches}: signing {b} transfers", k, batches)
                for t in range(b):
                    sender = names[t % users]
                    net.transfer(sender, names[(t + 1 + k) % users] if users > 1 else sender, 1 + t % 97)
                say(f"B={b}: batch {k + 1}/{batches}: build, prove, settle", k, batches)
                start, cpu = time.perf_counter(), time.process_time()
                info = net.seal()
                seals.append((time.perf_counter() - start, time.process_time() - cpu))
                if info is None or info["transactions"] != b or info["dropped"]:
                    raise RuntimeError(f"batch {k + 1} of size {b} was not full: {info}")
            say(f"B={b}: done", batches, batches)
            if net.contract.state_root != net.node.root:
                raise RuntimeError("the L1 root differs from the L2 root after the benchmark")
        finally:
            net.close()
    t = net.timings
    seal_s = statistics.median(s for s, _ in seals)
    row.update(
        build_s=round(statistics.median(x["build_s"] for x in t), 3),
        prove_s=round(statistics.median(x["prove_s"] for x in t), 3),
        verify_ms=round(statistics.median(settle_ms), 2),
        submit_ms=round(statistics.median(x["submit_s"] for x in t) * 1000, 2),
        seal_s=round(seal_s, 3),
        seal_cpu_s=round(statistics.median(c for _, c in seals), 3),
        tx_per_s=round(b / seal_s, 3),
        peak_rss_mib=_peak_rss_mib(),
    )
    return row


def _isolated(sizes: tuple[int, ...], depth: int, batches: int, users: int, progress: bool) -> dict[str, Any]:
    """bench_rollup with each batch size in a fresh Python process (so peak_rss_mib is that size's own)."""
    import subprocess

    out: dict[str, Any] = {"depth": depth, "batches": batches, "users": users}
    for b in sizes:
        args = [sys.executable, __file__, "--sizes", str(b), "--depth", str(depth), "--batches", str(batches),
                "--users", str(users), "--json", "--in-process"] + ([] if progress else ["--no-progress"])
        done = subprocess.run(args, stdout=subprocess.PIPE, text=True, check=True)
        out[f"b{b}"] = json.loads(done.stdout.strip().splitlines()[-1])[f"b{b}"]
    return out


def bench_rollup(sizes: tuple[int, ...] = (4, 16, 64), depth: int = 16, batches: int = 2, users: int = 8,
                 progress: bool = True, isolate: bool = False) -> dict[str, Any]:
    """Per batch size (key "b<B>") the figures of the module docstring, medians over `batches` batches.

    isolate: measure each size in a fresh process (the command line's default).
    """
    if isolate:
        return _isolated(sizes, depth, batches, users, progress)
    out: dict[str, Any] = {"depth": depth, "batches": batches, "users": users}
    if not progress or not sys.stderr.isatty():  # a log file: one line per phase, with the time since start
        start = time.perf_counter()
        last = [""]

        def log(description: str, completed: float | None, total: float | None) -> None:
            if progress and description != last[0]:
                last[0] = description
                print(f"[{time.perf_counter() - start:8.1f} s, peak {_peak_rss_mib():8.1f} MiB] {description}",
                      file=sys.stderr, flush=True)

        for b in sizes:
            out[f"b{b}"] = bench_size(b, depth, batches, users, log)
            log(f"B={b}: {json.dumps(out[f'b{b}'])}", None, None)
        return out
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        overall = bar.add_task("batch sizes", total=len(sizes))
        for b in sizes:
            phase = bar.add_task(f"B={b}", total=None)

            def say(description: str, completed: float | None, total: float | None, phase: Any = phase) -> None:
                bar.update(phase, description=description, completed=completed or 0, total=total)

            out[f"b{b}"] = bench_size(b, depth, batches, users, say)
            bar.update(phase, description=f"B={b}: {out[f'b{b}']['tx_per_s']} tx/s", completed=1, total=1)
            bar.advance(overall)
    return out


COLUMNS = ("constraints", "compile_s", "setup_s", "build_s", "prove_s", "verify_ms", "submit_ms", "seal_s",
           "seal_cpu_s", "tx_per_s", "peak_rss_mib")


def print_table(result: dict[str, Any]) -> None:
    """The result as a rich table on stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"rollup end to end, depth {result['depth']}, medians of {result['batches']} batches "
                        f"(setup_s 0 = key from cache)")
    table.add_column("B", justify="right")
    for name in COLUMNS:
        table.add_column(name, justify="right")
    for key, row in result.items():
        if key.startswith("b") and isinstance(row, dict):
            table.add_row(key[1:], *(f"{row[name]:,}" if isinstance(row[name], int) else str(row[name])
                                     for name in COLUMNS))
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,16,64", help="batch sizes, comma-separated (default 4,16,64)")
    parser.add_argument("--depth", type=int, default=16, help="account tree depth (default 16)")
    parser.add_argument("--batches", type=int, default=2, help="timed batches per size (default 2)")
    parser.add_argument("--users", type=int, default=8, help="users sending the transfers (default 8)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--no-progress", action="store_true", help="no progress display on stderr")
    parser.add_argument("--in-process", action="store_true",
                        help="all sizes in this process (default: one fresh process per size, so that each size's "
                             "peak memory is its own)")
    args = parser.parse_args(argv)
    if args.batches < 1:
        parser.error("--batches must be at least 1")
    sizes = tuple(int(s) for s in args.sizes.split(","))
    result = bench_rollup(sizes, args.depth, args.batches, args.users, progress=not args.no_progress,
                          isolate=not args.in_process and len(sizes) > 1)
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
