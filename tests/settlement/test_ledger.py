"""The L1 ledger: genesis, transfers, blocks, events, persistence, SQLite settings, atomicity of a transaction."""

from __future__ import annotations

import sqlite3

import pytest

from zkl.errors import InsufficientFunds, LedgerError, MalformedInput
from zkl.settlement import BURN_ADDRESS, Ledger, address_hex, named_address, to_address

A, B, C = named_address("a"), named_address("b"), named_address("c")


def clock_from(values):
    it = iter(values)
    return lambda: next(it)


@pytest.fixture
def ledger(tmp_path):
    with Ledger.create(tmp_path / "l1", {A: 1000, B: 5}, clock=lambda: 100) as ledger:
        yield ledger


def test_genesis(ledger, tmp_path):
    assert ledger.height == 0
    assert ledger.balance(A) == 1000 and ledger.balance(B) == 5 and ledger.balance(C) == 0
    assert ledger.total_supply() == 1005
    assert ledger.block(0).kind == "genesis"
    (event,) = ledger.events()
    assert event.kind == "genesis" and event.data["allocation"] == {address_hex(A): 1000, address_hex(B): 5}
    assert Ledger.exists(tmp_path / "l1") and not Ledger.exists(tmp_path / "other")
    assert ledger.path == tmp_path / "l1" / "ledger.sqlite3"


def test_chain_id_is_fixed_at_genesis(tmp_path):
    """Each ledger draws its own chain id (the embedded base layer's half of the deployment domain)."""
    ids = []
    for name in ("x", "y"):
        with Ledger.create(tmp_path / name, {A: 1}) as ledger:
            ids.append(ledger.chain_id)
        with Ledger.open(tmp_path / name) as ledger:
            assert ledger.chain_id == ids[-1]  # persisted
    assert ids[0] != ids[1] and all(isinstance(i, int) and 0 <= i < 2**64 for i in ids)
    with Ledger.create(tmp_path / "z", {A: 1}, chain_id=31337) as ledger:
        assert ledger.chain_id == 31337
    for bad in (-1, 2**64, "zkl-l1", True):
        with pytest.raises(MalformedInput, match="chain_id"):
            Ledger.create(tmp_path / f"bad{bad!s}", {A: 1}, chain_id=bad)
        assert not Ledger.exists(tmp_path / f"bad{bad!s}")


def test_sqlite_settings(ledger):
    assert ledger.pragma("journal_mode") == "wal"
    assert ledger.pragma("synchronous") == 2  # FULL


def test_transfer_is_a_block_with_an_event(ledger):
    height = ledger.transfer(A, B, 300)
    assert height == ledger.height == 1
    assert (ledger.balance(A), ledger.balance(B)) == (700, 305)
    block = ledger.block(1)
    assert (block.kind, block.sender, block.time) == ("transfer", A, 100)
    (event,) = ledger.events("transfer")
    assert event.height == 1
    assert event.data == {"source": address_hex(A), "destination": address_hex(B), "amount": 300}
    assert ledger.total_supply() == 1005
    # hex addresses work as well as ints
    ledger.transfer(address_hex(B), address_hex(C).upper().replace("0X", "0x"), 5)
    assert ledger.balance(C) == 5


def test_rejected_transfers_change_nothing(ledger):
    before = ledger.snapshot()
    with pytest.raises(InsufficientFunds, match="must hold at least 6"):
        ledger.transfer(B, A, 6)
    with pytest.raises(MalformedInput):
        ledger.transfer(A, B, 0)
    with pytest.raises(MalformedInput):
        ledger.transfer(A, B, -1)
    with pytest.raises(MalformedInput):
        ledger.transfer(A, 1 << 160, 1)
    with pytest.raises(InsufficientFunds):
        ledger.transfer(C, A, 1)
    assert ledger.snapshot() == before
    assert ledger.height == 0


def test_mine_and_block_times(tmp_path):
    ledger = Ledger.create(tmp_path, {A: 1}, clock=clock_from([50, 60, 55, 70]))
    assert ledger.mine(2) == 2
    assert ledger.mine() == 3
    times = [b.time for b in ledger.blocks()]
    assert times == [50, 60, 60, 70]  # never decreasing, even when the clock goes back
    assert [b.kind for b in ledger.blocks(1)] == ["mine"] * 3
    with pytest.raises(MalformedInput):
        ledger.mine(0)
    ledger.close()


def test_persistence_and_open_errors(tmp_path):
    with Ledger.create(tmp_path / "d", {A: 10}) as ledger:
        ledger.transfer(A, B, 4)
        snap = ledger.snapshot()
    with Ledger.open(tmp_path / "d") as again:
        assert again.snapshot() == snap
        assert again.balance(B) == 4
    with pytest.raises(LedgerError, match="already exists"):
        Ledger.create(tmp_path / "d", {})
    with pytest.raises(LedgerError, match="no ledger"):
        Ledger.open(tmp_path / "missing")
    # a foreign SQLite file is refused
    (tmp_path / "x").mkdir()
    sqlite3.connect(tmp_path / "x" / "ledger.sqlite3").execute("CREATE TABLE t (a)").connection.close()
    with pytest.raises(LedgerError, match="schema version"):
        Ledger.open(tmp_path / "x")
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / "ledger.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerError):
        Ledger.open(tmp_path / "y")


class Boom(Exception):
    pass


def test_a_transaction_that_raises_leaves_no_trace(ledger):
    before = ledger.snapshot()
    with pytest.raises(Boom):
        with ledger.transaction("custom", A) as tx:
            tx.transfer(A, B, 100)
            tx.put("c", "k", {"v": 1})
            tx.emit("custom", x=1)
            assert tx.balance(B) == 105  # visible inside the transaction
            raise Boom
    assert ledger.snapshot() == before
    with ledger.transaction("custom", A) as tx:
        tx.put("c", "k", {"v": 2})
    assert ledger.storage("c") == {"k": {"v": 2}}
    assert ledger.block(1).kind == "custom"


def test_transactions_do_not_nest(ledger):
    with pytest.raises(LedgerError, match="nest"):
        with ledger.transaction("outer"):
            with ledger.transaction("inner"):
                pass
    assert ledger.height == 0
    ledger.transfer(A, B, 1)  # the ledger is usable afterwards
    assert ledger.height == 1


def test_events_filter(ledger):
    ledger.transfer(A, B, 1)
    ledger.mine()
    ledger.transfer(A, C, 2)
    assert [e.kind for e in ledger.events()] == ["genesis", "transfer", "transfer"]
    assert [e.height for e in ledger.events("transfer", since=2)] == [3]
    assert len(ledger.events(("genesis", "transfer"))) == 3


def test_addresses():
    assert to_address("0x" + "ff" * 20) == (1 << 160) - 1
    assert to_address(5) == 5
    assert address_hex(255) == "0x" + "0" * 38 + "ff"
    assert BURN_ADDRESS == 0
    assert named_address("a") != named_address("b") and named_address("a") < 1 << 160
    for bad in ("ff", "0x", "0xzz", "0x" + "1" * 41, -1, 1 << 160, 1.5, True):
        with pytest.raises(MalformedInput):
            to_address(bad)


def test_query_is_read_only(ledger):
    assert ledger.query("SELECT COUNT(*) FROM blocks") == [(1,)]
    with pytest.raises(MalformedInput):
        ledger.query("DELETE FROM blocks")
    with pytest.raises(sqlite3.Error):
        ledger.query("SELECT 1; DELETE FROM blocks")
    assert ledger.height == 0


def test_the_base_layer_only_verifies():
    """zkl.settlement imports neither the prover, nor the circuits, nor the execution layer."""
    import subprocess
    import sys

    import json

    code = ("import json, sys, zkl.settlement, zkl.commands.rollup; "
            "print(json.dumps(sorted({m.split('.')[1] for m in sys.modules if m.startswith('zkl.')})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout)
    assert "settlement" in loaded and "verifier" in loaded
    assert not {"prover", "circuits", "execution"} & set(loaded)
