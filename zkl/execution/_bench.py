"""Benchmark of the execution layer: witness generation of a batch beside its Groth16 proof.

For each batch size B (default 4, 16, 64) at depth 16, a batch of B transfers (the costliest
transaction: a signature and two account updates) between B + 1 funded accounts is

- executed natively on a fresh `State` (`execute`: the sequencer's work, signature checks and
  Merkle paths included): `native_s`;
- solved into the full circuit witness (`zkl.circuits.solve`): `solve_s`;
  witness generation `witness_s` = native_s + solve_s (medians of `repeats` runs);
- proven with `zkl.prover.prove` under a key from `zkl.prover.setup` (one-time, `setup_s`,
  not counted): `prove_s` (median of `prove_repeats` runs);

and reported with its constraints, constraints per transaction, `witness_share` =
witness_s / prove_s and `tx_per_s` = B / (witness_s + prove_s), transactions proven per second
on this machine. Compile time (`compile_s`, cached afterwards) is reported apart. Times are
wall-clock; `witness_cpu_s` and `prove_cpu_s` (process CPU time, all threads) are given beside
them, since a loaded machine inflates wall times.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

__all__ = ["bench_batch"]


def _prepare(batch_size: int, depth: int) -> tuple[Any, list[Any], int]:
    """A fresh state with batch_size + 1 funded accounts, and a batch of signed transfers among them."""
    from zkl.execution.accounts import Account
    from zkl.execution.state import State
    from zkl.execution.wallet import Wallet
    from zkl.execution.witness import Slot

    wallets = [Wallet(i.to_bytes(2, "big") * 16) for i in range(1, batch_size + 2)]
    step = (1 << depth) // (batch_size + 1)  # spread the accounts over the tree
    indices = [i * step for i in range(batch_size + 1)]
    state = State(depth)
    for index, wallet in zip(indices, wallets):
        state.put(index, Account(wallet.pubkey, 10**9))
    slots = []
    for i in range(batch_size):
        tx = wallets[i].transfer(indices[i], indices[(i + 1) % batch_size], 1000 + i, 5, 0)
        slots.append(Slot.from_record(tx.record, tx.signature))
    return state, slots, indices[-1]


def _log(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def bench_batch(sizes: tuple[int, ...] = (4, 16, 64), depth: int = 16, *, prove: bool = True, repeats: int = 3,
                prove_repeats: int = 1, progress: bool = False) -> dict[str, Any]:
    """Measure witness generation and proving per batch size (see the module docstring); return a dict."""
    from zkl.circuits import compile, solve
    from zkl.circuits.rollup import BatchCircuit
    from zkl.execution.witness import execute

    results: dict[str, Any] = {"depth": depth, "transaction": "transfer", "prover": "not measured"}
    if prove:
        try:
            from zkl.prover import prove as groth16_prove
            from zkl.prover import setup as groth16_setup
            results["prover"] = "zkl.prover (Groth16, BN254)"
        except ImportError as exc:  # the prover is not there: report witness figures only
            results["prover"] = f"unavailable: {exc}"
            prove = False
    for b in sizes:
        row: dict[str, Any] = {}
        circuit = BatchCircuit(b, depth)
        start = time.perf_counter()
        r1cs = compile(circuit)
        row["compile_s"] = round(time.perf_counter() - start, 3)
        row["constraints"] = r1cs.n_constraints
        row["constraints_per_tx"] = round(r1cs.n_constraints / b)
        natives, solves, cpus = [], [], []
        witness = None
        for _ in range(repeats):
            state, slots, fee_account = _prepare(b, depth)
            cpu = time.process_time()
            start = time.perf_counter()
            batch_witness = execute(state, slots, batch_number=1, fee_account=fee_account, deposits_before=0)
            natives.append(time.perf_counter() - start)
            start = time.perf_counter()
            witness = solve(circuit, batch_witness.assignment(), r1cs=r1cs)
            solves.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        row["native_s"] = round(statistics.median(natives), 3)
        row["solve_s"] = round(statistics.median(solves), 3)
        row["witness_s"] = round(row["native_s"] + row["solve_s"], 3)
        row["witness_cpu_s"] = round(statistics.median(cpus), 3)
        _log(progress, f"B={b}: {row['constraints']} constraints, witness {row['witness_s']} s")
        if prove:
            start = time.perf_counter()
            pk = groth16_setup(r1cs)
            row["setup_s"] = round(time.perf_counter() - start, 3)
            _log(progress, f"B={b}: setup {row['setup_s']} s")
            times, cpus = [], []
            for _ in range(prove_repeats):
                cpu = time.process_time()
                start = time.perf_counter()
                groth16_prove(pk, witness)
                times.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
            row["prove_s"] = round(statistics.median(times), 3)
            row["prove_cpu_s"] = round(statistics.median(cpus), 3)
            row["witness_share"] = round(row["witness_s"] / row["prove_s"], 4)
            row["tx_per_s"] = round(b / (row["witness_s"] + row["prove_s"]), 3)
            _log(progress, f"B={b}: prove {row['prove_s']} s")
            del pk
        else:
            row["witness_tx_per_s"] = round(b / row["witness_s"], 3)
        results[f"batch_{b}"] = row
    return results
