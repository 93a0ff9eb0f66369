"""The throughput picture README shows: rollup tx/s against batch size and workers, and Groth16 prove time
against constraints for zkl, snarkjs and groth16py.

    python benchmarks/plot_throughput.py [--rollup benchmarks/results/rollup.json]
                                         [--groth16 benchmarks/results/groth16.json] [-o docs/throughput.png]

The inputs are the JSON objects of the two benchmarks, as committed beside this script:

    python benchmarks/bench_rollup.py --sizes 4,16,64 --json > benchmarks/results/rollup.json
    python benchmarks/bench_groth16.py --sizes 12,14,16,18 --big 20 --circuits dense --repeats 3 --cli 16,18 \
        --rapidsnark $RAPIDSNARK --json benchmarks/results/groth16.json

Needs matplotlib (the `bench` extra).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path) -> dict:
    """The last JSON object of a file (a benchmark may print a table before it)."""
    text = path.read_text().strip()
    return json.loads(text.splitlines()[-1]) if not text.startswith("{") else json.loads(text)


def rollup_series(result: dict) -> dict[str, list[tuple[int, float]]]:
    """label -> [(batch size, tx/s)]: one batch at a time, and pipelined per worker count."""
    series: dict[str, list[tuple[int, float]]] = {"one batch at a time (seal)": []}
    for key, row in sorted(result.items(), key=lambda kv: int(kv[0][1:]) if kv[0][1:].isdigit() else 0):
        if not (key.startswith("b") and key[1:].isdigit() and isinstance(row, dict)):
            continue
        b = int(key[1:])
        series["one batch at a time (seal)"].append((b, row["tx_per_s"]))
        for n, w in sorted(row.get("workers", {}).items(), key=lambda kv: int(kv[0])):
            label = f"pipelined, {n} worker{'s' if n != '1' else ''} x {w.get('threads', '?')} thread(s)"
            series.setdefault(label, []).append((b, w["tx_per_s"]))
    return {k: v for k, v in series.items() if v}


def groth16_series(result: dict) -> dict[str, list[tuple[int, float]]]:
    """label -> [(constraints, prove seconds)] on the dense chain: zkl, snarkjs and groth16py in process
    (snarkjs's own CLI), and the command lines as whole processes (zkl, snarkjs, rapidsnark)."""
    series: dict[str, list[tuple[int, float]]] = {}
    rows = [r for r in result.get("rows", []) if str(r.get("circuit", "")).startswith("dense")]
    constraints = {r["log_domain"]: r["constraints"] for r in rows if "constraints" in r}
    for row in rows:
        size = row.get("constraints", constraints.get(row.get("log_domain")))
        if size is None:
            continue
        for key, label in (("zkl_prove_s", "zkl (in process)"), ("snarkjs_prove_s", "snarkjs"),
                           ("groth16py_prove_s", "groth16py (arkworks, in process)"),
                           ("zkl_cli_prove_s", "zkl groth16 prove (a process)"),
                           ("rapidsnark_cli_prove_s", "rapidsnark (a process)")):
            if row.get(key):
                series.setdefault(label, []).append((size, row[key]))
    return {k: sorted(set(v)) for k, v in series.items()}


def plot(rollup: dict | None, groth16: dict | None, out: Path) -> None:
    """Write the two panels to `out` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    if rollup:
        for label, points in rollup_series(rollup).items():
            xs, ys = zip(*points)
            left.plot(xs, ys, marker="o", label=label)
        left.set_xscale("log", base=2)
        left.set_ylim(bottom=0)
        left.set_xlabel("batch size (transfers)")
        left.set_ylabel("transactions proven and settled per second")
        left.set_title(f"rollup, depth {rollup.get('depth')}, {rollup.get('l1', 'embedded')} L1, 2 cores")
        left.legend(fontsize=8)
        left.grid(True, alpha=0.3)
    if groth16:
        for label, points in groth16_series(groth16).items():
            xs, ys = zip(*points)
            right.plot(xs, ys, marker="o", label=label)
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("constraints (dense chain x -> x^2 + 7)")
        right.set_ylabel("Groth16 prove, seconds")
        right.set_title("prove time against constraints, 2 cores")
        right.legend(fontsize=8)
        right.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rollup", type=Path, default=HERE / "results" / "rollup.json")
    parser.add_argument("--groth16", type=Path, default=HERE / "results" / "groth16.json")
    parser.add_argument("-o", "--output", type=Path, default=HERE.parent / "docs" / "throughput.png")
    args = parser.parse_args()
    rollup = _load(args.rollup) if args.rollup.exists() else None
    groth16 = _load(args.groth16) if args.groth16.exists() else None
    if rollup is None and groth16 is None:
        raise SystemExit(f"neither {args.rollup} nor {args.groth16} exists: run the benchmarks first (see --help)")
    plot(rollup, groth16, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
