"""End-to-end rollup benchmark: transactions per second proven and settled on L1, per batch size, and
the verification time per batch on settlement.

    python benchmarks/bench_rollup.py [--sizes 4,16,64] [--depth 16] [--batches 2] [--json]

For each batch size B: a fresh devnet (zkl.devnet.Devnet; the proving key from the key cache or a
local setup, not timed), B users funded and deposited (one batch, not timed), then `--batches` full
batches of B signed transfers, each built, proven, verified and submitted to the L1 contract.
tx_per_s = transactions / (build + prove + verify + submit seconds); verify_ms is the Groth16
verification of one batch proof (the check the contract runs on settlement); submit_ms the whole
L1 transaction (decoding, commitment, verification, writes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from typing import Any

__all__ = ["bench_rollup", "main"]


def bench_rollup(sizes: tuple[int, ...] = (4, 16, 64), depth: int = 16, batches: int = 2) -> dict[str, Any]:
    """Medians per batch size: prove_s, verify_ms, submit_ms, tx_per_s (proven and settled), constraints."""
    from zkl.devnet import Devnet, proving_key

    out: dict[str, Any] = {"depth": depth, "batches": batches}
    for b in sizes:
        start = time.perf_counter()
        _, r1cs, _ = proving_key(b, depth)
        keys_s = time.perf_counter() - start
        with tempfile.TemporaryDirectory(prefix="zkl-bench-") as d, Devnet.init(d, batch_size=b, depth=depth) as net:
            names = [f"u{i}" for i in range(b)]
            for name in names:
                net.add_user(name, l1_funds=10**9)
                net.deposit(name, 10**8)
            net.seal_all()
            net.timings.clear()
            for k in range(batches):
                for i, name in enumerate(names):
                    net.transfer(name, names[(i + 1 + k) % b], 1 + i)
                info = net.seal()
                assert info is not None and info["transactions"] == b
            t = net.timings
            total = sum(x["build_s"] + x["prove_s"] + x["verify_ms"] / 1000 + x["submit_s"] for x in t)
            out[f"b{b}"] = {
                "constraints": r1cs.n_constraints, "keys_s": round(keys_s, 2),
                "build_s": round(statistics.median(x["build_s"] for x in t), 3),
                "prove_s": round(statistics.median(x["prove_s"] for x in t), 3),
                "verify_ms": round(statistics.median(x["verify_ms"] for x in t), 2),
                "submit_ms": round(statistics.median(x["submit_s"] for x in t) * 1000, 2),
                "tx_per_s": round(b * len(t) / total, 3),
            }
    return out


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,16,64")
    parser.add_argument("--depth", type=int, default=16)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = bench_rollup(tuple(int(s) for s in args.sizes.split(",")), args.depth, args.batches)
    if args.json:
        print(json.dumps(result))
    else:
        for key, row in result.items():
            print(key, row)


if __name__ == "__main__":
    main()
