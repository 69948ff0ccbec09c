"""A sparse store's coverage of an address is one typed answer, :class:`HistoryCoverage`, in each of its shapes."""

from __future__ import annotations

import json
from pathlib import Path

from cointrail.chains.bitcoin.sources.light import History, HistoryEntry
from cointrail.model import AddressActivity, HistoryCoverage, SiteCoverage
from cointrail.model.coverage import COMPLETE, NOT_ALL_FETCHED, NOT_LISTED, TRUNCATED
from cointrail.store.duckdb import sparse
from cointrail.store.duckdb.store import LedgerStore

COMPLETE_ADDRESS, MISSING_ADDRESS, CUT_ADDRESS, UNLISTED_ADDRESS = "rltc1qa", "rltc1qb", "rltc1qc", "rltc1qd"


def _listings(tmp_path: Path) -> dict[str, dict[str, object]]:
    """What the store gives for four addresses, one in each status: listed whole, listed with a transaction not
    fetched, cut short by the server, never listed."""
    with LedgerStore.open(tmp_path / "sparse.duckdb", "litecoin", "regtest") as store:
        sparse.make_sparse(store)
        histories = [
            (History(COMPLETE_ADDRESS, b"\x00", (), 120, True), True),
            (History(MISSING_ADDRESS, b"\x01", (HistoryEntry(b"\x11" * 32, 101),), 120, True), True),
            (History(CUT_ADDRESS, b"\x02", (HistoryEntry(b"\x22" * 32, 102),), 120, False, "history too large", 900),
             False),
        ]  # fmt: skip
        sparse.record_histories(store, histories, "test")
        return sparse.coverage(store, [COMPLETE_ADDRESS, MISSING_ADDRESS, CUT_ADDRESS, UNLISTED_ADDRESS])


def test_each_shape_of_an_addresss_coverage_is_typed_and_gives_the_same_json(tmp_path: Path) -> None:
    found = _listings(tmp_path)
    typed = {address: HistoryCoverage.from_json(cover) for address, cover in found.items()}
    assert [c.status for c in typed.values()] == [COMPLETE, NOT_ALL_FETCHED, TRUNCATED, NOT_LISTED]
    assert typed[COMPLETE_ADDRESS].complete and not typed[MISSING_ADDRESS].complete
    assert typed[MISSING_ADDRESS].not_fetched == 1 and typed[CUT_ADDRESS].server_count == 900
    assert typed[CUT_ADDRESS].reason == "history too large" and typed[UNLISTED_ADDRESS].tip_height is None
    for address, cover in found.items():  # byte for byte, key order included
        assert json.dumps(typed[address].to_json()) == json.dumps(cover)


def test_the_answers_carrying_coverage_hold_it_typed(tmp_path: Path) -> None:
    found = _listings(tmp_path)
    typed = {address: HistoryCoverage.from_json(cover) for address, cover in found.items()}
    site = SiteCoverage(typed, (MISSING_ADDRESS,), 0, "a note")
    assert json.dumps(site.to_json()["addresses"]) == json.dumps(found)
    seen = {"txid": None, "height": None, "time": None}
    activity = AddressActivity.from_json({
        "chain": "litecoin", "network": "regtest", "address": CUT_ADDRESS, "script_pubkey": "02", "type": "p2wpkh",
        "p2pk": None, "received": 0, "sent": 0, "balance": 0, "outputs_received": 0, "outputs_spent": 0,
        "tx_count": 0, "first_seen": seen, "last_seen": seen, "counterparties": [], "coverage": found[CUT_ADDRESS],
        "balance_known": True})  # fmt: skip
    assert activity.coverage == typed[CUT_ADDRESS]
    assert json.dumps(activity.to_json()["coverage"]) == json.dumps(found[CUT_ADDRESS])
