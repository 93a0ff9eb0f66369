"""Run the node service: uvicorn on a socket bound here (port 0 picks a free one), until SIGINT/SIGTERM.

The chosen address is written to DATA_DIR/serve.json ({"url", "pid"}) once the server listens,
so scripts and tests started before it can find it.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkl._binfile import atomic_write

__all__ = ["SERVE_FILE", "serve"]

SERVE_FILE = "serve.json"


def serve(data_dir: str | Path, *, host: str = "127.0.0.1", port: int = 8545, seal_interval: float = 2.0,
          rate: float = 200.0, announce: Callable[[str], None] | None = None, **options: Any) -> None:
    """Serve the devnet in data_dir over HTTP until stopped; `announce(url)` once it listens."""
    import uvicorn

    from zkl.service.app import create_app

    data_dir = Path(data_dir)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    url = f"http://{f'[{host}]' if family == socket.AF_INET6 else host}:{bound}"
    app = create_app(data_dir, seal_interval=seal_interval, rate=rate, **options)
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
        (data_dir / SERVE_FILE).unlink(missing_ok=True)
        sock.close()
