"""`zkl demo`: the whole rollup story with real proofs (zkl.devnet.demo.run_demo).

    zkl demo [--data-dir DIR] [--batch-size 4] [--depth 16] [--transfers 6] [--withdrawals 2] [--seed N]
             [--l1 embedded|evm|anvil | --rpc URL] [--cluster SPEC] [--json]

--l1 picks the base layer: embedded (SQLite, the default; no node), evm (the Solidity contracts in
pyrevm, in process), anvil (a node started on a free loopback port for the run, then stopped);
--rpc URL runs on any JSON-RPC dev node. On an EVM the summary has the gas of the submissions.
--cluster SPEC (env ZKL_CLUSTER) proves the batches on an executor, pipelined (zkl.prover.cluster).

Progress bars on stderr while it works; a table at the end, or with --json one JSON object on
the last line of stdout (batches, transactions, constraints, prove_s, verify_ms, tx_per_s,
final_root, rebuilt_root, ...). Exits 1 if the state rebuilt from L1 differs from the final root.
"""

from __future__ import annotations

import click

from zkl.commands._output import fail, json_flag, kv_table, show, show_json


@click.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Fresh data directory to create (default: a new temporary directory).")
@click.option("--batch-size", "-b", type=click.IntRange(1, 256), default=4, show_default=True,
              help="Transactions per batch.")
@click.option("--depth", "-d", type=click.IntRange(2, 32), default=16, show_default=True,
              help="Account tree holds 2^depth accounts.")
@click.option("--transfers", type=click.IntRange(0, 10_000), default=6, show_default=True)
@click.option("--withdrawals", type=click.IntRange(0, 10_000), default=2, show_default=True)
@click.option("--seed", type=int, default=None, help="Seed of the random transfers.")
@click.option("--l1", type=click.Choice(["embedded", "evm", "anvil"]), default="embedded", show_default=True,
              help="Base layer: SQLite ledger, in-process EVM, or a local anvil node.")
@click.option("--rpc", "rpc_url", default=None, metavar="URL", help="Settle on this JSON-RPC node instead.")
@click.option("--cluster", envvar="ZKL_CLUSTER", default=None, metavar="SPEC",
              help="Prove the batches on an executor, pipelined: processes[:N], local[:N] (Dask LocalCluster) or "
                   "tcp://HOST:PORT (a Dask scheduler); env ZKL_CLUSTER.")
@json_flag
def demo(data_dir: str | None, batch_size: int, depth: int, transfers: int, withdrawals: int, seed: int | None,
         l1: str, rpc_url: str | None, cluster: str | None, as_json: bool) -> None:
    """Run the rollup end to end: genesis, keys, deposits, transfers, withdrawals, proofs, settlement, claims, sync."""
    from zkl.devnet.demo import run_demo
    from zkl.errors import ZklError

    try:
        summary = run_demo(data_dir, batch_size=batch_size, depth=depth, transfers=transfers,
                           withdrawals=withdrawals, seed=seed, l1=l1, rpc_url=rpc_url, progress=True,
                           cluster=cluster)
    except (ZklError, FileExistsError) as e:
        fail(e)
    if as_json:
        show_json(summary)
    else:
        rows = [("batches", summary["batches"]), ("transactions", summary["transactions"]),
                ("batch size / depth", f"{summary['batch_size']} / {summary['depth']}"),
                ("deployment", f"chain {summary['domain']['chain_id']}, contract {summary['domain']['contract']}"),
                ("constraints per batch", f"{summary['constraints']:,}"),
                ("kernel compile (first run)", f"{summary['compile_s']} s"),
                ("proving key", f"{summary['setup']} ({summary['keys_s']} s)"),
                ("prove time per batch (median)", f"{summary['prove_s']} s"),
                ("verify time per batch (median)", f"{summary['verify_ms']} ms"),
                ("transactions per second", summary["tx_per_s"]),
                ("base layer", summary["l1"]),
                ("proofs on", summary.get("cluster") or "this process"),
                ("gas per batch (median) / per tx", "none (the embedded ledger has no gas)"
                 if summary["gas_per_batch"] is None else f"{summary['gas_per_batch']:,} / {summary['gas_per_tx']:,}"),
                ("withdrawals claimed", f"{summary['withdrawals']} ({summary['claimed']})"),
                ("final root", summary["final_root"]), ("rebuilt root", summary["rebuilt_root"]),
                ("rebuilt == final", summary["match"]), ("wall time", f"{summary['wall_s']} s"),
                ("data directory", summary["data_dir"])]
        show(kv_table("zkl demo: the rollup end to end", rows))
    if not summary["match"] or summary["final_root"] != summary["rebuilt_root"]:
        raise SystemExit(1)


command = demo
