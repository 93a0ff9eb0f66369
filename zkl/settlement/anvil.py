"""A local anvil node (Foundry's EVM devnet, from the npm package pinned in js/) on a free loopback port.

    with Anvil.start() as node:                  # binary from $ZKL_ANVIL, else js/node_modules
        node.url                                 # http://127.0.0.1:<port>
        node.rpc("eth_chainId")                  # '0x7a69'
        node.accounts[0]                         # unlocked, funded: eth_sendTransaction needs no signing
                                                 # the node is stopped (by its pid) on leaving the block

`rpc` is a plain JSON-RPC 2.0 client over HTTP (the standard library's urllib); an error
answer raises `RpcError` with the node's code and message. anvil listens on 127.0.0.1
only and is started with `--silent`; its output goes to a log file in its state directory.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from zkl.errors import SettlementError

__all__ = ["Anvil", "RpcError", "anvil_binary", "js_package"]

_PACKAGE_BINARY = Path("node_modules") / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"


class RpcError(SettlementError):
    """A JSON-RPC node answered with an error (its code and message), or could not be reached."""

    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


def js_package(relative: Path, env: str) -> Path | None:
    """A path under the js/ folder's npm packages: $env, else js/ beside the zkl sources or the working directory."""
    if os.environ.get(env):
        return Path(os.environ[env])
    here = Path(__file__).resolve()
    for root in (Path.cwd(), *here.parents):
        candidate = root / "js" / relative
        if candidate.exists():
            return candidate
    return None


def anvil_binary() -> Path:
    """The anvil executable: $ZKL_ANVIL, else the npm package in the js/ folder beside the zkl sources."""
    found = js_package(_PACKAGE_BINARY, "ZKL_ANVIL")
    if found is None:
        raise SettlementError("anvil is not installed: run `npm ci --prefix js` in the zkl checkout, or set "
                              "ZKL_ANVIL to an anvil binary")
    return found


def _free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Anvil:
    """A running anvil node (see the module docstring); stop it with `stop()` or by leaving a `with` block."""

    def __init__(self, process: subprocess.Popen, url: str, directory: Path) -> None:
        self.process = process
        self.url = url
        self.directory = directory
        self._id = 0
        self.accounts: list[str] = self.rpc("eth_accounts")

    @classmethod
    def start(cls, *, chain_id: int | None = None, block_time: float | None = None, timeout: float = 30.0,
              extra: tuple[str, ...] = ()) -> Anvil:
        """Start anvil on a free loopback port and wait until it answers JSON-RPC."""
        directory = Path(tempfile.mkdtemp(prefix="zkl-anvil-"))
        port = _free_port()
        command = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(port), "--silent", *extra]
        if chain_id is not None:
            command += ["--chain-id", str(chain_id)]
        if block_time is not None:
            command += ["--block-time", str(block_time)]
        log = open(directory / "anvil.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise SettlementError(f"anvil exited with code {process.returncode} at start: "
                                      f"{(directory / 'anvil.log').read_text(errors='replace')[-500:]}")
            try:
                _call(url, 0, "eth_chainId", [], 2.0)
                break
            except RpcError:
                if time.monotonic() > deadline:
                    process.kill()
                    raise SettlementError(f"anvil did not answer on {url} within {timeout} s") from None
                time.sleep(0.05)
        return cls(process, url, directory)

    def rpc(self, method: str, *params: Any, timeout: float = 60.0) -> Any:
        """Call a JSON-RPC method; its result, or RpcError."""
        self._id += 1
        return _call(self.url, self._id, method, list(params), timeout)

    def send(self, tx: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
        """eth_sendTransaction (from an unlocked account) and wait for its receipt."""
        tx_hash = self.rpc("eth_sendTransaction", tx)
        deadline = time.monotonic() + timeout
        while (receipt := self.rpc("eth_getTransactionReceipt", tx_hash)) is None:
            if time.monotonic() > deadline:
                raise RpcError(f"transaction {tx_hash} was not mined within {timeout} s")
            time.sleep(0.01)
        return receipt

    def stop(self) -> None:
        """Stop the node (SIGTERM by pid, SIGKILL after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self) -> Anvil:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _call(url: str, request_id: int, method: str, params: list, timeout: float) -> Any:
    """One JSON-RPC request."""
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - a loopback URL we made
            reply = json.loads(answer.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError) as e:
        raise RpcError(f"{method} on {url} failed: {e}") from None
    if "error" in reply:
        error = reply["error"]
        raise RpcError(f"{method}: {error.get('message')}", error.get("code"), error.get("data"))
    return reply["result"]
