"""The answers of an investigation as typed, immutable values: what the engine returns and every renderer shows.

:class:`cointrail.investigation.Investigation` answers each question with one of these (or with a result
class that already existed beside its analysis: :class:`cointrail.tracing.TraceResult` for a trace,
:class:`cointrail.tracing.PayersResult` for the payers of a site, :class:`cointrail.cases.site.SiteSelection`
for the site's captured addresses). Each has ``to_json()``, which gives exactly the fields ``--json``
prints (docs/cli.md), in the same order, and ``from_json()``, which reads them back. Amounts stay integers
in base units; :meth:`AddressActivity.amount` and friends give them as an :class:`~cointrail.amounts.Amount`
that knows its chain's unit.

Nested values that have no type of their own yet (labels with their sources, an attribution, red flags)
are kept as the plain mappings the analysis gives; they are read-only by convention.

One module per domain concept, each name importable from here: :mod:`~cointrail.model.address` (an address's
activity), :mod:`~cointrail.model.coverage` (how far a sparse store's history of an address goes),
:mod:`~cointrail.model.wallet` (a wallet, its links and why), :mod:`~cointrail.model.transaction` (a transaction, a
block), :mod:`~cointrail.model.payers` (payments and payers of a site), :mod:`~cointrail.model.headline` (a case's
findings answer first), :mod:`~cointrail.model.labels`, :mod:`~cointrail.model.lookup` (a transaction's page, a
search) and :mod:`~cointrail.model.graph` (the flow graph).
"""

from __future__ import annotations

from cointrail.model.address import AccountActivity, AddressActivity, BalanceUnknown, Counterparty, P2pk, Seen
from cointrail.model.coverage import HistoryCoverage
from cointrail.model.graph import (
    EdgeTransaction,
    FiatTotal,
    GraphEdge,
    GraphHop,
    GraphNode,
    OlderTransaction,
    TraceGraph,
)
from cointrail.model.headline import CashOut, ExchangeToAsk, Headline
from cointrail.model.labels import Label
from cointrail.model.lookup import Search, SearchHit, TransactionPage
from cointrail.model.payers import Payer, Payment, SiteCoverage
from cointrail.model.transaction import Block, SpentBy, Transaction, TxInput, TxOutput
from cointrail.model.wallet import Link, Wallet, WalletTotals, Why

__all__ = ["AccountActivity", "AddressActivity", "BalanceUnknown", "Block", "CashOut", "Counterparty",
           "EdgeTransaction", "ExchangeToAsk", "FiatTotal", "GraphEdge", "GraphHop", "GraphNode", "Headline",
           "HistoryCoverage", "Label", "Link", "OlderTransaction", "P2pk", "Payer", "Payment", "Search",
           "SearchHit", "Seen", "SiteCoverage", "SpentBy", "TraceGraph", "Transaction", "TransactionPage",
           "TxInput", "TxOutput", "Wallet", "WalletTotals", "Why"]  # fmt: skip
