"""Governance of the rollup contract: verifying-key upgrades behind a timelock, and the emergency council.

The governor (an L1 address fixed at deployment) proposes a new verifying key at block h;
it is a *pending change*, visible in `RollupContract.status()` and `pending_change()`, and
takes effect for transactions in blocks of height >= h + timelock (the timelock in L1 blocks
is a deployment parameter).  Until then batches verify under the old key.  A due change is
applied by the first batch submitted at or after that height, or explicitly by
`activate_vk_upgrade` (anyone may call it; TimelockActive before the height).  The governor
may cancel a pending change; only one can be pending at a time.

The emergency council (M of N L1 addresses, fixed at deployment; none by default) can pause new
batches and resume them, and nothing else: it never touches the key, the funds, deposits,
claims, refunds or exits.  A member votes (`vote_pause` / `vote_unpause`); the vote that
reaches the threshold flips the state at once and starts a new round (a member votes once a
round; PauseVoteRefused otherwise, or when the state already is what the vote asks).  While
paused, submit_batch refuses with BatchesPaused, and deposit deadlines keep running: a council
that never resumes forces exodus, it cannot hold funds.

Keys are stored as snarkjs verification_key.json objects; `vk_hash` is the SHA-256 of that
JSON with sorted keys and no spaces (hex), the key's name in events and status.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from zkl.crypto.protocol import PUBLIC_INPUTS
from zkl.errors import MalformedInput, NoPendingChange, PauseVoteRefused, TimelockActive, Unauthorized
from zkl.settlement.ledger import Tx, address_hex
from zkl.settlement.storage import CONTRACT
from zkl.verifier.groth16 import validate_verifying_key
from zkl.verifier.keys import VerifyingKey
from zkl.verifier.snarkjs_json import vk_from_snarkjs_json, vk_to_snarkjs_json

__all__ = ["N_PUBLIC", "PendingChange", "decode_vk", "encode_vk", "vk_hash", "vote"]

#: the batch circuit's public inputs: old root, new root, commitment
N_PUBLIC = len(PUBLIC_INPUTS)

_VK_CACHE: dict[str, VerifyingKey] = {}


@dataclass(frozen=True)
class PendingChange:
    """A verifying-key upgrade waiting for its timelock: the new key's hash, when proposed, when effective."""

    vk_hash: str
    proposed_height: int
    effective_height: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"vk_hash": self.vk_hash, "proposed_height": self.proposed_height,
                "effective_height": self.effective_height}


def vk_hash(vk_json: dict[str, Any]) -> str:
    """SHA-256 (hex) of a verification_key.json object, keys sorted, no spaces."""
    return hashlib.sha256(json.dumps(vk_json, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def encode_vk(vk: VerifyingKey, inputs: tuple[str, ...] = PUBLIC_INPUTS) -> tuple[dict[str, Any], str]:
    """Validate a verifying key (points, one public input per name in `inputs`) and return its snarkjs JSON and hash."""
    validate_verifying_key(vk)
    if vk.n_public != len(inputs):
        raise MalformedInput(
            f"the key must take {len(inputs)} public inputs ({', '.join(n.replace('_', ' ') for n in inputs)}), "
            f"not {vk.n_public}"
        )
    obj = vk_to_snarkjs_json(vk)
    digest = vk_hash(obj)
    _VK_CACHE[digest] = vk
    return obj, digest


def decode_vk(obj: dict[str, Any], digest: str) -> VerifyingKey:
    """The key a stored JSON object holds (validated when it was stored)."""
    vk = _VK_CACHE.get(digest)
    if vk is None:
        vk = _VK_CACHE[digest] = vk_from_snarkjs_json(obj, validate=False)  # validated when stored
    return vk


# ----------------------------------------------------------------------------- inside transactions


def pending(tx: Tx) -> PendingChange | None:
    """The pending upgrade, if any (as stored)."""
    p = tx.get(CONTRACT, "pending_vk")
    if p is None:
        return None
    return PendingChange(p["vk_hash"], p["proposed_height"], p["effective_height"])


def effective_vk(tx: Tx, height: int) -> tuple[VerifyingKey, str, bool]:
    """The key in force at a height, its hash, and whether it is a pending change that has come due."""
    p = tx.get(CONTRACT, "pending_vk")
    if p is not None and height >= p["effective_height"]:
        return decode_vk(p["vk"], p["vk_hash"]), p["vk_hash"], True
    return decode_vk(tx.get(CONTRACT, "vk"), tx.get(CONTRACT, "vk_hash")), tx.get(CONTRACT, "vk_hash"), False


def apply_due(tx: Tx) -> None:
    """Make the pending key current (the caller checked it is due) and log it."""
    p = tx.get(CONTRACT, "pending_vk")
    old = tx.get(CONTRACT, "vk_hash")
    tx.put(CONTRACT, "vk", p["vk"])
    tx.put(CONTRACT, "vk_hash", p["vk_hash"])
    tx.put(CONTRACT, "pending_vk", None)
    tx.emit("vk_upgraded", old_vk_hash=old, vk_hash=p["vk_hash"], effective_height=p["effective_height"])


def _require_governor(tx: Tx, sender: int) -> None:
    governor = int(tx.get(CONTRACT, "governor"), 16)
    if sender != governor:
        raise Unauthorized(f"only the governor {address_hex(governor)} may change the verifying key, "
                           f"not {address_hex(sender)}")


def propose(tx: Tx, vk_json: dict[str, Any], digest: str, sender: int) -> PendingChange:
    """Queue a verifying-key upgrade effective timelock blocks from now."""
    _require_governor(tx, sender)
    current = pending(tx)
    if current is not None:
        raise TimelockActive(
            f"a verifying-key upgrade ({current.vk_hash[:16]}..., effective at height {current.effective_height}) "
            "is already pending; cancel it first"
        )
    change = PendingChange(digest, tx.height, tx.height + tx.get(CONTRACT, "vk_timelock"))
    tx.put(CONTRACT, "pending_vk", {"vk": vk_json, **change.to_dict()})
    tx.emit("vk_proposed", **change.to_dict(), old_vk_hash=tx.get(CONTRACT, "vk_hash"))
    return change


def cancel(tx: Tx, sender: int) -> PendingChange:
    """Drop the pending upgrade (governor only)."""
    _require_governor(tx, sender)
    change = pending(tx)
    if change is None:
        raise NoPendingChange("there is no pending verifying-key upgrade to cancel")
    if tx.height >= change.effective_height:
        raise TimelockActive(f"the upgrade took effect at height {change.effective_height}; it can no longer be cancelled")
    tx.put(CONTRACT, "pending_vk", None)
    tx.emit("vk_cancelled", **change.to_dict())
    return change


def activate(tx: Tx) -> PendingChange:
    """Apply the pending upgrade once its timelock has elapsed."""
    change = pending(tx)
    if change is None:
        raise NoPendingChange("there is no pending verifying-key upgrade to activate")
    if tx.height < change.effective_height:
        raise TimelockActive(
            f"the verifying-key upgrade takes effect at height {change.effective_height}, not before; "
            f"this is height {tx.height}"
        )
    apply_due(tx)
    return change


def vote(tx: Tx, sender: int, pause: bool) -> bool:
    """Count a council member's vote to pause (or resume) batches; returns whether the state flipped."""
    council = tx.get(CONTRACT, "council") or []
    if address_hex(sender) not in council:
        raise Unauthorized(f"only a member of the emergency council may vote to {'pause' if pause else 'resume'} "
                           f"batches, not {address_hex(sender)}")
    if bool(tx.get(CONTRACT, "paused")) == pause:
        raise PauseVoteRefused(f"batches are already {'paused' if pause else 'running'}")
    voters = tx.get(CONTRACT, "pause_voters") or []
    if address_hex(sender) in voters:
        raise PauseVoteRefused(f"{address_hex(sender)} already voted this round")
    voters = [*voters, address_hex(sender)]
    tx.emit("pause_vote", member=address_hex(sender), pause=pause, votes=len(voters))
    if len(voters) >= tx.get(CONTRACT, "council_threshold"):
        tx.put(CONTRACT, "paused", pause)
        tx.put(CONTRACT, "pause_voters", [])
        tx.emit("pause_changed", paused=pause)
        return True
    tx.put(CONTRACT, "pause_voters", voters)
    return False
