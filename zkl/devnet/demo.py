"""The rollup story end to end, with real proofs: what `zkl demo` runs.

    from zkl.devnet.demo import run_demo
    summary = run_demo(batch_size=4, depth=16)      # a dict: batches, transactions, ..., final_root, rebuilt_root

Steps: a fresh data directory with an L1 genesis; the default batch circuit's proving key
(local setup, cached under $ZKL_CACHE_DIR/keys for the next run) and its verifying key deployed
in the rollup contract; users funded on L1 by the faucet; deposits; random transfers and
withdrawals; every batch built, proven and settled on L1; withdrawals claimed on L1; finally
the L2 state rebuilt from the public data posted on L1 alone, which must end at the final root.
With `cluster` (`zkl demo --cluster SPEC`) the batches are proven on that executor, pipelined.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from zkl.crypto.protocol import TxType
from zkl.devnet import Devnet, proving_key
from zkl.errors import MalformedInput
from zkl.prover.cluster import executor, parse_spec
from zkl.settlement.anvil import Anvil
from zkl.warmup import ensure_warm

__all__ = ["L1_CHOICES", "run_demo"]

L1_CHOICES = ("embedded", "evm", "anvil", "rpc")

USERS = ("alice", "bob", "carol")


#: the kernel groups the demo runs (zkl.warmup.STEPS; not the node service's batch signature
#: kernels nor the field-array API, which compile on their first use elsewhere)
WARMUP_STEPS = ("curve_g1", "ntt", "curve_g2", "pairing", "msm_g1", "msm_g2", "verifier", "circuits", "prover")


def run_demo(data_dir: str | None = None, *, batch_size: int = 4, depth: int = 16,
             transfers: int = 6, withdrawals: int = 2, seed: int | None = None, l1: str = "embedded",
             rpc_url: str | None = None, progress: bool = False, cluster: str | None = None) -> dict[str, Any]:
    """Run the whole story on a fresh devnet and return its summary (see the module docstring).

    l1: the base layer, one of L1_CHOICES (anvil: a node started for the run on a free loopback port, and
    stopped after it); rpc_url: run on this JSON-RPC node instead (l1 is then "rpc"); cluster: prove the
    batches on this executor (`zkl.prover.cluster` spec: processes[:N], local[:N], tcp://HOST:PORT),
    pipelined; `tx_per_s` is then the transactions over the wall time of the sealing calls.
    """
    if rpc_url is not None:
        l1 = "rpc"
    if l1 not in L1_CHOICES:
        raise MalformedInput(f"the demo's base layer must be one of {', '.join(L1_CHOICES)}, not {l1!r}")
    if l1 == "rpc" and rpc_url is None:
        raise MalformedInput("the rpc base layer needs a node's URL (--rpc URL)")
    if cluster:
        parse_spec(cluster)  # a bad spec fails before anything starts
    with Anvil.start(extra=("--base-fee", "0", "--gas-price", "0")) if l1 == "anvil" else nullcontext() as node:
        base, gas_price = ("rpc", 0) if node is not None else (l1, None)
        summary = _run(data_dir, batch_size, depth, transfers, withdrawals, seed, base, node.url if node else rpc_url,
                       gas_price, progress, cluster)
    summary["l1"] = l1
    return summary


def _run(data_dir: str | None, batch_size: int, depth: int, transfers: int, withdrawals: int, seed: int | None,
         base: str, rpc_url: str | None, gas_price: int | None, progress: bool,
         cluster: str | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    directory = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="zkl-demo-"))
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"the demo needs a fresh data directory; {directory} is not empty")
    t0 = time.perf_counter()
    compiled = ensure_warm(progress=progress, steps=WARMUP_STEPS)  # first run only: on all cores at once
    compile_s = time.perf_counter() - t0
    steps = 7 + len(USERS) + transfers + withdrawals
    bar, task = _progress(progress, steps)
    done = 0

    def advance(what: str) -> None:
        nonlocal done
        done += 1
        if bar is not None:
            bar.update(task, completed=done, description=what)

    with bar if bar is not None else nullcontext():
        advance("circuit and keys")
        start = time.perf_counter()
        pk, r1cs, made = proving_key(batch_size, depth)
        keys_s = time.perf_counter() - start
        advance("L1 genesis, contract, L2 node")
        net = Devnet.init(directory, batch_size=batch_size, depth=depth, l1=base, rpc_url=rpc_url,
                          gas_price=gas_price)
        sealing = 0.0  # wall time of the sealing calls

        def sealed(call: Any, *args: Any, **kwargs: Any) -> Any:
            nonlocal sealing
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                sealing += time.perf_counter() - start

        try:
            with executor(cluster) if cluster else nullcontext() as ex:  # proofs there, pipelined
                for name in USERS:
                    net.add_user(name, l1_funds=1_000_000)
                    net.deposit(name, rng.randrange(5_000, 10_000))
                    advance(f"deposit {name}")
                advance("seal deposits")
                sealed(net.seal_all, ex)
                for _ in range(transfers):
                    a, b = rng.sample(USERS, 2)
                    net.transfer(a, b, rng.randrange(1, 500))
                    advance("transfers")
                    if len(net.node.mempool) >= batch_size:
                        sealed(net.seal, executor=ex)
                for i in range(withdrawals):
                    name = USERS[i % len(USERS)]
                    net.withdraw(name, rng.randrange(100, 1_000))
                    advance("withdrawals")
                    if len(net.node.mempool) >= batch_size:
                        sealed(net.seal, executor=ex)
                advance("seal the rest")
                sealed(net.seal_all, ex)
            advance("claim withdrawals")
            claimed = 0
            for name in USERS:
                if net.contract.claimable(net.l1_addresses[name]):
                    claimed += net.claim(name)
            advance("rebuild L2 from L1 data")
            sync = net.sync()
            advance("done")
            batches = net.contract.batches()
            n_tx = sum(sum(r.type != TxType.NOOP for r in b.records()) for b in batches)
            timings = net.timings
            seal_s = sum(t["prove_s"] + t["verify_ms"] / 1000 + t["submit_s"] + t.get("build_s", 0.0)
                         for t in timings)
            prove = [t["prove_s"] for t in timings]
            gas = [t["gas"] for t in timings if t.get("gas") is not None]
            verify = [t["verify_ms"] for t in timings]
            summary = {
                "data_dir": str(directory), "batch_size": batch_size, "depth": depth,
                "batches": len(batches), "transactions": n_tx,
                "withdrawals": len(net.contract.withdrawals()), "claimed": claimed,
                "constraints": r1cs.n_constraints, "setup": "made" if made else "cached", "keys_s": round(keys_s, 3),
                "compile_s": round(compile_s, 3) if compiled is not None else 0.0,
                # medians: the first batch of a process also loads the kernels from the disk cache
                "prove_s": round(statistics.median(prove), 3) if prove else 0.0,
                "prove_total_s": round(sum(prove), 3),
                "verify_ms": round(statistics.median(verify), 2) if verify else 0.0,
                "tx_per_s": (round(n_tx / seal_s, 3) if seal_s else 0.0) if not cluster
                else (round(n_tx / sealing, 3) if sealing else 0.0),
                "cluster": cluster or None,
                # gas: of the submissions this run made (None on the embedded base layer, which has no gas)
                "gas_per_batch": round(statistics.median(gas)) if gas else None,
                "gas_per_tx": round(sum(gas) / n_tx) if gas and n_tx else None,
                "gas_deploy": net.l1.config.get("deploy_gas"),
                "domain": net.contract.domain.to_json(),
                "final_root": str(net.contract.state_root), "l2_root": str(net.node.root),
                "rebuilt_root": sync["rebuilt_root"], "match": sync["match"],
                "wall_s": round(time.perf_counter() - t0, 3),
            }
        finally:
            net.close()
    return summary


def _progress(enabled: bool, total: int) -> tuple[Progress | None, Any]:
    """A rich progress bar on stderr (or (None, None))."""
    if not enabled:
        return None, None
    bar = Progress(TextColumn("{task.description:<28}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=False)
    return bar, bar.add_task("starting", total=total)
