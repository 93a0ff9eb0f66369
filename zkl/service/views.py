"""What the node service answers: JSON-ready views of a devnet (run on the node thread, see `runtime`).

Big integers (roots, keys, amounts) are decimal strings, as everywhere in zkl's JSON; a
transaction's status is one of STATUSES, in the order a transaction goes through them.
"""

from __future__ import annotations

from typing import Any

from zkl.crypto.protocol import TxType
from zkl.devnet import Devnet
from zkl.errors import MalformedInput, NotFound
from zkl.execution import Batch, SignedTx
from zkl.settlement import address_hex, to_address

__all__ = ["STATUSES", "account", "accounts_of_key", "batch", "batches", "deposits", "status", "transaction",
           "transactions_of", "withdrawals"]

#: a transaction's life: admitted, sealed into a batch, its batch proven, its batch final on L1 (or dropped)
STATUSES = ("pending", "in_batch", "proven", "final", "dropped")


def status(net: Devnet, service: dict[str, Any]) -> dict[str, Any]:
    """The node at a glance: deployment, L2 state, L1 status, the sealer's state (`service`)."""
    l1 = net.contract.status()
    node = net.node
    settled = net.settled()
    return {
        "domain": {**l1.domain.to_json(), "element": f"0x{l1.domain.element:056x}"},
        "batch_size": net.batch_size, "depth": net.depth,
        "l2": {"state_root": str(node.root), "batches": node.next_batch - 1, "final": max(settled, default=0),
               "mempool": len(node.mempool), "pending_deposits": node.pending_deposit_count(),
               "min_fee": str(node.min_fee), "accounts": len(node.state)},
        "l1": {"base": net.l1.kind, "height": l1.height, "state_root": str(l1.state_root), "batches": l1.batch_number,
               "queued_deposits": l1.queue_length, "exodus": bool(l1.exodus), "escrow": str(l1.escrow),
               "next_deposit_deadline": l1.next_deadline},
        "sealer": service,
    }


def account(net: Devnet, index: int) -> dict[str, Any]:
    """An L2 account: index, balance, nonce, public key, and the next nonce counting the mempool."""
    net.node.state.check_index(index)
    found = net.node.account(index)
    if found is None:
        raise NotFound(f"no account at index {index} (accounts 0..{net.node.state.next_index - 1} exist)")
    pending = net.node.mempool.pending(index)
    return {"index": index, "balance": str(found.balance), "nonce": found.nonce,
            "next_nonce": found.nonce + pending.count, "pending_debit": str(pending.debit),
            "pubkey": [str(found.pubkey[0]), str(found.pubkey[1])]}


def accounts_of_key(net: Devnet, pubkey: tuple[int, int]) -> dict[str, Any]:
    """The indices of the accounts of a public key (lowest first) and each account."""
    return {"pubkey": [str(pubkey[0]), str(pubkey[1])],
            "accounts": [account(net, i) for i in sorted(net.node.state.find(pubkey))]}


def _tx_fields(tx: SignedTx) -> dict[str, Any]:
    """A transaction's fields as its JSON form has them, with its id, without the signature."""
    data = tx.to_json()
    data.pop("signature", None)
    return {"id": tx.id, **data}


def _record_fields(batch: Batch, slot: int) -> dict[str, Any]:
    """A sealed slot's fields (from the batch's records)."""
    r = batch.records[slot]
    out: dict[str, Any] = {"type": r.type.name.lower(), "amount": str(r.amount), "fee": str(r.fee)}
    if r.type in (TxType.TRANSFER, TxType.WITHDRAW):
        out["from"] = r.from_index
    if r.type in (TxType.TRANSFER, TxType.DEPOSIT):
        out["to"] = r.to_index
    if r.type == TxType.WITHDRAW:
        out["l1_address"] = address_hex(r.l1_address)
    return out


def _batch_stage(net: Devnet, number: int) -> tuple[str, dict[str, Any] | None]:
    """("final", receipt) when L1 holds the batch, ("proven", None) with its proof saved, else ("in_batch", None)."""
    receipt = net.receipt(number)
    if receipt is not None:
        return "final", receipt
    return ("proven" if net.proven(number) is not None else "in_batch"), None


def transaction(net: Devnet, tx_id: str) -> dict[str, Any]:
    """A transaction's status (STATUSES) and, once sealed, its batch, slot, and the L1 block that made it final."""
    tx_id = _check_id(tx_id)
    node = net.node
    where = node.tx_status(tx_id)
    if where is None:
        raise NotFound(f"no transaction {tx_id} was admitted by this node")
    if where["status"] == "pending":
        tx = node.mempool.get(tx_id)
        return {"id": tx_id, "status": "pending", "tx": _tx_fields(tx) if tx else None}
    number = where["batch"]
    if where["status"] == "dropped":
        return {"id": tx_id, "status": "dropped", "batch": number, "reason": where["reason"]}
    stage, receipt = _batch_stage(net, number)
    out = {"id": tx_id, "status": stage, "batch": number, "slot": where["slot"],
           "tx": {"id": tx_id, **_record_fields(node.batch(number), where["slot"])}}
    if receipt is not None:
        out["l1"] = {"height": receipt["l1_height"], "gas": receipt.get("gas")}
    return out


def transactions_of(net: Devnet, index: int, limit: int = 50) -> dict[str, Any]:
    """An account's latest transactions (pending first, then sealed, newest first), each with its status."""
    net.node.state.check_index(index)
    pending = [{"id": tx.id, "status": "pending", "tx": _tx_fields(tx)} for tx in net.node.mempool.of_account(index)]
    sealed = [transaction(net, tx_id) for tx_id, *_ in net.node.sealed_of_account(index, limit)]
    return {"index": index, "transactions": (pending[::-1] + sealed)[:limit]}


def _check_id(tx_id: str) -> str:
    if len(tx_id) != 64 or any(c not in "0123456789abcdef" for c in tx_id):
        raise MalformedInput("a transaction id is 64 lowercase hex digits (its signed message)")
    return tx_id


def _batch_summary(net: Devnet, number: int) -> dict[str, Any]:
    b = net.node.batch(number)
    stage, receipt = _batch_stage(net, number)
    used = sum(r.type != TxType.NOOP for r in b.records)
    out = {"number": number, "status": stage, "old_root": str(b.old_root), "new_root": str(b.new_root),
           "commitment": str(b.commitment), "transactions": used, "slots": b.batch_size,
           "deposits": b.deposit_count, "first_deposit": b.first_deposit,
           "fee_account": b.header.fee_account, "total_fees": str(b.header.total_fees)}
    if receipt is not None:
        out["l1"] = dict(receipt)
    return out


def batches(net: Devnet, limit: int = 20, before: int | None = None) -> dict[str, Any]:
    """The latest sealed batches (newest first, below `before` if given), each with its status."""
    last = net.node.next_batch - 1
    top = last if before is None else min(last, before - 1)
    numbers = range(top, max(0, top - limit), -1)
    return {"batches": [_batch_summary(net, n) for n in numbers], "last": last}


def batch(net: Devnet, number: int) -> dict[str, Any]:
    """One batch: its summary, header, slots, public data (hex), proof (snarkjs JSON) and how L1 settled it."""
    if not 1 <= number < net.node.next_batch:
        raise NotFound(f"no batch {number}; batches 1..{net.node.next_batch - 1} are sealed")
    b = net.node.batch(number)
    out = _batch_summary(net, number)
    out["public_inputs"] = [str(v) for v in b.public_inputs]
    out["pubdata"] = b.pubdata.hex()
    out["slots_detail"] = [_record_fields(b, k) for k in range(b.batch_size)]
    out["proof"] = net.proven(number)
    return out


def deposits(net: Devnet) -> dict[str, Any]:
    """The L1 deposit queue: the deposits no batch has consumed yet, and how many were consumed."""
    pending = [d.to_json() for d in net.node.pending_deposits()]
    return {"processed": net.node.deposits_processed, "queued": pending}


def withdrawals(net: Devnet, l1_address: str) -> dict[str, Any]:
    """What an L1 address can claim now (final withdrawals not yet paid)."""
    try:
        address = to_address(l1_address)
    except (MalformedInput, ValueError, TypeError):
        raise MalformedInput(f"an L1 address is 0x and up to 40 hex digits, not {l1_address!r:.60}") from None
    return {"l1_address": address_hex(address), "claimable": str(net.contract.claimable(address))}
