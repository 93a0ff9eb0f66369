"""How every `zkl` command answers: tables and sentences for people, exactly one JSON object with --json.

    from zkl.commands._output import fail, json_flag, kv_table, show, table

    @click.command()
    @json_flag
    def status(as_json):
        try:
            info = compute()
        except ZklError as e:
            fail(e)
        if as_json:
            return show_json(info)
        show("One sentence that says what happened.", kv_table("title", [("key", "value")]))

Errors become one line on stderr (`Error: <what was wrong>`): `fail` for a refused operation
(exit code 1), `bad_input` for malformed or unreadable input (exit code 2, like click's usage
errors); never a traceback, never a Python repr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import click

__all__ = ["InputError", "bad_input", "fail", "json_flag", "kv_table", "show", "show_json", "table"]

json_flag = click.option("--json", "as_json", is_flag=True, help="Print one JSON object (for programs).")


class InputError(click.ClickException):
    """A zkl error (malformed or unreadable input) as a one-line CLI error with exit code 2."""

    exit_code = 2


def bad_input(error: Exception) -> click.ClickException:
    """Wrap a zkl error (or an OSError) for click: one line, exit code 2."""
    if isinstance(error, OSError):
        message = f"cannot access {error.filename}: {error.strerror}" if error.filename else str(error)
    else:
        message = str(error)
    return InputError(" ".join(message.split()) or type(error).__name__)


def fail(error: BaseException) -> NoReturn:
    """Stop the command with the error's message (exit code 1)."""
    raise click.ClickException(str(error)) from None


def show_json(obj: dict[str, Any]) -> None:
    """Print one JSON object on one line (big integers as they are: JSON has no size limit)."""
    click.echo(json.dumps(obj, default=_plain))


def _plain(value: object) -> object:
    """JSON for the few non-JSON values commands return (paths, tuples of ints)."""
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    return str(value)


def _text(value: object) -> str:
    """A cell: None as a dash, booleans as yes/no, sequences joined, the rest as str."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def kv_table(title: str | None, rows: Iterable[tuple[str, Any]]) -> Any:
    """A two-column table (what, value) for people."""
    from rich.table import Table

    out = Table(title=title, show_header=False, title_justify="left")
    out.add_column("what", style="bold")
    out.add_column("value", overflow="fold")
    for key, value in rows:
        out.add_row(key, _text(value))
    return out


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          right: Sequence[str] = ()) -> Any:
    """A table with a header row; columns named in `right` are right-aligned (numbers)."""
    from rich.table import Table

    out = Table(title=title, title_justify="left")
    for name in columns:
        out.add_column(name, justify="right" if name in right else "left", overflow="fold")
    for row in rows:
        out.add_row(*(_text(v) for v in row))
    return out


def show(*items: Any) -> None:
    """Print sentences (str) and tables to stdout (unwrapped when stdout is not a terminal: roots stay whole)."""
    from rich.console import Console

    stdout = sys.stdout  # what click's test runner swaps in, too
    terminal = stdout.isatty()
    console = Console(file=stdout, width=None if terminal else 10_000, soft_wrap=not terminal)
    for item in items:
        if isinstance(item, str):
            console.print(item, highlight=False, markup=False)
        else:
            console.print(item)
