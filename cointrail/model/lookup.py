"""The workspace's lookups: a transaction's page, and a search across addresses, transactions, wallets and labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cointrail.model.transaction import Transaction

__all__ = ["Search", "SearchHit", "TransactionPage"]


@dataclass(frozen=True, slots=True)
class TransactionPage:
    """A transaction as the workspace shows it (``Investigation.transaction_page()``): the transaction, the names
    labels give each of its addresses (``"Demo Exchange 2 (exchange)"``), which of them are the site's captured
    addresses, and what the clustering found of it (a CoinJoin or a possibly collaborative transaction: kind, rule,
    evidence, participants), None if nothing."""

    transaction: Transaction
    names: Mapping[str, tuple[str, ...]]
    site: tuple[str, ...]
    coinjoin: Mapping[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {**self.transaction.to_json(), "names": {a: list(n) for a, n in self.names.items()},
                "site": list(self.site), "coinjoin": self.coinjoin}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One thing a search found: its ``kind`` (address, transaction, wallet, label), the ``key`` its page is named
    by (the address, the txid, the wallet's id) and what it is, in words."""

    kind: str
    key: str
    words: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "words": self.words}


@dataclass(frozen=True, slots=True)
class Search:
    """What the text ``query`` names in the ledger store (``Investigation.search()``), best first; ``tried`` says in
    words what it was looked up as, for an answer that found nothing."""

    query: str
    hits: tuple[SearchHit, ...]
    tried: tuple[str, ...]
    more: bool = False  # more labels matched than were listed

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "hits": [h.to_json() for h in self.hits], "tried": list(self.tried),
                "more": self.more}  # fmt: skip
