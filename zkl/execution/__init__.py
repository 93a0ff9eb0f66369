"""zkl.execution: the L2 — accounts in a 4-ary Poseidon tree, signed transactions, a mempool, a
sequencer with a demand-driven minimum fee, batches with their public data and circuit witness,
and a node persisting all of it in SQLite.

    from zkl.execution import Node, Wallet

    alice, seq = Wallet.generate(), Wallet.generate()
    node = Node.init("l2data", depth=16, batch_size=4, fee_pubkey=seq.pubkey, domain=Domain(7, 0xC0FFEE))
    node.add_deposit(alice.pubkey, 1000)           # from the base layer's queue
    node.add_deposit(seq.pubkey, 0)
    batch = node.seal()                             # deposits applied: accounts 0 and 1
    node.submit(alice.transfer(0, 1, 100, fee=node.min_fee, nonce=0, domain=node.domain))
    batch = node.seal()                             # Batch: pubdata, commitment, witness
    # zkl.circuits.solve(batch.circuit(), batch.assignment()) -> the witness to prove

Modules: `accounts` (Account), `state` (State: the sparse tree over SQLite), `transactions`
(SignedTx, QueuedDeposit, validate), `wallet`, `mempool`, `fees` (FeePolicy), `execute` (execute:
the native twin of the batch circuit), `batch` (Batch), `sequencer`, `node`, `replay` (rebuild
the state from posted public data alone). The protocol's numbers and formulas (widths, packing,
leaf hash, signed messages, the deployment domain) are `zkl.crypto.protocol`'s.
"""

from zkl.execution.accounts import Account
from zkl.execution.batch import Batch
from zkl.execution.fees import FeePolicy
from zkl.execution.mempool import Mempool
from zkl.execution.node import Node
from zkl.execution.replay import apply_public_data, rebuild
from zkl.execution.sequencer import BuildResult, Sequencer
from zkl.execution.state import State
from zkl.execution.execute import (
    AccountStore,
    AccountWitness,
    BatchExecutor,
    BatchWitness,
    MemoryStore,
    Slot,
    TxWitness,
    execute,
    slot_elements,
)
from zkl.execution.transactions import Pending, QueuedDeposit, SignedTx, parse_tx, validate
from zkl.execution.wallet import Wallet

__all__ = [
    "Account", "AccountStore", "AccountWitness", "Batch", "BatchExecutor", "BatchWitness", "BuildResult",
    "FeePolicy", "MemoryStore", "Mempool", "Node", "Pending", "QueuedDeposit", "Sequencer", "SignedTx", "Slot",
    "State", "TxWitness", "Wallet", "apply_public_data", "execute", "parse_tx", "rebuild", "slot_elements",
    "validate",
]
