"""`zkl rollup`: the batch circuit, a devnet over a data directory, and the base layer's view of it.

    zkl rollup circuit  --batch-size B --depth D [-o batch.r1cs]   BatchCircuit(B, D): constraints, wires
    zkl rollup witness  BATCH.json -o batch.wtns                   solve a batch file into a circom .wtns
    zkl rollup init     [--batch-size 4] [--depth 16] [--deposit-deadline 100] [--l1 embedded|evm | --rpc URL]
    zkl rollup user     NAME [--l1-funds N]            a wallet and a faucet-funded L1 address
    zkl rollup deposit  NAME AMOUNT                    L1 deposit; the L2 node sees the queue
    zkl rollup transfer FROM TO AMOUNT [--fee F]       signed for the devnet's deployment domain
    zkl rollup withdraw NAME AMOUNT [--fee F]
    zkl rollup seal     [--all] [--cluster SPEC]       build, prove and settle the next batch (--cluster: proofs on
                                                       processes[:N], local[:N] or tcp://HOST:PORT, pipelined)
    zkl rollup claim    NAME                           pay final withdrawals on L1
    zkl rollup status                                  the deployment, L1, L2 and every user
    zkl rollup exit     NAME [--mine N]                exodus: exit by proof, refund deposits (mines N blocks first)
    zkl rollup sync                                    rebuild L2 from the L1 data alone and compare roots
    zkl rollup l1-status | l1-accounts | l1-events [--kind K]... [--since H]

Every devnet and L1 command takes --data-dir (env ZKL_DATA_DIR, default ./zkl-data). Every
command prints a table or a sentence, or with --json one JSON object (roots and big numbers as
decimal strings); a refused operation prints its reason and exits 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click

from zkl.commands._output import fail, json_flag, kv_table, show, show_json, table

DATA_DIR_ENV = "ZKL_DATA_DIR"
CLUSTER_ENV = "ZKL_CLUSTER"  # zkl.prover.cluster.CLUSTER_ENV (not imported here: the command line starts fast)
DEFAULT_DATA_DIR = "zkl-data"

_data_dir = click.option("--data-dir", type=click.Path(file_okay=False), envvar=DATA_DIR_ENV,
                         default=DEFAULT_DATA_DIR, show_default=True,
                         help=f"Devnet data directory (env {DATA_DIR_ENV}).")


@click.group("rollup")
def rollup() -> None:
    """The zk-rollup: batch circuit, a devnet (L2 node, prover, L1 contract) and the base layer."""


def _devnet(data_dir: str, action: Callable[[Any], Any], *, recover: bool = True) -> Any:
    """Open the devnet (recovering, unless the action does), return action(net); zkl errors end the command with
    their message."""
    from zkl.devnet import Devnet
    from zkl.errors import ZklError

    try:
        with Devnet(data_dir, recover=recover) as net:
            return action(net)
    except ZklError as e:
        fail(e)


# ----------------------------------------------------------------------------- the circuit


def circuit_summary(batch_size: int, depth: int, output: str | None = None) -> dict[str, Any]:
    """Compile (or load from the cache) BatchCircuit(batch_size, depth); return its size as a dict."""
    from zkl.circuits import compile
    from zkl.circuits.rollup import BatchCircuit
    from zkl.crypto.protocol import levels

    circuit = BatchCircuit(batch_size, depth)
    start = time.perf_counter()
    r1cs = compile(circuit)
    seconds = time.perf_counter() - start
    rows: dict[str, Any] = {
        "batch_size": batch_size, "depth": depth, "tree": f"4-ary, {levels(depth)} levels",
        "constraints": r1cs.n_constraints, "constraints_per_tx": round(r1cs.n_constraints / batch_size),
        "wires": r1cs.n_wires, "public_inputs": r1cs.n_public_inputs, "private_inputs": r1cs.n_private_inputs,
        "compile_seconds": round(seconds, 3),
    }
    if output:
        r1cs.write(output)
        rows["r1cs"] = output
    return rows


@rollup.command("circuit")
@click.option("--batch-size", "-b", type=click.IntRange(1, 1 << 16), required=True, help="Transactions per batch.")
@click.option("--depth", "-d", type=click.IntRange(1, 32), required=True, help="Tree holds 2^depth accounts.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Also write the circom .r1cs.")
@json_flag
def circuit(batch_size: int, depth: int, output: str | None, as_json: bool) -> None:
    """Compile the batch circuit (cached) and print constraints and constraints per transaction."""
    from zkl.errors import ZklError

    try:
        rows = circuit_summary(batch_size, depth, output)
    except ZklError as e:
        fail(e)
    if as_json:
        return show_json(rows)
    show(kv_table(f"BatchCircuit(batch_size={batch_size}, depth={depth})",
                  [(k.replace("_", " "), v) for k, v in rows.items()]))


@rollup.command("witness")
@click.argument("batch_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .wtns file to write.")
@json_flag
def witness(batch_file: str, output: str, as_json: bool) -> None:
    """Solve a batch file's witness for the batch circuit and write it as a circom .wtns."""
    from zkl.circuits import compile, solve
    from zkl.circuits.rollup import BatchCircuit
    from zkl.errors import ZklError
    from zkl.execution.batch import Batch

    try:
        batch = Batch.load(batch_file)
        circuit = BatchCircuit(batch.batch_size, batch.depth)
        r1cs = compile(circuit)
        start = time.perf_counter()
        wtns = solve(circuit, batch.assignment(), r1cs=r1cs)
        seconds = time.perf_counter() - start
        wtns.write(output)
    except ZklError as e:
        fail(e)
    rows = {"batch": batch.number, "batch_size": batch.batch_size, "depth": batch.depth,
            "public_inputs": [str(v) for v in batch.public_inputs], "wires": len(wtns),
            "solve_seconds": round(seconds, 3), "wtns": output}
    if as_json:
        return show_json(rows)
    show(f"Solved batch {batch.number} ({len(wtns):,} wires, every constraint checked) in {seconds:.3f} s "
         f"and wrote {output}.",
         kv_table(None, [("old root", batch.old_root), ("new root", batch.new_root),
                         ("commitment", batch.commitment)]))


# ----------------------------------------------------------------------------- the devnet


def _status_tables(status: dict[str, Any]) -> list[Any]:
    """The devnet status for people: the deployment, L1, L2 and a table of users."""
    d, l1, l2 = status["domain"], status["l1"], status["l2"]
    deployment = kv_table("deployment", [
        ("chain id", d["chain_id"]), ("rollup contract", d["contract"]), ("domain (signed by every tx)", d["element"]),
        ("batch size / depth", f"{status['batch_size']} / {status['depth']}"), ("data directory", status["data_dir"]),
    ])
    layers = table("layers", ["", "height", "batches", "state root", "waiting"], [
        ("L1", l1["height"], l1["batches"], l1["state_root"],
         f"{l1['queued_deposits']} deposits" + (", EXODUS" if l1["exodus"] else "")),
        ("L2", "-", l2["batches"], l2["state_root"],
         f"{l2['mempool']} txs, {l2['pending_deposits']} deposits (min fee {l2['min_fee']})"),
    ], right=("height", "batches"))
    users = table("users", ["name", "L2 index", "L2 balance", "nonce", "L1 balance", "claimable"],
                  [(name, u["index"], u["l2"], u["nonce"], u["l1"], u["claimable"])
                   for name, u in status["users"].items()],
                  right=("L2 index", "L2 balance", "nonce", "L1 balance", "claimable"))
    return [deployment, layers, users]


@rollup.command("init")
@_data_dir
@click.option("--batch-size", "-b", type=click.IntRange(1, 256), default=4, show_default=True)
@click.option("--depth", "-d", type=click.IntRange(2, 32), default=16, show_default=True)
@click.option("--deposit-deadline", type=click.IntRange(1, 1 << 30), default=100, show_default=True,
              help="L1 blocks a deposit may wait before exodus.")
@click.option("--l1", type=click.Choice(["embedded", "evm"]), default="embedded", show_default=True,
              help="Base layer: the SQLite ledger, or the Solidity contracts in an in-process EVM kept in the "
                   "data directory.")
@click.option("--rpc", "rpc_url", default=None, metavar="URL",
              help="Settle on this JSON-RPC dev node instead (e.g. anvil from js/: js/node_modules/.bin/anvil).")
@click.option("--gas-price", type=click.IntRange(0), default=None,
              help="Wei per gas of the devnet's transactions on --rpc (default: the node's).")
@json_flag
def init(data_dir: str, batch_size: int, depth: int, deposit_deadline: int, l1: str, rpc_url: str | None,
         gas_price: int | None, as_json: bool) -> None:
    """Create a devnet: L1 genesis, the batch circuit's keys (cached), the contract, the L2 node."""
    from zkl.devnet import Devnet
    from zkl.errors import ZklError

    try:
        with Devnet.init(data_dir, batch_size=batch_size, depth=depth, deposit_deadline=deposit_deadline,
                         l1="rpc" if rpc_url else l1, rpc_url=rpc_url, gas_price=gas_price,
                         progress=None if as_json else (lambda s: click.echo(f"... {s}", err=True))) as net:
            net.seal()  # the sequencer's fee account
            out = net.status()
    except ZklError as e:
        fail(e)
    if as_json:
        return show_json(out)
    show(f"Created a devnet in {data_dir}: chain {out['domain']['chain_id']}, rollup contract "
         f"{out['domain']['contract']}; batch 1 settled the sequencer's fee account.", *_status_tables(out))


@rollup.command("user")
@_data_dir
@click.argument("name")
@click.option("--l1-funds", type=click.IntRange(0), default=1_000_000, show_default=True)
@json_flag
def user(data_dir: str, name: str, l1_funds: int, as_json: bool) -> None:
    """Create a user: an L2 wallet and an L1 address funded by the devnet's faucet."""
    out = _devnet(data_dir, lambda net: net.add_user(name, l1_funds=l1_funds))
    if as_json:
        return show_json(out)
    show(f"Created {name}: L1 address {out['l1_address']} funded with {l1_funds:,}; "
         f"L2 key ({out['pubkey'][0]}, {out['pubkey'][1]}).")


@rollup.command("deposit")
@_data_dir
@click.argument("name")
@click.argument("amount", type=click.IntRange(1))
@json_flag
def deposit(data_dir: str, name: str, amount: int, as_json: bool) -> None:
    """Deposit L1 tokens to the user's L2 key (the next sealed batch credits it)."""
    index = _devnet(data_dir, lambda net: net.deposit(name, amount))
    if as_json:
        return show_json({"queue_index": index})
    show(f"Queued deposit {index}: {amount:,} from {name}'s L1 address to their L2 key "
         "(the next sealed batch credits it).")


@rollup.command("transfer")
@_data_dir
@click.argument("sender")
@click.argument("receiver")
@click.argument("amount", type=click.IntRange(0))
@click.option("--fee", type=click.IntRange(0), default=None, help="Default: the node's minimum fee.")
@json_flag
def transfer(data_dir: str, sender: str, receiver: str, amount: int, fee: int | None, as_json: bool) -> None:
    """Sign (for the devnet's deployment) and submit an L2 transfer between two users."""
    tx = _devnet(data_dir, lambda net: net.transfer(sender, receiver, amount, fee))
    if as_json:
        return show_json({"tx": tx})
    show(f"Submitted transfer {tx}: {sender} pays {receiver} {amount:,}.")


@rollup.command("withdraw")
@_data_dir
@click.argument("name")
@click.argument("amount", type=click.IntRange(0))
@click.option("--fee", type=click.IntRange(0), default=None, help="Default: the node's minimum fee.")
@json_flag
def withdraw(data_dir: str, name: str, amount: int, fee: int | None, as_json: bool) -> None:
    """Sign and submit an L2 withdrawal to the user's L1 address."""
    tx = _devnet(data_dir, lambda net: net.withdraw(name, amount, fee))
    if as_json:
        return show_json({"tx": tx})
    show(f"Submitted withdrawal {tx}: {amount:,} from {name}'s L2 account to their L1 address "
         "(claimable once its batch is final).")


@rollup.command("seal")
@_data_dir
@click.option("--all", "seal_all", is_flag=True, help="Seal until nothing waits.")
@click.option("--cluster", "cluster", envvar=CLUSTER_ENV, default=None, metavar="SPEC",
              help=f"Prove on an executor, pipelined: processes[:N], local[:N] (a Dask LocalCluster) or "
                   f"tcp://HOST:PORT (a Dask scheduler); env {CLUSTER_ENV}. Default: in this process.")
@json_flag
def seal(data_dir: str, seal_all: bool, cluster: str | None, as_json: bool) -> None:
    """Build, prove and settle the next batch (after finishing any batch a crash interrupted)."""
    from contextlib import nullcontext

    from zkl.errors import ZklError

    if cluster:
        from zkl.prover.cluster import parse_spec

        try:
            parse_spec(cluster)  # a bad spec fails before the devnet is opened
        except ZklError as e:
            fail(e)

    def action(net: Any) -> dict[str, Any]:
        from zkl.prover.cluster import executor

        with executor(cluster) if cluster else nullcontext() as ex:
            # (both first settle, proving on the executor too, the batches a crash left unsettled)
            infos = net.seal_all(ex) if seal_all else [b for b in [net.seal(executor=ex)] if b is not None]
        return {"batches": [{k: (str(v) if k == "new_root" else v) for k, v in i.items()} for i in infos],
                "l1_batches": net.contract.batch_number, "state_root": str(net.contract.state_root),
                "cluster": None if ex is None else ex.spec}

    out = _devnet(data_dir, action, recover=not cluster)
    if as_json:
        return show_json(out)
    if not out["batches"]:
        return show(f"Nothing waits: no deposit and no transaction. L1 holds {out['l1_batches']} batches.")
    rows = [(b["number"], b["transactions"], f"{b['build_s']:.3f}", f"{b['prove_s']:.2f}", f"{b['verify_ms']:.2f}",
             b["l1_height"], len(b["dropped"]), b.get("worker") or "-") for b in out["batches"]]
    where = f", proven on {out['cluster']}" if out["cluster"] else ""
    show(table(f"sealed and final on L1 (state root {out['state_root']}{where})",
               ["batch", "transactions", "build s", "prove s", "verify ms", "L1 block", "dropped", "worker"], rows,
               right=("batch", "transactions", "build s", "prove s", "verify ms", "L1 block", "dropped")))


@rollup.command("claim")
@_data_dir
@click.argument("name")
@json_flag
def claim(data_dir: str, name: str, as_json: bool) -> None:
    """Pay the user's final withdrawals on L1."""
    paid = _devnet(data_dir, lambda net: net.claim(name))
    if as_json:
        return show_json({"claimed": paid})
    show(f"Paid {paid:,} to {name}'s L1 address.")


@rollup.command("status")
@_data_dir
@json_flag
def status(data_dir: str, as_json: bool) -> None:
    """Show the deployment (chain id, contract, domain), L1, L2 and every user's balances."""
    out = _devnet(data_dir, lambda net: net.status())
    if as_json:
        return show_json(out)
    show(*_status_tables(out))


@rollup.command("exit")
@_data_dir
@click.argument("name")
@click.option("--mine", type=click.IntRange(0), default=0, help="Mine this many L1 blocks first (devnet).")
@json_flag
def exit_(data_dir: str, name: str, mine: int, as_json: bool) -> None:
    """Exodus: once a deposit is overdue, withdraw the user's L2 balance at the last final root to L1 (by an exit
    proof), and get back the user's deposits no batch processed."""
    def action(net: Any) -> tuple[int, int]:
        if mine:
            net.l1.mine(mine)
        return net.exit(name), net.refund(name)

    amount, refunded = _devnet(data_dir, action)
    if as_json:
        return show_json({"exited": amount, "refunded": refunded})
    show(f"{name} exited the rollup with {amount:,} and got {refunded:,} of unprocessed deposits back, paid to "
         "their L1 address.")


@rollup.command("sync")
@_data_dir
@json_flag
def sync(data_dir: str, as_json: bool) -> None:
    """Rebuild the L2 state from the data posted on L1 alone; compare with the L1 root and the node."""
    out = _devnet(data_dir, lambda net: net.sync())
    if as_json:
        show_json(out)
    else:
        verdict = "matches" if out["match"] else "DIFFERS FROM"
        show(f"Rebuilt the L2 state from L1 data alone ({out['batches']} batches, {out['accounts']} accounts): "
             f"it {verdict} the L1 root and the node.",
             kv_table(None, [("rebuilt root", out["rebuilt_root"]), ("L1 root", out["l1_root"]),
                             ("L2 node root", out["l2_root"])]))
    if not out["match"]:
        raise SystemExit(1)


# ----------------------------------------------------------------------------- the base layer


def _open(data_dir: str) -> tuple[Any, Any]:
    """The ledger of data_dir and its rollup contract (None if none is deployed)."""
    from zkl.errors import LedgerError
    from zkl.settlement import Ledger, RollupContract

    try:
        ledger = Ledger.open(data_dir)
    except LedgerError as e:
        fail(e)
    try:
        return ledger, RollupContract(ledger)
    except LedgerError:
        return ledger, None


def _evm_devnet(data_dir: str) -> tuple[Any, dict[str, Any]] | None:
    """(base layer, devnet config) when data_dir holds a devnet settling on an EVM, else None."""
    import json
    from pathlib import Path

    from zkl.devnet.l1 import open_l1
    from zkl.errors import ZklError

    path = Path(data_dir) / "devnet.json"
    if not path.exists():
        return None
    config = json.loads(path.read_text())
    if config.get("l1", {}).get("base", "embedded") == "embedded":
        return None
    try:
        return open_l1(data_dir, config["l1"]), config
    except ZklError as e:
        fail(e)


def l1_status_dict(data_dir: str) -> dict[str, Any]:
    """What `zkl rollup l1-status --json` prints: the chain's height (and time), and the contract's status."""
    evm = _evm_devnet(data_dir)
    if evm is not None:
        l1 = evm[0]
        try:
            return {"data_dir": str(data_dir), **l1.info(), "time": None,
                    "contract": {"address": l1.contract.address, **l1.contract.status().to_dict()}}
        finally:
            l1.close()
    ledger, contract = _open(data_dir)
    try:
        head = ledger.block(ledger.height)
        out: dict[str, Any] = {"data_dir": str(data_dir), "base": "embedded", "chain_id": ledger.chain_id,
                               "height": head.height, "time": head.time, "contract": None}
        if contract is not None:
            out["contract"] = contract.status().to_dict()
        return out
    finally:
        ledger.close()


@rollup.command("l1-status")
@_data_dir
@json_flag
def l1_status(data_dir: str, as_json: bool) -> None:
    """Show the base layer and the rollup contract: root, batch, deposit queue, exodus, pending key change."""
    info = l1_status_dict(data_dir)
    if as_json:
        return show_json(info)
    head = (f"L1 ({info['base']}) chain {info['chain_id']} at height {info['height']}"
            + (f" (time {info['time']})" if info["time"] is not None else ""))
    c = info["contract"]
    if c is None:
        return show(f"{head}: no rollup contract is deployed.")
    pending = c["pending_vk"]
    rows = [
        ("domain", f"{c['domain']['element']} (contract {c['domain']['contract']})"),
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
    show(kv_table(head, rows))


@rollup.command("l1-accounts")
@_data_dir
@json_flag
def l1_accounts(data_dir: str, as_json: bool) -> None:
    """List L1 addresses and their native-token balances."""
    from zkl.settlement import address_hex, to_address

    evm = _evm_devnet(data_dir)
    if evm is not None:  # an EVM has no account list: the devnet's addresses and the contract
        l1, config = evm
        try:
            wanted = [to_address(u["l1_address"]) for u in config["users"].values()]
            accounts = {address_hex(a): l1.balance(a) for a in [*wanted, int(l1.contract.address, 16)]}
        finally:
            l1.close()
    else:
        ledger, _ = _open(data_dir)
        try:
            accounts = {address_hex(a): b for a, b in ledger.accounts().items()}
        finally:
            ledger.close()
    if as_json:
        return show_json({"accounts": accounts})
    show(table("L1 accounts", ["address", "balance"], accounts.items(), right=("balance",)))


@rollup.command("l1-events")
@_data_dir
@click.option("--kind", multiple=True, help="Only events of this kind (repeatable).")
@click.option("--since", type=click.IntRange(0), default=0, show_default=True, help="From this block height.")
@json_flag
def l1_events(data_dir: str, kind: tuple[str, ...], since: int, as_json: bool) -> None:
    """Print the L1 event log."""
    import json

    from zkl.devnet.l1 import L1

    evm = _evm_devnet(data_dir)
    l1 = evm[0] if evm is not None else L1("embedded", None, {}, ledger=_open(data_dir)[0])
    try:
        events = l1.events(kind, since)
    finally:
        l1.close()
    if as_json:
        return show_json({"events": events})
    show(table("L1 events", ["#", "block", "kind", "data"],
               [(e["seq"], e["height"], e["kind"], json.dumps(e["data"], sort_keys=True)) for e in events],
               right=("#", "block")))


command = rollup
