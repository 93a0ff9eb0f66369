"""`zkl rollup`: the rollup's batch circuit and batches (the base-layer subcommands attach via `register`).

    zkl rollup circuit --batch-size B --depth D [-o batch.r1cs] [--json]
    zkl rollup witness BATCH.json -o batch.wtns [--json]

`circuit` compiles `BatchCircuit(B, D)` (or loads it from the cache, $ZKL_CACHE_DIR) and prints
its size: constraints, constraints_per_tx (constraints / B), wires. `witness` solves a batch file
(`zkl.execution.batch.Batch.save`) into a circom .wtns, checking every constraint.

Other modules add subcommands to this group: `register(group)` imports
`zkl.commands._rollup_settlement` and `zkl.commands._rollup_devnet` when they exist and calls their `register(group)`.
"""

from __future__ import annotations

import importlib
import json
import time
from typing import Any

import click


@click.group("rollup")
def rollup() -> None:
    """The zk-rollup: batch circuit, batches, and the base layer's contract."""


def _print_rows(title: str, rows: dict[str, Any]) -> None:
    """Print a two-column rich table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("field")
    table.add_column("value", justify="right")
    for k, v in rows.items():
        table.add_row(k.replace("_", " "), str(v))
    Console().print(table)


def circuit_summary(batch_size: int, depth: int, output: str | None = None) -> dict[str, Any]:
    """Compile (or load from the cache) BatchCircuit(batch_size, depth); return its size as a dict."""
    from zkl.circuits import compile
    from zkl.circuits.rollup import BatchCircuit, levels

    circuit = BatchCircuit(batch_size, depth)
    start = time.perf_counter()
    r1cs = compile(circuit)
    seconds = time.perf_counter() - start
    rows: dict[str, Any] = {
        "batch_size": batch_size, "depth": depth, "tree": f"4-ary, {levels(depth)} levels",
        "constraints": r1cs.n_constraints, "constraints_per_tx": round(r1cs.n_constraints / batch_size),
        "wires": r1cs.n_wires, "public_inputs": r1cs.n_public_inputs, "private_inputs": r1cs.n_private_inputs,
        "compile_seconds": round(seconds, 3),
    }
    if output:
        r1cs.write(output)
        rows["r1cs"] = output
    return rows


@rollup.command("circuit")
@click.option("--batch-size", "-b", type=click.IntRange(1, 1 << 16), required=True, help="Transactions per batch.")
@click.option("--depth", "-d", type=click.IntRange(1, 32), required=True, help="Tree holds 2^depth accounts.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Also write the circom .r1cs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def circuit(batch_size: int, depth: int, output: str | None, as_json: bool) -> None:
    """Compile the batch circuit (cached) and print constraints and constraints per transaction."""
    from zkl.errors import ZklError

    try:
        rows = circuit_summary(batch_size, depth, output)
    except ZklError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(rows))
    else:
        _print_rows(f"BatchCircuit(batch_size={batch_size}, depth={depth})", rows)


@rollup.command("witness")
@click.argument("batch_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .wtns file to write.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def witness(batch_file: str, output: str, as_json: bool) -> None:
    """Solve a batch file's witness for the batch circuit and write it as a circom .wtns."""
    from zkl.circuits import compile, solve
    from zkl.errors import ZklError
    from zkl.execution.batch import Batch

    try:
        batch = Batch.load(batch_file)
        r1cs = compile(batch.circuit())
        start = time.perf_counter()
        wtns = solve(batch.circuit(), batch.assignment(), r1cs=r1cs)
        seconds = time.perf_counter() - start
        wtns.write(output)
    except ZklError as e:
        raise click.ClickException(str(e)) from None
    rows = {"batch": batch.number, "batch_size": batch.batch_size, "depth": batch.depth,
            "public_inputs": [str(v) for v in batch.public_inputs], "wires": len(wtns),
            "solve_seconds": round(seconds, 3), "wtns": output}
    if as_json:
        click.echo(json.dumps(rows))
    else:
        _print_rows(f"batch {batch.number}", rows)


def register(group: click.Group) -> None:
    """Attach the subcommands of zkl.commands._rollup_settlement and _rollup_devnet (those that exist) to group."""
    for name in ("zkl.commands._rollup_settlement", "zkl.commands._rollup_devnet"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        hook = getattr(module, "register", None)
        if callable(hook):
            hook(group)


register(rollup)

command = rollup
