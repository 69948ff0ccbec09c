"""FollowTheMoney export: wallets, their holders and the payments between them, as FtM entities (JSON lines).

FtM has ``CryptoWallet`` and no crypto-transaction schema. The mapping (docs/exports.md):

* each address → ``CryptoWallet`` (publicKey and cryptoAddress = the address, currencySymbol, holder);
* each wallet of the findings → its holder: ``LegalEntity`` named for the unknown person behind a paying
  wallet or the site, ``Company`` for a labelled service (exchange);
* each transaction → ``Payment`` between the holders (payer, beneficiary), with transactionNumber = txid,
  date, amount and currency: FtM's Payment links legal entities, and its payerAccount/beneficiaryAccount
  accept only bank accounts, so the wallets are reached through ``holder``.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from cointrail.facts.assets import row_currency, row_fixed
from cointrail.facts.document import ReportFacts
from cointrail.report.graph import flow_graph


def _holder(case: str, node: str, data: dict[str, Any]) -> EntityProxy:
    if data["kind"] == "service":
        entity = model.make_entity("Company")
        entity.make_id("cointrail", "service", data["label"])
        entity.add("name", data["label"])
        entity.add("sector", data.get("category") or None)
        return entity
    entity = model.make_entity("LegalEntity")
    entity.make_id("cointrail", case, node)
    name = "the operator of the site" if data["kind"] == "site" else f"the holder of paying wallet {node}"
    entity.add("name", f"{name} (unknown, case {case})")
    return entity


def _wallet(address: str, currency: str, holder: EntityProxy) -> EntityProxy:
    wallet = model.make_entity("CryptoWallet")
    wallet.make_id("cointrail", currency, address)
    wallet.add("publicKey", address)
    wallet.add("cryptoAddress", address)
    wallet.add("currencySymbol", currency)
    wallet.add("holder", holder)
    return wallet


def _payment(data: dict[str, Any], payer: EntityProxy, beneficiary: EntityProxy, currency: str,
             chain: str | None) -> EntityProxy:  # fmt: skip
    payment = model.make_entity("Payment")
    payment.make_id("cointrail", data["txid"], payer.id, beneficiary.id)
    payment.add("transactionNumber", data["txid"])
    payment.add("payer", payer)
    payment.add("beneficiary", beneficiary)
    payment.add("amount", row_fixed(data, "amount", chain))  # in the edge's own asset (an Ethereum case's USDT)
    payment.add("currency", row_currency(data, currency))
    purpose = {"payment": "payment to the site", "funding": "withdrawal from a service",
               "cash-out": "the site's money reaching a service"}[data["kind"]]
    if data.get("possible"):  # not sure enough to name the payer's funder (issue 12)
        purpose = f"possibly: {purpose} (the trail is not sure enough to name it as the payer's funder)"
    payment.add("purpose", purpose)
    if data.get("time"):
        payment.add("date", _dt.datetime.fromtimestamp(data["time"], _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return payment


def entities(facts: ReportFacts) -> list[EntityProxy]:
    """Holders, wallets and payments of the findings, as FtM entity proxies."""
    graph = flow_graph(facts.payers, facts.findings["flows"])
    currency, chain, case = facts.symbol, facts.chain, facts.case.name
    holders = {node: _holder(case, node, data) for node, data in graph.nodes(data=True)}
    found: dict[str, EntityProxy] = {h.id: h for h in holders.values() if h.id}
    for node, data in graph.nodes(data=True):
        for address in data.get("addresses", "").split():
            wallet = _wallet(address, currency, holders[node])
            found[str(wallet.id)] = wallet
    for u, v, data in graph.edges(data=True):
        if data["txid"]:
            payment = _payment(data, holders[u], holders[v], currency, chain)
            found[str(payment.id)] = payment
    return list(found.values())


def export_ftm(facts: ReportFacts) -> str:
    """FtM entities as JSON lines (the format of ``ftm`` and Aleph)."""
    return "".join(json.dumps(e.to_dict(), sort_keys=True, ensure_ascii=False) + "\n" for e in entities(facts))
