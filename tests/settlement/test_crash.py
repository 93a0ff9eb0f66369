"""Crash safety: a process SIGKILLed in the middle of an L1 transaction loses nothing and doubles nothing.

A scenario of deposits, batches and claims runs once without interruption (the reference).  Then,
for each crash point, it runs again: the steps before run in this process; the step under test
runs in a child process with ZKL_SETTLEMENT_CRASH_AT set, which SIGKILLs itself at that point
(inside the SQLite transaction after some writes, just before COMMIT, or just after it).  After
the "restart" (a fresh connection to the same file) the ledger must be exactly the state before
the step (crash before COMMIT) or after it (crash after COMMIT); the step is then resumed the way
a client would (check the contract, retry if not applied) and the remaining steps run.  The final
ledger (every row of every table: roots, balances, queue, batches, claims, events, blocks) must
equal the reference.

This file is also the child: ``python -m tests.settlement.test_crash DATA_DIR STEP_JSON`` (from the repository root).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.settlement.helpers import (
    ALICE,
    BOB,
    CAROL,
    CLOCK,
    GENESIS,
    ToyGroth16,
    deposit_record,
    make_world,
    pubkey_of,
    transfer_record,
    withdraw_record,
)

from zkl.settlement import L1BatchHeader, Ledger, RollupContract  # noqa: E402
from zkl.settlement.storage import CRASH_ENV  # noqa: E402
from zkl.verifier.snarkjs_json import proof_from_snarkjs_json, proof_to_snarkjs_json  # noqa: E402

# the scenario: (kind, arguments); batches name the records they apply
STEPS = [
    ("deposit", {"sender": ALICE, "key": 1, "amount": 1000}),
    ("deposit", {"sender": BOB, "key": 2, "amount": 700}),
    ("batch", {"number": 1}),
    ("claim", {"address": CAROL}),
    ("deposit", {"sender": ALICE, "key": 3, "amount": 400}),
    ("batch", {"number": 2}),
    ("claim", {"address": CAROL}),
]
BATCH_RECORDS = {
    1: [deposit_record(1, pubkey_of(1), 1000), deposit_record(2, pubkey_of(2), 700),
        transfer_record(1, 2, 100, fee=3), withdraw_record(2, 250, CAROL, fee=2)],
    2: [deposit_record(3, pubkey_of(3), 400), withdraw_record(1, 50, CAROL, fee=1), transfer_record(3, 2, 7)],
}


def run_step(contract: RollupContract, step: dict) -> None:
    """Perform one scenario step (batches carry their header, data and proof)."""
    kind, args = step["kind"], step["args"]
    if kind == "deposit":
        contract.deposit(pubkey_of(args["key"]), args["amount"], sender=args["sender"])
    elif kind == "claim":
        contract.claim(args["address"])
    else:
        header = L1BatchHeader(**{k: int(v) for k, v in args["header"].items()})
        proof = proof_from_snarkjs_json(args["proof"])
        contract.submit_batch(header, bytes.fromhex(args["data"]), proof)


def resume_step(contract: RollupContract, step: dict, index: int) -> None:
    """Redo a step after a crash only if it did not take effect (what a careful client does)."""
    kind, args = step["kind"], step["args"]
    if kind == "deposit":
        done = len(contract.deposits()) >= sum(1 for s in STEPS[: index + 1] if s[0] == "deposit")
    elif kind == "claim":
        done = contract.claimable(args["address"]) == 0
    else:
        done = contract.batch_number >= int(args["header"]["batch_number"])
    if not done:
        run_step(contract, step)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run: the steps (batches with their material), and the snapshot after each step."""
    toy = ToyGroth16(seed=31)
    world = make_world(tmp_path_factory.mktemp("reference"), toy)
    steps, snapshots = [], [world.ledger.snapshot()]
    for kind, args in STEPS:
        args = dict(args)
        if kind == "batch":
            header, data, proof = world.batch(BATCH_RECORDS[args["number"]])
            args = {"header": {k: str(v) for k, v in header.__dict__.items()}, "data": data.hex(),
                    "proof": proof_to_snarkjs_json(proof)}
        step = {"kind": kind, "args": args}
        run_step(world.contract, step)
        steps.append(step)
        snapshots.append(world.ledger.snapshot())
    world.ledger.close()
    return toy, steps, snapshots


def _child(data_dir: Path, step: dict, crash_at: str | None, tmp_path: Path) -> subprocess.CompletedProcess:
    step_file = tmp_path / "step.json"
    step_file.write_text(json.dumps(step))
    env = dict(os.environ)
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    return subprocess.run([sys.executable, "-m", "tests.settlement.test_crash", str(data_dir), str(step_file)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


CASES = [
    # (crash point, index of the step it interrupts, whether the step had committed)
    ("submit_batch.mid", 2, False),  # after the root and the deposit queue were updated, before the batch row
    ("submit_batch.before_commit", 5, False),  # every write done, COMMIT not reached
    ("submit_batch.after_commit", 2, True),
    ("claim.mid", 3, False),  # after the payment, before the withdrawal is marked claimed
    ("claim.after_commit", 6, True),
    ("deposit.before_commit", 4, False),
]


@pytest.mark.parametrize("crash_at,index,committed", CASES, ids=[c[0] for c in CASES])
def test_kill_mid_transaction_loses_and_doubles_nothing(tmp_path, reference, crash_at, index, committed):
    toy, steps, snapshots = reference
    data_dir = tmp_path / "data"
    world = make_world(data_dir, toy)
    for step in steps[:index]:
        run_step(world.contract, step)
    assert world.ledger.snapshot() == snapshots[index]
    world.ledger.close()

    result = _child(data_dir, steps[index], crash_at, tmp_path)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    # the killed process left a WAL behind, possibly with uncommitted frames; a fresh open must ignore them
    ledger = Ledger.open(data_dir, clock=lambda: CLOCK)
    contract = RollupContract(ledger)
    assert ledger.snapshot() == snapshots[index + 1 if committed else index]

    resume_step(contract, steps[index], index)
    assert ledger.snapshot() == snapshots[index + 1]
    for step in steps[index + 1:]:
        run_step(contract, step)
    final = snapshots[-1]
    assert ledger.snapshot() == final
    # the same, in words: roots, balances, the queue and claims agree with the uninterrupted run
    variables = {key: json.loads(value) for name, key, value in final["storage"] if name == "rollup"}
    assert contract.state_root == int(variables["state_root"]) and contract.batch_number == 2
    assert ledger.balance(CAROL) == 300 and contract.claimable(CAROL) == 0
    assert [d.status for d in contract.deposits()] == ["processed"] * 3
    assert ledger.total_supply() == sum(GENESIS.values())
    assert len(ledger.events("claim")) == 2 and len(ledger.events("batch")) == 2
    ledger.close()


def test_a_plain_transfer_killed_before_commit(tmp_path):
    """The ledger alone (no contract): the transfer is all or nothing."""
    data_dir = tmp_path / "plain"
    with Ledger.create(data_dir, {ALICE: 10}, clock=lambda: CLOCK) as ledger:
        before = ledger.snapshot()
    code = ("import sys; from zkl.settlement.ledger import Ledger; "
            f"Ledger.open(sys.argv[1], clock=lambda: {CLOCK}).transfer({ALICE}, {BOB}, 4)")
    env = dict(os.environ, **{CRASH_ENV: "transfer.before_commit"})
    result = subprocess.run([sys.executable, "-c", code, str(data_dir)], env=env, capture_output=True, timeout=120)
    assert result.returncode == -signal.SIGKILL
    with Ledger.open(data_dir) as ledger:
        assert ledger.snapshot() == before
        assert (ledger.balance(ALICE), ledger.balance(BOB), ledger.height) == (10, 0, 0)
    env.pop(CRASH_ENV)
    result = subprocess.run([sys.executable, "-c", code, str(data_dir)], env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with Ledger.open(data_dir) as ledger:
        assert (ledger.balance(ALICE), ledger.balance(BOB), ledger.height) == (6, 4, 1)


if __name__ == "__main__":  # the child process
    directory, step_path = sys.argv[1], sys.argv[2]
    ledger = Ledger.open(directory, clock=lambda: CLOCK)
    run_step(RollupContract(ledger), json.loads(Path(step_path).read_text()))
    ledger.close()
