"""`zkl node`: serve a devnet over HTTP (the API, the explorer) and read or steer a served node.

    zkl node serve [--data-dir DIR] [--host 127.0.0.1] [--port 8545] [--seal-interval 2] [--rate-limit 200]
    zkl node status --node URL                    the node at a glance
    zkl node batches --node URL [--limit 10]      the latest batches and their status
    zkl node tx ID --node URL                     a transaction's status
    zkl node seal|pause|resume --node URL [--token-file DIR/operator.token]    operator actions

The server binds loopback unless told otherwise; port 0 picks a free port (the URL is printed and
written to DIR/serve.json). Every reading command prints a table or a sentence, or one JSON object
with --json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zkl.commands._output import fail, json_flag, kv_table, show, show_json, table
from zkl.commands.rollup import DATA_DIR_ENV, DEFAULT_DATA_DIR

NODE_ENV = "ZKL_NODE"
DEFAULT_NODE = "http://127.0.0.1:8545"

_node = click.option("--node", "url", envvar=NODE_ENV, default=DEFAULT_NODE, show_default=True,
                     help=f"The node's URL (env {NODE_ENV}).")


@click.group("node")
def command() -> None:
    """The rollup node as a service: serve it over HTTP, read it, steer it."""


def _client(url: str) -> Any:
    from zkl.client import NodeClient

    return NodeClient(url)


def _call(fn: Any) -> Any:
    from zkl.errors import ZklError

    try:
        return fn()
    except ZklError as e:
        fail(e)


@command.command("serve")
@click.option("--data-dir", type=click.Path(file_okay=False), envvar=DATA_DIR_ENV, default=DEFAULT_DATA_DIR,
              show_default=True, help=f"Devnet data directory (env {DATA_DIR_ENV}; made by `zkl rollup init`).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8545, show_default=True,
              help="Port (0: a free one, printed).")
@click.option("--seal-interval", type=click.FloatRange(0.05, 3600), default=2.0, show_default=True,
              help="Seconds a partial batch waits before it is sealed (a full one is sealed at once).")
@click.option("--rate-limit", type=click.FloatRange(1, 1e6), default=200.0, show_default=True,
              help="Requests per second per client (burst twice that).")
@click.option("--cluster", "cluster", default=None, help="Prove on this executor (zkl.prover.cluster spec; "
              "default: one process beside the server).")
@click.option("--framework-submit", is_flag=True, hidden=True,
              help="Serve POST /api/transactions through FastAPI's route instead of the gateway (benchmarks).")
def serve(data_dir: str, host: str, port: int, seal_interval: float, rate_limit: float, cluster: str | None,
          framework_submit: bool) -> None:
    """Serve a devnet: the HTTP API, the explorer at /, sealing in the background."""
    from zkl.errors import ZklError
    from zkl.service.serve import serve as run

    if not (Path(data_dir) / "devnet.json").exists():
        fail(f"no devnet in {data_dir}; create one with `zkl rollup init --data-dir {data_dir}`")
    options: dict[str, Any] = {"gateway_submit": not framework_submit}
    if cluster:
        from zkl.prover.cluster import executor

        options["executor"] = _call(lambda: executor(cluster))

    def announce(url: str) -> None:
        click.echo(f"Serving the node of {data_dir} at {url} (explorer {url}/, API {url}/docs); operator token in "
                   f"{Path(data_dir) / 'operator.token'}. Ctrl-C stops.", err=False)

    try:
        run(data_dir, host=host, port=port, seal_interval=seal_interval, rate=rate_limit, announce=announce,
            **options)
    except ZklError as e:
        fail(e)
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror or e}")


@command.command("status")
@_node
@json_flag
def status(url: str, as_json: bool) -> None:
    """The node at a glance: deployment, L2, L1, the sealer."""
    info = _call(lambda: _client(url).status())
    if as_json:
        return show_json(info)
    l2, l1, sealer, domain = info["l2"], info["l1"], info["sealer"], info["domain"]
    show(kv_table(f"node {url}", [
        ("deployment", f"chain {domain['chain_id']}, contract {domain['contract']}"),
        ("L2 state root", l2["state_root"]), ("L2 batches (final)", f"{l2['batches']} ({l2['final']})"),
        ("mempool", f"{l2['mempool']:,}"), ("pending deposits", str(l2["pending_deposits"])),
        ("minimum fee", l2["min_fee"]), ("accounts", f"{l2['accounts']:,}"),
        ("L1", f"{l1['base']} at height {l1['height']}, {l1['batches']} batches"
               f"{', EXODUS' if l1['exodus'] else ''}"),
        ("sealer", f"{'paused' if sealer['paused'] else 'running'}, every {sealer['interval_s']:g} s, "
                   f"{sealer['in_flight']} in flight" + (f", error: {sealer['error']}" if sealer["error"] else "")),
    ]))


@command.command("batches")
@_node
@click.option("--limit", type=click.IntRange(1, 200), default=10, show_default=True)
@json_flag
def batches(url: str, limit: int, as_json: bool) -> None:
    """The latest batches and their status."""
    info = _call(lambda: _client(url).batches(limit=limit))
    if as_json:
        return show_json(info)
    rows = [(b["number"], b["status"], f"{b['transactions']}/{b['slots']}", b["deposits"],
             (b.get("l1") or {}).get("l1_height", ""), _ms((b.get("l1") or {}).get("verify_ms")),
             b["new_root"][:16] + "...") for b in info["batches"]]
    show(table(f"batches of {url}", ["batch", "status", "used", "deposits", "L1 block", "verify", "new root"], rows,
               right=("batch", "used", "deposits", "L1 block", "verify")))


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} ms"


@command.command("tx")
@click.argument("tx_id")
@_node
@json_flag
def tx(tx_id: str, url: str, as_json: bool) -> None:
    """A transaction's status: pending, in_batch, proven, final (or dropped)."""
    info = _call(lambda: _client(url).transaction(tx_id))
    if as_json:
        return show_json(info)
    where = f" in batch {info['batch']}" if "batch" in info else ""
    l1 = f", L1 block {info['l1']['height']}" if info.get("l1") else ""
    reason = f": {info['reason']}" if info.get("reason") else ""
    show(f"Transaction {tx_id[:16]}... is {info['status']}{where}{l1}{reason}.")


def _token(token_file: str | None, data_dir: str) -> str:
    path = Path(token_file) if token_file else Path(data_dir) / "operator.token"
    try:
        return path.read_text().strip()
    except OSError as e:
        fail(f"cannot read the operator token {path}: {e.strerror or e}")


def _operator(name: str, doc: str) -> None:
    @command.command(name, help=doc)
    @_node
    @click.option("--token-file", type=click.Path(dir_okay=False), default=None,
                  help="The operator token (default DATA_DIR/operator.token).")
    @click.option("--data-dir", type=click.Path(file_okay=False), envvar=DATA_DIR_ENV, default=DEFAULT_DATA_DIR,
                  show_default=True)
    @json_flag
    def action(url: str, token_file: str | None, data_dir: str, as_json: bool) -> None:
        client = _client(url)
        client.token = _token(token_file, data_dir)
        info = _call(lambda: getattr(client, name)())
        if as_json:
            return show_json(info)
        show({"seal": "Asked the node to seal the next batch now.", "pause": "Sealing is paused (admission goes on).",
              "resume": "Sealing resumed."}[name])


_operator("seal", "Seal the next batch now (operator).")
_operator("pause", "Stop building batches; admission and settling go on (operator).")
_operator("resume", "Build batches again (operator).")
