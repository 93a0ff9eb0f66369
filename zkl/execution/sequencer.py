"""The sequencer: builds fixed-size batches from the deposit queue and the mempool, and applies them.

`Sequencer.build(...)` fills `batch_size` slots:

1. deposits first, in queue order (the circuit chains them: none may be skipped or reordered);
   each goes to an account of its key that can take it without overflow (the lowest such
   index), else to a new account at `state.next_index`;
2. then mempool transactions in arrival order, each re-checked against the state as the batch
   has left it (nonce, signature, balance, ranges: one that no longer passes is dropped,
   with the later ones of its account, which could not pass either); transfers and
   withdrawals wait while the sequencer's fee account does not exist (fees need an account);
3. no-ops pad the rest.

The slots are applied to the state (strict: a batch the circuit would refuse is never built),
the fees of the batch are credited once to the sequencer's account, and the result is a
`Batch` with its public data, commitment and witness. The caller owns the state transaction
(`state.begin()` before, `commit()` or `rollback()` after: see `zkl.execution.node`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from zkl.crypto.protocol import AMOUNT_BITS, Domain, TxType
from zkl.crypto.pubdata import TxRecord
from zkl.errors import ExecutionError, MalformedInput, NonceMismatch
from zkl.execution.batch import Batch
from zkl.execution.execute import BatchExecutor, Slot
from zkl.execution.state import State
from zkl.execution.transactions import QueuedDeposit, SignedTx

__all__ = ["BuildResult", "Sequencer"]


@dataclass
class BuildResult:
    """A built batch and what became of the mempool transactions it looked at."""

    batch: Batch
    included: list[str] = field(default_factory=list)
    """ids of the mempool transactions in the batch"""
    dropped: dict[str, str] = field(default_factory=dict)
    """id -> reason, for transactions that can never pass any more"""
    used: int = 0
    """slots filled by deposits and transactions (not no-ops)"""


class Sequencer:
    """Builds batches of `batch_size` slots over a state for one deployment; fees go to the account of `fee_pubkey`."""

    def __init__(self, state: State, *, batch_size: int, fee_pubkey: tuple[int, int], domain: Domain) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise MalformedInput(f"batch_size must be a positive integer, not {batch_size!r}")
        self.state = state
        self.domain = domain
        self.batch_size = batch_size
        self.fee_pubkey = (int(fee_pubkey[0]), int(fee_pubkey[1]))

    def fee_account(self) -> int | None:
        """The index of the sequencer's account (the lowest held by fee_pubkey), None if it has none."""
        held = self.state.find(self.fee_pubkey)
        return held[0] if held else None

    def deposit_index(self, deposit: QueuedDeposit) -> int:
        """Where a deposit goes: the lowest account of its key that stays below 2^64, else a new one."""
        for index in self.state.find(deposit.pubkey):
            account = self.state.account(index)
            if account is not None and account.balance + deposit.amount < 1 << AMOUNT_BITS:
                return index
        index = self.state.next_index
        if index >= self.state.capacity:
            raise ExecutionError(f"the account tree is full (2^{self.state.depth} accounts): "
                                 f"deposit {deposit.queue_index} cannot open an account")
        return index

    def build(self, *, number: int, deposits: Sequence[QueuedDeposit], deposits_before: int,
              transactions: Iterable[SignedTx] = ()) -> BuildResult:
        """Apply one batch to the state and return it (see the module docstring).

        deposits: the queue from the next unconsumed one, in order (the first batch_size are
        taken); deposits_before: the queue hash before the first of them; transactions: the
        mempool in arrival order, read only as far as the batch needs (an iterator is fine).
        """
        state = self.state
        executor = BatchExecutor(state, domain=self.domain.element, batch_number=number,
                                 deposits_before=deposits_before)
        records: list[TxRecord] = []
        taken = list(deposits[: self.batch_size])
        for k, deposit in enumerate(taken):
            if k and deposit.queue_index != taken[k - 1].queue_index + 1:
                raise ExecutionError(f"deposits must be consecutive in the queue; {taken[k - 1].queue_index} "
                                     f"is followed by {deposit.queue_index}")
            record = deposit.record(self.deposit_index(deposit))
            executor.apply(Slot.from_record(record))
            records.append(record)
        result_included: list[str] = []
        dropped: dict[str, str] = {}
        fee_account = self.fee_account()
        blocked: set[int] = set()
        if fee_account is not None:
            for tx in transactions:
                if len(records) == self.batch_size:
                    break
                sender = tx.record.from_index
                try:
                    if sender in blocked:
                        raise NonceMismatch(f"an earlier transaction of account {sender} was dropped")
                    if tx.nonce != self._nonce(tx):
                        raise NonceMismatch(f"nonce {tx.nonce} of account {sender} is not its next nonce "
                                            f"{self._nonce(tx)}")
                    executor.apply(Slot.from_record(tx.record, tx.signature))
                except (ExecutionError, MalformedInput) as exc:
                    dropped[tx.id] = str(exc)
                    blocked.add(sender)
                    continue
                records.append(tx.record)
                result_included.append(tx.id)
        used = len(records)
        while len(records) < self.batch_size:
            records.append(TxRecord(TxType.NOOP))
            executor.apply(Slot(TxType.NOOP))
        witness = executor.finish(0 if fee_account is None else fee_account)
        batch = Batch(number, records, witness, taken[0].queue_index if taken else None, len(taken))
        return BuildResult(batch, result_included, dropped, used)

    def _nonce(self, tx: SignedTx) -> int:
        """The current nonce of a transaction's sender (0 if it has no account)."""
        account = self.state.account(tx.record.from_index)
        return 0 if account is None else account.nonce
