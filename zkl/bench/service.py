"""The node service under load over HTTP: admission rate and latency, then settlement: `bench_service.py`.

    python benchmarks/bench_service.py [--txs 10000] [--users 120] [--batch-size 8] [--depth 8] [--settle] [--json]

1. a devnet of BatchCircuit(batch_size, depth) (key from the cache, else a local setup) with
   `users` users, each with a deposit final on L1, served by `zkl node serve` as its own process
   on a loopback port (`zkl.service.serve.ServerProcess`);
2. `txs` transactions signed beforehand (in worker processes, not timed), one ordered stream per
   user; about a third invalid, in each way the mempool refuses (KINDS: bad signature, replayed
   nonce, duplicate, nonce ahead, fee too low, insufficient balance, unknown receiver, index outside
   the tree, amount out of range, malformed JSON, unknown sender, another deployment), so every
   answer is known in advance (`expected`: "ok" or the zkl error's name);
3. sealing paused (the operator endpoint), the streams are sent at once, each by its own
   keep-alive HTTP client (aiohttp) one request after the other; `admission_tx_per_s` = requests
   answered / wall time of the whole load, `latency_p50_ms` / `latency_p99_ms` from send to
   answer; every answer is compared with `expected` (`mismatches`); the server's group commits are
   counted (`groups`: fsyncs; `tx_per_group`);
4. with `settle`: sealing resumed; waited until every admitted transaction is final on L1; the
   transactions' ids are recomputed from L1 data alone (the public data of the final batches):
   every admitted id exactly once, no refused one (`settled_exactly_once`), `settle_s`; the L1 root is the
   node's (`l1_root_is_node_root`) and the state rebuilt from L1 data alone matches (`rebuilt_from_l1_matches`);
5. with `compare` (`--compare-route N`): N rounds, alternating, of the same admission on fresh copies of the
   devnet with POST /api/transactions served by the gateway middleware and by FastAPI's route
   (`routes`: the medians' tx/s and their ratio).
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import json
import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "Item", "make_devnet", "make_streams", "run", "send_streams"]

KINDS = ("bad_signature", "replayed_nonce", "duplicate", "nonce_ahead", "fee_too_low", "insufficient",
         "unknown_account", "index_out_of_tree", "amount_out_of_range", "malformed_json", "unknown_sender",
         "wrong_domain")
#: the zkl error each kind of invalid transaction must get
ERRORS = {"bad_signature": "InvalidSignature", "replayed_nonce": "NonceMismatch", "duplicate": "NonceMismatch",
          "nonce_ahead": "NonceMismatch", "fee_too_low": "FeeTooLow", "insufficient": "InsufficientBalance",
          "unknown_account": "UnknownAccount", "index_out_of_tree": "MalformedInput",
          "amount_out_of_range": "AmountOutOfRange", "malformed_json": "MalformedInput",
          "unknown_sender": "UnknownAccount", "wrong_domain": "WrongDomain"}
CYCLE = 36  # kind k of a stream's n-th item: KINDS[n % CYCLE] below len(KINDS), else valid: a third invalid
DEPOSIT = 10**12


@dataclass
class Item:
    """One request of a stream: what is sent, what must come back ("ok" or an error name), and its kind."""

    body: Any
    expected: str
    kind: str
    answer: str | None = None
    tx_id: str | None = None
    latency_s: float = 0.0


def _sign(jobs: list[tuple[bytes, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Sign transfers/withdrawals (in a worker process): their JSON forms."""
    from zkl.crypto.protocol import Domain
    from zkl.execution import Wallet

    out, wallets = [], {}
    for key, kind, f in jobs:
        w = wallets.get(key) or wallets.setdefault(key, Wallet(key))
        domain = Domain(f["chain_id"], f["contract"])
        if kind == "transfer":
            tx = w.transfer(f["from"], f["to"], f["amount"], f["fee"], f["nonce"], domain=domain)
        else:
            tx = w.withdraw(f["from"], f["amount"], f["fee"], f["l1_address"], f["nonce"], domain=domain)
        out.append(tx.to_json())
    return out


def make_devnet(path: Path, *, users: int, batch_size: int, depth: int, seed: int = 7) -> dict[str, Any]:
    """A devnet with `users` users deposited and final on L1; their names, wallets' keys and account indices."""
    from zkl.devnet import Devnet

    with Devnet.init(path, batch_size=batch_size, depth=depth, seed=seed, deposit_deadline=1 << 20) as net:
        names = [f"u{i}" for i in range(users)]
        for name in names:
            net.add_user(name, l1_funds=DEPOSIT * 2)
            net.deposit(name, DEPOSIT)
        net.seal_all()
        return {"names": names, "keys": [net.wallets[n].private_key for n in names],
                "index": [net.account_index(n) for n in names],
                "l1": [net.l1_addresses[n] for n in names], "min_fee": net.node.min_fee,
                "domain": (net.node.domain.chain_id, net.node.domain.contract), "depth": depth,
                "accounts": len(net.node.state)}


def make_streams(info: dict[str, Any], txs: int, *, seed: int = 20240601, workers: int = 2) -> list[list[Item]]:
    """`txs` items in one stream per user (see the module docstring), signed in `workers` processes."""
    rng = random.Random(seed)
    users = len(info["names"])
    chain_id, contract = info["domain"]
    fee = info["min_fee"]
    stranger = info["accounts"]  # the first index that holds no account
    if stranger >= 1 << info["depth"]:
        raise ValueError(f"{users} users fill the tree of depth {info['depth']}: no index is left for the "
                         "unknown-account cases (fewer users, or a deeper tree)")
    nonce, spent = [0] * users, [0] * users
    plan: list[list[tuple[str, str, int, dict[str, Any] | None]]] = [[] for _ in range(users)]
    last_valid: list[int | None] = [None] * users
    jobs: list[tuple[bytes, str, dict[str, Any]]] = []

    def job(key: bytes, kind: str, **f: Any) -> int:
        jobs.append((key, kind, {"chain_id": chain_id, "contract": contract, **f}))
        return len(jobs) - 1

    for n in range(txs):
        u = n % users
        k = n % CYCLE
        kind = KINDS[k] if k < len(KINDS) else "valid"
        if kind in ("duplicate", "replayed_nonce") and last_valid[u] is None:
            kind = "nonce_ahead"
        key, frm = info["keys"][u], info["index"][u]
        to = info["index"][(u + 1 + rng.randrange(users - 1)) % users]
        amount = rng.randrange(1, 1000) if kind == "valid" else rng.randrange(1000, 2000)
        base = {"from": frm, "to": to, "amount": amount, "fee": fee, "nonce": nonce[u]}
        if kind == "valid":
            if n % 3 == 0:
                j = job(key, "withdraw", **{**base, "l1_address": info["l1"][u]})
                del base["to"]
            else:
                j = job(key, "transfer", **base)
            plan[u].append((kind, "ok", j, None))
            last_valid[u] = j
            nonce[u] += 1
            spent[u] += amount + fee
            continue
        patch: dict[str, Any] | None = None
        if kind == "bad_signature":
            j = job(info["keys"][(u + 1) % users], "transfer", **base)
        elif kind == "replayed_nonce":
            j = job(key, "transfer", **{**base, "nonce": nonce[u] - 1})
        elif kind == "duplicate":
            j = last_valid[u]
        elif kind == "nonce_ahead":
            j = job(key, "transfer", **{**base, "nonce": nonce[u] + 1 + rng.randrange(5)})
        elif kind == "fee_too_low":
            j = job(key, "transfer", **{**base, "fee": fee - 1})
        elif kind == "insufficient":
            j = job(key, "transfer", **{**base, "amount": DEPOSIT - spent[u] - fee + 1})
        elif kind == "unknown_account":
            j = job(key, "transfer", **{**base, "to": stranger})
        elif kind == "index_out_of_tree":
            j = job(key, "transfer", **base)
            patch = {"to": 1 << info["depth"]}
        elif kind == "amount_out_of_range":
            j = job(key, "transfer", **base)
            patch = {"amount": str(1 << 64)}
        elif kind == "malformed_json":
            j = job(key, "transfer", **base)
            patch = {"signature": None}
        elif kind == "unknown_sender":
            j = job(key, "transfer", **{**base, "from": stranger})
        else:  # wrong_domain
            jobs.append((key, "transfer", {**base, "chain_id": chain_id + 1, "contract": contract}))
            j = len(jobs) - 1
        plan[u].append((kind, ERRORS[kind], j, patch))
    chunks = [jobs[i::workers] for i in range(workers)]
    with cf.ProcessPoolExecutor(workers) as pool:
        signed_chunks = list(pool.map(_sign, chunks))
    signed: list[dict[str, Any]] = [None] * len(jobs)  # type: ignore[list-item]
    for w, chunk in enumerate(signed_chunks):
        signed[w::workers] = chunk
    streams = []
    for u in range(users):
        stream = []
        for kind, expected, j, patch in plan[u]:
            body = dict(signed[j])
            if patch:
                body.update(patch)
                if body.get("signature") is None:
                    del body["signature"]
            stream.append(Item(body, expected, kind))
        streams.append(stream)
    return streams


async def _send(url: str, streams: list[list[Item]]) -> float:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector, json_serialize=json.dumps) as session:
        async def one(stream: list[Item]) -> None:
            for item in stream:
                start = time.perf_counter()
                async with session.post(f"{url}/api/transactions", json=item.body) as response:
                    data = await response.json(content_type=None)
                item.latency_s = time.perf_counter() - start
                if response.status == 202:
                    item.answer, item.tx_id = "ok", data["id"]
                else:
                    item.answer = str(data.get("error")) if isinstance(data, dict) else f"HTTP {response.status}"

        start = time.perf_counter()
        await asyncio.gather(*(one(s) for s in streams))
        return time.perf_counter() - start


def send_streams(url: str, streams: list[list[Item]]) -> float:
    """Send every stream at once, each on its own keep-alive connection, in order; the wall seconds."""
    return asyncio.run(_send(url, streams))


def _admit(path: Path, streams: list[list[Item]], extra: tuple[str, ...] = ()) -> tuple[float, dict[str, Any]]:
    """Serve a copy of the devnet at path, send the streams with sealing paused; (wall seconds, sealer state)."""
    from zkl.client import NodeClient
    from zkl.service.serve import ServerProcess

    copy = path.with_name(f"{path.name}-{time.monotonic_ns()}")
    shutil.copytree(path, copy)
    server = ServerProcess.start(copy, seal_interval=0.5, rate=1e6, extra=extra)
    try:
        with NodeClient(server.url, token=(copy / "operator.token").read_text().strip()) as client:
            client.pause()
            wall = send_streams(server.url, streams)
            return wall, client.status()["sealer"]
    finally:
        server.stop()
        shutil.rmtree(copy, ignore_errors=True)


def compare_routes(path: Path, streams: list[list[Item]], repeats: int = 3) -> dict[str, Any]:
    """Admission tx/s with POST /api/transactions served by the gateway and by FastAPI's route, alternating."""
    runs: dict[str, list[float]] = {"gateway": [], "framework": []}
    n = sum(len(s) for s in streams)
    for _ in range(repeats):
        for name, extra in (("gateway", ()), ("framework", ("--framework-submit",))):
            for stream in streams:
                for item in stream:
                    item.answer = item.tx_id = None
            wall, _ = _admit(path, streams, extra)
            runs[name].append(n / wall)
    out = {f"{k}_tx_per_s": statistics.median(v) for k, v in runs.items()}
    out["gateway_over_framework"] = out["gateway_tx_per_s"] / out["framework_tx_per_s"]
    return out


def run(*, txs: int = 10_000, users: int = 120, batch_size: int = 8, depth: int = 8, settle: bool = False,
        settle_timeout: float = 7200.0, progress: Any = None, keep: Path | None = None,
        compare: int = 0) -> dict[str, Any]:
    """The benchmark of the module docstring; its figures (`compare`: that many rounds of `compare_routes`)."""
    from zkl.client import NodeClient
    from zkl.devnet import Devnet, l1_transaction_ids
    from zkl.service.serve import ServerProcess

    say = progress or (lambda *a, **k: None)
    workdir = Path(tempfile.mkdtemp(prefix="zkl-bench-service-")) if keep is None else keep
    path = workdir / "net"
    try:
        say("devnet")
        info = make_devnet(path, users=users, batch_size=batch_size, depth=depth)
        if compare:
            shutil.copytree(path, workdir / "template")
        say("signing")
        t0 = time.perf_counter()
        streams = make_streams(info, txs)
        sign_s = time.perf_counter() - t0
        say("server")
        server = ServerProcess.start(path, seal_interval=0.5, rate=1e6)
        try:
            client = NodeClient(server.url, token=(path / "operator.token").read_text().strip())
            client.pause()
            say("admission")
            wall = send_streams(server.url, streams)
            items = [item for stream in streams for item in stream]
            sealer = client.status()["sealer"]
            latencies = sorted(item.latency_s for item in items)
            out: dict[str, Any] = {
                "txs": len(items), "users": users, "batch_size": batch_size, "depth": depth,
                "valid": sum(i.expected == "ok" for i in items),
                "refused_by_kind": dict(Counter(i.kind for i in items if i.expected != "ok")),
                "sign_s": sign_s, "admission_s": wall, "admission_tx_per_s": len(items) / wall,
                "latency_p50_ms": 1000 * statistics.median(latencies),
                "latency_p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
                "mismatches": sum(i.answer != i.expected for i in items),
                "mismatched": dict(Counter(f"{i.kind}: {i.answer} (expected {i.expected})" for i in items
                                           if i.answer != i.expected)),
                "groups": sealer["groups"], "tx_per_group": len(items) / max(1, sealer["groups"]),
            }
            admitted = [i.tx_id for i in items if i.answer == "ok"]
            out["admitted_unique"] = len(set(admitted)) == len(admitted)
            if settle:
                say("settling")
                t1 = time.perf_counter()
                client.resume()
                deadline = time.monotonic() + settle_timeout
                while client.status()["l2"]["mempool"] or client.status()["l2"]["final"] < \
                        client.status()["l2"]["batches"]:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"not settled within {settle_timeout:g} s")
                    time.sleep(0.5)
                out["settle_s"] = time.perf_counter() - t1
            client.close()
        finally:
            server.stop()
        if settle:
            with Devnet(path, recover=False) as net:
                ids = l1_transaction_ids(net.contract)
                out["settled_exactly_once"] = (all(ids[t] == 1 for t in admitted) and sum(ids.values()) == len(admitted))
                out["settled_batches"] = net.contract.batch_number
                out["l1_root_is_node_root"] = net.contract.state_root == net.node.root
                out["rebuilt_from_l1_matches"] = bool(net.sync()["match"])
        if compare:
            say("routes")
            fresh = make_streams(info, txs)
            out["routes"] = compare_routes(workdir / "template", fresh, compare)
        return out
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    """The command line of benchmarks/bench_service.py."""
    import argparse

    parser = argparse.ArgumentParser(prog="bench_service.py", description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=120)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--settle", action="store_true", help="then settle every admitted transaction (long)")
    parser.add_argument("--compare-route", type=int, default=0, metavar="N",
                        help="also N rounds of admission through the gateway and through FastAPI's route, alternating")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    import sys

    def say(step: str) -> None:
        print(f"... {step}", file=sys.stderr, flush=True)

    out = run(txs=args.txs, users=args.users, batch_size=args.batch_size, depth=args.depth, settle=args.settle,
              progress=say, compare=args.compare_route)
    if args.json:
        print(json.dumps(out))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"node service: {out['txs']:,} transactions over HTTP from {out['users']} clients")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in ("valid", "admission_tx_per_s", "latency_p50_ms", "latency_p99_ms", "mismatches", "groups",
                "tx_per_group", "settle_s", "settled_exactly_once"):
        if key in out:
            value = out[key]
            table.add_row(key, f"{value:,.1f}" if isinstance(value, float) else str(value))
    for key, value in out.get("routes", {}).items():
        table.add_row(key, f"{value:,.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
