"""Rebuilding the L2 state from the base layer's data alone: the public data of each final batch.

A batch's compact bytes (`zkl.crypto.pubdata.decode`) and its header's fee account are enough:
a deposit credits its key's account (creating it at an empty index), a transfer moves amount
from `from` to `to`, a withdrawal burns amount, each transfer and withdrawal pays its fee and
bumps its sender's nonce, and the batch's fees go to the fee account at the end. Signatures
are not needed: the proof of each batch already vouched for them.

    state = State(depth)
    for header, data in final_batches:                 # in batch order
        apply_public_data(state, header.fee_account, decode(data))
    state.root == the contract's current root          # and state.proof(i) is an exit proof
"""

from __future__ import annotations

from collections.abc import Iterable

from zkl.crypto.protocol import TxType
from zkl.crypto.pubdata import TxRecord
from zkl.errors import ExecutionError
from zkl.execution.accounts import Account
from zkl.execution.state import State

__all__ = ["apply_public_data", "rebuild"]


def apply_public_data(state: State, fee_account: int, records: Iterable[TxRecord]) -> int:
    """Apply one batch's records to the state (as the batch circuit did) and return the new root.

    Raises ExecutionError if the records cannot have come from a proven batch on this state
    (an unknown account, a balance that would go negative or overflow).
    """
    total_fees = 0
    for i, r in enumerate(records):
        if r.type in (TxType.TRANSFER, TxType.WITHDRAW):
            sender = state.account(r.from_index)
            if sender is None or sender.balance < r.amount + r.fee:
                raise ExecutionError(f"record {i} spends {r.amount + r.fee} from account {r.from_index}, "
                                     f"which {'does not exist' if sender is None else 'holds ' + str(sender.balance)}")
            state.put(r.from_index, Account(sender.pubkey, sender.balance - r.amount - r.fee, sender.nonce + 1))
            total_fees += r.fee
        if r.type in (TxType.DEPOSIT, TxType.TRANSFER):
            receiver = state.account(r.to_index)
            if receiver is None:
                if r.type == TxType.TRANSFER:
                    raise ExecutionError(f"record {i} pays to account {r.to_index}, which does not exist")
                receiver = Account(r.pubkey)
            elif r.type == TxType.DEPOSIT and receiver.pubkey != r.pubkey:
                raise ExecutionError(f"record {i} deposits to account {r.to_index}, which belongs to another key")
            state.put(r.to_index, Account(receiver.pubkey, receiver.balance + r.amount, receiver.nonce))
    if total_fees:
        account = state.account(fee_account)
        if account is None:
            raise ExecutionError(f"the batch's fees go to account {fee_account}, which does not exist")
        state.put(fee_account, Account(account.pubkey, account.balance + total_fees, account.nonce))
    return state.root


def rebuild(depth: int, batches: Iterable[tuple[int, Iterable[TxRecord]]]) -> State:
    """A fresh in-memory state with every (fee_account, records) batch applied in order."""
    state = State(depth)
    for fee_account, records in batches:
        apply_public_data(state, fee_account, records)
    return state
