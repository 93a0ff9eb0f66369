"""The `zkl` command: noun-verb click groups, one module per noun in zkl.commands."""

from __future__ import annotations

import importlib
import pkgutil

import click

import zkl.commands


@click.group()
@click.version_option(package_name="zkl")
def main() -> None:
    """zkl: BN254, R1CS circuits, Groth16 and a zk-rollup, from Python."""


def _register() -> None:
    """Add every `command` object found in a zkl.commands module to the main group."""
    for info in sorted(pkgutil.iter_modules(zkl.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"zkl.commands.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            main.add_command(command)


_register()

if __name__ == "__main__":
    main()
