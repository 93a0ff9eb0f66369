"""Fixtures of the node-service tests: devnets made once per session, and servers run as real processes.

`Server.start(data_dir, ...)` runs `zkl node serve --port 0` in a subprocess (so a test can SIGKILL
it) and waits for DATA_DIR/serve.json, which the server writes once it listens. Devnets use
BatchCircuit(2, 4): its proving key is made once per key cache (ZKL_TEST_CACHE_DIR, else the
session's temporary directory, shared with tests/e2e) and a proof takes about a second.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BATCH, DEPTH = 2, 4


def cache_dir(factory: pytest.TempPathFactory) -> str:
    """The key cache the service tests share with tests/e2e."""
    return os.environ.get("ZKL_TEST_CACHE_DIR") or str(factory.getbasetemp() / "zkl-cache")


class Server:
    """`zkl node serve` in a subprocess over a data directory."""

    def __init__(self, data_dir: Path, process: subprocess.Popen, url: str, log: Path) -> None:
        self.data_dir, self.process, self.url, self.log = data_dir, process, url, log

    @classmethod
    def start(cls, data_dir: Path, *, cache: str, seal_interval: float = 0.5, rate: float = 100_000,
              env: dict[str, str] | None = None, timeout: float = 180.0) -> Server:
        """Start a server on a free loopback port; return once it listens."""
        (data_dir / "serve.json").unlink(missing_ok=True)
        log = data_dir / f"server-{time.monotonic_ns()}.log"
        environment = {**os.environ, "ZKL_CACHE_DIR": cache, **(env or {})}
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", "from zkl.cli import main; main()", "node", "serve", "--data-dir",
                 str(data_dir), "--port", "0", "--seal-interval", str(seal_interval), "--rate-limit", str(rate)],
                stdout=out, stderr=subprocess.STDOUT, env=environment, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                url = json.loads((data_dir / "serve.json").read_text())["url"]
                return cls(data_dir, process, url, log)
            except (FileNotFoundError, ValueError, KeyError):
                pass
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the server did not listen within {timeout:g} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the server and its process group (the prover process too)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then wait (SIGKILL after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        try:  # the prover process, if it outlived its parent
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture(scope="session")
def service_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """ZKL_CACHE_DIR for the service tests (keys made once)."""
    path = cache_dir(tmp_path_factory)
    os.environ.setdefault("ZKL_CACHE_DIR", path)
    return path


@pytest.fixture(scope="session")
def template_devnet(tmp_path_factory: pytest.TempPathFactory, service_cache: str) -> Path:
    """A devnet made once (users alice and bob with L1 funds; nothing deposited yet), copied by `fresh_devnet`."""
    old = os.environ.get("ZKL_CACHE_DIR")
    os.environ["ZKL_CACHE_DIR"] = service_cache
    try:
        from zkl.devnet import Devnet

        path = tmp_path_factory.mktemp("devnet-template") / "net"
        with Devnet.init(path, batch_size=BATCH, depth=DEPTH, seed=11, chain_id=31337) as net:
            net.add_user("alice", l1_funds=10**9)
            net.add_user("bob", l1_funds=10**9)
        return path
    finally:
        if old is None:
            os.environ.pop("ZKL_CACHE_DIR", None)
        else:
            os.environ["ZKL_CACHE_DIR"] = old


@pytest.fixture
def fresh_devnet(template_devnet: Path, tmp_path: Path) -> Path:
    """A copy of the template devnet for one test."""
    path = tmp_path / "net"
    shutil.copytree(template_devnet, path)
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, template_devnet: Path, service_cache: str) -> Iterator[Server]:
    """One server per test module over its own copy of the template devnet."""
    path = tmp_path_factory.mktemp("served") / "net"
    shutil.copytree(template_devnet, path)
    server = Server.start(path, cache=service_cache)
    try:
        yield server
    finally:
        server.stop()
