"""examples/: the Python API story runs end to end (small tree) and ends where the rules say."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow  # proves (or fuzzes for a minute): `pytest -m 'not slow'` skips it



def test_rollup_story_runs_and_rebuilds_the_final_root(tmp_path: Path) -> None:
    env = {**os.environ, "ZKL_CACHE_DIR": os.environ.get("ZKL_TEST_CACHE_DIR") or str(tmp_path / "cache"),
           "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "rollup_story.py"), str(tmp_path / "net"),
                           "--batch-size", "4", "--depth", "4"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "bob claims 700 on L1" in out
    final = re.search(r"final root\s+(\d+)", out).group(1)
    rebuilt = re.search(r"rebuilt root\s+(\d+) match: True", out).group(1)
    assert final == rebuilt and int(final) != 0
    batches = re.findall(r"^batch (\d+): (\d+) txs", out, re.MULTILINE)
    assert [int(n) for n, _ in batches] == list(range(1, len(batches) + 1))
    # the sequencer's fee account, 2 deposits, 2 transfers, 1 withdrawal
    assert sum(int(t) for _, t in batches) == 6
    alice, bob = (_balances(out, name) for name in ("alice", "bob"))
    assert re.search(r"^deployment: chain \d+, contract 0x[0-9a-f]{40}", out, re.MULTILINE)
    assert alice["l1"] == 100_000 - 10_000 and bob["l1"] == 100_000 - 2_000 + 700
    fee = 10_000 - 1_500 + 200 - alice["l2"]  # alice sent one transfer
    assert fee > 0 and bob["l2"] == 2_000 + 1_500 - 200 - 700 - 2 * fee
    assert alice["nonce"] == 1 and bob["nonce"] == 2 and alice["claimable"] == bob["claimable"] == 0


def _balances(out: str, name: str) -> dict[str, int]:
    """A user's line of the story: 'alice: L1 90000, L2 8298 at index 1, nonce 1, claimable 0'."""
    line = re.search(rf"^{name}: L1 (\d+), L2 (\d+) at index (\d+), nonce (\d+), claimable (\d+)$", out, re.MULTILINE)
    assert line, out
    return dict(zip(("l1", "l2", "index", "nonce", "claimable"), map(int, line.groups())))
