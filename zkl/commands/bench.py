"""`zkl bench`: the benchmarks of zkl.bench, each figure beside a peer measured in the same run.

    zkl bench algebra  [--quick] [--json]
    zkl bench circuits [--quick] [--hashes 256] [--signatures 64] [--repeats 5] [--no-circom] [--json]
    zkl bench groth16  [--quick] [--sizes 12,14,16] [--big 18,20] [--circuits dense,poseidon] [--repeats 5]
                       [--no-groth16py] [--cli 16,18] [--rapidsnark PATH] [--json]
    zkl bench verifier [--quick] [--batch 64] [--repeats 21] [--no-snarkjs] [--json]
    zkl bench gas      [--quick] [--sizes 1,2,4,8,16,32,64] [--l1 evm|anvil] [--json]
    zkl bench batch    [--quick] [--sizes 4,16,64] [--depth 16] [--repeats 3] [--no-prove] [--json]
    zkl bench rollup   [--quick] [--sizes 4,16,64] [--depth 16] [--batches 2] [--users 8] [--in-process]
                       [--cluster SPEC] [--workers 1,2] [--pipeline-batches 4] [--no-pipeline]
                       [--snarkjs 4,16] [--snarkjs-repeats 1] [--no-progress] [--json]

A table on stdout, or with --json one JSON object; progress on stderr while it runs. --quick
takes the smallest sizes and one repeat (options given beside it win). The peers py_ecc and
galois come with `pip install 'zkl[bench]'`; node peers with `npm ci --prefix js`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click
from click.core import ParameterSource


def _sizes(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    """A comma-separated list of integers ("" for none)."""
    try:
        return tuple(int(s) for s in value.split(",") if s.strip())
    except ValueError:
        raise click.BadParameter(f"must be comma-separated integers, not {value!r}") from None


def _quick(ctx: click.Context, quick: bool, values: Mapping[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The arguments: with --quick, the quick values for the options left at their defaults."""
    if quick:
        for name, value in values.items():
            if ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
                given[name] = value
    return given


def _run(as_json: bool, render: Callable[[dict[str, Any]], None], bench: Callable[..., dict[str, Any]],
         progress: bool = True, **kwargs: Any) -> None:
    """Run a benchmark with progress on stderr, then print its table or its JSON object."""
    from zkl.bench.timing import progress as progress_display
    from zkl.bench.timing import to_json

    try:
        with progress_display(progress) as say:
            result = bench(say=say if progress else None, **kwargs)
    except ModuleNotFoundError as e:
        if "zkl[bench]" not in str(e):
            raise
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(to_json(result))
    else:
        render(result)


_json = click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
_quick_flag = click.option("--quick", is_flag=True, help="Smallest sizes and one repeat, for a fast look.")


@click.group("bench")
def command() -> None:
    """Run benchmarks and print medians and ratios against peers."""


@command.command("algebra")
@_quick_flag
@_json
def algebra(quick: bool, as_json: bool) -> None:
    """BN254 engine: field, curve, NTT, MSM and pairing, against Python ints, py_ecc and galois."""
    from zkl.bench.algebra import render_table, run_algebra_bench

    _run(as_json, render_table, run_algebra_bench, quick=quick)


@command.command("circuits")
@_quick_flag
@click.option("--hashes", type=click.IntRange(min=1), default=256, show_default=True,
              help="Poseidon hashes in the chain.")
@click.option("--signatures", type=click.IntRange(min=1), default=64, show_default=True,
              help="EdDSA verifications in the batch.")
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--no-circom", is_flag=True, help="Leave out the circom / snarkjs comparison.")
@_json
@click.pass_context
def circuits(ctx: click.Context, quick: bool, hashes: int, signatures: int, repeats: int, no_circom: bool,
             as_json: bool) -> None:
    """Compile and witness times of gadget circuits, against circom + snarkjs."""
    from zkl.bench import circuits as bench

    args = _quick(ctx, quick, bench.QUICK, {"hashes": hashes, "signatures": signatures, "repeats": repeats})
    _run(as_json, bench.render, bench.bench_circuits, circom=not no_circom, **args)


@command.command("groth16")
@_quick_flag
@click.option("--sizes", default="12,14,16", show_default=True, callback=_sizes,
              help="log2 domain sizes of the circom circuits proven by zkl and its peers.")
@click.option("--big", default="", callback=_sizes, help="log2 sizes for zkl alone (e.g. 18,20).")
@click.option("--circuits", default="dense,poseidon", show_default=True,
              help="circom circuits: dense (x -> x^2 + 7), poseidon, and mul (a single-wire B column: two MSMs "
                   "trivial, an understatement kept as an extra).")
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--no-groth16py", is_flag=True, help="Leave out groth16py even when it is installed.")
@click.option("--cli", default="", callback=_sizes,
              help="log2 sizes at which the command lines run as whole processes (zkl, snarkjs, rapidsnark).")
@click.option("--rapidsnark", envvar="RAPIDSNARK", default=None, metavar="PATH",
              help="rapidsnark's prover binary for the --cli rows (env RAPIDSNARK; the row is noted absent without).")
@_json
@click.pass_context
def groth16(ctx: click.Context, quick: bool, sizes: tuple[int, ...], big: tuple[int, ...], circuits: str,
            repeats: int, no_groth16py: bool, cli: tuple[int, ...], rapidsnark: str | None, as_json: bool) -> None:
    """Groth16 proving: zkl against snarkjs and groth16py on the same .zkey and .wtns."""
    from zkl.bench import groth16 as bench

    args = _quick(ctx, quick, bench.QUICK, {"sizes": sizes, "big": big, "circuits": tuple(circuits.split(",")),
                                            "repeats": repeats})
    _run(as_json, bench.render, bench.bench_groth16, groth16py=not no_groth16py, cli=list(cli),
         rapidsnark=rapidsnark, **args)


@command.command("verifier")
@_quick_flag
@click.option("--batch", type=click.IntRange(min=1), default=64, show_default=True,
              help="Proofs in the batch verification.")
@click.option("--repeats", "repeat", type=click.IntRange(min=1), default=21, show_default=True)
@click.option("--no-snarkjs", is_flag=True, help="Leave out `snarkjs groth16 verify`.")
@_json
@click.pass_context
def verifier(ctx: click.Context, quick: bool, batch: int, repeat: int, no_snarkjs: bool, as_json: bool) -> None:
    """Groth16 verification: one proof and a batch, against py_ecc and snarkjs."""
    from zkl.bench import verifier as bench

    args = _quick(ctx, quick, bench.QUICK, {"batch": batch, "repeat": repeat})
    _run(as_json, bench.render, bench.bench_verifier, snarkjs=not no_snarkjs, **args)


@command.command("gas")
@_quick_flag
@click.option("--sizes", default="1,2,4,8,16,32,64", show_default=True, callback=_sizes, help="Batch sizes.")
@click.option("--l1", type=click.Choice(["evm", "anvil"]), default="evm", show_default=True,
              help="pyrevm in process, or anvil over JSON-RPC.")
@_json
@click.pass_context
def gas(ctx: click.Context, quick: bool, sizes: tuple[int, ...], l1: str, as_json: bool) -> None:
    """Gas of the Solidity rollup contract: deploy, deposit, a batch of B transfers, claim, exodus, exit."""
    from zkl.bench import gas as bench

    args = _quick(ctx, quick, bench.QUICK, {"sizes": sizes})
    _run(as_json, bench.render, bench.bench_gas, l1=l1, **args)


@command.command("batch")
@_quick_flag
@click.option("--sizes", default="4,16,64", show_default=True, callback=_sizes, help="Batch sizes.")
@click.option("--depth", type=click.IntRange(1, 32), default=16, show_default=True, help="Account tree depth.")
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True,
              help="Witness generations per size.")
@click.option("--no-prove", is_flag=True, help="Witness generation and constraints only.")
@_json
@click.pass_context
def batch(ctx: click.Context, quick: bool, sizes: tuple[int, ...], depth: int, repeats: int, no_prove: bool,
          as_json: bool) -> None:
    """A rollup batch of transfers: witness generation beside its Groth16 proof."""
    from zkl.bench import batch as bench

    args = _quick(ctx, quick, bench.QUICK, {"sizes": sizes, "depth": depth, "repeats": repeats})
    _run(as_json, bench.render, bench.bench_batch, prove=not no_prove, **args)


@command.command("rollup")
@_quick_flag
@click.option("--sizes", default="4,16,64", show_default=True, callback=_sizes, help="Batch sizes.")
@click.option("--depth", type=click.IntRange(1, 32), default=16, show_default=True, help="Account tree depth.")
@click.option("--batches", type=click.IntRange(min=1), default=2, show_default=True, help="Timed batches per size.")
@click.option("--users", type=click.IntRange(min=1), default=8, show_default=True,
              help="Users sending the transfers.")
@click.option("--in-process", is_flag=True,
              help="All sizes in this process (default: one fresh process per size, so that each size's peak "
                   "memory is its own).")
@click.option("--no-progress", is_flag=True, help="No progress display on stderr.")
@click.option("--l1", type=click.Choice(["embedded", "evm", "anvil"]), default="embedded", show_default=True,
              help="Base layer the batches settle on (evm, anvil: with gas figures).")
@click.option("--cluster", envvar="ZKL_CLUSTER", default=None, metavar="SPEC",
              help="Executor kind of the pipelined figures: processes (default), local (a Dask LocalCluster) or "
                   "tcp://HOST:PORT (a Dask scheduler, measured at its own size); env ZKL_CLUSTER.")
@click.option("--workers", default="1,2", show_default=True, callback=_sizes,
              help="Worker counts of the pipelined figures.")
@click.option("--pipeline-batches", type=click.IntRange(min=1), default=4, show_default=True,
              help="Timed batches per worker count, queued at once and sealed pipelined.")
@click.option("--no-pipeline", is_flag=True, help="Skip the pipelined figures (per worker count).")
@click.option("--snarkjs", "snarkjs", default="4,16", show_default=True, callback=_sizes,
              help="Batch sizes also proven by `snarkjs groth16 prove` on the same .zkey and .wtns ('' for none).")
@click.option("--snarkjs-repeats", type=click.IntRange(min=1), default=1, show_default=True,
              help="Rounds of the zkl / snarkjs comparison.")
@_json
@click.pass_context
def rollup(ctx: click.Context, quick: bool, sizes: tuple[int, ...], depth: int, batches: int, users: int,
           in_process: bool, no_progress: bool, l1: str, cluster: str | None, workers: tuple[int, ...],
           pipeline_batches: int, no_pipeline: bool, snarkjs: tuple[int, ...], snarkjs_repeats: int,
           as_json: bool) -> None:
    """The rollup end to end: batches built, proven and settled on L1; transactions per second."""
    from zkl.bench import rollup as bench
    from zkl.errors import ClusterError

    args = _quick(ctx, quick, bench.QUICK, {"sizes": sizes, "depth": depth, "batches": batches, "users": users,
                                            "pipeline_batches": pipeline_batches, "snarkjs": snarkjs})
    try:
        _run(as_json, bench.render, bench.bench_rollup, progress=not no_progress,
             isolate=not in_process and len(args["sizes"]) > 1, l1=l1, cluster=cluster,
             workers=None if no_pipeline else workers, snarkjs_repeats=snarkjs_repeats, **args)
    except ClusterError as e:
        raise click.ClickException(str(e)) from None
