"""`zkl warmup`: compile every kernel ahead of the first real run."""

from __future__ import annotations

import time

import click

from zkl.commands._output import json_flag, show, show_json, table


@click.command("warmup")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes compiling at once (default: the usable cores, at most 4).")
@click.option("--steps", default=None, metavar="NAME,...",
              help="Only these steps (default: every one; `zkl warmup --json` names them).")
@json_flag
def command(jobs: int | None, steps: str | None, as_json: bool) -> None:
    """Compile (or load from the on-disk cache) every numba kernel."""
    from zkl.warmup import mark_warm, warmup

    started = time.perf_counter()
    cpu: dict[str, float] = {}
    try:
        seconds = warmup(progress=not as_json, jobs=jobs, cpu_seconds=cpu,
                         steps=None if steps is None else [s.strip() for s in steps.split(",") if s.strip()])
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--steps") from None
    mark_warm(seconds)
    wall = time.perf_counter() - started
    if as_json:
        return show_json({"steps_s": {k: round(v, 3) for k, v in seconds.items()},
                          "steps_cpu_s": {k: round(v, 3) for k, v in cpu.items()},
                          "cpu_s": round(sum(cpu.values()), 3), "wall_s": round(wall, 3)})
    rows = [(name, f"{value:.2f}", f"{cpu[name]:.2f}") for name, value in seconds.items()]
    rows.append(("total", f"{wall:.2f}", f"{sum(cpu.values()):.2f}"))
    show(table("kernels compiled or loaded", ["step", "wall s", "CPU s"], rows, right=("wall s", "CPU s")))
