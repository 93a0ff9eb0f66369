"""The minimum fee, set by demand as Ethereum's base fee (EIP-1559) is.

After each batch the minimum fee moves toward balance between supply and demand: with `used`
slots filled (transactions that are not no-ops) out of `capacity` and a target of half the
batch,

    fee' = fee + max(1, fee * (used - target) // (target * 8))      if used > target
    fee' = max(floor, fee - max(1, fee * (target - used) // (target * 8)))   if used < target
    fee' = fee                                                       if used == target

so a full batch raises the fee by 1/8 and an empty one lowers it by 1/8 (by at least 1 either
way, so that small fees move too), never below the floor. Integer arithmetic only: every node computes the same fee.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkl.crypto.protocol import AMOUNT_BITS
from zkl.errors import MalformedInput

__all__ = ["FeePolicy"]


@dataclass(frozen=True)
class FeePolicy:
    """The base-fee rule: a floor, the change denominator (8: at most 12.5% per batch) and the target fill."""

    floor: int = 1
    denominator: int = 8
    target_percent: int = 50

    def __post_init__(self) -> None:
        if isinstance(self.floor, bool) or not isinstance(self.floor, int) or not 0 <= self.floor < 1 << AMOUNT_BITS:
            raise MalformedInput(f"the fee floor must be an integer in [0, 2^{AMOUNT_BITS}), not {self.floor!r}")
        if not isinstance(self.denominator, int) or self.denominator < 1:
            raise MalformedInput(f"the fee change denominator must be a positive integer, not {self.denominator!r}")
        if not isinstance(self.target_percent, int) or not 1 <= self.target_percent <= 100:
            raise MalformedInput(f"the target fill must be a percentage in [1, 100], not {self.target_percent!r}")

    def target(self, capacity: int) -> int:
        """The number of filled slots at which the fee stays put (at least 1)."""
        return max(1, capacity * self.target_percent // 100)

    def next_fee(self, fee: int, used: int, capacity: int) -> int:
        """The minimum fee after a batch that filled `used` of its `capacity` slots."""
        if not 0 <= used <= capacity or capacity < 1:
            raise MalformedInput(f"a batch fills 0..capacity slots; got {used} of {capacity}")
        fee = max(fee, self.floor)
        target = self.target(capacity)
        if used > target:
            fee += max(1, fee * (used - target) // (target * self.denominator))
        elif used < target:
            fee = max(self.floor, fee - max(1, fee * (target - used) // (target * self.denominator)))
        return min(fee, (1 << AMOUNT_BITS) - 1)
