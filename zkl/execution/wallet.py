"""A wallet: an EdDSA-Poseidon key pair that signs L2 transfers and withdrawals.

    w = Wallet.generate()
    tx = w.transfer(from_index=3, to_index=5, amount=1000, fee=2, nonce=0, domain=node.domain)
    json.dumps(tx.to_json())                  # what a node's mempool takes (SignedTx.from_json)

Every signature names the deployment it is for (`zkl.crypto.protocol.Domain`: chain id and
rollup contract), so a transaction signed for one deployment is refused by every other.

Keys are circomlibjs-compatible (`zkl.crypto.eddsa`): a 32-byte private key, public key
(s >> 3) * Base8. A key file is JSON {"private_key": "<64 hex digits>", "pubkey": ["x", "y"]}.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from zkl._json import read_json
from zkl.crypto import eddsa
from zkl.crypto.protocol import Domain, TxType
from zkl.crypto.pubdata import TxRecord
from zkl.errors import MalformedInput
from zkl.execution.transactions import SignedTx

__all__ = ["Wallet"]


class Wallet:
    """A private key and its public key; signs transactions."""

    def __init__(self, private_key: bytes) -> None:
        if not isinstance(private_key, (bytes, bytearray)) or len(private_key) != eddsa.PRIVATE_KEY_BYTES:
            raise MalformedInput(f"a private key is {eddsa.PRIVATE_KEY_BYTES} bytes, not {private_key!r:.40}")
        self.private_key = bytes(private_key)
        point = eddsa.public_key(self.private_key)
        self.pubkey: tuple[int, int] = (point.x, point.y)

    @classmethod
    def generate(cls) -> Wallet:
        """A wallet with a fresh random key (os.urandom)."""
        return cls(os.urandom(eddsa.PRIVATE_KEY_BYTES))

    def __repr__(self) -> str:
        return f"Wallet(pubkey=({self.pubkey[0]:#x}, {self.pubkey[1]:#x}))"

    def sign(self, record: TxRecord, nonce: int, domain: Domain) -> SignedTx:
        """Sign a transfer or withdrawal record at the account's nonce, for the deployment `domain`."""
        if not isinstance(domain, Domain):
            raise MalformedInput(f"domain must be a zkl.crypto.protocol.Domain, not {type(domain).__name__}")
        element = domain.element
        return SignedTx(record, nonce, element, eddsa.sign(self.private_key, record.message(nonce, element)))

    def transfer(self, from_index: int, to_index: int, amount: int, fee: int, nonce: int, *,
                 domain: Domain) -> SignedTx:
        """A signed transfer of `amount` (plus `fee` to the sequencer) from account from_index to to_index."""
        record = TxRecord(TxType.TRANSFER, from_index=from_index, to_index=to_index, amount=amount, fee=fee)
        return self.sign(record, nonce, domain)

    def withdraw(self, from_index: int, amount: int, fee: int, l1_address: int | str, nonce: int, *,
                 domain: Domain) -> SignedTx:
        """A signed withdrawal of `amount` from account from_index, paid to `l1_address` on the base layer."""
        if isinstance(l1_address, str):
            if not re.fullmatch(r"0x[0-9a-fA-F]{40}", l1_address):
                raise MalformedInput(f"an L1 address is 0x and 40 hex digits, not {l1_address!r}")
            l1_address = int(l1_address, 16)
        record = TxRecord(TxType.WITHDRAW, from_index=from_index, amount=amount, fee=fee, l1_address=l1_address)
        return self.sign(record, nonce, domain)

    def to_json(self) -> dict[str, Any]:
        """The key file's content (holds the private key: keep it secret)."""
        return {"private_key": self.private_key.hex(), "pubkey": [str(self.pubkey[0]), str(self.pubkey[1])]}

    @classmethod
    def from_json(cls, data: object) -> Wallet:
        """A wallet from its key file's content; checks the stored public key if present."""
        if not isinstance(data, dict) or not isinstance(data.get("private_key"), str) \
                or not re.fullmatch(r"[0-9a-fA-F]{64}", data["private_key"]):
            raise MalformedInput("a key file holds {\"private_key\": \"<64 hex digits>\", ...}")
        wallet = cls(bytes.fromhex(data["private_key"]))
        if "pubkey" in data and [str(v) for v in wallet.pubkey] != [str(v) for v in data["pubkey"]]:
            raise MalformedInput("the key file's pubkey is not the public key of its private key")
        return wallet

    def save(self, path: str | os.PathLike) -> None:
        """Write the key file (mode 0600)."""
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self.to_json(), f)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Wallet:
        """Read a key file."""
        return cls.from_json(read_json(path, "key file"))
