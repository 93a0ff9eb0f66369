"""Devnet stories the end-to-end tests share."""

from __future__ import annotations

from typing import Any

from zkl.devnet import Devnet


def waiting_story(path: str, **where: Any) -> None:
    """A devnet (batch 4, depth 4, seed 11) with settled deposits and, waiting: a transfer, a withdrawal and a
    new deposit (queued on L1, pulled by the node). where: Devnet.init's base-layer arguments."""
    with Devnet.init(path, batch_size=4, depth=4, seed=11, **where) as net:
        net.add_user("alice", l1_funds=100_000)
        net.add_user("bob", l1_funds=100_000)
        net.deposit("alice", 5_000)
        net.deposit("bob", 3_000)
        assert len(net.seal_all()) == 1
        net.transfer("alice", "bob", 700)
        net.withdraw("bob", 400)
        net.deposit("alice", 50)
