"""L2 accounts: a public key, a balance and a nonce at an index of the account tree.

Leaf = `zkl.crypto.protocol.leaf_hash` = Poseidon(pubkey.x, pubkey.y, balance, nonce); an index
that holds no account has the leaf 0. Balances are 64-bit, nonces 32-bit (`check_account` enforces it where accounts enter
the state; `Account` itself is plain data, so a witness builder can hold any values).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkl.algebra.constants import R
from zkl.crypto.protocol import AMOUNT_BITS, NONCE_BITS, leaf_hash
from zkl.errors import AmountOutOfRange, FieldElementOutOfRange, MalformedInput

__all__ = ["Account", "check_account"]


@dataclass(frozen=True)
class Account:
    """An account: the EdDSA public key (x, y) that signs for it, its balance and its next nonce."""

    pubkey: tuple[int, int]
    balance: int = 0
    nonce: int = 0

    def leaf(self) -> int:
        """The tree leaf: Poseidon(pubkey.x, pubkey.y, balance, nonce)."""
        return leaf_hash(self.pubkey, self.balance, self.nonce)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (big integers as decimal strings)."""
        return {"pubkey": [str(self.pubkey[0]), str(self.pubkey[1])], "balance": str(self.balance),
                "nonce": self.nonce}


def _int(value: object, what: str) -> int:
    """Return value if it is an int (not a bool), else raise MalformedInput."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInput(f"{what} must be an integer, not {type(value).__name__}")
    return value


def check_account(account: object) -> Account:
    """Return account if its key is two field elements, balance < 2^64 and nonce < 2^32; else raise."""
    if not isinstance(account, Account):
        raise MalformedInput(f"expected an Account, not {type(account).__name__}")
    try:
        x, y = account.pubkey
    except (TypeError, ValueError):
        raise MalformedInput(f"an account's pubkey must be a pair (x, y), not {account.pubkey!r}") from None
    for name, v in (("pubkey.x", x), ("pubkey.y", y)):
        if not 0 <= _int(v, name) < R:
            raise FieldElementOutOfRange(f"{name} must be in [0, r), not {v}")
    if not 0 <= _int(account.balance, "balance") < 1 << AMOUNT_BITS:
        raise AmountOutOfRange(f"balance must be in [0, 2^{AMOUNT_BITS}), not {account.balance}")
    if not 0 <= _int(account.nonce, "nonce") < 1 << NONCE_BITS:
        raise AmountOutOfRange(f"nonce must be in [0, 2^{NONCE_BITS}), not {account.nonce}")
    return account
