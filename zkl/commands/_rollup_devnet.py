"""Devnet subcommands of `zkl rollup` (zkl.devnet.Devnet over a data directory), attached by `register`.

    zkl rollup init     [--data-dir DIR] [--batch-size 4] [--depth 16] [--deposit-deadline 100] [--json]
    zkl rollup user     NAME [--l1-funds N]            a wallet and a faucet-funded L1 address
    zkl rollup deposit  NAME AMOUNT                    L1 deposit; the L2 node sees the queue
    zkl rollup transfer FROM TO AMOUNT [--fee F]
    zkl rollup withdraw NAME AMOUNT [--fee F]
    zkl rollup seal     [--all]                        build, prove and settle the next batch
    zkl rollup claim    NAME                           pay final withdrawals on L1
    zkl rollup status                                  L1, L2 and users
    zkl rollup exit     NAME [--mine N]                exodus: exit with a Merkle proof (mines N L1 blocks first)
    zkl rollup sync                                    rebuild L2 from the L1 data alone and compare roots

Every command takes --data-dir (env ZKL_DATA_DIR, default ./zkl-data) and --json (one JSON object).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

DATA_DIR_ENV = "ZKL_DATA_DIR"
DEFAULT_DATA_DIR = "zkl-data"

_data_dir = click.option("--data-dir", type=click.Path(file_okay=False), envvar=DATA_DIR_ENV,
                         default=DEFAULT_DATA_DIR, show_default=True,
                         help=f"devnet data directory (env {DATA_DIR_ENV})")
_json_flag = click.option("--json", "as_json", is_flag=True, help="machine-readable output")


def _emit(out: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(out, default=str))
        return
    from rich.console import Console
    from rich.pretty import Pretty

    Console().print(Pretty(out))


def _run(data_dir: str, as_json: bool, action: Callable[[Any], Any]) -> None:
    """Open the devnet (recovering), run action(net), print its result; ZklErrors become click errors."""
    from zkl.devnet import Devnet
    from zkl.errors import ZklError

    try:
        with Devnet(data_dir) as net:
            out = action(net)
    except ZklError as e:
        raise click.ClickException(str(e)) from None
    _emit(out, as_json)


@click.command("init")
@_data_dir
@click.option("--batch-size", "-b", type=click.IntRange(1, 256), default=4, show_default=True)
@click.option("--depth", "-d", type=click.IntRange(2, 32), default=16, show_default=True)
@click.option("--deposit-deadline", type=click.IntRange(1, 1 << 30), default=100, show_default=True,
              help="L1 blocks a deposit may wait before exodus.")
@_json_flag
def init(data_dir: str, batch_size: int, depth: int, deposit_deadline: int, as_json: bool) -> None:
    """Create a devnet: L1 genesis, the batch circuit's keys (cached), the contract, the L2 node."""
    from zkl.devnet import Devnet
    from zkl.errors import ZklError

    try:
        with Devnet.init(data_dir, batch_size=batch_size, depth=depth, deposit_deadline=deposit_deadline,
                         progress=None if as_json else (lambda s: click.echo(f"... {s}", err=True))) as net:
            net.seal()  # the sequencer's fee account
            out = net.status()
    except ZklError as e:
        raise click.ClickException(str(e)) from None
    _emit(out, as_json)


@click.command("user")
@_data_dir
@click.argument("name")
@click.option("--l1-funds", type=click.IntRange(0), default=1_000_000, show_default=True)
@_json_flag
def user(data_dir: str, name: str, l1_funds: int, as_json: bool) -> None:
    """Create a user: an L2 wallet and an L1 address funded by the devnet's faucet."""
    _run(data_dir, as_json, lambda net: net.add_user(name, l1_funds=l1_funds))


@click.command("deposit")
@_data_dir
@click.argument("name")
@click.argument("amount", type=click.IntRange(1))
@_json_flag
def deposit(data_dir: str, name: str, amount: int, as_json: bool) -> None:
    """Deposit L1 tokens to the user's L2 key (the next sealed batch credits it)."""
    _run(data_dir, as_json, lambda net: {"queue_index": net.deposit(name, amount)})


@click.command("transfer")
@_data_dir
@click.argument("sender")
@click.argument("receiver")
@click.argument("amount", type=click.IntRange(0))
@click.option("--fee", type=click.IntRange(0), default=None, help="Default: the node's minimum fee.")
@_json_flag
def transfer(data_dir: str, sender: str, receiver: str, amount: int, fee: int | None, as_json: bool) -> None:
    """Sign and submit an L2 transfer between two users."""
    _run(data_dir, as_json, lambda net: {"tx": net.transfer(sender, receiver, amount, fee)})


@click.command("withdraw")
@_data_dir
@click.argument("name")
@click.argument("amount", type=click.IntRange(0))
@click.option("--fee", type=click.IntRange(0), default=None, help="Default: the node's minimum fee.")
@_json_flag
def withdraw(data_dir: str, name: str, amount: int, fee: int | None, as_json: bool) -> None:
    """Sign and submit an L2 withdrawal to the user's L1 address."""
    _run(data_dir, as_json, lambda net: {"tx": net.withdraw(name, amount, fee)})


@click.command("seal")
@_data_dir
@click.option("--all", "seal_all", is_flag=True, help="Seal until nothing waits.")
@_json_flag
def seal(data_dir: str, seal_all: bool, as_json: bool) -> None:
    """Build, prove and settle the next batch (after finishing any batch a crash interrupted)."""
    def action(net: Any) -> Any:
        infos = net.seal_all() if seal_all else [b for b in [net.seal()] if b is not None]
        return {"batches": [{k: (str(v) if k == "new_root" else v) for k, v in i.items()} for i in infos],
                "l1_batches": net.contract.batch_number, "state_root": str(net.contract.state_root)}

    _run(data_dir, as_json, action)


@click.command("claim")
@_data_dir
@click.argument("name")
@_json_flag
def claim(data_dir: str, name: str, as_json: bool) -> None:
    """Pay the user's final withdrawals on L1."""
    _run(data_dir, as_json, lambda net: {"claimed": net.claim(name)})


@click.command("status")
@_data_dir
@_json_flag
def status(data_dir: str, as_json: bool) -> None:
    """Show L1, L2 and every user's balances."""
    _run(data_dir, as_json, lambda net: net.status())


@click.command("exit")
@_data_dir
@click.argument("name")
@click.option("--mine", type=click.IntRange(0), default=0, help="Mine this many L1 blocks first (devnet).")
@_json_flag
def exit_(data_dir: str, name: str, mine: int, as_json: bool) -> None:
    """Exodus: once a deposit is overdue, withdraw the user's L2 balance at the last final root to L1."""
    def action(net: Any) -> Any:
        if mine:
            net.ledger.mine(mine)
        return {"exited": net.exit(name)}

    _run(data_dir, as_json, action)


@click.command("sync")
@_data_dir
@_json_flag
def sync(data_dir: str, as_json: bool) -> None:
    """Rebuild the L2 state from the data posted on L1 alone; compare with the L1 root and the node."""
    def action(net: Any) -> Any:
        out = net.sync()
        if not out["match"]:
            raise click.ClickException(f"the rebuilt state differs: {out}")
        return out

    _run(data_dir, as_json, action)


def register(group: click.Group) -> None:
    """Attach the devnet subcommands to `zkl rollup`."""
    for cmd in (init, user, deposit, transfer, withdraw, seal, claim, status, exit_, sync):
        if cmd.name not in group.commands:
            group.add_command(cmd)
