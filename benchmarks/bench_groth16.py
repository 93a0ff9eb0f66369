"""Groth16 proving: zkl against snarkjs (and groth16py when installed) on the same .zkey and .wtns.

    python benchmarks/bench_groth16.py [--sizes 12,14,16] [--big 18,20] [--circuits mul,poseidon] [--repeats 5]
                                       [--no-groth16py] [--cli 16,18] [--rapidsnark PATH] [--json out.json]

--cli adds the command lines as whole processes on the dense chain's .zkey and .wtns:
`zkl groth16 prove` against `snarkjs groth16 prove` and rapidsnark's `prover` (--rapidsnark PATH or
$RAPIDSNARK; the row says so when it is absent), and `zkl groth16 verify` against snarkjs's, median
wall seconds and peak RSS over alternating repeats (zkl.bench.groth16.bench_cli).

`zkl bench groth16` (zkl.bench.groth16, whose docstring says what is measured) with this
script's older output: the table on stderr and one JSON object {"meta", "rows"} on the last
line of stdout; --json also writes it to a file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from zkl.bench.timing import progress
from zkl.bench.groth16 import bench_groth16, render


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="12,14,16", help="log2 domain sizes compared with peers")
    parser.add_argument("--big", default="", help="log2 sizes for zkl alone (e.g. 18,20)")
    parser.add_argument("--circuits", default="mul,poseidon")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-groth16py", action="store_true")
    parser.add_argument("--cli", default="", help="log2 sizes for the command lines as processes (e.g. 16,18)")
    parser.add_argument("--rapidsnark", default=None, help="rapidsnark's prover binary (default: $RAPIDSNARK)")
    parser.add_argument("--json", dest="json_path", default=None)
    args = parser.parse_args()
    with progress() as say:
        result = bench_groth16(sizes=[int(s) for s in args.sizes.split(",") if s],
                               big=[int(s) for s in args.big.split(",") if s], circuits=args.circuits.split(","),
                               repeats=args.repeats, groth16py=not args.no_groth16py, say=say,
                               cli=[int(s) for s in args.cli.split(",") if s], rapidsnark=args.rapidsnark)
    render(result, stderr=True)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
