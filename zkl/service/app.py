"""The node's HTTP API (FastAPI on uvicorn): public reads, signed submissions, operator actions, the explorer.

    app = create_app("data/", seal_interval=2.0)        # uvicorn.run(app, host="127.0.0.1", port=8545)

Routes (the OpenAPI description is served at /openapi.json; big numbers are decimal strings):

    GET  /                                  the explorer page
    GET  /api/status                        deployment domain, L2 state, L1 status, the sealer
    GET  /api/fee                           the current minimum fee
    POST /api/transactions                  a signed transfer or withdrawal (zkl.execution.transactions'
                                            JSON form): 202 {"id", "status": "pending"} once durable
    GET  /api/transactions/{id}             pending -> in_batch -> proven -> final (or dropped)
    GET  /api/accounts/{index}              balance, nonce, next nonce, public key
    GET  /api/accounts/{index}/transactions the account's latest transactions and their status
    GET  /api/keys/{x}/{y}                  the accounts of a public key
    GET  /api/batches, /api/batches/{n}     header, status, public data, proof, L1 receipt (gas, verify time)
    GET  /api/deposits                      the deposit queue (not yet consumed)
    GET  /api/withdrawals/{l1_address}      what an L1 address can claim
    GET  /api/events                        server-sent events: admitted, deposits, sealed, proven, settled, sealer
    POST /api/operator/seal|pause|resume    bearer token (DATA_DIR/operator.token)
    POST /api/operator/deposit              bearer token: a faucet deposit to an L2 key (a devnet's L1)

A refused request gets a 4xx and {"error": "<zkl error name>", "message": "..."}: 400 malformed,
401 operator token missing or wrong, 404 not found, 413 body over `max_body` bytes, 422 a
well-formed transaction the mempool refuses, 429 over the client's rate limit (with
Retry-After); a refused request changes no state.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from zkl.devnet import Devnet
from zkl.errors import (
    AuthenticationRequired,
    MalformedInput,
    NotFound,
    RateLimited,
    RequestTooLarge,
    ServiceUnavailable,
    ZklError,
)
from zkl.service import views
from zkl.service.runtime import NodeService

__all__ = ["MAX_BODY", "create_app", "http_status"]

#: the largest request body taken (a transaction's JSON form is about 400 bytes)
MAX_BODY = 16 * 1024

_TX_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "from", "amount", "fee", "nonce", "domain", "signature"],
    "additionalProperties": False,
    "properties": {
        "type": {"type": "string", "enum": ["transfer", "withdraw"]},
        "from": {"type": "integer", "minimum": 0}, "to": {"type": "integer", "minimum": 0},
        "amount": {"type": "string", "pattern": "^[0-9]{1,20}$"}, "fee": {"type": "string", "pattern": "^[0-9]{1,20}$"},
        "nonce": {"type": "integer", "minimum": 0}, "domain": {"type": "string", "pattern": "^0x[0-9a-fA-F]{1,56}$"},
        "l1_address": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"},
        "signature": {"type": "string", "pattern": "^[0-9a-fA-F]{128}$"},
    },
}
_DEPOSIT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["pubkey", "amount"], "additionalProperties": False,
    "properties": {"pubkey": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{1,78}$"},
                              "minItems": 2, "maxItems": 2},
                   "amount": {"type": "string", "pattern": "^[0-9]{1,20}$"}},
}
_ERROR = {"description": "refused: {\"error\": zkl error name, \"message\": what was wrong}",
          "content": {"application/json": {"schema": {
              "type": "object", "required": ["error", "message"],
              "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}}}}
_READ_ERRORS = {400: _ERROR, 404: _ERROR, 429: _ERROR}
_OPERATOR_ERRORS = {400: _ERROR, 401: _ERROR, 413: _ERROR, 422: _ERROR, 429: _ERROR}


def http_status(error: BaseException) -> int:
    """The HTTP status of a refused request, from the zkl error that refused it."""
    if isinstance(error, RequestTooLarge):
        return 413
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, AuthenticationRequired):
        return 401
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, ServiceUnavailable):
        return 503
    if isinstance(error, MalformedInput):
        return 400
    return 422


def _error(error: BaseException, status: int | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": type(error).__name__, "message": str(error)},
                        status_code=status or http_status(error), headers=headers)


class Limits:
    """ASGI middleware: a body-size limit and a per-client token-bucket rate limit, before any handler runs.

    It also serves POST /api/transactions itself (`submit`: the route the load is on), skipping the
    framework's layers; FastAPI's route of the same path describes it in the OpenAPI document and
    answers the same way.
    """

    def __init__(self, app: Any, *, max_body: int, rate: float, burst: float,
                 submit: Callable[[Any], Awaitable[str]] | None = None) -> None:
        self.app, self.max_body, self.rate, self.burst = app, max_body, rate, burst
        self.submit = submit
        self._buckets: dict[str, tuple[float, float]] = {}

    def _allow(self, client: str) -> float:
        """0 if the client may go on (a token taken), else the seconds until it may."""
        now = time.monotonic()
        tokens, last = self._buckets.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[client] = (tokens - 1, now)
        if len(self._buckets) > 100_000:  # memory bounded by the clients of the last moments
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
        return 0.0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("?", 0))[0]
        wait = self._allow(client)
        if wait:
            error = RateLimited(f"over the rate limit of {self.rate:g} requests/s; retry in {wait:.2f} s")
            return await _error(error, headers={"Retry-After": str(max(1, round(wait)))})(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    size = int(value)
                except ValueError:
                    size = -1
                if size < 0 or size > self.max_body:
                    error = RequestTooLarge(f"the request body ({value.decode('latin-1')[:20]} bytes) is over the "
                                            f"limit of {self.max_body} bytes" if size >= 0 else
                                            "the Content-Length header is not a number")
                    return await _error(error, 413 if size >= 0 else 400)(scope, receive, send)
        seen = 0
        limit = self.max_body

        async def bounded() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise RequestTooLarge(f"the request body is over the limit of {limit} bytes")
            return message

        if self.submit is not None and scope["path"] == "/api/transactions" and scope["method"] == "POST":
            return await self._submit(bounded, send)
        await self.app(scope, bounded, send)

    async def _submit(self, receive: Any, send: Any) -> None:
        """POST /api/transactions without the framework: read the body, admit, answer (as the route does)."""
        try:
            chunks = []
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            tx_id = await self.submit(_parse_json(b"".join(chunks)))
        except ZklError as error:
            status, body = http_status(error), json.dumps({"error": type(error).__name__, "message": str(error)})
            await _send_json(send, status, body.encode())
            return
        await _send_json(send, 202, b'{"id":"%s","status":"pending"}' % tx_id.encode())


async def _send_json(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _explorer_page() -> str:
    return resources.files("zkl.service").joinpath("explorer.html").read_text()


def _parse_json(body: bytes) -> Any:
    """The JSON value of a request body; MalformedInput for anything else (bad bytes, nesting too deep)."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise MalformedInput(f"the request body is not JSON: {e}") from None
    except RecursionError:
        raise MalformedInput("the request body nests JSON too deeply") from None


async def _json_body(request: Request) -> Any:
    return _parse_json(await request.body())


_DECIMAL = re.compile(r"[0-9]{1,80}")


def _field(text: object, what: str, bits: int) -> int:
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text):
        raise MalformedInput(f"{what} must be a decimal string (ASCII digits), not {text!r:.60}")
    value = int(text)
    if value >= 1 << bits:
        raise MalformedInput(f"{what} must be below 2^{bits}, not {value}")
    return value


def create_app(data_dir: str | Path, *, seal_interval: float = 2.0, rate: float = 200.0, burst: float | None = None,
               max_body: int = MAX_BODY, executor: Any = None, service: NodeService | None = None,
               gateway_submit: bool = True) -> Any:
    """The ASGI app of the node over a devnet in data_dir (the service starts with the app, stops with it).

    seal_interval: seconds a partial batch waits before it is sealed; rate, burst: each client's requests per
    second and burst; executor: where batches are proven (default one process beside the server);
    gateway_submit: serve POST /api/transactions in the Limits middleware (False: through FastAPI's route,
    the same answers; `bench_service.py --compare-route` measures both).
    """
    data_dir = Path(data_dir)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        node = service or await asyncio.to_thread(NodeService, data_dir, seal_interval=seal_interval,
                                                  executor=executor)
        state["service"] = node
        state["token"] = await node.call(lambda net: net.operator_token())
        state["page"] = _explorer_page()
        try:
            yield
        finally:
            if service is None:
                await asyncio.to_thread(node.stop)

    app = FastAPI(title="zkl node", version="1", lifespan=lifespan,
                  description="A zk-rollup node: submit signed L2 transactions, follow them to finality on L1, "
                              "read accounts, batches, proofs and the deposit queue.")

    def svc() -> NodeService:
        node = state.get("service")
        if node is None:
            raise ServiceUnavailable("the node service is starting")
        return node

    def operator(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), state["token"].encode()):
            raise AuthenticationRequired("operator endpoints need 'Authorization: Bearer <DATA_DIR/operator.token>'")

    @app.exception_handler(ZklError)
    async def zkl_error(request: Request, error: ZklError) -> JSONResponse:
        return _error(error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for item in error.errors()[:3]:
            where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("path", "query", "body"))
            parts.append(f"{where}: {item.get('msg', 'invalid')}")
        return _error(MalformedInput("; ".join(parts) or "the request is malformed"), 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        name = {404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "HTTPError")
        return JSONResponse({"error": name, "message": str(error.detail)}, status_code=error.status_code,
                            headers=getattr(error, "headers", None))

    @app.get("/", include_in_schema=False)
    async def explorer() -> HTMLResponse:
        return HTMLResponse(state["page"])

    @app.get("/api/status", summary="The node at a glance", responses=_READ_ERRORS)
    async def get_status() -> dict[str, Any]:
        node = svc()
        return await node.call(views.status, node.sealer_state())

    @app.get("/api/fee", summary="The current minimum fee", responses=_READ_ERRORS)
    async def get_fee() -> dict[str, Any]:
        return await svc().call(lambda net: {"min_fee": str(net.node.min_fee), "domain": net.node.domain.to_json()})

    @app.post("/api/transactions", status_code=202, summary="Submit a signed transfer or withdrawal",
              responses={400: _ERROR, 413: _ERROR, 422: _ERROR, 429: _ERROR},
              openapi_extra={"requestBody": {"required": True,
                                             "content": {"application/json": {"schema": _TX_SCHEMA}}}})
    async def post_transaction(request: Request) -> Response:
        tx_id = await svc().submit(await _json_body(request))
        return Response(b'{"id":"%s","status":"pending"}' % tx_id.encode(), status_code=202,
                        media_type="application/json")

    @app.get("/api/transactions/{tx_id}", summary="A transaction's status", responses=_READ_ERRORS)
    async def get_transaction(tx_id: str) -> dict[str, Any]:
        return await svc().call(views.transaction, tx_id)

    @app.get("/api/accounts/{index}", summary="An L2 account", responses=_READ_ERRORS)
    async def get_account(index: int) -> dict[str, Any]:
        return await svc().call(views.account, index)

    @app.get("/api/accounts/{index}/transactions", summary="An account's latest transactions",
             responses=_READ_ERRORS)
    async def get_account_transactions(index: int, limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        return await svc().call(views.transactions_of, index, limit)

    @app.get("/api/keys/{x}/{y}", summary="The accounts of a public key", responses=_READ_ERRORS)
    async def get_key(x: str, y: str) -> dict[str, Any]:
        key = (_field(x, "x", 254), _field(y, "y", 254))
        return await svc().call(views.accounts_of_key, key)

    @app.get("/api/batches", summary="The latest batches", responses=_READ_ERRORS)
    async def get_batches(limit: int = Query(20, ge=1, le=200),
                          before: int | None = Query(None, ge=1, le=1 << 62)) -> dict[str, Any]:
        return await svc().call(views.batches, limit, before)

    @app.get("/api/batches/{number}", summary="One batch, its public data, proof and L1 receipt",
             responses=_READ_ERRORS)
    async def get_batch(number: int) -> dict[str, Any]:
        return await svc().call(views.batch, number)

    @app.get("/api/deposits", summary="The deposit queue", responses=_READ_ERRORS)
    async def get_deposits() -> dict[str, Any]:
        return await svc().call(views.deposits)

    @app.get("/api/withdrawals/{l1_address}", summary="What an L1 address can claim", responses=_READ_ERRORS)
    async def get_withdrawals(l1_address: str) -> dict[str, Any]:
        return await svc().call(views.withdrawals, l1_address)

    @app.get("/api/events", include_in_schema=False)
    async def events(request: Request) -> StreamingResponse:
        node = svc()
        q = node.subscribe()

        async def stream() -> AsyncIterator[bytes]:
            try:
                yield b"retry: 1000\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(q.get(), timeout=15)
                    except asyncio.TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                    yield f"event: {event['event']}\ndata: {json.dumps(event)}\n\n".encode()
            finally:
                node.unsubscribe(q)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.post("/api/operator/seal", summary="Seal the next batch now (operator)", responses=_OPERATOR_ERRORS)
    async def operator_seal(request: Request) -> dict[str, Any]:
        operator(request)
        svc().request_seal()
        return {"requested": True}

    @app.post("/api/operator/pause", summary="Stop building batches (operator)", responses=_OPERATOR_ERRORS)
    async def operator_pause(request: Request) -> dict[str, Any]:
        operator(request)
        svc().pause(True)
        return {"paused": True}

    @app.post("/api/operator/resume", summary="Build batches again (operator)", responses=_OPERATOR_ERRORS)
    async def operator_resume(request: Request) -> dict[str, Any]:
        operator(request)
        svc().pause(False)
        return {"paused": False}

    @app.post("/api/operator/deposit", summary="Deposit from the devnet's faucet to an L2 key (operator)",
              responses=_OPERATOR_ERRORS,
              openapi_extra={"requestBody": {"required": True,
                                             "content": {"application/json": {"schema": _DEPOSIT_SCHEMA}}}})
    async def operator_deposit(request: Request) -> dict[str, Any]:
        operator(request)
        data = await _json_body(request)
        if not isinstance(data, dict) or set(data) != {"pubkey", "amount"}:
            raise MalformedInput('a deposit is {"pubkey": ["x", "y"], "amount": "..."}')
        pubkey = data["pubkey"]
        if not isinstance(pubkey, list) or len(pubkey) != 2:
            raise MalformedInput("pubkey must be a list of two decimal strings")
        key = (_field(pubkey[0], "pubkey x", 254), _field(pubkey[1], "pubkey y", 254))
        amount = _field(data["amount"], "amount", 64)

        def deposit(net: Devnet) -> dict[str, Any]:
            from zkl.crypto.babyjubjub import Point, check_point

            check_point(Point(*key), "pubkey")
            return {"queue_index": net.deposit_key(key, amount)}

        node = svc()
        out = await node.call(deposit)
        node.publish({"event": "deposits", "queue_index": out["queue_index"]})
        return out

    async def submit(data: Any) -> str:
        return await svc().submit(data)

    return Limits(app, max_body=max_body, rate=rate, burst=burst if burst is not None else 2 * rate,
                  submit=submit if gateway_submit else None)
