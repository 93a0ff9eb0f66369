"""zkl.settlement: the base layer (an append-only L1 ledger in SQLite) and the rollup contract on it.

- `Ledger`: blocks, native-token accounts, event log, contract storage; one SQLite file per data
  directory; every L1 transaction atomic (also across a crash).
- `RollupContract`: verifying key, state root, batches, deposit queue with deadlines,
  withdrawals, exodus mode with exits by Merkle proof, the sequencer's bond, a timelocked
  verifying-key upgrade.

It only verifies: it imports zkl.verifier, zkl.crypto and zkl.algebra, never the prover, the
circuits or the execution layer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from zkl.settlement.contract import (
    DEFAULT_DEPOSIT_DEADLINE,
    DEFAULT_VK_TIMELOCK,
    ROLLUP_ADDRESS,
    BatchRecord,
    Deposit,
    L1BatchHeader,
    RollupContract,
    RollupStatus,
    Withdrawal,
)
from zkl.settlement.governance import PendingChange, vk_hash
from zkl.settlement.ledger import (
    BURN_ADDRESS,
    Block,
    Event,
    Ledger,
    address_hex,
    named_address,
    to_address,
)
from zkl.verifier.keys import VerifyingKey

__all__ = [
    "BURN_ADDRESS",
    "BatchRecord",
    "Block",
    "DEFAULT_DEPOSIT_DEADLINE",
    "DEFAULT_VK_TIMELOCK",
    "Deposit",
    "Event",
    "L1BatchHeader",
    "Ledger",
    "PendingChange",
    "ROLLUP_ADDRESS",
    "RollupContract",
    "RollupStatus",
    "Withdrawal",
    "address_hex",
    "init_settlement",
    "named_address",
    "open_settlement",
    "to_address",
    "vk_hash",
]


def init_settlement(
    data_dir: str | os.PathLike,
    vk: VerifyingKey,
    genesis_root: int,
    depth: int,
    *,
    genesis: Mapping[int | str, int],
    exit_vk: VerifyingKey,
    sequencer: int | str,
    governor: int | str | None = None,
    bond: int = 0,
    deposit_deadline: int = DEFAULT_DEPOSIT_DEADLINE,
    vk_timelock: int = DEFAULT_VK_TIMELOCK,
    chain_id: int | None = None,
    clock: Callable[[], int] | None = None,
    council: Sequence[int | str] = (),
    council_threshold: int | None = None,
) -> tuple[Ledger, RollupContract]:
    """Create a ledger in data_dir with a genesis allocation and deploy the rollup contract on it.

    chain_id: the ledger's id (default: random); with the contract's address, the deployment domain.
    """
    ledger = Ledger.create(data_dir, genesis, chain_id=chain_id, clock=clock)
    try:
        contract = RollupContract.deploy(
            ledger, vk, genesis_root, depth, exit_vk=exit_vk, sequencer=sequencer, governor=governor, bond=bond,
            deposit_deadline=deposit_deadline, vk_timelock=vk_timelock, council=council,
            council_threshold=council_threshold,
        )
    except BaseException:
        ledger.close()
        raise
    return ledger, contract


def open_settlement(data_dir: str | os.PathLike, clock: Callable[[], int] | None = None) -> tuple[Ledger, RollupContract]:
    """Open the ledger of data_dir and its rollup contract."""
    ledger = Ledger.open(data_dir, clock=clock)
    try:
        return ledger, RollupContract(ledger)
    except BaseException:
        ledger.close()
        raise
