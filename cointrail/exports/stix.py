"""STIX 2.1 export: wallets and transactions as custom SCOs with extension definitions, in one report.

STIX 2.1 has no cryptocurrency objects; tools use custom SCOs named
``cryptocurrency-wallet`` and ``cryptocurrency-transaction``. Ours are declared
as new SCO types through extension-definition objects (STIX 2.1 section 7.3),
so validators that know nothing of cointrail still accept them.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import stix2
from stix2.properties import IntegerProperty, ListProperty, ReferenceProperty, StringProperty, TimestampProperty
from stix2.v21 import CustomObservable

from cointrail.facts.assets import row_currency, row_fixed
from cointrail.facts.document import ReportFacts
from cointrail.report.graph import flow_graph

# Fixed ids: every cointrail export names the same two extension definitions.
WALLET_EXTENSION = "extension-definition--3c1d1b4e-7c1f-4f6e-9d55-0c4f2a9d7a11"
TRANSACTION_EXTENSION = "extension-definition--8e0b6f52-4b7a-4d1c-a3f0-5d2e6c9b1f22"
IDENTITY = "identity--1f2e7d5c-6b0a-4c39-8d4e-2a9c7b3e5f10"  # cointrail, the creator of the definitions
DEFINED = _dt.datetime(2026, 11, 23, tzinfo=_dt.UTC)


@CustomObservable("cryptocurrency-wallet", [
    ("value", StringProperty(required=True)),
    ("currency", StringProperty()),
    ("network", StringProperty()),
    ("cluster_id", StringProperty()),
    ("role", StringProperty()),
    ("service", StringProperty()),
], ["value", "currency"], extension_name=WALLET_EXTENSION)
class CryptocurrencyWallet:
    """An address on a chain (``value``), with the role it plays in the case."""


@CustomObservable("cryptocurrency-transaction", [
    ("value", StringProperty(required=True)),
    ("currency", StringProperty()),
    ("kind", StringProperty()),
    ("time", TimestampProperty()),
    ("amount", StringProperty()),
    ("amount_base_units", IntegerProperty()),
    ("input_refs", ListProperty(ReferenceProperty(valid_types="cryptocurrency-wallet", spec_version="2.1"))),
    ("output_refs", ListProperty(ReferenceProperty(valid_types="cryptocurrency-wallet", spec_version="2.1"))),
], ["value", "currency"], extension_name=TRANSACTION_EXTENSION)
class CryptocurrencyTransaction:
    """A transaction (``value`` is its txid) moving money between wallets."""


# The classes stix2 builds take their properties as keyword arguments, which type checkers cannot see.
WALLET: Any = CryptocurrencyWallet
TRANSACTION: Any = CryptocurrencyTransaction


def definitions() -> list[Any]:
    """The creator identity and the two extension definitions (docs/exports.md has their schema)."""
    creator = stix2.Identity(id=IDENTITY, name="cointrail", identity_class="system", created=DEFINED,
                             modified=DEFINED)  # fmt: skip
    return [creator] + [
        stix2.ExtensionDefinition(id=ident, created_by_ref=IDENTITY, created=DEFINED, modified=DEFINED, name=name,
                                  description=f"cointrail's {name} SCO", schema=text, version="1.0.0",
                                  extension_types=["new-sco"])
        for ident, name, text in (
            (WALLET_EXTENSION, "cryptocurrency-wallet", "A cryptocurrency address: value, currency, network, "
             "cluster_id (wallet), role (site, payer, service), service name."),
            (TRANSACTION_EXTENSION, "cryptocurrency-transaction", "A cryptocurrency transaction: value (txid), "
             "currency, kind, time, amount (coins), amount_base_units, input_refs and output_refs (wallets)."),
        )
    ]  # fmt: skip


def _wallets(graph: Any, currency: str, network: str) -> dict[str, list[Any]]:
    """Per graph node, the wallet SCOs of its addresses."""
    by_node: dict[str, list[Any]] = {}
    for node, data in graph.nodes(data=True):
        role = data["kind"]
        cluster = node.split(":", 1)[1] if node.startswith("cluster:") else None
        by_node[node] = [WALLET(value=address, currency=currency, network=network, role=role,
                                              cluster_id=cluster, service=data["label"] if role == "service" else None)
                         for address in data.get("addresses", "").split()]  # fmt: skip
    return by_node


def _transactions(graph: Any, wallets: dict[str, list[Any]], currency: str, chain: str | None) -> list[Any]:
    found = []
    for u, v, data in graph.edges(data=True):
        if not data["txid"]:
            continue
        time = _dt.datetime.fromtimestamp(data["time"], _dt.UTC) if data.get("time") else None
        found.append(TRANSACTION(
            # "possible-funding": a withdrawal not sure enough to name the payer's funder (issue 12).
            value=data["txid"], currency=row_currency(data, currency),
            kind=("possible-" if data.get("possible") else "") + data["kind"], time=time,
            amount_base_units=data["amount"], amount=row_fixed(data, "amount", chain),  # in the edge's own asset
            input_refs=[w.id for w in wallets[u]] or None, output_refs=[w.id for w in wallets[v]] or None))
    return found


def export_stix(facts: ReportFacts) -> str:
    """A STIX 2.1 bundle: definitions, wallets, transactions, and a report object referring to them all."""
    graph = flow_graph(facts.payers, facts.findings["flows"])
    currency, network = facts.symbol, (facts.ledger or {}).get("network") or "unknown"
    wallets = _wallets(graph, currency, network)
    unique = {w.id: w for group in wallets.values() for w in group}
    txs = {t.id: t for t in _transactions(graph, wallets, currency, facts.chain)}
    observed = list(unique.values()) + list(txs.values())
    report = stix2.Report(name=f"cointrail case {facts.case.name}: payers and flows of a site",
                          published=facts.generated_utc, report_types=["observed-data"],
                          created_by_ref=IDENTITY, description=" ".join(facts.summary),
                          object_refs=[o.id for o in observed] or [IDENTITY])  # fmt: skip
    bundle = stix2.Bundle(objects=[*definitions(), *observed, report])
    return str(bundle.serialize(pretty=True)) + "\n"
