"""Censorship resistance: exodus mode, refunds of unprocessed deposits, slashing, and exits by proof.

Every deposit gets a deadline, ``deposit height + deposit_deadline`` (L1 blocks, a deployment
parameter).  A deposit is *overdue* in a block of height h when it is still queued and
h > deadline.  From then on the contract is in exodus mode, whether or not anyone has said so:
batches and deposits are refused (ExodusMode).  The first of `activate_exodus` (anyone may
send it), a refund or an exit persists the mode; in that same transaction the sequencer's bond
is slashed (paid to BURN_ADDRESS).  Every deposit still queued is then refundable to its
depositor, once (`refund_deposit`, anyone may send it: one transaction a deposit, so no
transaction's cost grows with the queue).

An exit pays out one L2 account's balance once, against the last final root: the caller gives
the account's index, its balance, the L1 address to pay and a Groth16 proof of the exit circuit
(`zkl.circuits.exit`) for the public inputs `protocol.EXIT_PUBLIC_INPUTS` = (root, domain,
account index, L1 address, balance) under the exit key fixed at deployment.  The circuit proves
that the account's leaf holds that balance under the root and that the account's key signed
`protocol.exit_message(domain, index, l1_address)`, so only the owner can choose where the funds
go, and only on the deployment the owner meant.  Withdrawals already final stay claimable.
"""

from __future__ import annotations

from zkl.crypto.protocol import EXIT_PUBLIC_INPUTS, Domain
from zkl.errors import (
    AlreadyClaimed,
    AlreadyExited,
    BadExitProof,
    ExodusMode,
    MalformedInput,
    NothingToClaim,
    NotInExodus,
)
from zkl.settlement import governance as _gov
from zkl.settlement.ledger import BURN_ADDRESS, Tx, address_hex
from zkl.settlement.storage import CONTRACT
from zkl.verifier.groth16 import verify
from zkl.verifier.keys import Proof

__all__ = ["activate", "check_exit", "ensure_exodus", "ensure_not_exodus", "first_overdue", "is_exodus", "refund"]


# ----------------------------------------------------------------------------- inside transactions


def first_overdue(tx: Tx, height: int) -> tuple[int, int] | None:
    """(index, deadline) of the oldest queued deposit if it is overdue at this height (deadlines only grow)."""
    row = tx.execute(
        "SELECT idx, deadline FROM rollup_deposits WHERE status = 'queued' ORDER BY idx LIMIT 1"
    ).fetchone()
    if row is not None and height > row[1]:
        return row[0], row[1]
    return None


def is_exodus(tx: Tx, height: int) -> bool:
    """Whether the contract is in exodus mode at this height (activated, or a deposit overdue)."""
    return bool(tx.get(CONTRACT, "exodus")) or first_overdue(tx, height) is not None


def ensure_not_exodus(tx: Tx) -> None:
    """Raise ExodusMode if this transaction's block is in exodus mode."""
    if tx.get(CONTRACT, "exodus"):
        raise ExodusMode(f"the contract entered exodus mode at height {tx.get(CONTRACT, 'exodus_height')}; "
                         "only claims and exits are accepted")
    overdue = first_overdue(tx, tx.height)
    if overdue is not None:
        raise ExodusMode(f"deposit {overdue[0]} passed its deadline (height {overdue[1]}) unprocessed; "
                         "the contract is in exodus mode, only claims and exits are accepted")


def activate(tx: Tx, contract_address: int) -> dict[str, int]:
    """Enter exodus mode now and slash the bond; NotInExodus if nothing is overdue, ExodusMode if already on."""
    if tx.get(CONTRACT, "exodus"):
        raise ExodusMode(f"exodus mode is already active (since height {tx.get(CONTRACT, 'exodus_height')})")
    overdue = first_overdue(tx, tx.height)
    if overdue is None:
        raise NotInExodus(f"no deposit is past its deadline at height {tx.height}; exodus mode cannot start")
    tx.put(CONTRACT, "exodus", True)
    tx.put(CONTRACT, "exodus_height", tx.height)
    refundable = tx.execute("SELECT COUNT(*) FROM rollup_deposits WHERE status = 'queued'").fetchone()[0]
    bond = tx.get(CONTRACT, "bond")
    tx.transfer(contract_address, BURN_ADDRESS, bond, emit=False)
    tx.put(CONTRACT, "bond", 0)
    tx.emit("bond_slashed", sequencer=tx.get(CONTRACT, "sequencer"), amount=bond)
    tx.emit("exodus", overdue_deposit=overdue[0], deadline=overdue[1],
            state_root=str(tx.get(CONTRACT, "state_root")), batch_number=tx.get(CONTRACT, "batch_number"))
    return {"refundable": refundable, "slashed": bond}


def ensure_exodus(tx: Tx, contract_address: int) -> None:
    """Persist exodus mode if it holds but was never activated; NotInExodus if it does not hold."""
    if tx.get(CONTRACT, "exodus"):
        return
    if first_overdue(tx, tx.height) is None:
        raise NotInExodus(f"refunds and exits open only in exodus mode; no deposit is past its deadline at height "
                          f"{tx.height}")
    activate(tx, contract_address)


def refund(tx: Tx, index: int, contract_address: int) -> int:
    """Give queued deposit `index` back to its depositor (run after ensure_exodus); returns the amount."""
    row = tx.execute("SELECT depositor, amount, status FROM rollup_deposits WHERE idx = ?", (index,)).fetchone()
    if row is None or row[2] == "processed":
        raise NothingToClaim(f"deposit {index} was {'never made' if row is None else 'processed by a batch'}; "
                             "there is nothing to refund")
    depositor, amount, status = row
    if status == "refunded":
        raise AlreadyClaimed(f"deposit {index} was already refunded to {depositor}")
    tx.transfer(contract_address, int(depositor, 16), int(amount), emit=False)
    tx.execute("UPDATE rollup_deposits SET status = 'refunded' WHERE idx = ?", (index,))
    tx.emit("deposit_refunded", index=index, depositor=depositor, amount=int(amount))
    return int(amount)


def check_exit(tx: Tx, account_index: int, l1_address: int, balance: int, proof: Proof) -> None:
    """Raise unless this exit is new and proven against the last final root (run after ensure_exodus)."""
    depth = tx.get(CONTRACT, "depth")
    if not 0 <= account_index < 1 << depth:
        raise MalformedInput(f"account index must be in [0, 2^{depth}), not {account_index}")
    row = tx.execute("SELECT height FROM rollup_exits WHERE account_index = ?", (account_index,)).fetchone()
    if row is not None:
        raise AlreadyExited(f"account {account_index} already exited at height {row[0]}")
    if balance == 0:
        raise NothingToClaim(f"account {account_index} has balance 0; there is nothing to exit with")
    root = int(tx.get(CONTRACT, "state_root"))
    domain = Domain.from_json(tx.get(CONTRACT, "domain"))
    inputs = {"root": root, "domain": domain.element, "account_index": account_index, "l1_address": l1_address,
              "balance": balance}
    vk = _gov.decode_vk(tx.get(CONTRACT, "exit_vk"), tx.get(CONTRACT, "exit_vk_hash"))
    if not verify(vk, [inputs[name] for name in EXIT_PUBLIC_INPUTS], proof):
        raise BadExitProof(
            f"the exit proof does not verify for account {account_index} with balance {balance} paid to "
            f"{address_hex(l1_address)} against the last final root {root} of this deployment ({domain})"
        )
