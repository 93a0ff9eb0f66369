"""The explorer page (GET /) end to end in headless Chromium: it follows deposits and a transfer to finality live.

A server over a fresh devnet; the page is opened once and never reloaded, while the test acts through
the HTTP API (NodeClient): deposits for alice and bob, then a transfer alice -> bob. The page must show
the batches appear and turn final (from the server-sent events at /api/events, with its polling as a
fallback), show the transfer `final` when looked up, and bob's new balance. It must log no console
error and fetch nothing outside the node's origin. A screenshot goes to the test's tmp_path, and to
$ZKL_SCREENSHOT when set (how docs/explorer.png is made:
`ZKL_SCREENSHOT=docs/explorer.png python -m pytest -q tests/service/test_explorer.py`).
"""

from __future__ import annotations

import json
import os
import re
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.service.conftest import Server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
FIRST_FINAL_MS = 180_000  # the first proof after a server starts loads the prover's kernels
FINAL_MS = 120_000


def _page_source() -> str:
    return resources.files("zkl.service").joinpath("explorer.html").read_text()


def test_page_is_self_contained() -> None:
    """One file: no external script, style, image or font, and no HTML parsing of what the API answers."""
    page = _page_source()
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I) is None
    assert re.search(r"url\(\s*['\"]?(https?:)?//", page, re.I) is None
    assert "@import" not in page
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in page, sink
    assert "EventSource(\"/api/events\")" in page


@pytest.fixture(scope="module")
def sync_api() -> Any:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (Debian's chromium package)")
    return pytest.importorskip("playwright.sync_api", reason="playwright (PyPI) is not installed")


@pytest.fixture(scope="module")
def browser(sync_api: Any) -> Any:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _wait_for(what: str, check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)


def _batch_of_deposit(client: Any, queue_index: int) -> int:
    """The number of the sealed batch that consumed deposit `queue_index` (0 while none has)."""
    for b in client.batches(limit=50)["batches"]:
        first = b["first_deposit"]
        if first is not None and first <= queue_index < first + b["deposits"]:
            return b["number"]
    return 0


@pytest.mark.slow  # proves batches: `pytest -m 'not slow'` skips it
def test_explorer_follows_deposits_and_a_transfer_live(served: Server, browser: Any, sync_api: Any,
                                                        tmp_path: Path) -> None:
    from zkl.client.node import NodeClient
    from zkl.execution import Wallet

    expect = sync_api.expect
    started = time.monotonic()
    config = json.loads((served.data_dir / "devnet.json").read_text())
    alice = Wallet.from_json(config["users"]["alice"]["wallet"])
    bob = Wallet.from_json(config["users"]["bob"]["wallet"])
    token = (served.data_dir / "operator.token").read_text().strip()
    origin = served.url.rstrip("/")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(f"uncaught: {e}"))
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(origin + "/") or r.url.startswith("data:")
            else outside.append(r.url))

    with NodeClient(served.url, token=token) as client:
        try:
            page.goto(origin + "/")
            status = client.status()
            expect(page.get_by_test_id("chain-id")).to_have_text(status["domain"]["chain_id"])
            expect(page.get_by_test_id("contract")).to_have_attribute("title", status["domain"]["contract"])
            expect(page.get_by_test_id("l1-base")).to_have_text(status["l1"]["base"])
            expect(page.get_by_test_id("l1-exodus")).to_have_text("live")
            expect(page.get_by_test_id("min-fee")).to_have_attribute("data-value", status["l2"]["min_fee"])
            expect(page.get_by_test_id("live")).to_have_attribute("data-state", "live", timeout=30_000)
            page.evaluate("window.__not_reloaded = true")

            # deposits for alice and bob, through the operator's faucet
            queue_a = client.deposit(alice.pubkey, 1_000_000)
            queue_b = client.deposit(bob.pubkey, 500_000)
            a = _wait_for("alice's account", lambda: client.accounts_of(alice.pubkey), 120)[0]
            b = _wait_for("bob's account", lambda: client.accounts_of(bob.pubkey), 120)[0]
            deposit_batches = sorted({_wait_for("the deposit's batch", lambda q=q: _batch_of_deposit(client, q), 60)
                                      for q in (queue_a, queue_b)})
            for n in deposit_batches:
                expect(page.get_by_test_id(f"batch-row-{n}")).to_be_visible(timeout=30_000)
            for n in deposit_batches:
                expect(page.get_by_test_id(f"batch-status-{n}")).to_have_text("final", timeout=FIRST_FINAL_MS)
            assert client.batch(deposit_batches[-1])["status"] == "final"

            # a transfer alice -> bob
            amount = 4321
            balance_b = int(client.account(b["index"])["balance"])
            tx = alice.transfer(a["index"], b["index"], amount, fee=client.min_fee(),
                                nonce=client.account(a["index"])["next_nonce"], domain=client.domain())
            tx_id = client.submit(tx)
            sealed = client.wait(tx_id, "in_batch", timeout=60)
            number = sealed["batch"]
            assert number > deposit_batches[-1]
            expect(page.get_by_test_id(f"batch-row-{number}")).to_be_visible(timeout=30_000)
            expect(page.get_by_test_id(f"batch-status-{number}")).to_have_text("final", timeout=FINAL_MS)
            expect(page.get_by_test_id("events")).to_contain_text(f"batch #{number} final")  # the event stream
            assert client.transaction(tx_id)["status"] == "final"

            # the transaction lookup
            page.get_by_test_id("tx-input").fill(tx_id)
            page.get_by_test_id("tx-go").click()
            expect(page.get_by_test_id("tx-status")).to_have_text("final")
            expect(page.get_by_test_id("tx-batch")).to_contain_text(f"#{number}")
            expect(page.get_by_test_id("tx-amount")).to_have_attribute("data-value", str(amount))

            # the account lookup: bob's new balance, the transfer in his history
            expected = balance_b + amount
            assert client.account(b["index"])["balance"] == str(expected)
            page.get_by_test_id("account-input").fill(str(b["index"]))
            page.get_by_test_id("account-go").press("Enter")
            expect(page.get_by_test_id("account-balance")).to_have_attribute("data-value", str(expected))
            assert page.get_by_test_id("account-balance").inner_text().replace("\u202f", "") == str(expected)
            expect(page.get_by_test_id(f"account-tx-status-{tx_id}")).to_have_text("final")
            expect(page.get_by_test_id("account-pubkey-x")).to_contain_text(b["pubkey"][0][:14])

            # two more transfers (one full batch) while the lookups are open: the views follow them live
            fee = client.min_fee()
            more = [client.submit(bob.transfer(b["index"], a["index"], 1000, fee=fee,
                                               nonce=client.account(b["index"])["next_nonce"],
                                               domain=client.domain())),
                    client.submit(alice.transfer(a["index"], b["index"], 250, fee=fee,
                                                 nonce=client.account(a["index"])["next_nonce"],
                                                 domain=client.domain()))]
            last = client.wait(more[-1], "final", timeout=FINAL_MS / 1000)["batch"]
            client.wait(more[0], "final", timeout=FINAL_MS / 1000)
            expect(page.get_by_test_id(f"batch-status-{last}")).to_have_text("final", timeout=30_000)
            for t in more:
                expect(page.get_by_test_id(f"account-tx-status-{t}")).to_have_text("final", timeout=30_000)
            final_balance = client.account(b["index"])["balance"]
            expect(page.get_by_test_id("account-balance")).to_have_attribute("data-value", final_balance,
                                                                             timeout=30_000)
            expect(page.get_by_test_id("l2-batches")).to_have_text(f"{last} / {last}", timeout=30_000)
            expect(page.get_by_test_id("state-root")).to_have_text(client.status()["l2"]["state_root"],
                                                                   timeout=30_000)

            # the batch detail: public data and the proof, from a click on the row
            detail = client.batch(number)
            page.get_by_test_id(f"batch-row-{number}").click()
            expect(page.get_by_test_id("batch-detail")).to_be_visible()
            expect(page.get_by_test_id("batch-detail-title")).to_have_text(f"Batch #{number}")
            expect(page.get_by_test_id("batch-detail-pubdata")).to_have_text(detail["pubdata"])
            expect(page.get_by_test_id("batch-detail-proof")).to_contain_text(detail["proof"]["pi_a"][0])
            expect(page.get_by_test_id("batch-detail-slots")).to_contain_text("transfer")
            page.keyboard.press("Escape")
            expect(page.get_by_test_id("batch-detail")).to_be_hidden()

            # the page was never reloaded, and the event stream (not only the polling) reached it
            assert page.evaluate("window.__not_reloaded") is True
            assert int(page.get_by_test_id("live").get_attribute("data-events") or 0) > 0
            page.mouse.move(0, 0)
            page.wait_for_timeout(1800)  # the highlight of fresh rows fades
            page.screenshot(path=str(tmp_path / "explorer.png"))
            if os.environ.get("ZKL_SCREENSHOT"):
                page.screenshot(path=os.environ["ZKL_SCREENSHOT"])
        finally:
            context.close()

    assert console_errors == [], console_errors
    assert outside == [], f"the page fetched outside {origin}: {outside}"
    print(f"explorer scenario: {time.monotonic() - started:.1f} s")
