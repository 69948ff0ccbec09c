"""A Bitcoin mainnet chain builder that can pay real addresses, and the story the label tests share."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cointrail.addresses import address_for_script, parse_address
from cointrail.chains.bitcoin.model import Transaction, TxOut
from cointrail.clustering import build_clusters, parse_heuristics
from cointrail.simulation.named_chain import ChainBuilder, script_for
from cointrail.store.duckdb.store import LedgerStore

COIN = 100_000_000
BINANCE = "1NDyJtNTjmwk5xPNhjgAMu4HDHigtobu1s"  # binance.yaml: binance, exchange
HACK = "14QZ2wB8b8ZQNgb978Lwptdc8Vhv5aZQM2"  # binance_hack.yaml: no category, abuse service_hack
ARCHIVE_BCH = "1K1rgZ1dz9w7dsR1HGS1drmzfUHMtqx1Tc"  # demo.yaml: a Bitcoin Cash label, spelled like a Bitcoin address
ARCHIVE_BTC = "1Archive1n2C579dMsAu3iC6tWzuQJz8dN"  # demo.yaml: internet_archive, organization
SANCTIONED = "123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX"  # a real OFAC-listed XBT address


class MainnetChain(ChainBuilder):
    """:class:`ChainBuilder` on a Bitcoin mainnet store; a name that is a real address pays that address."""

    def __init__(self, path: Path):  # noqa: D107 - the parent's fields, another chain
        self.store = LedgerStore.open(path, "bitcoin", "mainnet")
        self.height = -1
        self.prev = bytes(32)
        self.txids: dict[str, bytes] = {}
        self.kinds: dict[str, str] = {}

    def script(self, name: str) -> bytes:
        info = parse_address(name)
        if info.valid and info.script_pubkey:
            return bytes.fromhex(info.script_pubkey)
        return script_for(name, self.kinds.get(name, "p2wpkh"))

    def address(self, name: str) -> str:
        return address_for_script(self.script(name), "bitcoin", "mainnet") or name

    def tx(self, name: str, spends: list[tuple[str, int]], pays: list[tuple[str, int]]) -> Transaction:
        made = super().tx(name, spends, [])
        return replace(made, outputs=tuple(TxOut(value, self.script(a)) for a, value in pays))


def build_story(chain: MainnetChain) -> None:
    """Binance's address is spent with x1; the sanctioned address with y1; the rest stay alone. Clustered."""
    chain.block(miner="m0")
    chain.block(chain.tx("fund", [("cb0", 0)], [(BINANCE, COIN), ("x1", COIN), (HACK, COIN), (ARCHIVE_BCH, COIN),
                                                (SANCTIONED, COIN), ("y1", COIN), (ARCHIVE_BTC, COIN)]))  # fmt: skip
    chain.block(chain.tx("co", [("fund", 0), ("fund", 1)], [("shop", 2 * COIN - 1000)]))
    chain.block(chain.tx("co2", [("fund", 4), ("fund", 5)], [("shop2", 2 * COIN - 1000)]))
    build_clusters(chain.store, parse_heuristics("multi-input"))


