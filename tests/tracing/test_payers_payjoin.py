"""A PayJoin payment to the site (BIP78: the site adds an input of its own) is listed, for the net amount the site
received and with the payer's inputs only; the site's own sweeps are not payments (hand-made chain, real DuckDB)."""

from __future__ import annotations

from pathlib import Path

from cointrail.simulation.named_chain import COIN, ChainBuilder
from cointrail.tracing import payers


def test_a_payjoin_to_the_site_is_a_payment_of_its_net_amount(tmp_path: Path) -> None:
    chain = ChainBuilder(tmp_path / "ledger.duckdb")
    chain.block(miner="alice0")
    chain.block(miner="bob0")
    chain.block(chain.tx("pay1", [("cb0", 0)], [("site1", COIN // 4), ("alice1", 49 * COIN + 3)]))
    # Bob pays 0.5 by PayJoin: the site brings its 0.25 coin and takes 0.75 back on a fresh address.
    chain.block(chain.tx("payjoin", [("cb1", 0), ("pay1", 0)], [("bob1", 49 * COIN + 7_777), ("site2", 3 * COIN // 4)]))
    chain.block(chain.tx("sweep", [("payjoin", 1)], [("site3", 3 * COIN // 4 - 1_000)]))  # the site's own move
    try:
        result = payers(chain.store, [chain.address(n) for n in ("site1", "site2", "site3")]).to_dict()
    finally:
        chain.close()
    by_txid = {p["txid"]: p for p in result["payments"]}
    assert set(by_txid) == {chain.txids[n][::-1].hex() for n in ("pay1", "payjoin")}
    payjoin = by_txid[chain.txids["payjoin"][::-1].hex()]
    assert payjoin["amount"] == COIN // 2 and payjoin["payjoin"] is True and "PayJoin" in payjoin["note"]
    assert payjoin["payer_addresses"] == [chain.address("bob0")]  # not the site's own coin
    assert by_txid[chain.txids["pay1"][::-1].hex()]["payjoin"] is False
