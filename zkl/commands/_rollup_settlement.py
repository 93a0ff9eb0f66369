"""L1-side subcommands of `zkl rollup` (the group itself lives in zkl.commands.rollup, which calls `register`).

    zkl rollup l1-status   [--data-dir DIR] [--json]     the rollup contract at a glance
    zkl rollup l1-accounts [--data-dir DIR] [--json]     L1 balances
    zkl rollup l1-events   [--data-dir DIR] [--kind K]... [--since H] [--json]

DIR is the data directory holding ``ledger.sqlite3`` (default: $ZKL_DATA_DIR, else ./zkl-data).
Everything here only reads the ledger.
"""

from __future__ import annotations

import json
from typing import Any

import click

DATA_DIR_ENV = "ZKL_DATA_DIR"
DEFAULT_DATA_DIR = "zkl-data"

_data_dir = click.option(
    "--data-dir", type=click.Path(file_okay=False), envvar=DATA_DIR_ENV, default=DEFAULT_DATA_DIR,
    show_default=True, help=f"data directory holding ledger.sqlite3 (env {DATA_DIR_ENV})",
)
_json_flag = click.option("--json", "as_json", is_flag=True, help="machine-readable output")


def _open(data_dir: str) -> tuple[Any, Any]:
    from zkl.errors import LedgerError
    from zkl.settlement import Ledger, RollupContract

    try:
        ledger = Ledger.open(data_dir)
    except LedgerError as e:
        raise click.ClickException(str(e)) from None
    try:
        return ledger, RollupContract(ledger)
    except LedgerError:
        return ledger, None


def l1_status_dict(data_dir: str) -> dict[str, Any]:
    """What `zkl rollup l1-status --json` prints: ledger height and time, and the contract's status."""
    ledger, contract = _open(data_dir)
    try:
        head = ledger.block(ledger.height)
        out: dict[str, Any] = {"data_dir": str(data_dir), "chain_id": ledger.chain_id, "height": head.height,
                               "time": head.time, "contract": None}
        if contract is not None:
            out["contract"] = contract.status().to_dict()
        return out
    finally:
        ledger.close()


@click.command("l1-status")
@_data_dir
@_json_flag
def l1_status(data_dir: str, as_json: bool) -> None:
    """Show the base layer and the rollup contract: root, batch, deposit queue, exodus, pending key change."""
    info = l1_status_dict(data_dir)
    if as_json:
        click.echo(json.dumps(info, indent=1))
        return
    click.echo(f"L1 {info['chain_id']}  height {info['height']}  time {info['time']}")
    c = info["contract"]
    if c is None:
        click.echo("no rollup contract deployed")
        return
    pending = c["pending_vk"]
    rows = [
        ("state root", c["state_root"]),
        ("batch number", c["batch_number"]),
        ("deposit queue", f"{c['queue_length']} queued"
         + (f", oldest deadline at height {c['next_deadline']}" if c["next_deadline"] is not None else "")),
        ("exodus", ("ACTIVE" if c["exodus_activated"] else "YES (not yet activated)") if c["exodus"] else "no"),
        ("verifying key", c["vk_hash"]),
        ("pending vk", "none" if pending is None
         else f"{pending['vk_hash']} effective at height {pending['effective_height']}"),
        ("sequencer", f"{c['sequencer']} (bond {c['bond']})"),
        ("governor", c["governor"]),
        ("escrow", c["escrow"]),
        ("tree depth", c["depth"]),
        ("deposit deadline", f"{c['deposit_deadline']} blocks"),
        ("vk timelock", f"{c['vk_timelock']} blocks"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"  {key.ljust(width)}  {value}")


@click.command("l1-accounts")
@_data_dir
@_json_flag
def l1_accounts(data_dir: str, as_json: bool) -> None:
    """List L1 addresses and their native-token balances."""
    from zkl.settlement import address_hex

    ledger, _ = _open(data_dir)
    try:
        accounts = {address_hex(a): b for a, b in ledger.accounts().items()}
    finally:
        ledger.close()
    if as_json:
        click.echo(json.dumps(accounts, indent=1))
        return
    for address, balance in accounts.items():
        click.echo(f"{address}  {balance}")


@click.command("l1-events")
@_data_dir
@click.option("--kind", multiple=True, help="only events of this kind (repeatable)")
@click.option("--since", type=int, default=0, show_default=True, help="from this block height")
@_json_flag
def l1_events(data_dir: str, kind: tuple[str, ...], since: int, as_json: bool) -> None:
    """Print the L1 event log."""
    ledger, _ = _open(data_dir)
    try:
        events = ledger.events(kind or None, since=since)
    finally:
        ledger.close()
    if as_json:
        click.echo(json.dumps([{"seq": e.seq, "height": e.height, "kind": e.kind, "data": e.data} for e in events],
                              indent=1))
        return
    for e in events:
        click.echo(f"#{e.seq} h{e.height} {e.kind} {json.dumps(e.data, sort_keys=True)}")


def register(group: click.Group) -> None:
    """Add the L1-side subcommands to the `zkl rollup` group."""
    for command in (l1_status, l1_accounts, l1_events):
        group.add_command(command)
