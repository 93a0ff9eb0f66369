"""One interface over every base layer, for the conformance suite: the same sequence, the same answers.

    rig = make_rig("embedded" | "evm", data_dir, toy)
    rig.contract.deposit(...)      # the base layer's rollup (RollupContract, EvmRollup): the same methods
    rig.reject(Error, action)      # the action raises Error and no view of the contract or the chain moves
    rig.events()                   # the contract's events since the last call, as (kind, fields) in the model's names
    rig.snapshot()                 # every view the suite compares: roots, queue, claims, balances, mode

Amounts are the L2's units everywhere (gwei on an EVM); addresses are ints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from tests.settlement.helpers import (
    ALICE,
    BOB,
    BOND,
    CAROL,
    CHAIN_ID,
    DEADLINE,
    DEPTH,
    FEE_ACCOUNT,
    GENESIS,
    GOVERNOR,
    SEQUENCER,
    TIMELOCK,
    Account,
    MiniL2,
    ToyGroth16,
    pubkey_of,
)

from zkl.crypto.protocol import EXIT_PUBLIC_INPUTS, TxType
from zkl.crypto.pubdata import BatchHeader, TxRecord, commitment, encode, total_fees
from zkl.errors import SkippedDeposit
from zkl.settlement import BURN_ADDRESS, ROLLUP_ADDRESS, L1BatchHeader, init_settlement
from zkl.verifier.keys import Proof

BASES = ("embedded", "evm", "rpc")
COUNCIL = tuple(0xC0C0 + i for i in range(3))
PEOPLE = (ALICE, BOB, CAROL, SEQUENCER, GOVERNOR, BURN_ADDRESS, *COUNCIL)

#: the EVM's event names, in the model's
_EVENT_NAMES = {"Deployed": "deploy", "Deposit": "deposit", "BatchFinalized": "batch", "Withdrawal": "withdrawal",
                "Claim": "claim", "ExodusActivated": "exodus", "BondSlashed": "bond_slashed",
                "DepositRefunded": "deposit_refunded", "Exit": "exit", "VkProposed": "vk_proposed",
                "VkCancelled": "vk_cancelled", "VkUpgraded": "vk_upgraded", "PauseVote": "pause_vote",
                "PauseChanged": "pause_changed"}
#: what the suite compares of each event (both bases name these fields alike, after _FIELD_NAMES)
_COMPARED = {"deposit": ("index", "amount", "chain_hash"), "batch": ("number", "old_root", "new_root", "commitment",
             "transactions", "deposits", "withdrawals", "total_fees"),
             "withdrawal": ("batch", "position", "l1_address", "amount"), "claim": ("l1_address", "amount"),
             "exodus": ("overdue_deposit", "state_root", "batch_number"), "bond_slashed": ("amount",),
             "deposit_refunded": ("index", "depositor", "amount"), "exit": ("account_index", "l1_address", "amount",
             "root"), "vk_proposed": (), "vk_cancelled": (), "vk_upgraded": (), "pause_vote": ("member", "pause",
             "votes"), "pause_changed": ("paused",), "deploy": ()}
_FIELD_NAMES = {"chainHash": "chain_hash", "oldRoot": "old_root", "newRoot": "new_root", "totalFees": "total_fees",
                "l1Address": "l1_address", "overdueDeposit": "overdue_deposit", "stateRoot": "state_root",
                "batchNumber": "batch_number", "accountIndex": "account_index"}


def _normal(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("0x"):
        return int(value, 16)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


@dataclass
class Rig:
    """A deployed rollup on one base layer, with the model L2 and toy keys that make its batches and exits."""

    base: str
    contract: Any
    l2: MiniL2
    toy: ToyGroth16
    exit_toy: ToyGroth16
    _mine: Callable[[int], None]
    _balance: Callable[[int], int]
    _events: Callable[[], list[tuple[str, dict[str, Any]]]]
    _counts: Callable[[], tuple[int, int]]
    _close: Callable[[], None]
    escrow: Callable[[], int]
    """the contract's balance (escrowed deposits, unpaid withdrawals, the bond)"""
    _seen: int = 0
    log: list[Any] = field(default_factory=list)

    # -- chain

    def mine(self, blocks: int) -> None:
        """Mine empty blocks."""
        self._mine(blocks)

    def balance(self, address: int) -> int:
        """An L1 balance in L2 units."""
        return self._balance(address)

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        """The contract's events since the last call: (kind, compared fields)."""
        every = self._events()
        new, self._seen = every[self._seen:], len(every)
        return [(kind, {k: _normal(data[k]) for k in _COMPARED[kind]}) for kind, data in new]

    def close(self) -> None:
        """Release the base layer."""
        self._close()

    # -- views the suite compares

    def snapshot(self) -> dict[str, Any]:
        """Roots, batch number, queue, claims, exits, balances and mode: what a rejection must leave alone."""
        c = self.contract
        processed, count = self._counts()
        return {"root": c.state_root, "batch": c.batch_number, "processed": processed, "count": count,
                "chain": c.deposit_chain(count), "claimable": [c.claimable(p) for p in PEOPLE],
                "balances": [self.balance(p) for p in PEOPLE], "exited": [c.exited(i) for i in range(8)],
                "exodus": self.exodus(), "paused": self.paused(), "escrow": self.escrow()}

    def exodus(self) -> bool:
        """Whether the next block sees exodus mode."""
        return self.contract.status().exodus if self.base == "embedded" else self.contract.exodus()

    def paused(self) -> bool:
        """Whether batches are paused."""
        return self.contract.status().paused if self.base == "embedded" else self.contract.paused

    def bond(self) -> int:
        """The sequencer's bond."""
        return self.contract.status().bond if self.base == "embedded" else self.contract.bond

    def reject(self, error: type[Exception], action: Callable[[], Any]) -> Exception:
        """Run action, expect error, and check that nothing the suite can see moved."""
        before = self.snapshot()
        with pytest.raises(error) as info:
            action()
        assert self.snapshot() == before
        self.log.append(("rejected", type(info.value).__name__))
        return info.value

    def do(self, action: Callable[[], Any]) -> Any:
        """Run an action that must succeed; keep its answer in the log."""
        value = action()
        if type(value).__name__ == "Deposit":  # the model's deposit record; an EVM client answers its index
            value = value.index
        self.log.append(("ok", value if isinstance(value, (int, bool, dict)) else None))
        return value

    # -- batches and exits

    def prepare(self, records: list[TxRecord], new_root: int, fee_account: int = FEE_ACCOUNT,
                old_root: int | None = None, domain: int | None = None) -> tuple[L1BatchHeader, bytes]:
        """The header and public data the contract expects for these records as its next batch."""
        processed, count = self._counts()
        n = sum(1 for r in records if r.type == TxType.DEPOSIT)
        if processed + n > count:
            raise SkippedDeposit(f"the records hold {n} deposits but only {count - processed} are queued")
        c = self.contract
        inner = BatchHeader(c.domain.element if domain is None else domain, c.batch_number + 1, fee_account,
                            total_fees(records), c.deposit_chain(processed), c.deposit_chain(processed + n))
        header = L1BatchHeader(c.batch_number + 1, c.state_root if old_root is None else old_root, new_root,
                               fee_account, commitment(inner, records))
        return header, encode(records)

    def batch(self, records: list[TxRecord]) -> tuple[L1BatchHeader, bytes, Proof]:
        """Header, data and proof of the next batch applying records (the model L2 is advanced)."""
        header, data = self.prepare(records, self.l2.apply(records, FEE_ACCOUNT))
        return header, data, self.toy.prove(header.public_inputs())

    def settle(self, records: list[TxRecord]) -> None:
        """Make and submit the next batch."""
        self.do(lambda: self.contract.submit_batch(*self.batch(records)))

    def prove(self, header: L1BatchHeader) -> Proof:
        """A valid proof for a header's public inputs."""
        return self.toy.prove(header.public_inputs())

    def exit_args(self, index: int, to: int, model: MiniL2 | None = None) -> tuple[int, int, int, Proof]:
        """(index, to, balance, proof): an exit of account index's balance in the model to `to`."""
        model = model or self.l2
        balance = model.accounts[index].balance
        inputs = [model.root, self.contract.domain.element, index, to, balance]
        return index, to, balance, self.exit_toy.prove(inputs)


def make_rig(base: str, data_dir: Any, toy: ToyGroth16, *, council: tuple[int, ...] = (),
             council_threshold: int | None = None, node: Any = None) -> Rig:
    """Deploy the test world (fee account 0 with key 9, the test parameters) on a base layer (rpc: on `node`)."""
    l2 = MiniL2(DEPTH, {FEE_ACCOUNT: Account(pubkey_of(9))})
    exit_toy = ToyGroth16(seed=toy.seed + 1000, n_public=len(EXIT_PUBLIC_INPUTS))
    genesis = {**GENESIS, **{m: 10 for m in council}}
    params = dict(sequencer=SEQUENCER, governor=GOVERNOR, bond=BOND, deposit_deadline=DEADLINE, vk_timelock=TIMELOCK,
                  council=council, council_threshold=council_threshold)
    if base == "embedded":
        ledger, contract = init_settlement(data_dir, toy.vk, l2.root, DEPTH, exit_vk=exit_toy.vk, genesis=genesis,
                                           chain_id=CHAIN_ID, clock=lambda: 1_700_000_000, **params)

        def events() -> list[tuple[str, dict[str, Any]]]:
            return [(e.kind, e.data) for e in ledger.events() if e.kind in _COMPARED]

        def counts() -> tuple[int, int]:
            v = ledger.storage("rollup")
            return v["deposits_processed"], v["deposit_count"]

        rig = Rig(base, contract, l2, toy, exit_toy, ledger.mine, ledger.balance, events, counts, ledger.close,
                  lambda: ledger.balance(ROLLUP_ADDRESS))
        rig.events()  # the deployment's
        return rig
    if base in ("evm", "rpc"):
        pytest.importorskip("pyrevm", reason="the evm base layer needs pyrevm (pip install -e '.[evm]')")
        pytest.importorskip("eth_abi", reason="the evm base layer needs eth-abi (pip install -e '.[evm]')")
        from zkl.settlement.evm import UNIT, EvmRollup, InProcessEvm, RpcEvm

        close: Callable[[], None] = lambda: None  # noqa: E731
        if base == "evm":
            chain: Any = InProcessEvm(chain_id=CHAIN_ID, balances={a: v * UNIT for a, v in genesis.items()})
        else:
            pytest.importorskip("web3", reason="the rpc base layer needs web3 (pip install -e '.[evm]')")
            chain = RpcEvm(node.url, impersonate=True, gas_price=0)
            snapshot = node.rpc("evm_snapshot")
            for address in {*PEOPLE, *genesis}:
                chain.set_balance(address, genesis.get(address, 0) * UNIT)

            def close() -> None:
                node.rpc("evm_revert", snapshot)
        contract = EvmRollup.deploy(chain, toy.vk, exit_toy.vk, l2.root, DEPTH, **params)

        def evm_events() -> list[tuple[str, dict[str, Any]]]:
            out = []
            for name, data in contract.events:
                if name == "Configured":  # the deployment's second record (the model logs one "deploy")
                    continue
                kind = _EVENT_NAMES[name]
                fields = {_FIELD_NAMES.get(k, k): v for k, v in data.items()}
                if kind == "bond_slashed":  # the bond is wei (whatever the sequencer sent), the rest gwei
                    fields["amount"] //= UNIT
                out.append((kind, fields))
            return out

        def evm_counts() -> tuple[int, int]:
            return contract._one("depositsProcessed"), contract._one("depositCount")

        rig = Rig(base, contract, l2, toy, exit_toy, chain.mine, lambda a: chain.balance(a) // UNIT, evm_events,
                  evm_counts, close, contract.escrow)
        rig.events()
        return rig
    raise ValueError(base)
