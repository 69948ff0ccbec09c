"""The Electrum client against a real ElectrumX over the regtest economy: answers equal the node's, all proven."""

from __future__ import annotations

import pytest
from conftest import node_placement
from electrumx_server import ElectrumX
from node import RegtestNode
from socks_logger import logging_socks_proxy

from cointrail.chains.bitcoin.model import display_hash
from cointrail.chains.bitcoin.sources.electrum import ElectrumServer, ElectrumSession, ElectrumSource, script_hash
from cointrail.chains.bitcoin.sources.light import Budget, BudgetExhausted, ProofError, SourceError
from cointrail.chains.bitcoin.sources.wire import Proxy, TlsPolicy
from cointrail.errors import InputError
from cointrail.simulation.esplora_standin import Standin

pytestmark = [pytest.mark.node, pytest.mark.slow]


def source(server: ElectrumX, **options: object) -> ElectrumSource:
    return ElectrumSource(ElectrumServer.parse(f"tcp://127.0.0.1:{server.tcp}"), "litecoin", "regtest",
                          **options)  # type: ignore[arg-type]  # fmt: skip


def test_histories_and_proofs_equal_the_nodes(electrumx: ElectrumX, economy: RegtestNode, standin: Standin,
                                              sample_addresses: list[str]) -> None:  # fmt: skip
    with source(electrumx).session() as session:
        check_histories(session, economy, standin, sample_addresses)


def check_histories(session: ElectrumSession, economy: RegtestNode, standin: Standin, addresses: list[str]) -> None:
    assert session.protocol == (1, 7) and session.software.startswith("ElectrumX")
    for address in addresses:
        history = session.history(address)
        assert history.complete and history.tip_height == economy.height()
        assert sorted((e.height, display_hash(e.txid)) for e in history.entries) == sorted(standin.history[address])
        for entry in {history.entries[0], history.entries[-1]}:  # ElectrumX takes about 1 s a merkle branch here
            proven = session.transaction(entry.txid, entry.height)
            assert (proven.height, proven.position) == node_placement(economy, display_hash(entry.txid))
            assert proven.raw.hex() == economy.rpc("getrawtransaction", display_hash(entry.txid))


def test_protocol_1_4_asks_by_script_hash_and_gives_the_same_answers(electrumx: ElectrumX,
                                                                      sample_addresses: list[str]) -> None:  # fmt: skip
    address = sample_addresses[0]
    with source(electrumx).session() as new, source(electrumx, versions=("1.4", "1.4")).session() as old:
        assert old.protocol == (1, 4)
        assert old.history(address) == new.history(address)
        entry = new.history(address).entries[-1]
        assert old.transaction(entry.txid) == new.transaction(entry.txid)  # height found by the script's history
        assert old.outspends(old.transaction(entry.txid).tx) is None  # 1.4 cannot say who spends an output


def test_script_hash_is_electrums() -> None:
    # The example of the Electrum protocol's documentation: the P2PKH script of 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.
    script = bytes.fromhex("76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac")
    assert script_hash(script) == "8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161"


def test_tls_with_the_servers_certificate(electrumx: ElectrumX, sample_addresses: list[str]) -> None:
    server = ElectrumServer.parse(f"ssl://127.0.0.1:{electrumx.ssl}")
    assert server.uri == f"electrum+ssl://127.0.0.1:{electrumx.ssl}"
    with ElectrumSource(server, "litecoin", "regtest", tls=TlsPolicy(ca_file=electrumx.cert)).session() as trusted:
        assert trusted.history(sample_addresses[0]).complete
        assert trusted.connection.certificate is not None and len(trusted.connection.certificate) == 64
    with pytest.raises(SourceError, match="TLS handshake"):
        ElectrumSource(server, "litecoin", "regtest").session()


def test_a_server_of_another_chain_is_refused(electrumx: ElectrumX) -> None:
    source(electrumx).check_network()
    wrong = ElectrumSource(ElectrumServer.parse(f"tcp://127.0.0.1:{electrumx.tcp}"), "bitcoin", "regtest")
    with pytest.raises(ProofError, match=r"127\.0\.0\.1.*height 0.*not the genesis block of bitcoin regtest"):
        wrong.check_network()


def test_the_request_budget_stops_the_client(electrumx: ElectrumX, sample_addresses: list[str]) -> None:
    budgeted = source(electrumx, budget=Budget(limit=3))
    with budgeted.session() as session, pytest.raises(BudgetExhausted, match="budget of 3 requests"):
        history = session.history(sample_addresses[0])  # server.version, headers.subscribe, get_history
        session.transaction(history.entries[0].txid)
    assert budgeted.budget.used == 3


def test_each_session_has_its_own_socks_credentials(electrumx: ElectrumX, sample_addresses: list[str]) -> None:
    with logging_socks_proxy() as log:
        proxied = ElectrumSource(ElectrumServer.parse(f"tcp://localhost:{electrumx.tcp}"), "litecoin", "regtest",
                                 proxy=Proxy.parse(log.url))  # fmt: skip
        histories = []
        for address in sample_addresses[:2]:
            with proxied.session() as session:
                histories.append(session.history(address))
    assert all(h.complete for h in histories)
    # The name went to the proxy unresolved (socks5h), and every session came with other credentials.
    assert log.requests == [("connect", "localhost", electrumx.tcp)] * 2
    assert len(set(log.usernames)) == 2 and all(u and u.startswith("cointrail-") for u in log.usernames)
    assert not any(address in str(log.usernames) for address in sample_addresses)


def test_a_bad_server_address_is_a_usage_error() -> None:
    with pytest.raises(InputError, match="tcp://HOST:PORT"):
        ElectrumServer.parse("http://example.org")
