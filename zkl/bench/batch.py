"""Witness generation of a rollup batch beside its Groth16 proof: `zkl bench batch`.

    zkl bench batch [--quick] [--sizes 4,16,64] [--depth 16] [--no-prove] [--repeats 3] [--json]

For each batch size B (default 4, 16, 64) at depth 16, a batch of B transfers (the costliest
transaction: a signature and two account updates) between B + 1 funded accounts is

- executed natively on a fresh `State` (`execute`: the sequencer's work, signature checks and
  Merkle paths included): `native_s`;
- solved into the full circuit witness (`zkl.circuits.solve`, the compiled solving program):
  `solve_s`; witness generation `witness_s` = native_s + solve_s (medians of `repeats` runs);
  the peer, the interpreted Solver on the same assignment (`solve(..., compiled=False)`, one
  run after the others): `interpreted_s` and `interpreted_over_compiled`;
- proven with `zkl.prover.prove` under a key from `zkl.prover.setup` (one-time, `setup_s`,
  not counted): `prove_s` (median of `prove_repeats` runs);

and reported with its constraints, constraints per transaction, `witness_share` =
witness_s / prove_s and `tx_per_s` = B / (witness_s + prove_s), transactions proven per second
on this machine. Compile time (`compile_s`, cached afterwards in $ZKL_CACHE_DIR) is reported
apart. Times are wall-clock; `witness_cpu_s` and `prove_cpu_s` (process CPU time, all threads)
are given beside them, since a loaded machine inflates wall times.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from zkl.bench.timing import Say, Stopwatch, print_table, timed
from zkl.crypto.protocol import Domain

__all__ = ["QUICK", "bench_batch", "render"]

#: the deployment the benchmark's transactions are signed for
BENCH_DOMAIN = Domain(1, 0xBE4C)

#: the arguments of `zkl bench batch --quick`
QUICK = {"sizes": (2,), "depth": 4, "repeats": 1}


def _prepare(batch_size: int, depth: int) -> tuple[Any, list[Any], int]:
    """A fresh state with batch_size + 1 funded accounts, and a batch of signed transfers among them."""
    from zkl.execution.accounts import Account
    from zkl.execution.state import State
    from zkl.execution.wallet import Wallet
    from zkl.execution.execute import Slot

    wallets = [Wallet(i.to_bytes(2, "big") * 16) for i in range(1, batch_size + 2)]
    step = (1 << depth) // (batch_size + 1)  # spread the accounts over the tree
    indices = [i * step for i in range(batch_size + 1)]
    state = State(depth)
    for index, wallet in zip(indices, wallets):
        state.put(index, Account(wallet.pubkey, 10**9))
    slots = []
    for i in range(batch_size):
        tx = wallets[i].transfer(indices[i], indices[(i + 1) % batch_size], 1000 + i, 5, 0, domain=BENCH_DOMAIN)
        slots.append(Slot.from_record(tx.record, tx.signature))
    return state, slots, indices[-1]


def bench_batch(sizes: Sequence[int] = (4, 16, 64), depth: int = 16, *, prove: bool = True, repeats: int = 3,
                prove_repeats: int = 1, interpreted: bool = True, say: Say | None = None) -> dict[str, Any]:
    """Measure witness generation and proving per batch size (see the module docstring); key "batch_<B>" per size."""
    from zkl.circuits import compile, solve
    from zkl.circuits.rollup import BatchCircuit
    from zkl.execution.execute import execute
    from zkl.prover import prove as groth16_prove
    from zkl.prover import setup as groth16_setup

    say = say or (lambda *args: None)
    results: dict[str, Any] = {"depth": depth, "transaction": "transfer",
                               "prover": "zkl.prover (Groth16, BN254)" if prove else "not measured"}
    for b in sizes:
        row: dict[str, Any] = {}
        circuit = BatchCircuit(b, depth)
        say(f"B={b}: compiling BatchCircuit({b}, {depth})")
        with Stopwatch() as t:
            r1cs = compile(circuit)
        row["compile_s"] = round(t.wall, 3)
        row["constraints"] = r1cs.n_constraints
        row["constraints_per_tx"] = round(r1cs.n_constraints / b)
        natives, solves, cpus = [], [], []
        witness = None
        for i in range(repeats):
            say(f"B={b}: witness {i + 1}/{repeats}", i, repeats)
            state, slots, fee_account = _prepare(b, depth)
            with Stopwatch() as native:
                batch_witness = execute(state, slots, domain=BENCH_DOMAIN.element, batch_number=1,
                                        fee_account=fee_account, deposits_before=0)
            with Stopwatch() as solved:
                witness = solve(circuit, batch_witness.assignment(), r1cs=r1cs)
            natives.append(native.wall)
            solves.append(solved.wall)
            cpus.append(native.cpu + solved.cpu)
        row["native_s"] = round(statistics.median(natives), 3)
        row["solve_s"] = round(statistics.median(solves), 3)
        row["witness_s"] = round(row["native_s"] + row["solve_s"], 3)
        row["witness_cpu_s"] = round(statistics.median(cpus), 3)
        if interpreted:
            say(f"B={b}: the interpreted solver")
            with Stopwatch() as t:
                peer = solve(circuit, batch_witness.assignment(), r1cs=r1cs, compiled=False)
            if peer.values != witness.values:
                raise RuntimeError(f"B={b}: the compiled and interpreted solvers disagree")
            row["interpreted_s"] = round(t.wall, 3)
            row["interpreted_over_compiled"] = round(t.wall / max(statistics.median(solves), 1e-9), 1)
        if prove:
            say(f"B={b}: setup ({row['constraints']:,} constraints)")
            with Stopwatch() as t:
                pk = groth16_setup(r1cs)
            row["setup_s"] = round(t.wall, 3)
            runs = []
            for i in range(prove_repeats):
                say(f"B={b}: prove {i + 1}/{prove_repeats}", i, prove_repeats)
                runs.append(timed(lambda: groth16_prove(pk, witness)))
            row["prove_s"] = round(statistics.median(w for w, _ in runs), 3)
            row["prove_cpu_s"] = round(statistics.median(c for _, c in runs), 3)
            row["witness_share"] = round(row["witness_s"] / row["prove_s"], 4)
            row["tx_per_s"] = round(b / (row["witness_s"] + row["prove_s"]), 3)
            del pk
        else:
            row["witness_tx_per_s"] = round(b / row["witness_s"], 3)
        results[f"batch_{b}"] = row
    return results


_COLUMNS = ("constraints", "constraints_per_tx", "compile_s", "native_s", "solve_s", "interpreted_s",
            "interpreted_over_compiled", "witness_s", "witness_cpu_s",
            "setup_s", "prove_s", "prove_cpu_s", "witness_share", "tx_per_s")


def render(result: dict[str, Any]) -> None:
    """One row per batch size."""
    rows = [[key.removeprefix("batch_"), *(row.get(c) for c in _COLUMNS)]
            for key, row in result.items() if key.startswith("batch_")]
    print_table(f"batch circuit, depth {result['depth']}, transfers ({result['prover']})", ("batch", *_COLUMNS),
                rows)
