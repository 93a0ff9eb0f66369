"""Compile and witness times of the crypto gadget circuits, against circom + snarkjs.

    python benchmarks/bench_circuits.py [--hashes 256] [--signatures 64] [--repeats 5] [--no-circom] [--json out.json]

`zkl bench circuits` (zkl.bench.circuits) with this script's older output: the tables, then
the JSON of `bench_circuits()` (indented) on stdout; --json also writes it to a file.
"""

from __future__ import annotations

import argparse
import json
import sys

from zkl.bench.timing import progress
from zkl.bench.circuits import bench_circuits, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=int, default=256)
    parser.add_argument("--signatures", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-circom", action="store_true", help="skip the circom/snarkjs comparison")
    parser.add_argument("--json", help="also write the JSON result to this file")
    args = parser.parse_args(argv)
    with progress() as say:
        result = bench_circuits(args.hashes, args.signatures, args.repeats, circom=not args.no_circom, say=say)
    render(result)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
