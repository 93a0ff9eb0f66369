"""`zkl warmup`: compile every kernel ahead of the first real run."""

from __future__ import annotations

import json
import time

import click


@click.command("warmup")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes compiling at once (default: the usable cores, at most 4).")
@click.option("--json", "as_json", is_flag=True, help="Print seconds per step and the wall time as JSON.")
def command(jobs: int | None, as_json: bool) -> None:
    """Compile (or load from the on-disk cache) every numba kernel."""
    from zkl.warmup import mark_warm, warmup

    started = time.perf_counter()
    cpu: dict[str, float] = {}
    seconds = warmup(progress=not as_json, jobs=jobs, cpu_seconds=cpu)
    mark_warm(seconds)
    wall = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps({"steps_s": {k: round(v, 3) for k, v in seconds.items()},
                               "steps_cpu_s": {k: round(v, 3) for k, v in cpu.items()},
                               "cpu_s": round(sum(cpu.values()), 3), "wall_s": round(wall, 3)}))
        return
    click.echo(f"{'step':10s} {'wall':>8s} {'cpu':>8s}")
    for name, value in seconds.items():
        click.echo(f"{name:10s} {value:7.2f}s {cpu[name]:7.2f}s")
    click.echo(f"{'total':10s} {wall:7.2f}s {sum(cpu.values()):7.2f}s")
