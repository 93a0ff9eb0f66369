"""Run the node service: uvicorn on a socket bound here (port 0 picks a free one), until SIGINT/SIGTERM.

The chosen address is written to DATA_DIR/serve.json ({"url", "pid"}) once the server listens,
so scripts and tests started before it can find it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkl._binfile import atomic_write
from zkl.errors import ServiceUnavailable

__all__ = ["SERVE_FILE", "ServerProcess", "serve"]

SERVE_FILE = "serve.json"


def serve(data_dir: str | Path, *, host: str = "127.0.0.1", port: int = 8545, seal_interval: float = 2.0,
          rate: float = 200.0, announce: Callable[[str], None] | None = None, **options: Any) -> None:
    """Serve the devnet in data_dir over HTTP until stopped; `announce(url)` once it listens."""
    import uvicorn

    from zkl.service.app import create_app
    from zkl.service.runtime import NodeService

    data_dir = Path(data_dir)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    url = f"http://{f'[{host}]' if family == socket.AF_INET6 else host}:{bound}"
    # the node first: a devnet that cannot open (no keys, a key that is not the contract's) is one zkl error
    # here, before uvicorn, instead of a logged traceback
    try:
        node = NodeService(data_dir, seal_interval=seal_interval, executor=options.pop("executor", None))
    except BaseException:
        sock.close()
        raise
    app = create_app(data_dir, seal_interval=seal_interval, rate=rate, service=node, **options)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)

    original = server.startup

    async def startup(sockets: Any = None) -> None:
        await original(sockets=sockets)
        if server.started:
            atomic_write(data_dir / SERVE_FILE, json.dumps({"url": url, "pid": os.getpid()}).encode())
            if announce:
                announce(url)

    server.startup = startup  # type: ignore[method-assign]
    try:
        server.run(sockets=[sock])
    finally:
        node.stop()
        (data_dir / SERVE_FILE).unlink(missing_ok=True)
        sock.close()


class ServerProcess:
    """`zkl node serve` in a subprocess of its own process group (the prover process with it), on a free port.

        server = ServerProcess.start("data/", seal_interval=0.5)   # returns once it listens
        NodeClient(server.url).status(); server.stop()             # SIGTERM (server.kill(): SIGKILL)
    """

    def __init__(self, data_dir: Path, process: Any, url: str, log: Path) -> None:
        self.data_dir, self.process, self.url, self.log = data_dir, process, url, log

    @classmethod
    def start(cls, data_dir: str | Path, *, seal_interval: float = 2.0, rate: float = 200.0,
              env: dict[str, str] | None = None, timeout: float = 180.0, extra: tuple[str, ...] = ()) -> ServerProcess:
        """Start a server over data_dir on a free loopback port (its output in a log file there); once it listens."""
        data_dir = Path(data_dir)
        (data_dir / SERVE_FILE).unlink(missing_ok=True)
        log = data_dir / f"server-{time.monotonic_ns()}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", "from zkl.cli import main; main()", "node", "serve", "--data-dir", str(data_dir),
                 "--port", "0", "--seal-interval", str(seal_interval), "--rate-limit", str(rate), *extra],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                url = json.loads((data_dir / SERVE_FILE).read_text())["url"]
                return cls(data_dir, process, url, log)
            except (FileNotFoundError, ValueError, KeyError):
                pass
            if process.poll() is not None:
                raise ServiceUnavailable(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                cls(data_dir, process, "", log).kill()
                raise ServiceUnavailable(f"the server did not listen within {timeout:g} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the server's process group (the server and its prover process)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM the server and wait for it (SIGKILL after 30 s), then make sure its group is gone."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
