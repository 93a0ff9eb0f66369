"""Censorship resistance: exodus mode, refunds of unprocessed deposits, slashing, and exits by Merkle proof.

Every deposit gets a deadline, ``deposit height + deposit_deadline`` (L1 blocks, a deployment
parameter).  A deposit is *overdue* in a block of height h when it is still queued and
h > deadline.  From then on the contract is in exodus mode, whether or not anyone has said so:
batches and deposits are refused (ExodusMode).  The first of `activate_exodus` (anyone may
send it) or an `exit` persists the mode; in that same transaction every queued deposit is
refunded to its depositor and the sequencer's bond is slashed (paid to BURN_ADDRESS).

An exit pays out one L2 account's balance once, against the last final root: the caller gives
the account's index, its leaf preimage (pubkey, balance, nonce), a 4-ary Merkle proof of
`protocol.levels(depth)` levels, the L1 address to pay, and an EdDSA-Poseidon signature by the
account's key over `protocol.exit_message(domain, index, l1_address)` with this contract's
deployment domain, so only the owner can choose where the funds go, and only on the deployment
the owner meant.  Withdrawals already final stay claimable.
"""

from __future__ import annotations

from zkl.crypto import eddsa
from zkl.crypto.babyjubjub import Point
from zkl.crypto.merkle import MerkleProof, verify_proof
from zkl.crypto.protocol import TREE_ARITY, Domain, exit_message, leaf_hash, levels
from zkl.errors import AlreadyExited, BadExitProof, ExodusMode, MalformedInput, NothingToClaim, NotInExodus
from zkl.settlement.ledger import BURN_ADDRESS, Tx, address_hex
from zkl.settlement.storage import CONTRACT

__all__ = ["activate", "check_exit", "ensure_exodus", "ensure_not_exodus", "first_overdue", "is_exodus"]


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
    """Enter exodus mode now: refund every queued deposit and slash the bond; NotInExodus if nothing is overdue."""
    if tx.get(CONTRACT, "exodus"):
        raise ExodusMode(f"exodus mode is already active (since height {tx.get(CONTRACT, 'exodus_height')})")
    overdue = first_overdue(tx, tx.height)
    if overdue is None:
        raise NotInExodus(f"no deposit is past its deadline at height {tx.height}; exodus mode cannot start")
    tx.put(CONTRACT, "exodus", True)
    tx.put(CONTRACT, "exodus_height", tx.height)
    refunded = total = 0
    rows = tx.execute(
        "SELECT idx, depositor, amount FROM rollup_deposits WHERE status = 'queued' ORDER BY idx"
    ).fetchall()
    for idx, depositor, amount in rows:
        tx.transfer(contract_address, int(depositor, 16), int(amount), emit=False)
        tx.execute("UPDATE rollup_deposits SET status = 'refunded' WHERE idx = ?", (idx,))
        tx.emit("deposit_refunded", index=idx, depositor=depositor, amount=int(amount))
        refunded += 1
        total += int(amount)
    bond = tx.get(CONTRACT, "bond")
    tx.transfer(contract_address, BURN_ADDRESS, bond, emit=False)
    tx.put(CONTRACT, "bond", 0)
    tx.emit("bond_slashed", sequencer=tx.get(CONTRACT, "sequencer"), amount=bond)
    tx.emit("exodus", overdue_deposit=overdue[0], deadline=overdue[1], refunded=refunded, refunded_amount=total,
            state_root=str(tx.get(CONTRACT, "state_root")), batch_number=tx.get(CONTRACT, "batch_number"))
    return {"refunded": refunded, "refunded_amount": total, "slashed": bond}


def ensure_exodus(tx: Tx, contract_address: int) -> None:
    """Persist exodus mode if it holds but was never activated; NotInExodus if it does not hold."""
    if tx.get(CONTRACT, "exodus"):
        return
    if first_overdue(tx, tx.height) is None:
        raise NotInExodus(f"exits open only in exodus mode; no deposit is past its deadline at height {tx.height}")
    activate(tx, contract_address)


def check_exit(
    tx: Tx,
    account_index: int,
    pubkey: Point,
    balance: int,
    nonce: int,
    proof: MerkleProof,
    l1_address: int,
    signature: eddsa.Signature,
) -> None:
    """Raise unless this exit is new and proven against the last final root (run after ensure_exodus)."""
    depth = tx.get(CONTRACT, "depth")
    if not 0 <= account_index < 1 << depth:
        raise MalformedInput(f"account index must be in [0, 2^{depth}), not {account_index}")
    row = tx.execute("SELECT height FROM rollup_exits WHERE account_index = ?", (account_index,)).fetchone()
    if row is not None:
        raise AlreadyExited(f"account {account_index} already exited at height {row[0]}")
    if balance == 0:
        raise NothingToClaim(f"account {account_index} has balance 0; there is nothing to exit with")
    if not isinstance(proof, MerkleProof):
        raise BadExitProof(f"the exit proof must be a MerkleProof, not {type(proof).__name__}")
    if proof.depth != levels(depth):
        raise BadExitProof(f"the exit proof must climb {levels(depth)} levels of the 4-ary tree, not {proof.depth}")
    root = int(tx.get(CONTRACT, "state_root"))
    leaf = leaf_hash((pubkey.x, pubkey.y), balance, nonce)
    try:
        ok = verify_proof(root, account_index, leaf, proof, TREE_ARITY)
    except MalformedInput as e:
        raise BadExitProof(f"the exit proof is malformed: {e}") from e
    if not ok:
        raise BadExitProof(
            f"the leaf (pubkey, balance {balance}, nonce {nonce}) at index {account_index} is not in the last "
            f"final state (root {root})"
        )
    domain = Domain.from_json(tx.get(CONTRACT, "domain"))
    if not eddsa.verify(pubkey, exit_message(domain.element, account_index, l1_address), signature):
        raise BadExitProof(
            f"the exit signature must be the account's over the exit message of index {account_index} and "
            f"{address_hex(l1_address)} for this deployment ({domain}), and it is not"
        )
