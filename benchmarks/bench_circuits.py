"""Compile and witness times of the crypto gadget circuits, against circom + snarkjs.

    python benchmarks/bench_circuits.py [--hashes 256] [--signatures 64] [--repeats 5] [--no-circom] [--json out.json]

Prints a table (rich) and the JSON of `zkl.circuits._bench.bench_circuits()`: a chain of 256
Poseidon hashes (61,441 constraints, about 2^16) and 64 EdDSA-Poseidon verifications, compiled
fresh and from the disk cache, witnesses solved (medians); the same Poseidon chain in circom
(circomlib's Poseidon, built once with js/node_modules/.bin/circom2) with its witness made by
`snarkjs wtns calculate` in runs alternating with zkl's. Targets: solving 2^16 constraints
<= 1 s, compiling them <= 5 s (cached afterwards).
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from zkl.circuits._bench import bench_circuits


def _table(result: dict) -> Table:
    table = Table(title="zkl circuits: compile and witness (seconds, medians)")
    for column in ("circuit", "constraints", "compile", "compile CPU", "compile (cached)", "solve", "solve CPU",
                   "solve + .wtns", "check", "vs circom"):
        table.add_column(column, justify="right" if column != "circuit" else "left")
    circom = result.get("circom_chain")
    for key, label in (("poseidon_chain", f"Poseidon chain x{result['poseidon_chain']['hashes']}"),
                       ("eddsa_batch", f"EdDSA verify x{result['eddsa_batch']['signatures']}")):
        entry = result[key]
        versus = ""
        if key == "poseidon_chain" and circom:
            versus = f"snarkjs {circom['snarkjs_wtns_calculate_s']:.2f} s ({circom['ratio_snarkjs_over_zkl']:.1f}x)"
        table.add_row(label, f"{entry['constraints']:,}", f"{entry['compile_s']:.2f}", f"{entry['compile_cpu_s']:.2f}",
                      f"{entry['compile_cached_s']:.3f}", f"{entry['solve_s']:.3f}", f"{entry['solve_cpu_s']:.3f}",
                      f"{entry['solve_write_s']:.3f}", f"{entry['check_s']:.3f}", versus)
    if circom:
        table.add_row("circom chain (wasm witness alone)", f"{circom['constraints']:,}", "", "", "",
                      f"{circom['wasm_witness_s']:.3f}", "", "", "", f"{circom['ratio_wasm_over_zkl']:.2f}x zkl")
    return table


def _gadget_table(counts: dict) -> Table:
    table = Table(title="gadget constraints")
    table.add_column("gadget")
    table.add_column("constraints", justify="right")
    table.add_row("Poseidon, 1..16 inputs", " ".join(str(v) for v in counts["poseidon"].values()))
    for arity, costs in counts["merkle_level"].items():
        table.add_row(f"Merkle level, {arity} (membership / update)", f"{costs['membership']} / {costs['update']}")
    for key, value in counts.items():
        if key not in ("poseidon", "merkle_level"):
            table.add_row(key, f"{value:,}")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=int, default=256)
    parser.add_argument("--signatures", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-circom", action="store_true", help="skip the circom/snarkjs comparison")
    parser.add_argument("--json", help="also write the JSON result to this file")
    args = parser.parse_args(argv)
    result = bench_circuits(args.hashes, args.signatures, args.repeats, circom=not args.no_circom)
    console = Console() if sys.stdout.isatty() else Console(width=150)  # piped: room for every column
    console.print(_table(result))
    console.print(_gadget_table(result["gadget_constraints"]))
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
