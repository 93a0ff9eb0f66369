"""NodeClient: the node's HTTP API as Python calls (httpx), its refusals as the zkl errors that made them.

    node = NodeClient("http://127.0.0.1:8545", token=None)   # token: the operator's, for seal/pause/resume
    domain = node.domain()                                      # the deployment to sign for
    tx_id = node.submit(wallet.transfer(..., domain=domain))    # SignedTx or its JSON form
    node.wait(tx_id, "final", timeout=120)                      # polls until the status is reached

A refused request raises the zkl error named in the node's answer ({"error", "message"}: an
InvalidSignature stays an InvalidSignature); a node that cannot be reached raises
`ServiceUnavailable`.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from zkl import errors
from zkl.crypto.protocol import Domain
from zkl.errors import MalformedInput, ServiceUnavailable, ZklError
from zkl.execution.transactions import SignedTx

__all__ = ["NodeClient"]

#: the order of a transaction's statuses (zkl.service.views.STATUSES, without "dropped")
_ORDER = ("pending", "in_batch", "proven", "final")


def _error_of(response: httpx.Response) -> ZklError:
    """The zkl error a refusal names (ZklError itself for a name zkl does not define)."""
    try:
        body = response.json()
        name, message = str(body["error"]), str(body["message"])
    except (ValueError, KeyError, TypeError):
        return ZklError(f"the node answered HTTP {response.status_code}: {response.text[:200]}")
    kind = getattr(errors, name, None)
    if not (isinstance(kind, type) and issubclass(kind, ZklError)):
        kind = ZklError
    return kind(message)


class NodeClient:
    """A zkl node's HTTP API (see the module docstring)."""

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 30.0) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise MalformedInput(f"a node URL starts with http:// or https://, not {url!r:.80}")
        self.url = url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                 operator: bool = False) -> Any:
        headers = {}
        if operator:
            if not self.token:
                raise errors.AuthenticationRequired("operator calls need the node's operator token")
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as e:
            raise ServiceUnavailable(f"cannot reach the node at {self.url}: {type(e).__name__}: {e}") from None
        if response.status_code >= 400:
            raise _error_of(response)
        try:
            return response.json()
        except ValueError:
            raise ServiceUnavailable(f"the node at {self.url} answered {method} {path} with something other than "
                                     f"JSON: {response.text[:120]!r}") from None

    # -- reading -------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The node at a glance (GET /api/status)."""
        return self._request("GET", "/api/status")

    def domain(self) -> Domain:
        """The deployment the node serves: what its transactions are signed for."""
        data = self._request("GET", "/api/fee")["domain"]
        return Domain.from_json(data)

    def min_fee(self) -> int:
        """The current minimum fee."""
        return int(self._request("GET", "/api/fee")["min_fee"])

    def account(self, index: int) -> dict[str, Any]:
        """An L2 account: balance, nonce, next_nonce (counting the mempool), pubkey."""
        return self._request("GET", f"/api/accounts/{int(index)}")

    def accounts_of(self, pubkey: tuple[int, int]) -> list[dict[str, Any]]:
        """The accounts of a public key, lowest index first."""
        return self._request("GET", f"/api/keys/{int(pubkey[0])}/{int(pubkey[1])}")["accounts"]

    def history(self, index: int, limit: int = 50) -> list[dict[str, Any]]:
        """An account's latest transactions with their status."""
        return self._request("GET", f"/api/accounts/{int(index)}/transactions", params={"limit": limit})["transactions"]

    def transaction(self, tx_id: str) -> dict[str, Any]:
        """A transaction's status and, once sealed, its batch and L1 block."""
        return self._request("GET", f"/api/transactions/{tx_id}")

    def batches(self, limit: int = 20, before: int | None = None) -> dict[str, Any]:
        """The latest batches, newest first."""
        params: dict[str, Any] = {"limit": limit}
        if before is not None:
            params["before"] = before
        return self._request("GET", "/api/batches", params=params)

    def batch(self, number: int) -> dict[str, Any]:
        """One batch with its public data, proof and L1 receipt."""
        return self._request("GET", f"/api/batches/{int(number)}")

    def deposits(self) -> dict[str, Any]:
        """The deposit queue."""
        return self._request("GET", "/api/deposits")

    def claimable(self, l1_address: str) -> int:
        """What an L1 address can claim now."""
        return int(self._request("GET", f"/api/withdrawals/{l1_address}")["claimable"])

    # -- writing -------------------------------------------------------------------------------

    def submit(self, tx: SignedTx | dict[str, Any]) -> str:
        """Submit a signed transaction; its id once the node holds it durably (or the error that refused it)."""
        data = tx.to_json() if isinstance(tx, SignedTx) else tx
        return self._request("POST", "/api/transactions", json=data)["id"]

    def wait(self, tx_id: str, status: str = "final", *, timeout: float = 120.0, every: float = 0.25) -> dict[str, Any]:
        """Poll a transaction until it reaches `status` (pending < in_batch < proven < final); its last answer.

        Raises ExecutionError if it is dropped, WaitTimeout after `timeout` seconds.
        """
        if status not in _ORDER:
            raise MalformedInput(f"status must be one of {', '.join(_ORDER)}, not {status!r}")
        deadline = time.monotonic() + timeout
        while True:
            info = self.transaction(tx_id)
            if info["status"] == "dropped":
                raise errors.ExecutionError(f"transaction {tx_id} was dropped: {info.get('reason')}")
            if _ORDER.index(info["status"]) >= _ORDER.index(status):
                return info
            if time.monotonic() > deadline:
                raise errors.WaitTimeout(f"transaction {tx_id} is still {info['status']} after {timeout:g} s")
            time.sleep(every)

    # -- operator ------------------------------------------------------------------------------

    def seal(self) -> dict[str, Any]:
        """Ask the node to seal the next batch now (operator token)."""
        return self._request("POST", "/api/operator/seal", operator=True)

    def pause(self) -> dict[str, Any]:
        """Stop the node building batches (operator token)."""
        return self._request("POST", "/api/operator/pause", operator=True)

    def resume(self) -> dict[str, Any]:
        """Let the node build batches again (operator token)."""
        return self._request("POST", "/api/operator/resume", operator=True)

    def deposit(self, pubkey: tuple[int, int], amount: int) -> int:
        """A faucet deposit to an L2 key on the node's devnet L1 (operator token); the queue index."""
        body = {"pubkey": [str(int(pubkey[0])), str(int(pubkey[1]))], "amount": str(int(amount))}
        return int(self._request("POST", "/api/operator/deposit", json=body, operator=True)["queue_index"])
