"""A sealed batch: its public data, commitment, roots, deposits consumed and the witness to prove it.

    batch.public_inputs      [old_root, new_root, commitment]: the Groth16 statement
    batch.pubdata            the compact bytes posted on the base layer (zkl.crypto.pubdata.encode)
    batch.header             BatchHeader(domain, number, fee_account, total_fees, deposits_before, deposits_after)
    batch.first_deposit, batch.last_deposit   queue indices consumed (inclusive; None if none)
    batch.circuit()          BatchCircuit(batch_size, depth)
    batch.assignment()       its input values (zkl.circuits.solve(batch.circuit(), batch.assignment()))
    batch.save(path) / Batch.load(path)       JSON

File format (JSON object): {"format": "zkl-batch-2", "number", "depth", "batch_size", "old_root",
"new_root", "commitment", "pubdata": hex, "first_deposit", "deposit_count", "withdrawals":
[{"l1_address": "0x..", "amount": ".."}], "witness": BatchWitness.to_json()}; big integers as
decimal strings. `load` re-derives the records from the pubdata and checks that they, the header
and the witness agree with the stored commitment.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkl._json import read_json
from zkl.crypto.protocol import TxType
from zkl.crypto.pubdata import BatchHeader, TxRecord, commitment, decode, encode
from zkl.errors import MalformedInput
from zkl.execution.execute import BatchWitness, slot_elements

__all__ = ["Batch", "FORMAT"]

FORMAT = "zkl-batch-2"


@dataclass
class Batch:
    """A batch of `len(records)` transactions (no-ops included) and the witness of its execution."""

    number: int
    records: list[TxRecord]
    witness: BatchWitness
    first_deposit: int | None = None
    deposit_count: int = 0

    def __post_init__(self) -> None:
        self.check()

    # -- derived -------------------------------------------------------------------------------

    @property
    def batch_size(self) -> int:
        """Number of transaction slots."""
        return len(self.records)

    @property
    def depth(self) -> int:
        """Depth of the account tree (2^depth accounts)."""
        return self.witness.depth

    @property
    def old_root(self) -> int:
        """State root before the batch."""
        return self.witness.old_root

    @property
    def new_root(self) -> int:
        """State root after the batch."""
        return self.witness.new_root

    @property
    def commitment(self) -> int:
        """SHA-256 commitment of the public data (a public input)."""
        return self.witness.commitment

    @property
    def public_inputs(self) -> list[int]:
        """[old_root, new_root, commitment]."""
        return self.witness.public_inputs

    @property
    def header(self) -> BatchHeader:
        """The header the commitment binds."""
        w = self.witness
        return BatchHeader(w.domain, self.number, w.fee_account, w.total_fees, w.deposits_before, w.deposits_after)

    @property
    def pubdata(self) -> bytes:
        """The compact bytes of the records, as posted on the base layer."""
        return encode(self.records)

    @property
    def last_deposit(self) -> int | None:
        """Queue index of the last deposit consumed (None if none)."""
        return None if self.first_deposit is None else self.first_deposit + self.deposit_count - 1

    @property
    def withdrawals(self) -> list[tuple[int, int]]:
        """(l1_address, amount) of each withdrawal, in order: claimable once the batch is final."""
        return [(r.l1_address, r.amount) for r in self.records if r.type == TxType.WITHDRAW]

    def check(self) -> None:
        """Raise MalformedInput unless records, header, witness and commitment agree."""
        w = self.witness
        if len(w.txs) != len(self.records):
            raise MalformedInput(f"a batch of {len(self.records)} records has a witness of {len(w.txs)} slots")
        if w.batch_number != self.number:
            raise MalformedInput(f"batch {self.number} carries the witness of batch {w.batch_number}")
        for i, (record, tx) in enumerate(zip(self.records, w.txs)):
            if record.elements() != slot_elements(tx.slot):
                raise MalformedInput(f"record {i} of batch {self.number} differs from the transaction applied")
        deposits = sum(r.type == TxType.DEPOSIT for r in self.records)
        if deposits != self.deposit_count or (deposits > 0) != (self.first_deposit is not None):
            raise MalformedInput(f"batch {self.number} holds {deposits} deposits, its header says "
                                 f"{self.deposit_count} from {self.first_deposit}")
        if commitment(self.header, self.records) != w.commitment:
            raise MalformedInput(f"the commitment of batch {self.number} does not match its public data")

    # -- circuit -------------------------------------------------------------------------------

    def circuit(self) -> Any:
        """The batch circuit this batch is proven with: BatchCircuit(batch_size, depth)."""
        from zkl.circuits.rollup import BatchCircuit

        return BatchCircuit(self.batch_size, self.depth)

    def assignment(self) -> dict[str, Any]:
        """The circuit's input values."""
        return self.witness.assignment()

    # -- files ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see the module docstring)."""
        return {
            "format": FORMAT, "number": self.number, "depth": self.depth, "batch_size": self.batch_size,
            "old_root": str(self.old_root), "new_root": str(self.new_root), "commitment": str(self.commitment),
            "pubdata": self.pubdata.hex(), "first_deposit": self.first_deposit, "deposit_count": self.deposit_count,
            "withdrawals": [{"l1_address": f"0x{a:040x}", "amount": str(v)} for a, v in self.withdrawals],
            "witness": self.witness.to_json(),
        }

    @classmethod
    def from_json(cls, data: object) -> Batch:
        """Parse and check the JSON form; MalformedInput names what is missing or wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise MalformedInput(f"a batch file is a JSON object with format {FORMAT!r}")
        try:
            witness = BatchWitness.from_json(data["witness"])
            keys = [(t.slot.e1, t.slot.e2) for t in witness.txs if t.slot.type == TxType.DEPOSIT]
            records = decode(bytes.fromhex(data["pubdata"]), keys)
            batch = cls(int(data["number"]), records, witness,
                        None if data["first_deposit"] is None else int(data["first_deposit"]),
                        int(data["deposit_count"]))
            claimed = {name: str(data[name]) for name in ("old_root", "new_root", "commitment")}
        except KeyError as exc:
            raise MalformedInput(f"a batch file needs the field {exc.args[0]!r}") from None
        except (TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise MalformedInput(f"a batch file is malformed: {exc}") from None
        for name, value in claimed.items():
            if str(getattr(batch, name)) != value:
                raise MalformedInput(f"the batch file's {name} does not match its witness")
        return batch

    def save(self, path: str | os.PathLike) -> None:
        """Write the JSON form to a file."""
        Path(path).write_text(json.dumps(self.to_json()))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Batch:
        """Read and check a batch file."""
        return cls.from_json(read_json(path, "batch file"))
