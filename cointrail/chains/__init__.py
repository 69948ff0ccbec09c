"""Protocol facts of the chains cointrail knows: names, networks, address prefixes.

These are facts of each currency's reference implementation (its
``chainparams.cpp`` or equivalent), not settings. Chain and network are always
passed explicitly; nothing here is global state that can be switched.

Each chain family's codec, verification and sources are a subpackage beside
these facts: :mod:`cointrail.chains.bitcoin` (Bitcoin, Litecoin, Dogecoin,
Bitcoin Cash).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAINNET = "mainnet"
TESTNET = "testnet"
REGTEST = "regtest"
SIGNET = "signet"
STAGENET = "stagenet"


@dataclass(frozen=True)
class UtxoNetwork:
    """Address prefixes of one network of a Bitcoin-family chain."""

    chain: str
    network: str
    p2pkh: tuple[int, ...]
    p2sh: tuple[int, ...]
    bech32_hrp: str | None = None
    mweb_hrp: str | None = None
    cashaddr_prefix: str | None = None


@dataclass(frozen=True)
class Chain:
    """A currency cointrail recognises addresses of."""

    name: str
    symbol: str
    family: str  # "utxo", "account" or "privacy"
    decimals: int  # base units in one coin are 10^decimals (cointrail.amounts reads them from here)
    uri_schemes: tuple[str, ...] = field(default=())
    privacy_note: str | None = None


# Bitcoin testnet (3 and 4), signet and regtest share every base58 prefix, so a
# base58 test address cannot say which of them it belongs to.
UTXO_NETWORKS: tuple[UtxoNetwork, ...] = (
    UtxoNetwork("bitcoin", MAINNET, (0x00,), (0x05,), "bc"),
    UtxoNetwork("bitcoin", TESTNET, (0x6F,), (0xC4,), "tb"),
    UtxoNetwork("bitcoin", SIGNET, (0x6F,), (0xC4,), "tb"),
    UtxoNetwork("bitcoin", REGTEST, (0x6F,), (0xC4,), "bcrt"),
    # Litecoin moved P2SH from '3' (0x05) to 'M' (0x32) in 2017; both stay valid.
    UtxoNetwork("litecoin", MAINNET, (0x30,), (0x32, 0x05), "ltc", "ltcmweb"),
    UtxoNetwork("litecoin", TESTNET, (0x6F,), (0x3A, 0xC4), "tltc", "tmweb"),
    UtxoNetwork("litecoin", REGTEST, (0x6F,), (0x3A, 0xC4), "rltc", "tmweb"),
    UtxoNetwork("dogecoin", MAINNET, (0x1E,), (0x16,)),
    UtxoNetwork("dogecoin", TESTNET, (0x71,), (0xC4,)),
    UtxoNetwork("dogecoin", REGTEST, (0x6F,), (0xC4,)),
    # Bitcoin Cash kept Bitcoin's legacy prefixes and added CashAddr.
    UtxoNetwork("bitcoin-cash", MAINNET, (0x00,), (0x05,), cashaddr_prefix="bitcoincash"),
    UtxoNetwork("bitcoin-cash", TESTNET, (0x6F,), (0xC4,), cashaddr_prefix="bchtest"),
    UtxoNetwork("bitcoin-cash", REGTEST, (0x6F,), (0xC4,), cashaddr_prefix="bchreg"),
    UtxoNetwork("dash", MAINNET, (0x4C,), (0x10,)),
    UtxoNetwork("dash", TESTNET, (0x8C,), (0x13,)),
    # Chains met on sanctions lists: Bitcoin SV kept Bitcoin's legacy prefixes,
    # Verge shares Dogecoin's P2PKH prefix.
    UtxoNetwork("bitcoin-sv", MAINNET, (0x00,), (0x05,)),
    UtxoNetwork("bitcoin-gold", MAINNET, (0x26,), (0x17,), "btg"),
    UtxoNetwork("verge", MAINNET, (0x1E,), (0x21,)),
)

EVM_CHAINS: tuple[str, ...] = (
    "ethereum",
    "ethereum-classic",
    "bnb-smart-chain",
    "polygon",
    "arbitrum",
    "optimism",
    "base",
    "avalanche-c",
)

# Networks an Ethereum store may hold (issue 16): the public ones, and ``devnet`` for a private chain such as anvil's.
EVM_NETWORKS: tuple[str, ...] = (MAINNET, "sepolia", "holesky", "hoodi", "devnet")
# Tron's networks (its TRC-20 tokens are read through its Ethereum-style JSON-RPC; ``devnet``: a private chain).
TRON_NETWORKS: tuple[str, ...] = (MAINNET, "nile", "shasta", "devnet")

EVM_SYMBOLS: dict[str, str] = {
    "ethereum": "ETH",
    "ethereum-classic": "ETC",
    "bnb-smart-chain": "BNB",
    "polygon": "POL",
    "arbitrum": "ETH",
    "optimism": "ETH",
    "base": "ETH",
    "avalanche-c": "AVAX",
}

MONERO_NOTE = (
    "Monero hides senders, receivers and amounts on its ledger: payments to this address "
    "cannot be traced on the blockchain. What can still help: the address itself as an "
    "identifier (on seized devices, in exchange records), and exchanges that sold or bought "
    "the Monero."
)
ZCASH_SHIELDED_NOTE = (
    "This is a shielded Zcash address: amounts and counterparties inside the shielded pool "
    "are hidden. Only money entering or leaving the pool through transparent (t-) addresses "
    "can be followed."
)
ZCASH_TRANSPARENT_NOTE = (
    "A transparent Zcash address: its payments are public and traceable like Bitcoin's, "
    "until the money moves into the shielded pool."
)
MWEB_NOTE = (
    "A Litecoin MWEB (MimbleWimble extension block) address: amounts and receivers inside "
    "MWEB are hidden. Only the peg-in and peg-out between MWEB and ordinary Litecoin "
    "addresses are visible on the ledger."
)

# Decimals of each chain's coin, from its reference implementation: 8 for Bitcoin's family (COIN = 10^8 in
# amount.h) and Zcash (zatoshi), 18 for Ether-like coins (wei), 6 for XRP (drops) and Tron (sun), 12 for Monero
# (piconero), and 6 for Verge, the one Bitcoin fork here that changed COIN (10^6 in its amount.h; its wallets show
# 6 decimals).
CHAINS: dict[str, Chain] = {
    chain.name: chain
    for chain in (
        Chain("bitcoin", "BTC", "utxo", 8, ("bitcoin",)),
        Chain("litecoin", "LTC", "utxo", 8, ("litecoin",)),
        Chain("dogecoin", "DOGE", "utxo", 8, ("dogecoin",)),
        Chain("bitcoin-cash", "BCH", "utxo", 8, ("bitcoincash", "bchtest", "bchreg")),
        Chain("dash", "DASH", "utxo", 8, ("dash",)),
        Chain("bitcoin-sv", "BSV", "utxo", 8, ("bitcoin",)),
        Chain("bitcoin-gold", "BTG", "utxo", 8, ("bitcoingold",)),
        Chain("verge", "XVG", "utxo", 6, ("verge",)),
        Chain("xrp", "XRP", "account", 6, ("xrpl", "ripple")),
        Chain("tron", "TRX", "account", 6, ("tron",)),
        Chain("monero", "XMR", "privacy", 12, ("monero",), MONERO_NOTE),
        Chain("zcash", "ZEC", "privacy", 8, ("zcash",)),
        *(Chain(name, EVM_SYMBOLS[name], "account", 18, ("ethereum",)) for name in EVM_CHAINS),
    )
}


def utxo_networks(chain: str | None = None) -> tuple[UtxoNetwork, ...]:
    """The Bitcoin-family networks, optionally only those of one chain."""
    return tuple(n for n in UTXO_NETWORKS if chain is None or n.chain == chain)


def utxo_network(chain: str, network: str) -> UtxoNetwork:
    """The prefixes of one chain and network; raises KeyError if unknown."""
    for candidate in UTXO_NETWORKS:
        if candidate.chain == chain and candidate.network == network:
            return candidate
    raise KeyError(f"{chain} {network}")


def network_words(network: str | None) -> str:
    """A network as people read it: ``testnet|signet`` (a string valid on both, as --json gives it) is
    "testnet or signet"."""
    return (network or "unknown network").replace("|", " or ")
