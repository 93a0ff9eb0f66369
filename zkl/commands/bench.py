"""`zkl bench`: benchmarks printed as a table (and JSON), each beside a peer measured in the same run."""

from __future__ import annotations

import json

import click


@click.group("bench")
def command() -> None:
    """Run benchmarks and print medians and ratios against peers."""


@command.command("algebra")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on the last line of stdout.")
@click.option("--quick", is_flag=True, help="Smaller sizes, for a fast look.")
def algebra(as_json: bool, quick: bool) -> None:
    """BN254 engine: field, curve, NTT, MSM and pairing, against py_ecc and Python ints."""
    from zkl.algebra.bench import render_table, run_algebra_bench

    results = run_algebra_bench(quick=quick, progress=not as_json)
    if as_json:
        click.echo(json.dumps(results, sort_keys=True))
    else:
        render_table(results)
