"""Fixtures of the node-service tests: devnets made once per session, and servers run as real processes.

`Server.start(data_dir, ...)` runs `zkl node serve --port 0` in a subprocess (`zkl.service.serve.ServerProcess`,
so a test can SIGKILL it) and waits for DATA_DIR/serve.json, which the server writes once it listens. Devnets use
BatchCircuit(2, 4): its proving key is made once per key cache (ZKL_TEST_CACHE_DIR, else the
session's temporary directory, shared with tests/e2e) and a proof takes about a second.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from zkl.service.serve import ServerProcess

BATCH, DEPTH = 2, 4


def cache_dir(factory: pytest.TempPathFactory) -> str:
    """The key cache the service tests share with tests/e2e."""
    return os.environ.get("ZKL_TEST_CACHE_DIR") or str(factory.getbasetemp() / "zkl-cache")


class Server(ServerProcess):
    """`zkl node serve` in a subprocess over a data directory, with the tests' key cache."""

    @classmethod
    def start(cls, data_dir: Path, *, cache: str, seal_interval: float = 0.5, rate: float = 100_000,  # type: ignore[override]
              env: dict[str, str] | None = None, timeout: float = 180.0) -> Server:
        """Start a server on a free loopback port; return once it listens."""
        return super().start(data_dir, seal_interval=seal_interval, rate=rate, timeout=timeout,
                             env={"ZKL_CACHE_DIR": cache, **(env or {})})


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
