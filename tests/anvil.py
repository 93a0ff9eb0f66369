"""anvil for the tests that run on a JSON-RPC node: started gas free (balances compare to the unit), or skipped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def require_anvil() -> None:
    """Skip the calling test when anvil (the npm packages of js/) is not installed."""
    from zkl.errors import SettlementError
    from zkl.settlement.anvil import anvil_binary

    try:
        anvil_binary()
    except SettlementError as e:
        pytest.skip(f"this runs on anvil: {e}")


def gas_free_anvil(chain_id: int | None = None) -> Iterator[Any]:
    """Yield an anvil from js/ on a free loopback port (base fee and gas price 0), stopped afterwards; skip
    without the npm packages. A fixture's body: `yield from gas_free_anvil()`."""
    from zkl.settlement.anvil import Anvil

    require_anvil()
    with Anvil.start(chain_id=chain_id, extra=("--base-fee", "0", "--gas-price", "0")) as node:
        yield node
