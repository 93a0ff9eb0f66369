"""zkl.execution: the L2 — accounts in a 4-ary Poseidon tree, signed transactions, a mempool, a
sequencer with a demand-driven minimum fee, batches with their public data and circuit witness,
and a node persisting all of it in SQLite.

    from zkl.execution import Node, Wallet

    alice, seq = Wallet.generate(), Wallet.generate()
    node = Node.init("l2data", depth=16, batch_size=4, fee_pubkey=seq.pubkey)
    node.add_deposit(alice.pubkey, 1000)           # from the base layer's queue
    node.add_deposit(seq.pubkey, 0)
    batch = node.seal()                             # deposits applied: accounts 0 and 1
    node.submit(alice.transfer(0, 1, 100, fee=node.min_fee, nonce=0))
    batch = node.seal()                             # Batch: pubdata, commitment, witness
    # zkl.circuits.solve(batch.circuit(), batch.assignment()) -> the witness to prove

Modules: `accounts` (Account, leaf hash), `state` (State: the sparse tree over SQLite),
`transactions` (SignedTx, Deposit, validate), `wallet`, `mempool`, `fees` (FeePolicy),
`witness` (execute: the native twin of the batch circuit), `batch` (Batch), `sequencer`, `node`,
`replay` (rebuild the state from posted public data alone).
"""

from zkl.execution.accounts import Account, leaf_hash
from zkl.execution.batch import Batch
from zkl.execution.fees import FeePolicy
from zkl.execution.mempool import Mempool
from zkl.execution.node import Node
from zkl.execution.replay import apply_public_data, rebuild
from zkl.execution.sequencer import BuildResult, Sequencer
from zkl.execution.state import State
from zkl.execution.transactions import Deposit, Pending, SignedTx, parse_tx, validate
from zkl.execution.wallet import Wallet
from zkl.execution.witness import (
    AccountWitness,
    BatchExecutor,
    BatchWitness,
    MemoryLedger,
    Slot,
    TxWitness,
    execute,
    slot_elements,
)

__all__ = [
    "Account", "AccountWitness", "Batch", "BatchExecutor", "BatchWitness", "BuildResult", "Deposit", "FeePolicy",
    "MemoryLedger", "Mempool", "Node", "Pending", "Sequencer", "SignedTx", "Slot", "State", "TxWitness", "Wallet",
    "apply_public_data", "execute", "leaf_hash", "parse_tx", "rebuild", "slot_elements", "validate",
]
