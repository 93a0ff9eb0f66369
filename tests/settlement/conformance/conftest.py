"""The anvil node the `rpc` base layer runs on: one per session, a fresh snapshot per rig."""

from __future__ import annotations

import pytest
from tests.anvil import gas_free_anvil
from tests.settlement.helpers import CHAIN_ID


@pytest.fixture(scope="session")
def anvil_node():
    """anvil on a free loopback port, gas free (the suite compares balances to the unit); skip without it."""
    yield from gas_free_anvil(CHAIN_ID)
