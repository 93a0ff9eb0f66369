"""Gas of the Solidity rollup contract, operation by operation and per batch size: `zkl bench gas`.

    zkl bench gas [--sizes 1,2,4,8,16,32,64] [--l1 evm|anvil] [--json]

Deploys the committed contracts (`zkl.settlement.solidity`) in pyrevm, or on anvil (`--l1 anvil`:
started from js/ on a free loopback port, driven over JSON-RPC by web3; the two agree on gas to
the unit), and measures the whole transaction's gas (21,000 and
calldata included) of: the deployment (both verifiers and the rollup), a deposit (the first
into an empty queue and a later one), a batch of B transfers for each size (with B deposits
queued before, a batch of B deposits too), a claim, an exodus activation, a refund and an exit.
Proofs are simulated with a known trapdoor (`zkl.verifier.testing`): the verifier does the same
work, and so the same gas, for any valid proof. The transfers' amounts, fees and indices are
random 1-4 byte values (as real ones are), so calldata has the zero bytes real batches have.

`gas_per_tx` is the submission's gas divided by B; `gas_verify` is the verifier's share
(a `verifyProof` call of the same proof, less the 21,000 of its own transaction).
"""

from __future__ import annotations

import random
from typing import Any

from zkl.bench.timing import Say, print_table
from zkl.crypto import eddsa
from zkl.crypto.merkle import MerkleTree
from zkl.crypto.protocol import TREE_ARITY, TxType, levels
from zkl.crypto.pubdata import BatchHeader, TxRecord, commitment, encode, total_fees
from zkl.settlement.contract import L1BatchHeader

__all__ = ["QUICK", "bench_gas", "render"]

QUICK = {"sizes": (1, 4, 16)}
DEPTH = 16
DEADLINE = 2_000  # blocks: more than the run takes, few enough for anvil to mine past at the end
SEQUENCER, ALICE, CAROL = 0x5E0, 0xA11CE, 0xCA201


def _transfers(rng: random.Random, n: int) -> list[TxRecord]:
    return [TxRecord(TxType.TRANSFER, from_index=rng.randrange(1, 1 << 16), to_index=rng.randrange(1, 1 << 16),
                     amount=rng.randrange(1, 1 << 32), fee=rng.randrange(1, 1 << 8)) for _ in range(n)]


def bench_gas(sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64), l1: str = "evm",
              say: Say | None = None) -> dict[str, Any]:
    """Gas of every rollup operation and of a batch of B transfers for each B in sizes (l1: "evm" or "anvil")."""
    if l1 == "anvil":
        from zkl.settlement.anvil import Anvil
        from zkl.settlement.evm import RpcEvm

        with Anvil.start(extra=("--base-fee", "0", "--gas-price", "0")) as node:
            chain = RpcEvm(node.url, impersonate=True, gas_price=0)
            for address in (SEQUENCER, ALICE):
                chain.set_balance(address, 10**30)
            return _measure(chain, sizes, "anvil", say)
    if l1 != "evm":
        raise ValueError(f"l1 must be evm or anvil, not {l1!r}")
    from zkl.settlement.evm import InProcessEvm

    return _measure(InProcessEvm(balances={SEQUENCER: 10**30, ALICE: 10**30}), sizes, "evm (pyrevm)", say)


def _measure(chain: Any, sizes: tuple[int, ...], l1: str, say: Say | None) -> dict[str, Any]:
    """The measurements of bench_gas on one chain."""
    import time

    from zkl.settlement.evm import UNIT, EvmRollup
    from zkl.verifier.testing import simulate

    say = say or (lambda *args: None)
    rng = random.Random(5)
    batch_key, exit_key = simulate(3, 0, seed=1), simulate(5, 0, seed=2)
    genesis = MerkleTree(levels(DEPTH), TREE_ARITY).root
    say("deploying")
    rollup = EvmRollup.deploy(chain, batch_key.vk, exit_key.vk, genesis, DEPTH, sequencer=SEQUENCER, bond=10**6,
                              deposit_deadline=DEADLINE)
    out: dict[str, Any] = {"l1": l1, "depth": DEPTH, "deploy_rollup": rollup.last_receipt.gas,
                           "deploy_all": rollup.deploy_gas}
    key = eddsa.public_key(b"\x01" * 32)

    def submit(records: list[TxRecord]) -> int:
        c = rollup
        processed = c._one("depositsProcessed")
        n_dep = sum(r.type == TxType.DEPOSIT for r in records)
        inner = BatchHeader(c.domain.element, c.batch_number + 1, 0, total_fees(records), c.deposit_chain(processed),
                            c.deposit_chain(processed + n_dep))
        header = L1BatchHeader(c.batch_number + 1, c.state_root, rng.randrange(1, 1 << 250), 0,
                               commitment(inner, records))
        (_, proof), = simulate(3, 1, seed=1, inputs=[header.public_inputs()]).items
        started = time.perf_counter()
        c.submit_batch(header, encode(records), proof)
        timings.append(time.perf_counter() - started)
        return c.last_receipt.gas

    timings: list[float] = []

    say("deposits")
    rollup.deposit(key, 10**6, sender=ALICE)
    out["deposit_first"] = rollup.last_receipt.gas
    rollup.deposit(key, 10**6, sender=ALICE)
    out["deposit"] = rollup.last_receipt.gas
    submit([TxRecord(TxType.DEPOSIT, to_index=1, amount=10**6, pubkey=(key.x, key.y))] * 2)
    rows = []
    for size in sizes:
        say(f"a batch of {size} transfers")
        gas = submit(_transfers(rng, size))
        for _ in range(size):
            rollup.deposit(key, 10**6, sender=ALICE)
        deposits = submit([TxRecord(TxType.DEPOSIT, to_index=1, amount=10**6, pubkey=(key.x, key.y))] * size)
        rows.append({"size": size, "gas_submit": gas, "gas_per_tx": round(gas / size), "calldata_bytes": 45 * size,
                     "gas_submit_deposits": deposits, "submit_ms": round(timings[-2] * 1e3, 1)})
    out["batches"] = rows
    (_, proof), = simulate(3, 1, seed=1, inputs=[[1, 2, 3]]).items
    from zkl.verifier.solidity import verify_proof_calldata  # the verifier's own call: its share of a submission

    receipt = chain.transact(f"0x{ALICE:040x}", rollup.verifier, verify_proof_calldata(proof, [1, 2, 3]))
    out["gas_verify"] = receipt.gas - 21_000
    say("withdrawal, claim, exodus, refund, exit")
    submit([TxRecord(TxType.WITHDRAW, from_index=1, amount=5, fee=1, l1_address=CAROL)])
    rollup.claim(CAROL, sender=ALICE)
    out["claim"] = rollup.last_receipt.gas
    rollup.deposit(key, 10**6, sender=ALICE)
    chain.mine(DEADLINE + 1)
    rollup.activate_exodus(sender=ALICE)
    out["activate_exodus"] = rollup.last_receipt.gas
    rollup.refund_deposit(len(rollup.deposits()), sender=ALICE)
    out["refund"] = rollup.last_receipt.gas
    inputs = [rollup.state_root, rollup.domain.element, 1, CAROL, 7]
    (_, exit_proof), = simulate(5, 1, seed=2, inputs=[inputs]).items
    rollup.exit(1, CAROL, 7, exit_proof, sender=ALICE)
    out["exit"] = rollup.last_receipt.gas
    out["unit_wei"] = UNIT
    return out


def render(result: dict[str, Any]) -> None:
    """Print the tables."""
    print_table(f"rollup contract gas on {result['l1']} (whole transactions)", ["operation", "gas"], [
        ("deploy (rollup)", result["deploy_rollup"]), ("deploy (both verifiers and the rollup)", result["deploy_all"]),
        ("deposit (first)", result["deposit_first"]),
        ("deposit", result["deposit"]), ("claim", result["claim"]),
        ("activate exodus", result["activate_exodus"]), ("refund a deposit", result["refund"]),
        ("exit (proof)", result["exit"]), ("verifyProof (3 inputs, execution)", result["gas_verify"])])
    print_table("a batch of B transfers", ["B", "submit gas", "gas per transfer", "calldata bytes",
                                           "B deposits: submit gas", "submit (ms, wall)"],
                [(r["size"], r["gas_submit"], r["gas_per_tx"], r["calldata_bytes"], r["gas_submit_deposits"],
                  r["submit_ms"]) for r in result["batches"]])
