"""The `zkl` command: noun-verb click groups, one module per noun in zkl.commands, imported on use.

`zkl groth16 verify ...` imports zkl.commands.groth16 alone (and that module imports what verify
needs when it runs); `zkl --help` imports every command module to show their summaries.  A module
of zkl.commands (not starting with "_") defines `command`, a click command or group whose name
is the module's name.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def _command_modules() -> list[str]:
    """Names of the command modules of zkl.commands (found without importing them)."""
    import zkl.commands

    return sorted(m.name for m in pkgutil.iter_modules(zkl.commands.__path__) if not m.name.startswith("_"))


class _LazyGroup(click.Group):
    """A group whose subcommands are the `command` objects of zkl.commands' modules, each imported when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_command_modules()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in _command_modules():
            return found
        module = importlib.import_module(f"zkl.commands.{cmd_name}")
        command = getattr(module, "command", None)
        if not isinstance(command, click.Command):
            return None
        self.add_command(command, cmd_name)
        return command


@click.group(cls=_LazyGroup)
@click.version_option(package_name="zkl")
def main() -> None:
    """zkl: BN254, R1CS circuits, Groth16 and a zk-rollup, from Python."""


if __name__ == "__main__":
    main()
