"""The devnet's base layer: one interface over the embedded ledger, the in-process EVM and a JSON-RPC node.

    l1 = create_l1("evm", "data/", deployment)     # genesis, the contracts deployed; l1.config goes in devnet.json
    l1 = open_l1("data/", config["l1"])            # later, in another process
    l1.contract                                    # RollupContract (embedded) or EvmRollup (evm, rpc)
    l1.fund(address, amount); l1.balance(address); l1.mine(blocks); l1.gas_of_last()

- ``embedded``: `zkl.settlement`'s SQLite ledger and the Python contract (no node, no EVM).
- ``evm``: the Solidity contracts in pyrevm, persisted by `zkl.settlement.journal` in ``evm.sqlite3``.
- ``rpc``: the Solidity contracts on any JSON-RPC node (``--rpc URL``; ``anvil`` starts one). The
  devnet's L1 addresses are secp256k1 keys signed for here; the faucet is the node's first unlocked
  account (a dev node's), else anvil's ``anvil_setBalance``.

Amounts are the L2's units (gwei on an EVM). Addresses are ints.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkl.errors import LedgerError, MalformedInput, SettlementError
from zkl.settlement import Ledger, RollupContract, init_settlement, named_address, open_settlement
from zkl.verifier.keys import VerifyingKey

__all__ = ["BASES", "FAUCET", "L1", "Deployment", "create_l1", "open_l1"]

BASES = ("embedded", "evm", "rpc")
FAUCET = "zkl.faucet"
FAUCET_SUPPLY = 10**30
SEQUENCER_FUNDS = 10**11
"""what the sequencer's L1 address gets at genesis (gwei: 100 ETH on an EVM, for gas)"""


@dataclass(frozen=True)
class Deployment:
    """What the rollup contract is deployed with."""

    vk: VerifyingKey
    exit_vk: VerifyingKey
    genesis_root: int
    depth: int
    sequencer: int
    deposit_deadline: int
    chain_id: int | None = None


@dataclass
class L1:
    """A devnet's base layer: the rollup contract on it and what the devnet does to the chain itself."""

    kind: str
    contract: Any
    config: dict[str, Any]
    """what devnet.json keeps to open it again"""
    ledger: Ledger | None = None
    chain: Any = None
    gas_used: list[int] = field(default_factory=list)

    def fund(self, address: int, amount: int) -> None:
        """Send L1 tokens from the devnet's faucet to an address."""
        if self.ledger is not None:
            self.ledger.transfer(named_address(FAUCET), address, amount)
            return
        from zkl.settlement.evm import UNIT, InProcessEvm, address_of

        if isinstance(self.chain, InProcessEvm):
            self.chain.set_balance(address, self.chain.balance(address) + amount * UNIT)
            return
        web3 = self.chain.web3
        accounts = web3.eth.accounts
        if not accounts:  # no unlocked account: a dev node that sets balances, or nothing
            self.chain.set_balance(address, self.chain.balance(address) + amount * UNIT)
            return
        tx_hash = web3.eth.send_transaction({"from": accounts[0], "to": web3.to_checksum_address(address_of(address)),
                                             "value": amount * UNIT})
        if web3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)["status"] != 1:
            raise SettlementError(f"the faucet's transfer to {address_of(address)} reverted")

    def balance(self, address: int) -> int:
        """An address's L1 balance in L2 units."""
        if self.ledger is not None:
            return self.ledger.balance(address)
        from zkl.settlement.evm import UNIT

        return self.chain.balance(address) // UNIT

    def mine(self, blocks: int) -> None:
        """Mine empty blocks (a devnet's clock)."""
        if self.ledger is not None:
            self.ledger.mine(blocks)
        else:
            self.chain.mine(blocks)

    @property
    def height(self) -> int:
        """The last block's number."""
        return self.ledger.height if self.ledger is not None else self.chain.height

    @property
    def chain_id(self) -> int:
        """The chain id."""
        return self.ledger.chain_id if self.ledger is not None else self.chain.chain_id

    def last_gas(self) -> int | None:
        """The gas of the contract's last transaction (None on the embedded base layer, which has no gas)."""
        receipt = getattr(self.contract, "last_receipt", None)
        return None if receipt is None else receipt.gas

    def info(self) -> dict[str, Any]:
        """The chain at a glance: base layer, chain id, height, where it runs."""
        out: dict[str, Any] = {"base": self.kind, "chain_id": self.chain_id, "height": self.height}
        if self.ledger is not None:
            out["time"] = self.ledger.block(self.ledger.height).time
        elif self.kind == "rpc":
            out["url"] = self.chain.url
        else:
            out["journal"] = str(self.chain.path)
        return out

    def events(self, kinds: tuple[str, ...] = (), since: int = 0) -> list[dict[str, Any]]:
        """The rollup's events (the embedded ledger's: every L1 event) from block `since`."""
        if self.ledger is not None:
            return [{"seq": e.seq, "height": e.height, "kind": e.kind, "data": e.data}
                    for e in self.ledger.events(kinds or None, since=since)]
        out = []
        for seq, (height, tx_hash, name, fields) in enumerate(self.contract.history(), 1):
            if height >= since and (not kinds or name in kinds):
                data = {k: (v.hex() if isinstance(v, bytes) else str(v) if isinstance(v, int) and v >= 1 << 53 else v)
                        for k, v in fields.items()}
                out.append({"seq": seq, "height": height, "kind": name, "data": data, "tx": tx_hash})
        return out

    def close(self) -> None:
        """Release the chain."""
        if self.ledger is not None:
            self.ledger.close()
        elif hasattr(self.chain, "close"):
            self.chain.close()


def create_l1(kind: str, data_dir: str | os.PathLike, deployment: Deployment, *, url: str | None = None,
              keys: dict[int, bytes] | None = None, gas_price: int | None = None) -> L1:
    """A new base layer in data_dir with the rollup contract deployed (rpc: on the node at url).

    keys: the secp256k1 keys the devnet signs with on an rpc node, by address (the sequencer's among them);
    gas_price: wei per gas of the devnet's rpc transactions (default: the node's price).
    """
    if kind not in BASES:
        raise MalformedInput(f"the base layer must be one of {', '.join(BASES)}, not {kind!r}")
    d = deployment
    if kind == "embedded":
        ledger, contract = init_settlement(
            data_dir, d.vk, d.genesis_root, d.depth, exit_vk=d.exit_vk,
            genesis={named_address(FAUCET): FAUCET_SUPPLY, d.sequencer: SEQUENCER_FUNDS}, sequencer=d.sequencer,
            deposit_deadline=d.deposit_deadline, chain_id=d.chain_id)
        return L1(kind, contract, {"base": kind}, ledger=ledger)
    from zkl.settlement.evm import EvmRollup

    if kind == "evm":
        from zkl.settlement.journal import JournaledEvm

        chain: Any = JournaledEvm.create(data_dir, chain_id=secrets.randbits(32) if d.chain_id is None
                                         else d.chain_id)
        config: dict[str, Any] = {"base": kind}
    else:
        if not url:
            raise MalformedInput("the rpc base layer needs the node's URL (--rpc URL)")
        chain = _rpc(url, keys or {}, gas_price)
        if d.chain_id is not None and d.chain_id != chain.chain_id:
            raise MalformedInput(f"the node at {url} runs chain {chain.chain_id}, not {d.chain_id}")
        config = {"base": kind, "url": url, "gas_price": gas_price}
    try:
        l1 = L1(kind, None, config, chain=chain)
        l1.fund(d.sequencer, SEQUENCER_FUNDS)
        contract = EvmRollup.deploy(chain, d.vk, d.exit_vk, d.genesis_root, d.depth, sequencer=d.sequencer,
                                    deposit_deadline=d.deposit_deadline)
    except BaseException:
        if hasattr(chain, "close"):
            chain.close()
        raise
    l1.contract = contract
    config["contract"] = contract.address
    config["deploy_gas"] = contract.deploy_gas
    return l1


def open_l1(data_dir: str | os.PathLike, config: dict[str, Any], *, keys: dict[int, bytes] | None = None) -> L1:
    """The base layer a devnet.json's "l1" entry names (default: embedded)."""
    kind = config.get("base", "embedded")
    if kind == "embedded":
        ledger, contract = open_settlement(data_dir)
        return L1(kind, contract, config, ledger=ledger)
    if kind not in BASES:
        raise LedgerError(f"unknown base layer {kind!r} in {Path(data_dir) / 'devnet.json'}")
    from zkl.settlement.evm import EvmRollup

    if kind == "evm":
        from zkl.settlement.journal import JournaledEvm

        chain: Any = JournaledEvm.open(data_dir)
    else:
        chain = _rpc(config["url"], keys or {}, config.get("gas_price"))
    return L1(kind, EvmRollup(chain, config["contract"]), config, chain=chain)


def _rpc(url: str, keys: dict[int, bytes], gas_price: int | None) -> Any:
    from zkl.settlement.evm import RpcEvm

    chain = RpcEvm(url, gas_price=gas_price)
    for address, key in keys.items():
        if int(chain.add_key(key), 16) != address:
            raise MalformedInput(f"the key given for 0x{address:040x} signs for another address")
    return chain
