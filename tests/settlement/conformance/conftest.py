"""The anvil node the `rpc` base layer runs on: one per session, a fresh snapshot per rig."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def anvil_node():
    """anvil from js/ on a free loopback port (gas free: the suite compares balances to the unit); skip without it."""
    from zkl.errors import SettlementError
    from zkl.settlement.anvil import Anvil, anvil_binary

    try:
        anvil_binary()
    except SettlementError as e:
        pytest.skip(f"the rpc base layer runs on anvil: {e}")
    from tests.settlement.helpers import CHAIN_ID

    node = Anvil.start(chain_id=CHAIN_ID, extra=("--base-fee", "0", "--gas-price", "0"))
    yield node
    node.stop()
