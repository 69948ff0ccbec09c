"""Amounts and payers in report facts that may hold more than one asset (issue 16).

A Bitcoin-family case counts every amount in the chain's coin. An account-chain case (Ethereum) holds ether and
tokens side by side: 0.5 ETH has 18 decimals, 25 USDT has 6, and counting USDT in ether's decimals (or in 10^8)
would print 0.000000000025 USDT in evidence. So each amount-bearing row of an account case's facts carries its
``asset`` and ``decimals``; every reader of the facts (the report, the request packs, the exports) turns a row's
base units into text here, never with the chain's decimals alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cointrail.amounts import Amount, Unit, unit_of
from cointrail.chains import CHAINS

ACCOUNT = "account"  # facts["findings"]["payers"]["family"] of an account-chain case


def row_unit(row: dict[str, Any], chain: str | None) -> Unit:
    """The unit of a row's amounts: its own asset and decimals where it names them, else ``chain``'s coin."""
    if row.get("asset") and row.get("decimals") is not None:
        return Unit(str(row["asset"]), int(row["decimals"]))
    return unit_of(chain)


def row_fixed(row: dict[str, Any], key: str, chain: str | None) -> str | None:
    """``row[key]`` (base units) in fixed decimals of the row's unit (``"25.000000"``), None when absent."""
    value = row.get(key)
    if value is None:
        return None
    return Amount(int(value), chain or "", row_unit(row, chain)).fixed()


def row_text(row: dict[str, Any], key: str, chain: str | None) -> str:
    """``row[key]`` as people read it, with its symbol: ``25 USDT``, ``0.5 ETH`` ("" when absent)."""
    value = row.get(key)
    return "" if value is None else str(Amount(int(value), chain or "", row_unit(row, chain)))


def row_currency(row: dict[str, Any], default: str) -> str:
    """The symbol of a row's amounts: its asset where it names one, else ``default`` (the case's coin)."""
    return str(row["asset"]) if row.get("asset") else default


def is_account(payers: Mapping[str, Any] | None) -> bool:
    """Whether findings' payers come from an account-chain store (a payer is an account, not a cluster)."""
    return bool(payers) and (payers or {}).get("family") == ACCOUNT


def payer_key(row: dict[str, Any]) -> Any:
    """What tells one paying wallet from another: its cluster, or (an account, or an unclustered payer) its first
    address. An account that paid in two assets is one payer with two rows."""
    cluster = row.get("payer_cluster_id")
    return cluster if cluster is not None else (row.get("payer_addresses") or [None])[0]


def payer_name(row: dict[str, Any]) -> str:
    """A paying wallet as the texts name it: ``wallet 12``, or ``account 0xab…`` on an account chain."""
    cluster = row.get("payer_cluster_id")
    return f"wallet {cluster}" if cluster is not None else f"account {payer_key(row)}"


def case_chain(facts: Mapping[str, Any]) -> str | None:
    """The chain of the case's store (``litecoin``), else of the site's captured addresses; None if neither says."""
    return chain_of(facts.get("ledger"), facts.get("site", {}).get("addresses", []), facts.get("captures", []))


def chain_of(ledger: Mapping[str, Any] | None, site: Iterable[str],
             captures: Iterable[Mapping[str, Any]]) -> str | None:  # fmt: skip
    """:func:`case_chain` of the facts' sections: the ``ledger``'s chain, else that of a ``site`` address among the
    ``captures``."""
    chain = (ledger or {}).get("chain")
    wanted = set(site)
    captured = [item.get("chains") or [] for c in captures for item in c["addresses"]
                if item["address"] in wanted]  # fmt: skip
    return chain or next((chains[0] for chains in captured if chains), None)


def symbol(facts: Mapping[str, Any]) -> str:
    """The coin's ticker for the case's chain (``LTC``), "coins" when no known chain is found."""
    return symbol_of(case_chain(facts))


def symbol_of(chain: str | None) -> str:
    """The coin's ticker of ``chain`` (``LTC``), "coins" when it is not a known chain."""
    return unit_of(chain).symbol if chain in CHAINS else "coins"
