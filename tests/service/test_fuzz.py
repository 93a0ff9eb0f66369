"""Fuzzing the node's HTTP API: schemathesis over the served /openapi.json, against `zkl node serve` in a subprocess.

The server runs over a devnet with accounts (alice and bob deposited through the operator endpoint),
its sealer paused, so nothing changes in the background. For every generated request (each operation,
schemathesis' positive and negative modes, derandomized):

* never a 5xx, and every 4xx is JSON {"error": <a zkl error name>, "message"};
* a refused request (4xx), and any read, changes nothing: the L2 part of /api/status (state root,
  mempool, batches, pending deposits, accounts) and each account's balance and nonce are the same
  before and after; only an accepted (2xx) submission or operator action may change them;
* the operator endpoints without the token, or with a wrong one, answer 401 and change nothing;
  with the token, /api/operator/deposit is fuzzed too (a body outside its schema must be a 4xx).

Beside them, hand-written hostile requests: a 1 MB body (413, the server's memory bounded), wrong
Content-Length headers, deeply nested JSON, huge integers, non-UTF-8 bodies, correctly signed but
refused transactions, unknown paths and methods, and a second server with a rate limit of 5/s.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402

from tests.service.conftest import Server  # noqa: E402

#: examples per operation and generation mode (the whole file must stay well under ~90 s)
EXAMPLES = 30

#: every operation the served description must have (a new route must be added here, so it gets fuzzed)
PUBLIC = [
    ("GET", "/api/status"), ("GET", "/api/fee"), ("POST", "/api/transactions"),
    ("GET", "/api/transactions/{tx_id}"), ("GET", "/api/accounts/{index}"),
    ("GET", "/api/accounts/{index}/transactions"), ("GET", "/api/keys/{x}/{y}"), ("GET", "/api/batches"),
    ("GET", "/api/batches/{number}"), ("GET", "/api/deposits"), ("GET", "/api/withdrawals/{l1_address}"),
]
OPERATOR = [("POST", "/api/operator/seal"), ("POST", "/api/operator/pause"), ("POST", "/api/operator/resume"),
            ("POST", "/api/operator/deposit")]

#: the operations with something schemathesis can negate (typed parameters or a body); a path parameter that
#: is any string, or no parameter at all, has no negative case
NEGATABLE = {("POST", "/api/transactions"), ("GET", "/api/accounts/{index}"),
             ("GET", "/api/accounts/{index}/transactions"), ("GET", "/api/batches"), ("GET", "/api/batches/{number}"),
             ("POST", "/api/operator/deposit")}

#: what may change state when accepted (2xx); anything refused, and every other request, must change nothing
MUTATING = {("POST", "/api/transactions")} | set(OPERATOR)

FUZZ_SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck), print_blob=True)


# -- the served devnet ------------------------------------------------------------------------------


class Node:
    """The fuzzed server with what the checks need: its token, users, and an HTTP client for snapshots."""

    def __init__(self, server: Server) -> None:
        self.server, self.url = server, server.url
        self.token = (server.data_dir / "operator.token").read_text().strip()
        users = json.loads((server.data_dir / "devnet.json").read_text())["users"]
        from zkl.execution import Wallet

        self.wallets = {name: Wallet.from_json(users[name]["wallet"]) for name in ("alice", "bob")}
        self.http = httpx.Client(base_url=self.url, timeout=30)
        self.indices: dict[str, int] = {}

    def snapshot(self) -> dict[str, Any]:
        """The node's state as a client sees it: the L2 part of /api/status, each account's balance and nonce."""
        status = self.http.get("/api/status")
        assert status.status_code == 200, status.text
        l2 = status.json()["l2"]
        state = {k: l2[k] for k in ("state_root", "mempool", "batches", "pending_deposits", "accounts")}
        accounts = {}
        for index in range(l2["accounts"] + 1):  # one past the last: it must stay absent
            r = self.http.get(f"/api/accounts/{index}")
            assert r.status_code in (200, 404), r.text
            a = r.json()
            accounts[index] = (a["balance"], a["nonce"], a["next_nonce"], a["pending_debit"]) if r.is_success else None
        state["account"] = accounts
        state["deposits"] = self.http.get("/api/deposits").json()
        return state


def wait_until(what: str, predicate: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def node(served: Server) -> Node:
    """The module's server with alice and bob deposited (accounts made), then its sealer paused and idle."""
    from zkl.client import NodeClient

    n = Node(served)
    with NodeClient(n.url, token=n.token) as client:
        for name, wallet in n.wallets.items():
            client.deposit(wallet.pubkey, 10**6)
        for name, wallet in n.wallets.items():
            accounts = wait_until(f"{name}'s account", lambda w=wallet: client.accounts_of(w.pubkey), timeout=120)
            n.indices[name] = accounts[0]["index"]
        # a well-formed transfer (refused: a zero signature) first, with time to spare: the first admission
        # compiles the batch signature kernels (numba), which a cold cache or a busy machine makes slow
        element = client.status()["domain"]["element"]
        warm = {"type": "transfer", "from": n.indices["alice"], "to": n.indices["bob"], "amount": "1", "fee": "1",
                "nonce": 0, "domain": element, "signature": "00" * 64}
        assert 400 <= httpx.post(f"{n.url}/api/transactions", json=warm, timeout=600).status_code < 500
        client.pause()  # batches in flight still settle on L1: nothing a snapshot holds changes with them
        seen: list[Any] = []

        def idle() -> bool:
            seen.append(s := client.status())
            return s["sealer"]["paused"] and s["l2"]["mempool"] == 0 and s["l2"]["pending_deposits"] == 0

        try:
            wait_until("nothing left to seal", idle, timeout=120)
        except AssertionError:
            raise AssertionError(f"the node still has work: {seen[-1]}\n{served.log.read_text()[-3000:]}") from None
    yield n
    n.http.close()


@pytest.fixture(scope="module")
def schema(node: Node) -> Any:
    return schemathesis.openapi.from_url(f"{node.url}/openapi.json")


def check_refusal(response: Any, where: str) -> None:
    """Not a 5xx; a 4xx is JSON {"error": <zkl error name>, "message": str}."""
    body = response.content[:500]
    assert response.status_code < 500, f"{where}: HTTP {response.status_code}: {body!r}"
    if 400 <= response.status_code < 500:
        kind = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
        kind = kind[0] if isinstance(kind, list) else kind
        assert kind.startswith("application/json"), f"{where}: {kind} {body!r}"
        data = json.loads(response.content)
        assert isinstance(data, dict) and set(data) >= {"error", "message"}, f"{where}: {body!r}"
        assert isinstance(data["error"], str) and data["error"].isidentifier(), f"{where}: {body!r}"
        assert isinstance(data["message"], str), f"{where}: {body!r}"


def operation(schema: Any, method: str, path: str) -> Any:
    return schema[path][method]


# -- generated requests -----------------------------------------------------------------------------


def test_described_operations(schema: Any) -> None:
    """The served description has exactly the operations fuzzed here."""
    served = set()
    for result in schema.get_all_operations():
        op = result.ok()
        served.add((op.method.upper(), op.path))
    assert served == set(PUBLIC) | set(OPERATOR)


def fuzz(node: Node, op: Any, strategy: Any, *, method: str, path: str, mode: GenerationMode,
         expect: int | None = None) -> dict[str, int]:
    """Run the strategy's cases (case, extra headers) against the node with the checks of the module docstring."""
    session = requests.Session()
    seen: dict[str, int] = {}
    last = [node.snapshot()]

    @FUZZ_SETTINGS
    @given(strategy)
    def run(item: tuple[Any, dict[str, str]]) -> None:
        case, headers = item
        response = case.call(base_url=node.url, session=session, headers=headers, timeout=30)
        where = f"{method} {path} ({mode.value}) {case.as_curl_command(headers=headers)}"
        ok, text = 200 <= response.status_code < 300, response.content[:300].decode(errors="replace")
        seen[str(response.status_code)] = seen.get(str(response.status_code), 0) + 1
        check_refusal(response, where)
        if expect is not None:
            assert response.status_code == expect, f"{where}: HTTP {response.status_code}: {text}"
        if mode is GenerationMode.NEGATIVE and op.body and case.body is not None and ok:
            raise AssertionError(f"{where}: a body outside the schema was accepted: {text}")
        after = node.snapshot()
        if not (ok and (method, path) in MUTATING):
            assert after == last[0], f"{where}: HTTP {response.status_code} changed the node's state"
        last[0] = after

    run()
    return seen


def modes(operations: list[tuple[str, str]]) -> list[Any]:
    return [pytest.param(m, p, mode, id=f"{m} {p} {mode.value}") for m, p in operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            if mode is GenerationMode.POSITIVE or (m, p) in NEGATABLE]


@pytest.mark.parametrize("method,path,mode", modes(PUBLIC))
def test_fuzz_public(node: Node, schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    op = operation(schema, method, path)
    seen = fuzz(node, op, st.tuples(op.as_strategy(generation_mode=mode), st.just({})),
                method=method, path=path, mode=mode)
    assert seen


#: Authorization headers that are not the operator's: none, other schemes, near misses, garbage
def wrong_tokens(token: str) -> Any:
    printable = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60)
    return st.one_of(
        st.just({}), st.just({"Authorization": ""}), st.just({"Authorization": "Bearer"}),
        st.just({"Authorization": "Bearer "}), st.just({"Authorization": token}),
        st.just({"Authorization": f"Basic {token}"}), st.just({"Authorization": f"Bearer {token[:-1]}"}),
        st.just({"Authorization": f"Bearer {token}x"}), st.just({"Authorization": f"Bearer {token.upper()}"}),
        st.just({"Authorization": f"Bearer{token}"}), st.just({"X-Operator-Token": token}),
        printable.map(lambda t: {"Authorization": f"Bearer {t}"}), printable.map(lambda t: {"Authorization": t}),
    )


@pytest.mark.parametrize("method,path,mode", modes(OPERATOR))
def test_fuzz_operator_without_token(node: Node, schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    """No token or a wrong one: always 401, nothing changes (a pause/resume/seal/deposit would show)."""
    op = operation(schema, method, path)
    seen = fuzz(node, op, st.tuples(op.as_strategy(generation_mode=mode), wrong_tokens(node.token)),
                method=method, path=path, mode=mode, expect=401)
    assert seen == {"401": sum(seen.values())}
    assert node.http.get("/api/status").json()["sealer"]["paused"] is True


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_fuzz_operator_deposit_with_token(node: Node, schema: Any, mode: GenerationMode) -> None:
    """The operator's deposit bodies, with the token: malformed ones are 4xx and change nothing."""
    op = operation(schema, "POST", "/api/operator/deposit")
    headers = {"Authorization": f"Bearer {node.token}"}
    seen = fuzz(node, op, st.tuples(op.as_strategy(generation_mode=mode), st.just(headers)),
                method="POST", path="/api/operator/deposit", mode=mode)
    assert seen


# -- hand-written hostile requests ------------------------------------------------------------------


def raw(url: str, data: bytes, *, timeout: float = 5.0, shut: bool = True) -> bytes:
    """Send raw bytes to the server; what it answered (b"" if it closed without answering)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as s:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return out


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def json_of(answer: bytes) -> Any:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@pytest.fixture
def unchanged(node: Node) -> Any:
    """The test's requests must leave the node's state as it was (and the node answering)."""
    before = node.snapshot()
    yield node
    assert node.snapshot() == before


def test_body_of_one_megabyte(unchanged: Node) -> None:
    node, big = unchanged, b'{"type": "transfer", "pad": "' + b"x" * (1 << 20) + b'"}'
    pid = node.server.process.pid
    start = rss_kib(pid)
    for _ in range(3):
        r = httpx.post(f"{node.url}/api/transactions", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["error"] == "RequestTooLarge", r.text
    for path in ("/api/transactions", "/api/operator/deposit"):  # chunked: no Content-Length to refuse it by
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {node.token}"}
        r = httpx.post(f"{node.url}{path}", content=iter([big[i:i + 65536] for i in range(0, len(big), 65536)]),
                       headers=headers)
        assert r.status_code == 413 and r.json()["error"] == "RequestTooLarge", r.text
    assert rss_kib(pid) - start < 16 * 1024, "the server's memory grew by over 16 MiB for three refused 1 MB bodies"


def test_wrong_content_length(unchanged: Node) -> None:
    node = unchanged
    body = b'{"type": "transfer"}'
    head = b"POST /api/transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
    for length in (b"abc", b"-1", b"1e3", b"99999999999999999999999"):  # refused by uvicorn or by Limits
        answer = raw(node.url, head + b"Content-Length: " + length + b"\r\n\r\n" + body)
        assert 400 <= status_of(answer) < 500, answer[:300]
    # shorter than the body: the body is cut there (malformed JSON), the rest is not a request
    answer = raw(node.url, head + b"Content-Length: 5\r\n\r\n" + body)
    assert status_of(answer) == 400 and json_of(answer)["error"] == "MalformedInput", answer[:300]
    # longer than the body, the client then closes: no answer or a 4xx, never a 5xx
    answer = raw(node.url, head + b"Content-Length: 1000\r\n\r\n" + body)
    assert status_of(answer) < 500, answer[:300]
    # two different Content-Lengths
    answer = raw(node.url, head + b"Content-Length: 5\r\nContent-Length: 20\r\n\r\n" + body)
    assert 400 <= status_of(answer) < 500, answer[:300]
    assert node.http.get("/api/fee").status_code == 200


def test_nested_json_shallow(unchanged: Node) -> None:
    """Nesting the parser takes (a hundred levels) is a 400 like any other wrong shape."""
    node = unchanged
    for text in ("[" * 100 + "]" * 100, '{"type": ' + "[" * 100 + "]" * 100 + "}"):
        r = node.http.post("/api/transactions", content=text, headers={"Content-Type": "application/json"})
        check_refusal(r, "nested JSON")
        assert r.status_code == 400, r.text


@pytest.mark.parametrize("path", ["/api/transactions", "/api/operator/deposit"])
def test_nested_json_deep(unchanged: Node, path: str) -> None:
    """5,000 levels of arrays (10 kB, under the body limit): a 400 MalformedInput, not a 500."""
    node = unchanged
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {node.token}"}
    r = node.http.post(path, content="[" * 5000 + "]" * 5000, headers=headers)
    assert node.http.get("/api/fee").status_code == 200  # the node lives on either way
    check_refusal(r, f"deeply nested JSON to {path}")
    assert r.status_code == 400, r.text


def test_huge_integers(unchanged: Node) -> None:
    node = unchanged
    domain = node.http.get("/api/fee").json()["domain"]
    element = node.http.get("/api/status").json()["domain"]["element"]
    huge = 2**300
    base = {"type": "transfer", "from": node.indices["alice"], "to": node.indices["bob"], "amount": "1",
            "fee": "1", "nonce": 0, "domain": element, "signature": "00" * 64}
    for field, value in [("from", huge), ("to", huge), ("nonce", huge), ("amount", str(huge)), ("fee", str(huge)),
                         ("amount", huge), ("from", -huge), ("nonce", 1e300), ("amount", str(2**64)),
                         ("from", str(huge)), ("domain", "0x" + "f" * 100)]:
        r = node.http.post("/api/transactions", json={**base, field: value})
        check_refusal(r, f"{field}={value!r:.40}")
        assert 400 <= r.status_code < 500, r.text
    for path in (f"/api/accounts/{huge}", f"/api/accounts/{-huge}", f"/api/accounts/{huge}/transactions",
                 f"/api/batches/{huge}", f"/api/batches?before={huge}", f"/api/batches?limit={huge}",
                 f"/api/keys/{huge}/{huge}", f"/api/keys/{'9' * 5000}/1", f"/api/accounts/{'9' * 5000}"):
        r = node.http.get(path)
        check_refusal(r, path[:80])
        assert 400 <= r.status_code < 500, r.text
    r = node.http.post("/api/operator/deposit", headers={"Authorization": f"Bearer {node.token}"},
                       json={"pubkey": [str(huge), str(huge)], "amount": str(huge)})
    check_refusal(r, "a deposit of 2^300")
    assert 400 <= r.status_code < 500, r.text
    assert domain  # the fee endpoint answered throughout


def test_not_utf8(unchanged: Node) -> None:
    node = unchanged
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {node.token}"}
    for body in (b'{"type": "\xff\xfe"}', b"\xff\xfe\xfd", b"\xc3\x28", b'\x00{"type": 1}', "{}".encode("utf-16")[:3]):
        for path in ("/api/transactions", "/api/operator/deposit"):
            r = node.http.post(path, content=body, headers=headers)
            check_refusal(r, f"{path} {body!r}")
            assert r.status_code == 400, r.text
    r = node.http.get("/api/withdrawals/%FF%FE")
    check_refusal(r, "/api/withdrawals/%FF%FE")
    assert 400 <= r.status_code < 500


def test_refused_signed_transactions(unchanged: Node) -> None:
    """Correctly signed transactions the mempool refuses (422): wrong nonce, overdraft, wrong key, wrong domain."""
    from zkl.crypto.protocol import Domain

    node = unchanged
    alice, bob = node.wallets["alice"], node.wallets["bob"]
    a, b = node.indices["alice"], node.indices["bob"]
    domain = Domain.from_json(node.http.get("/api/fee").json()["domain"])
    other = Domain(domain.chain_id + 1, domain.contract)
    min_fee = int(node.http.get("/api/fee").json()["min_fee"])
    for tx in (alice.transfer(a, b, 1, min_fee, 7, domain=domain),                 # nonce ahead
               alice.transfer(a, b, 10**7, min_fee, 0, domain=domain),             # more than the balance
               alice.transfer(b, a, 1, min_fee, 0, domain=domain),                 # bob's account, alice's key
               alice.transfer(a, b, 1, min_fee, 0, domain=other),                  # another deployment
               alice.transfer(a, 2**4 + 3, 1, min_fee, 0, domain=domain),          # no such account
               bob.withdraw(b, 10**7, min_fee, "0x" + "11" * 20, 0, domain=domain)):
        r = node.http.post("/api/transactions", json=tx.to_json())
        check_refusal(r, json.dumps(tx.to_json()))
        assert 400 <= r.status_code < 500, r.text
    if min_fee > 0:
        r = node.http.post("/api/transactions", json=alice.transfer(a, b, 1, min_fee - 1, 0, domain=domain).to_json())
        assert 400 <= r.status_code < 500, r.text


@pytest.mark.parametrize("request_", [("GET", "/api/keys/%C2%B2/1", None),
                                      ("POST", "/api/operator/deposit", {"pubkey": ["\u00b2", "1"], "amount": "1"})],
                         ids=["key", "deposit"])
def test_unicode_digits(unchanged: Node, request_: tuple[str, str, Any]) -> None:
    node = unchanged
    method, path, body = request_
    r = httpx.request(method, node.url + path, json=body, headers={"Authorization": f"Bearer {node.token}"})
    check_refusal(r, path)
    assert r.status_code == 400, r.text


def test_unicode_digits_accepted(node: Node) -> None:
    key = node.wallets["alice"].pubkey
    before = node.snapshot()
    r = node.http.post("/api/operator/deposit", headers={"Authorization": f"Bearer {node.token}"},
                       json={"pubkey": [str(key[0]), str(key[1])], "amount": "\u0661\u0660"})
    check_refusal(r, "an amount in Arabic-Indic digits")
    assert r.status_code == 400, r.text
    assert node.snapshot() == before


def test_unknown_paths_and_methods(unchanged: Node) -> None:
    node = unchanged
    for method, path, code, name in [
        ("GET", "/api/nope", 404, "NotFound"), ("GET", "/api", 404, "NotFound"), ("GET", "/%FF", 404, "NotFound"),
        ("POST", "/api/operator/nope", 404, "NotFound"), ("GET", "/api/accounts/1/2/3", 404, "NotFound"),
        ("DELETE", "/api/status", 405, "MethodNotAllowed"), ("PUT", "/api/transactions", 405, "MethodNotAllowed"),
        ("POST", "/api/status", 405, "MethodNotAllowed"), ("GET", "/api/operator/seal", 405, "MethodNotAllowed"),
        ("PATCH", "/api/accounts/0", 405, "MethodNotAllowed"),
        ("GET", "/api/operator/deposit", 405, "MethodNotAllowed"),
    ]:
        r = node.http.request(method, path, headers={"Authorization": f"Bearer {node.token}"})
        check_refusal(r, f"{method} {path}")
        assert (r.status_code, r.json()["error"]) == (code, name), f"{method} {path}: {r.status_code} {r.text}"
    r = node.http.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")


# -- the rate limit ---------------------------------------------------------------------------------


def test_rate_limit(fresh_devnet: Path, service_cache: str) -> None:
    """At 5 requests/s (burst 10) a burst of deposits gets 429s with Retry-After; only the accepted ones count."""
    server = Server.start(fresh_devnet, cache=service_cache, rate=5)
    try:
        token = (fresh_devnet / "operator.token").read_text().strip()
        users = json.loads((fresh_devnet / "devnet.json").read_text())["users"]
        from zkl.execution import Wallet

        key = Wallet.from_json(users["alice"]["wallet"]).pubkey
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.post("/api/operator/pause", headers=auth).status_code == 200
            before = http.get("/api/status").json()
            deadline = time.monotonic() + 120
            while before["sealer"]["in_flight"]:  # a batch sealed before the pause settles first
                assert time.monotonic() < deadline, before["sealer"]
                time.sleep(0.5)
                before = http.get("/api/status").json()
            time.sleep(2.5)  # the bucket full again
            body = {"pubkey": [str(key[0]), str(key[1])], "amount": "1000"}
            answers = [http.post("/api/operator/deposit", json=body, headers=auth) for _ in range(25)]
            refused = [r for r in answers if r.status_code == 429]
            accepted = [r for r in answers if r.status_code == 200]
            assert len(refused) + len(accepted) == len(answers), [r.status_code for r in answers]
            assert refused and accepted, [r.status_code for r in answers]
            for r in refused:
                assert r.json()["error"] == "RateLimited" and int(r.headers["Retry-After"]) >= 1, r.headers
            time.sleep(1.5)  # tokens for the next reads
            after = http.get("/api/status").json()
            assert after["l1"]["queued_deposits"] - before["l1"]["queued_deposits"] == len(accepted)
            assert after["l2"]["pending_deposits"] - before["l2"]["pending_deposits"] == len(accepted)
            assert after["l2"]["state_root"] == before["l2"]["state_root"]
            assert len(http.get("/api/deposits").json()["queued"]) == after["l2"]["pending_deposits"]
    finally:
        server.stop()
