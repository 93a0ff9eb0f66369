"""Batch benchmark: witness generation vs Groth16 proof for batches of 4, 16, 64 transfers at depth 16.

    python benchmarks/bench_batch.py [--sizes 4,16,64] [--depth 16] [--no-prove] [--json]

Prints one JSON object (the dict of `zkl.execution._bench.bench_batch`) on the last line with
--json, a table otherwise. Compiled circuits are cached in $ZKL_CACHE_DIR (default ~/.cache/zkl).
"""

from __future__ import annotations

import argparse
import json

from zkl.execution._bench import bench_batch

__all__ = ["bench_batch", "main"]


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,16,64", help="comma-separated batch sizes")
    parser.add_argument("--depth", type=int, default=16)
    parser.add_argument("--no-prove", action="store_true", help="witness generation and constraints only")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    results = bench_batch(sizes, args.depth, prove=not args.no_prove, repeats=args.repeats, progress=True)
    if args.json:
        print(json.dumps(results))
        return
    from rich.console import Console
    from rich.table import Table

    keys = ["constraints", "constraints_per_tx", "compile_s", "native_s", "solve_s", "witness_s", "witness_cpu_s",
            "setup_s", "prove_s", "prove_cpu_s", "witness_share", "tx_per_s"]
    table = Table(title=f"batch circuit, depth {args.depth}, transfers ({results['prover']})")
    table.add_column("batch")
    for k in keys:
        table.add_column(k, justify="right")
    for s in sizes:
        row = results[f"batch_{s}"]
        table.add_row(str(s), *(str(row.get(k, "-")) for k in keys))
    Console().print(table)


if __name__ == "__main__":
    main()
