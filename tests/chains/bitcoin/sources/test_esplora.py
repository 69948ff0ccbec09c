"""The Esplora client against the Esplora-shaped stand-in over the regtest node: paging, 429s, proofs, outspends."""

from __future__ import annotations

import pytest
from conftest import node_placement
from node import RegtestNode
from socks_logger import logging_socks_proxy

from cointrail.chains.bitcoin.model import display_hash
from cointrail.chains.bitcoin.sources.esplora import EsploraSource
from cointrail.chains.bitcoin.sources.light import SourceError
from cointrail.chains.bitcoin.sources.pacing import Pacer
from cointrail.chains.bitcoin.sources.wire import Proxy
from cointrail.errors import InputError
from cointrail.simulation.esplora_standin import PAGE, Standin

pytestmark = [pytest.mark.node, pytest.mark.slow]


def source(standin: Standin, **options: object) -> EsploraSource:
    return EsploraSource(standin.url, "litecoin", "regtest", pacer=Pacer(backoff=0.01),
                         **options)  # type: ignore[arg-type]  # fmt: skip


def test_a_long_history_is_paged_by_the_last_txid_seen(standin: Standin, busy_address: str) -> None:
    with source(standin).session() as session:
        history = session.history(busy_address)
    expected = sorted(standin.history[busy_address])
    assert len(expected) > 4 * PAGE
    assert history.complete and history.server_count == len(expected)
    heights = [e.height for e in history.entries]
    assert heights == sorted(heights)  # oldest first
    assert sorted((e.height, display_hash(e.txid)) for e in history.entries) == expected
    pages = [p for p in standin.requests if p.startswith(f"/address/{busy_address}/txs/chain")]
    assert len(pages) == len(expected) // PAGE + 1 and pages[1].endswith(expected[-PAGE][1])


def test_a_repeated_page_ends_the_listing_as_truncated(standin: Standin, busy_address: str) -> None:
    standin.repeat_page = True
    with source(standin).session() as session:
        history = session.history(busy_address)
    assert not history.complete and history.truncated == f"the server repeated a page after {PAGE} transactions"
    assert len(history.entries) == PAGE


def test_a_history_shorter_than_the_servers_count_is_truncated(standin: Standin, busy_address: str) -> None:
    standin.truncate_at = 30
    with source(standin).session() as session:
        history = session.history(busy_address)
    count = len(standin.history[busy_address])
    assert not history.complete and history.truncated == f"the server listed 30 of the {count} transactions it counts"


def test_the_limit_per_address_cuts_and_says_so(standin: Standin, busy_address: str) -> None:
    with source(standin).session() as session:
        history = session.history(busy_address, limit=30)
    assert len(history.entries) == 30 and history.truncated == "more than 30 transactions (the limit per address)"


def test_429_without_retry_after_is_asked_again_after_a_back_off(standin: Standin, busy_address: str) -> None:
    with source(standin).session() as session:
        expected = session.history(busy_address)
    standin.throttle_every, standin.requests[:] = 3, []
    throttled = source(standin)
    with throttled.session() as session:
        assert session.history(busy_address) == expected
    assert throttled.pacer.waited > 0 and throttled.budget.used == len(standin.requests)
    standin.throttle_every = 1
    with source(standin).session() as session, pytest.raises(SourceError, match="kept answering 429.*4 retries"):
        session.tip_height()


@pytest.mark.parametrize("proof", ["merkleblock-proof", "merkle-proof"])
def test_transactions_are_proven_with_either_proof(standin: Standin, economy: RegtestNode, proof: str,
                                                   sample_addresses: list[str]) -> None:  # fmt: skip
    with source(standin, proof=proof).session() as session:
        for address in sample_addresses:
            for entry in session.history(address).entries:
                proven = session.transaction(entry.txid)  # the height asked from /tx/:txid/status
                height, position = node_placement(economy, display_hash(entry.txid))
                assert proven.height == height and proven.confirmed
                assert proven.position == position  # a branch's index, or the matched leaf of a partial tree
    assert any(path.endswith(f"/{proof}") for path in standin.requests)


def test_outspends_name_the_spending_transactions(standin: Standin, economy: RegtestNode,
                                                  sample_addresses: list[str]) -> None:  # fmt: skip
    with source(standin).session() as session:
        history = session.history(sample_addresses[0])
        first = session.transaction(history.entries[0].txid)
        spends = session.outspends(first.tx)
    assert [s.vout for s in spends] == list(range(len(first.tx.outputs)))
    for spend in spends:
        if spend.spender is not None:
            spender = economy.rpc("getrawtransaction", display_hash(spend.spender), True)
            assert spender["vin"][spend.vin]["txid"] == display_hash(first.tx.txid)


def test_a_script_with_no_address_is_listed_by_its_script_hash(standin: Standin, economy: RegtestNode) -> None:
    """The economy's P2PK outputs (carol pays them, bob's wallet spends them): /scripthash/:hash lists the paying
    transaction and the spender, as the node has them (the crawl asks it where a server gives no outspends)."""
    paid = next((t, n, o["scriptPubKey"]["hex"]) for t in sorted(standin.raw)
                for n, o in enumerate(economy.rpc("decoderawtransaction", standin.raw[t])["vout"])
                if o["scriptPubKey"]["type"] == "pubkey" and (t, n) in standin.spends)  # fmt: skip
    txid, vout, script = paid
    spender = standin.spends[(txid, vout)][0]
    with source(standin).session() as session:
        history = session.script_history(bytes.fromhex(script))
    assert history.complete and history.address == "" and history.script_pubkey == bytes.fromhex(script)
    assert [(display_hash(e.txid), e.height) for e in history.entries] == \
           [(t, node_placement(economy, t)[0]) for t in (txid, spender)]  # fmt: skip
    assert any(path.startswith("/scripthash/") for path in standin.requests)


def test_each_session_has_its_own_socks_credentials(standin: Standin, sample_addresses: list[str]) -> None:
    with logging_socks_proxy() as log:
        proxied = EsploraSource(standin.url.replace("127.0.0.1", "localhost"), "litecoin", "regtest",
                                proxy=Proxy.parse(log.url))  # fmt: skip
        for address in sample_addresses[:2]:
            with proxied.session() as session:
                assert session.history(address).complete
    assert {host for _, host, _ in log.requests} == {"localhost"}
    assert len(set(log.usernames)) == 2


def test_urls_with_credentials_are_refused() -> None:
    with pytest.raises(InputError, match="without credentials"):
        EsploraSource("https://user:secret@example.org/api", "bitcoin", "mainnet")
