"""`zkl warmup`: compile every kernel ahead of the first real run."""

from __future__ import annotations

import json

import click


@click.command("warmup")
@click.option("--json", "as_json", is_flag=True, help="Print seconds per step as JSON.")
def command(as_json: bool) -> None:
    """Compile (or load from the on-disk cache) every numba kernel."""
    from zkl.warmup import warmup

    seconds = warmup(progress=not as_json)
    if as_json:
        click.echo(json.dumps({k: round(v, 3) for k, v in seconds.items()}))
        return
    for name, value in seconds.items():
        click.echo(f"{name:10s} {value:7.2f} s")
    click.echo(f"{'total':10s} {sum(seconds.values()):7.2f} s")
