"""The in-process EVM kept in a data directory: the journal replays to the same chain, and refuses to lie."""

from __future__ import annotations

import sqlite3

import pytest
from tests.settlement.helpers import ALICE, BOB, DEPTH, SEQUENCER, ToyGroth16, deposit_record, pubkey_of

from zkl.errors import LedgerError, SettlementError
from zkl.settlement.contract import L1BatchHeader

pytest.importorskip("pyrevm", reason="the evm base layer needs pyrevm (pip install -e '.[evm]')")
pytest.importorskip("eth_abi", reason="the evm base layer needs eth-abi (pip install -e '.[evm]')")

from zkl.crypto.pubdata import BatchHeader, commitment, encode, total_fees  # noqa: E402
from zkl.settlement.evm import UNIT, EvmRollup  # noqa: E402
from zkl.settlement.journal import DB_NAME, JournaledEvm  # noqa: E402


def _views(rollup: EvmRollup) -> dict:
    return {"status": rollup.status().to_dict(), "deposits": rollup.deposits(), "history": rollup.history(),
            "balances": [rollup.chain.balance(a) for a in (ALICE, BOB, SEQUENCER)], "height": rollup.chain.height}


def _chain(tmp_path) -> tuple[JournaledEvm, EvmRollup, ToyGroth16]:
    toy, exit_toy = ToyGroth16(seed=3), ToyGroth16(seed=4, n_public=5)
    chain = JournaledEvm.create(tmp_path, chain_id=7)
    for address in (ALICE, BOB, SEQUENCER):
        chain.set_balance(address, 10**9 * UNIT)
    rollup = EvmRollup.deploy(chain, toy.vk, exit_toy.vk, 0, DEPTH, sequencer=SEQUENCER, deposit_deadline=10)
    return chain, rollup, toy


def test_the_journal_replays_to_the_same_chain(tmp_path) -> None:
    chain, rollup, toy = _chain(tmp_path)
    rollup.deposit(pubkey_of(1), 1000, sender=ALICE)
    rollup.deposit(pubkey_of(2), 700, sender=BOB)
    with pytest.raises(SettlementError):  # a reverted transaction is not included, nor journaled
        records = [deposit_record(1, pubkey_of(2), 700)]
        inner = BatchHeader(rollup.domain.element, 1, 0, total_fees(records), 0, rollup.deposit_chain(1))
        header = L1BatchHeader(1, 0, 5, 0, commitment(inner, records))
        rollup.submit_batch(header, encode(records), toy.prove(header.public_inputs()))
    chain.mine(3)
    before = _views(rollup)
    rows = chain.entries
    chain.close()
    again = JournaledEvm.open(tmp_path)
    assert _views(EvmRollup(again, rollup.address)) == before
    assert again.entries == rows  # replaying wrote nothing
    again.close()


def test_a_journal_that_replays_differently_is_refused(tmp_path) -> None:
    chain, rollup, _ = _chain(tmp_path)
    rollup.deposit(pubkey_of(1), 1000, sender=ALICE)
    chain.close()
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute("UPDATE journal SET gas = '[1, true, null]' WHERE op = 'call'")
    with pytest.raises(LedgerError, match="the replay used .* gas"):
        JournaledEvm.open(tmp_path)


def test_opening_and_creating_name_the_problem(tmp_path) -> None:
    with pytest.raises(LedgerError, match="no in-process EVM"):
        JournaledEvm.open(tmp_path)
    JournaledEvm.create(tmp_path, chain_id=1).close()
    with pytest.raises(LedgerError, match="already holds"):
        JournaledEvm.create(tmp_path, chain_id=1)
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute("UPDATE meta SET value = 'other' WHERE key = 'format'")
    with pytest.raises(LedgerError, match="is not a zkl-evm-journal-1 journal"):
        JournaledEvm.open(tmp_path)
