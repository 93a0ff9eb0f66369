"""Crash safety of the node service: `zkl node serve` SIGKILLed during admission and during a seal.

1. During admission: client threads (one per account, each with its own nonces) submit signed
   transfers as fast as the server takes them while another thread SIGKILLs the server's process
   group after KILL_AFTER acknowledgements (HTTP 202), with the sealer paused or running. The
   server is restarted on the same data directory: every acknowledged transaction is known to it
   (pending or later), none twice; once everything is final, L1 holds each acknowledged one exactly
   once, and nothing else but the few sent and not acknowledged when the kill came (committed, the
   202 lost with the process); the L2 balances and nonces equal a model of what L1 holds.
2. During a seal: with transactions admitted, the server is started with ZKL_DEVNET_CRASH_AT at a
   point of the service's pipelined sealing path (SealPipeline.build: seal.before_build,
   seal.built; Devnet._settle: seal.proved, seal.submitted), dies by SIGKILL there, is restarted
   without it and converges: every admitted transaction final exactly once on L1, the L1 root
   equals the node's root, the state rebuilt from L1 data matches the node's.

Proofs are BatchCircuit(2, 4)'s (see conftest): ~4 s each on the busy 2-core machine, and every
acknowledged transaction must be proven after the restart, so the numbers stay small: the kill
comes after ZKL_CRASH_ACKS acknowledgements (default 12) from 4 sender threads; ZKL_CRASH_POINTS
(comma-separated) picks the seal crash points (default seal.built, seal.proved, seal.submitted).
The whole file takes 65-150 s there (quiet-busy). With -s each admission case prints one line of figures (`crash:`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import Server
from zkl.client import NodeClient
from zkl.errors import FeeTooLow, ServiceUnavailable
from zkl.execution import Wallet

pytestmark = pytest.mark.slow  # proves: `pytest -m 'not slow'` skips it

#: acknowledgements before the kill: each two are a batch to prove after the restart (~4 s a proof here)
KILL_AFTER = int(os.environ.get("ZKL_CRASH_ACKS", "12"))
DEPOSIT = 10**6
EXTRA_USERS = 2  # senders besides alice and bob (one thread each)
FINAL_TIMEOUT = 300.0
#: a request may wait behind the node thread's first signature check (numba kernels compiled if their cache is cold)
CLIENT_TIMEOUT = 240.0
#: the crash points of the service's sealing path (SealPipeline.build: seal.before_build, seal.built;
#: Devnet._settle: seal.proved, seal.submitted); seal.before_build (nothing done yet) only when asked for
CRASH_POINTS = tuple(os.environ.get("ZKL_CRASH_POINTS", "seal.built,seal.proved,seal.submitted").split(","))


# -- helpers -----------------------------------------------------------------------------------


def _token(data_dir: Path) -> str:
    return (data_dir / "operator.token").read_text().strip()


def _wallets(data_dir: Path, extra: int = 0) -> dict[str, Wallet]:
    """The devnet's users alice and bob, and `extra` more wallets (keys known to no one else)."""
    users = json.loads((data_dir / "devnet.json").read_text())["users"]
    out = {name: Wallet.from_json(users[name]["wallet"]) for name in ("alice", "bob")}
    for k in range(extra):
        out[f"extra{k}"] = Wallet(hashlib.sha256(f"zkl-test-crash:{k}".encode()).digest())
    return out


def _wait_settled(client: NodeClient, timeout: float = FINAL_TIMEOUT) -> dict[str, Any]:
    """Poll /api/status until nothing waits and every batch is final on L1; the last status."""
    deadline = time.monotonic() + timeout
    while True:
        status = client.status()
        l2 = status["l2"]
        if (l2["mempool"] == 0 and l2["pending_deposits"] == 0 and l2["final"] == l2["batches"]
                and status["l1"]["batches"] == l2["batches"] and status["sealer"]["in_flight"] == 0):
            return status
        if status["sealer"]["error"]:
            raise AssertionError(f"the sealer failed: {status['sealer']['error']}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled within {timeout:g} s: {status}")
        time.sleep(0.25)


def _fund(server: Server, wallets: dict[str, Wallet]) -> dict[str, int]:
    """Deposit DEPOSIT to each wallet through the operator's faucet; wait until final. Their account indices."""
    with NodeClient(server.url, token=_token(server.data_dir)) as client:
        for wallet in wallets.values():
            client.deposit(wallet.pubkey, DEPOSIT)
        _wait_settled(client)
        index = {}
        for name, wallet in wallets.items():
            accounts = client.accounts_of(wallet.pubkey)
            assert len(accounts) == 1 and int(accounts[0]["balance"]) == DEPOSIT, (name, accounts)
            index[name] = accounts[0]["index"]
    return index


def _check_l1(data_dir: Path) -> tuple[Counter, dict[int, tuple[int, int]], int]:
    """With the server stopped: L1 == L2 roots, the state rebuilt from L1 matches; (settled ids, index ->
    (balance, nonce) of every account, the sequencer's index)."""
    from zkl.devnet import SEQUENCER, Devnet, l1_transaction_ids

    with Devnet(data_dir, recover=False) as net:
        sync = net.sync()
        assert sync["match"], sync
        assert net.contract.state_root == net.node.root
        assert net.contract.batch_number == net.node.next_batch - 1
        assert net.settled() == list(range(1, net.contract.batch_number + 1))
        assert len(net.node.mempool) == 0 and not net.node.pending_deposits()
        assert net.contract.status().queue_length == 0
        accounts = {i: (a.balance, a.nonce) for i, a in net.node.state.accounts()}
        return l1_transaction_ids(net.contract), accounts, net.account_index(SEQUENCER)


def _start_crashing(data_dir: Path, cache: str, point: str, timeout: float = 300.0) -> subprocess.CompletedProcess:
    """Run `zkl node serve` with ZKL_DEVNET_CRASH_AT=point until it dies (it may die before it listens)."""
    (data_dir / "serve.json").unlink(missing_ok=True)
    log = data_dir / f"server-crash-{point}.log"
    env = {**os.environ, "ZKL_CACHE_DIR": cache, "ZKL_DEVNET_CRASH_AT": point}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from zkl.cli import main; main()", "node", "serve", "--data-dir", str(data_dir),
             "--port", "0", "--seal-interval", "0.5", "--rate-limit", "100000"],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    finally:
        try:  # the prover process (and the server, if it did not die)
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, log.read_text(errors="replace"))


@pytest.fixture(scope="module")
def funded(tmp_path_factory: pytest.TempPathFactory, template_devnet: Path,
           service_cache: str) -> tuple[Path, dict[str, int]]:
    """A devnet whose users alice, bob and EXTRA_USERS more hold DEPOSIT each on L2, final (server stopped);
    their account indices."""
    path = tmp_path_factory.mktemp("funded") / "net"
    shutil.copytree(template_devnet, path)
    server = Server.start(path, cache=service_cache)
    try:
        index = _fund(server, _wallets(path, EXTRA_USERS))
    finally:
        server.stop()
    assert server.process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM once it shut down
    return path, index


# -- 1. killed during admission ----------------------------------------------------------------


class _Sender(threading.Thread):
    """Submits transfers from one account as fast as the server takes them, until the server is gone."""

    def __init__(self, url: str, wallet: Wallet, frm: int, targets: list[int], domain: Any, nonce: int,
                 acked: list, on_ack: Any, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.wallet, self.frm, self.targets, self.domain = url, wallet, frm, targets, domain
        self.nonce, self.acked, self.on_ack, self.stop = nonce, acked, on_ack, stop
        self.sent: dict[str, tuple[int, int, int, int]] = {}  # id -> (from, to, amount, fee), every one tried
        self.in_flight: str | None = None  # the one sent when the server went away (fate unknown)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with NodeClient(self.url, timeout=CLIENT_TIMEOUT) as client:
                fee = max(client.min_fee() * 2, 20)
                k = 0
                while not self.stop.is_set():
                    to = self.targets[k % len(self.targets)]
                    amount = 1 + k % 7
                    tx = self.wallet.transfer(self.frm, to, amount, fee, self.nonce, domain=self.domain)
                    self.sent[tx.id] = (self.frm, to, amount, fee)
                    self.in_flight = tx.id
                    try:
                        tx_id = client.submit(tx)
                    except FeeTooLow:  # refused, so the nonce is still free: sign it again with a higher fee
                        self.in_flight = None
                        fee = max(client.min_fee() * 2, fee * 2)
                        continue
                    except ServiceUnavailable:
                        return  # killed: in_flight may or may not have been committed
                    assert tx_id == tx.id
                    self.in_flight = None
                    self.acked.append(tx_id)
                    self.on_ack()
                    self.nonce += 1
                    k += 1
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e


@pytest.mark.parametrize("paused", [True, False], ids=["sealer-paused", "sealer-running"])
def test_kill_during_admission_loses_no_ack_and_doubles_nothing(funded: tuple[Path, dict[str, int]],
                                                                service_cache: str, tmp_path: Path,
                                                                paused: bool) -> None:
    data_dir = tmp_path / "net"
    shutil.copytree(funded[0], data_dir)
    index = funded[1]
    wallets = _wallets(data_dir, EXTRA_USERS)
    names = list(wallets)
    server = Server.start(data_dir, cache=service_cache)
    try:
        operator = NodeClient(server.url, token=_token(data_dir), timeout=CLIENT_TIMEOUT)
        domain = operator.domain()
        if paused:
            operator.pause()
        acked: list[str] = []
        count = [0]
        lock = threading.Lock()
        stop = threading.Event()
        enough = threading.Event()

        def on_ack() -> None:
            with lock:
                count[0] += 1
                if count[0] >= KILL_AFTER:
                    enough.set()

        senders = []
        for k, name in enumerate(names):
            others = [index[n] for n in names if n != name]
            senders.append(_Sender(server.url, wallets[name], index[name], others[k % 3:] + others[:k % 3], domain,
                                   0, acked, on_ack, stop))
        killed_at: list[int] = []

        def killer() -> None:
            enough.wait(timeout=CLIENT_TIMEOUT)
            server.kill()  # SIGKILL mid-stream: the senders are still submitting
            killed_at.append(count[0])
            stop.set()

        kill_thread = threading.Thread(target=killer, daemon=True)
        kill_thread.start()
        for s in senders:
            s.start()
        kill_thread.join(timeout=CLIENT_TIMEOUT + 60)
        for s in senders:
            s.join(timeout=CLIENT_TIMEOUT)
        assert not kill_thread.is_alive() and not any(s.is_alive() for s in senders)
        for s in senders:
            assert s.error is None, repr(s.error)
        assert server.process.returncode == -signal.SIGKILL
        assert killed_at and killed_at[0] >= KILL_AFTER
        assert len(acked) == len(set(acked))
        in_flight = {s.in_flight for s in senders if s.in_flight is not None}
        sent = {tx_id: fields for s in senders for tx_id, fields in s.sent.items()}
        operator.close()
    finally:
        server.kill()

    # restart on the same data dir: every acknowledged transaction is there, none twice
    server = Server.start(data_dir, cache=service_cache)
    try:
        with NodeClient(server.url, token=_token(data_dir)) as client:
            for tx_id in acked:
                info = client.transaction(tx_id)  # NotFound (404) if the ack was lost
                assert info["status"] in ("pending", "in_batch", "proven", "final"), info
            for name in names:
                history = [t["id"] for t in client.history(index[name], limit=500)]
                assert len(history) == len(set(history)), f"{name}: a transaction listed twice"
            if paused:  # the operator's pause outlives the crash (DATA_DIR/sealer.paused)
                assert client.status()["sealer"]["paused"] is True
                client.resume()
            else:
                assert client.status()["sealer"]["paused"] is False
            _wait_settled(client)
            for tx_id in acked:
                assert client.transaction(tx_id)["status"] == "final", tx_id
    finally:
        server.stop()

    settled, accounts, sequencer = _check_l1(data_dir)
    assert max(settled.values()) == 1, [t for t, n in settled.items() if n > 1]  # nothing doubled
    assert set(acked) <= set(settled), "acknowledged transactions missing on L1"
    assert set(settled) <= set(sent), "L1 holds a transaction no client sent"
    assert set(settled) - set(acked) <= in_flight  # at most the one each sender had in flight at the kill
    # balances and nonces: a model of exactly what L1 holds
    balance = {index[n]: DEPOSIT for n in names}
    nonce = dict.fromkeys(balance, 0)
    fees = 0
    for tx_id in settled:
        frm, to, amount, fee = sent[tx_id]
        balance[frm] -= amount + fee
        balance[to] += amount
        nonce[frm] += 1
        fees += fee
    for i in balance:
        assert accounts[i] == (balance[i], nonce[i]), i
    assert accounts[sequencer][0] == 1 + fees  # the devnet's fee account: its deposit of 1 and every fee
    print("crash:", json.dumps({"paused": paused, "acked": len(acked), "acked_at_kill": killed_at[0],
                                "in_flight": len(in_flight), "settled": len(settled),
                                "settled_unacked": len(set(settled) - set(acked))}))


# -- 2. killed during a seal -------------------------------------------------------------------


@pytest.fixture(scope="module")
def admitted(tmp_path_factory: pytest.TempPathFactory, funded: tuple[Path, dict[str, int]]) -> tuple[Path, list[str]]:
    """The funded devnet with transfers between alice and bob admitted (durable in node.db), none sealed."""
    from zkl.devnet import Devnet

    path = tmp_path_factory.mktemp("admitted") / "net"
    shutil.copytree(funded[0], path)
    with Devnet(path, recover=False) as net:
        ids = [net.transfer(a, b, 10 + n) for n in range(2) for a, b in (("alice", "bob"), ("bob", "alice"))]
        assert len(net.node.mempool) == len(ids) == 2 * net.batch_size
    return path, ids


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_kill_during_seal_converges(admitted: tuple[Path, list[str]], service_cache: str, tmp_path: Path,
                                    point: str) -> None:
    template, ids = admitted
    data_dir = tmp_path / "net"
    shutil.copytree(template, data_dir)
    from zkl.devnet import Devnet

    with Devnet(data_dir, recover=False) as net:
        before = (net.contract.batch_number, net.node.next_batch - 1)
    assert before[0] == before[1]

    died = _start_crashing(data_dir, service_cache, point)
    assert died.returncode == -signal.SIGKILL, f"the server did not die at {point}:\n{died.stdout[-3000:]}"
    with Devnet(data_dir, recover=False) as net:
        after = (net.contract.batch_number, net.node.next_batch - 1)
    if point == "seal.before_build":
        assert after == before
    elif point in ("seal.built", "seal.proved"):
        assert after[0] == before[0] and after[1] > before[1]
    else:  # seal.submitted: L1 took the batch, devnet.db does not know yet
        assert after[0] == before[0] + 1 and after[1] >= after[0]

    server = Server.start(data_dir, cache=service_cache)
    try:
        with NodeClient(server.url) as client:
            _wait_settled(client)
            for tx_id in ids:
                assert client.transaction(tx_id)["status"] == "final", tx_id
            status = client.status()
            assert status["l1"]["state_root"] == status["l2"]["state_root"]
    finally:
        server.stop()

    settled, _, _ = _check_l1(data_dir)
    assert settled == Counter(ids), "L1 does not hold each admitted transaction exactly once"
