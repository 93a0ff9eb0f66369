"""Node-level crash safety of `seal` (build on L2, prove, submit to L1, mark settled): the process is
SIGKILLed at each step, restarted, and must converge on exactly what an uninterrupted run reaches."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from tests.e2e.stories import waiting_story

from zkl.devnet import Devnet

pytestmark = pytest.mark.slow  # proves (or fuzzes for a minute): `pytest -m 'not slow'` skips it

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from zkl.devnet import Devnet
    from zkl.execution.node import Node
    if sys.argv[2] == "inside_build":   # killed inside the node's SQLite transaction: rows written, no COMMIT
        original = Node._record
        def record(self, result):
            original(self, result)
            os.kill(os.getpid(), signal.SIGKILL)
        Node._record = record
    net = Devnet(sys.argv[1])
    net.seal()
    net.close()
""")


def _snapshot(net: Devnet) -> dict:
    c = net.contract
    return {
        "l1_root": c.state_root, "l1_batches": c.batch_number, "l2_root": net.node.root,
        "l2_batches": net.node.next_batch - 1, "settled": net.settled(), "mempool": len(net.node.mempool),
        "deposits": [(d.index, d.amount, d.status, d.batch) for d in c.deposits()],
        "l2_pending_deposits": len(net.node.pending_deposits()),
        "withdrawals": [(w.batch, w.position, w.l1_address, w.amount, w.claimed_height is not None)
                        for w in c.withdrawals()],
        "users": {name: net.balance(name) for name in sorted(net.wallets)},
        "escrow": c.status().escrow,
    }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory):
    """A devnet with settled deposits and, waiting: a transfer, a withdrawal and a new deposit."""
    cache = tmp_path_factory.mktemp("cache")
    saved = os.environ.get("ZKL_CACHE_DIR")
    os.environ["ZKL_CACHE_DIR"] = os.environ.get("ZKL_TEST_CACHE_DIR") or str(cache)
    path = str(tmp_path_factory.mktemp("devnet") / "net")
    waiting_story(path)
    yield path
    if saved is None:
        os.environ.pop("ZKL_CACHE_DIR", None)
    else:
        os.environ["ZKL_CACHE_DIR"] = saved


def _finish(path: str) -> dict:
    """Restart (recover) and finish the story: seal what waits, claim bob's withdrawal."""
    with Devnet(path) as net:
        net.seal_all()
        net.claim("bob")
        snap = _snapshot(net)
        sync = net.sync()
        assert sync["match"], sync
    return snap


@pytest.fixture(scope="module")
def reference(template: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = str(tmp_path_factory.mktemp("ref") / "net")
    shutil.copytree(template, path)
    snap = _finish(path)
    assert snap["l1_batches"] == 2 and snap["withdrawals"][0][4] is True
    assert snap["users"]["bob"]["l1"] == 100_000 - 3_000 + 400
    return snap


@pytest.mark.parametrize("env,point", [
    ("ZKL_DEVNET_CRASH_AT", "seal.before_build"),
    ("", "inside_build"),
    ("ZKL_DEVNET_CRASH_AT", "seal.built"),
    ("ZKL_DEVNET_CRASH_AT", "seal.proved"),
    ("ZKL_SETTLEMENT_CRASH_AT", "submit_batch.mid"),
    ("ZKL_DEVNET_CRASH_AT", "seal.submitted"),
])
def test_seal_killed_then_restarted_converges(template, reference, tmp_path, env, point) -> None:
    path = str(tmp_path / "net")
    shutil.copytree(template, path)
    environ = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if env:
        environ[env] = point
    out = subprocess.run([sys.executable, "-c", SCRIPT, path, point], env=environ, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == -9, out.stderr[-2000:]  # it was killed, not finished
    with Devnet(path, recover=False) as net:
        l1_after_kill = net.contract.batch_number
        l2_after_kill = net.node.next_batch - 1
    expected_l1 = 2 if point in ("seal.submitted",) else 1
    expected_l2 = 1 if point in ("seal.before_build", "inside_build") else 2
    assert (l1_after_kill, l2_after_kill) == (expected_l1, expected_l2)
    assert _finish(path) == reference
