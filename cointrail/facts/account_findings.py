"""The findings of an account-chain case (Ethereum, its tokens; issue 16) as the report's facts.

The engine answers an Ethereum case with :class:`cointrail.tracing.account_payers.AccountPayersResult`: payers per
account and asset, each traced by FIFO to the exchange withdrawal that funded it, suspected poisoning apart, and the
site's transfers into exchange deposit addresses. This module writes that answer in the shape the report, the
request packs and the exports already read for a Bitcoin-family case (``payers``, ``payments``, ``funding`` trails
with their ``steps``), so that one template and one set of exporters serve both, with three differences a reader of
the facts must know:

* every amount-bearing row names its ``asset`` and ``decimals`` (:mod:`cointrail.facts.assets`): ETH has 18,
  USDT and USDC 6;
* a payer is an account (``payer_cluster_id`` None, ``payer_addresses`` the one account), with one row per asset;
* the site's money is not traced forward through a UTXO graph: its payments into exchange deposit addresses
  (``cash_outs``) are the deposits to ask about, and ``poisoning`` lists the transfers never counted.
"""

from __future__ import annotations

from typing import Any

from cointrail.addresses.account import tron_to_hex
from cointrail.amounts import Amount
from cointrail.chains.ethereum.tokens import TOKENS
from cointrail.facts.assets import ACCOUNT
from cointrail.investigation import Investigation
from cointrail.store.duckdb.account import AccountStore
from cointrail.times import utc_date
from cointrail.tracing.account_flows import coverage_of
from cointrail.tracing.account_payers import AccountFunding, AccountPayer, AccountPayersResult, unit_for
from cointrail.tracing.funding import FUNDED_BY_CONFIDENCE
from cointrail.wording import counted

MODEL = "fifo"  # account payers are traced first in, first out (cointrail.tracing.account_payers)


def stored_form(address: str) -> str:
    """An account as the store keys it: lower-case 0x (a Tron ``T…`` address is shown so, stored as its 20 bytes)."""
    return "0x" + tron_to_hex(address)[2:] if address.startswith("T") else address.lower()


def _asset(chain: str, asset: str) -> dict[str, Any]:
    return {"asset": asset, "decimals": unit_for(chain, asset).decimals}


def _amounts(chain: str, asset: str, value: int) -> dict[str, Any]:
    amount = Amount(int(value), chain, unit_for(chain, asset))
    return {"amount": int(value), "amount_coin": amount.fixed(), "amount_text": str(amount)}


def _payment(payer: AccountPayer, chain: str) -> list[dict[str, Any]]:
    return [{"txid": p.tx_hash, "time": p.time, "date": utc_date(p.time), "height": p.block, "address": p.receiver,
             "addresses_paid": [p.receiver], **_asset(chain, p.asset), **_amounts(chain, p.asset, p.value),
             "fiat": None, "payer_cluster_id": None, "payer_addresses": [payer.address], "fresh_address": None,
             "payjoin": False, "note": None} for p in payer.payments]  # fmt: skip


def _confidence(funding: AccountFunding) -> float:
    """The share of the payment FIFO assigns to the withdrawal along the trail: the product of each hop's share."""
    share = 1.0
    for step in funding.steps:
        share *= float(step.get("share", 1.0))
    return round(share, 4)


def _steps(funding: AccountFunding, chain: str, asset: str) -> list[dict[str, Any]]:
    """The receipts of the trail from the exchange's withdrawal (hop 1) to the payer, as the report lists steps."""
    ordered = list(reversed(funding.steps))
    return [{"hop": n, "txid": s["tx_hash"], "height": s["block"], "time": s["time"], "to_address": s["receiver"],
             "from_addresses": [s["sender"]], **_asset(chain, asset), "amount": int(s["value"]),
             "confidence": round(float(s.get("share", 1.0)), 4), "own_wallet": False,
             "reason": ("the exchange's withdrawal" if n == 1 else "paid on by the account before")
             + f"; first in, first out it covered {float(s.get('share', 1.0)):.0%} of what was paid on"}
            for n, s in enumerate(ordered, 1)]  # fmt: skip


def _trail(payer: AccountPayer, chain: str, labels: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    funding = payer.funding
    withdrawal = funding.withdrawal
    if funding.exchange is None or withdrawal is None:
        return None
    confidence = _confidence(funding)
    label = labels.get(stored_form(funding.hot_wallet or ""), {})
    return {"service": funding.exchange, "category": label.get("category", "exchange"),
            "status": "funded_by" if confidence >= FUNDED_BY_CONFIDENCE else "possibly_funded_by",
            "withdrawal_txid": withdrawal["tx_hash"], "service_address": funding.hot_wallet,
            "hot_wallet": funding.hot_wallet, "time": withdrawal["time"], "date": utc_date(withdrawal["time"]),
            "height": withdrawal["block"], **_asset(chain, payer.asset),
            **_amounts(chain, payer.asset, withdrawal["value"]), "confidence": confidence,
            "label_source": label.get("source"), "label_confidence": label.get("confidence"),
            "steps": _steps(funding, chain, payer.asset), "path": list(funding.path), "reason": funding.reason,
            "through_coinjoins": []}  # fmt: skip


def _payer(payer: AccountPayer, chain: str, labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    trail = _trail(payer, chain, labels)
    named = trail is not None and trail["status"] == "funded_by"
    times = [p.time for p in payer.payments]
    total = Amount(payer.total, chain, unit_for(chain, payer.asset))
    return {
        "payer_cluster_id": None, "payer_addresses": [payer.address], **_asset(chain, payer.asset),
        "payments": len(payer.payments), "txids": [p.tx_hash for p in payer.payments], "total": payer.total,
        "total_coin": total.fixed(), "total_text": str(total), "total_fiat": None,
        "first_date": utc_date(min(times)), "last_date": utc_date(max(times)),
        "first_time": min(times), "last_time": max(times), "funding": [trail] if trail else [],
        "funded_by": trail["service"] if named and trail else None,
        "funded_by_confidence": trail["confidence"] if named and trail else None,
        "possibly_funded_by": [trail["service"]] if trail and not named else [],
        "attributions": [{"service": trail["service"], "reason": payer.funding.reason, "through_coinjoins": False}]
        if trail else [],
        "traced": payer.total, "traced_coin": total.fixed(), "unresolved": {}, "coinjoins": [],
        "coinjoin_participants": None, "leads": [],
        # Where the trail ended when no exchange was reached, in words; and the account not fetched, if that is why.
        "trail_end": None if trail else payer.funding.reason, "not_fetched": payer.funding.not_fetched,
    }  # fmt: skip


def _totals(payers: list[dict[str, Any]], payments: list[dict[str, Any]], chain: str) -> dict[str, Any]:
    assets: dict[str, int] = {}
    for payment in payments:
        assets[payment["asset"]] = assets.get(payment["asset"], 0) + payment["amount"]
    amounts = [{**_asset(chain, asset), **_amounts(chain, asset, value)} for asset, value in assets.items()]
    accounts = {p["payer_addresses"][0] for p in payers}
    funded = {p["payer_addresses"][0] for p in payers if p["funded_by"]}
    possible = {p["payer_addresses"][0] for p in payers if p["possibly_funded_by"]} - funded
    return {"payments": len(payments), "payers": len(accounts), "amount": None, "amount_coin": None,
            "amounts": amounts, "amount_text": ", ".join(a["amount_text"] for a in amounts) or "nothing",
            "fiat": None, "with_service": len(funded), "with_possible_service": len(possible),
            "with_unnamed_service": 0, "ambiguous": 0,
            "people_note": people_note(len(accounts))}  # fmt: skip


def people_note(accounts: int) -> str:
    """Accounts are not people either: the account-chain twin of :func:`cointrail.tracing.people.people_note`."""
    return (f"These are {counted(accounts, 'paying account')}, not as many people: one person can pay from several "
            "accounts, and nothing on an account chain joins them (there is no co-spend to cluster); an account can "
            "also be a service paying for its customers.")  # fmt: skip


def _poisoning(found: AccountPayersResult) -> list[dict[str, Any]]:
    return [{"txid": x.tx_hash, "height": x.block, **_asset(found.chain, x.asset),
             **_amounts(found.chain, x.asset, x.value), "sender": x.sender, "receiver": x.receiver,
             "tx_sender": x.tx_sender, "reason": x.reason} for x in found.poisoning]  # fmt: skip


def _cash_outs(found: AccountPayersResult, times: dict[str, int | None]) -> list[dict[str, Any]]:
    return [{"txid": c["tx_hash"], "height": c["block"], "time": times.get(c["tx_hash"]),
             **_asset(found.chain, c["asset"]), **_amounts(found.chain, c["asset"], c["value"]),
             "site_address": c["site_address"], "deposit_address": c["deposit_address"], "exchange": c["exchange"],
             "evidence": c["evidence"]}
            for c in found.cash_outs]  # fmt: skip


def token_holdings(store: AccountStore, site: list[str]) -> list[dict[str, Any]]:
    """Per site address and listed token it received: the balance the store shows at its tip, how much of the
    address's history that balance rests on (``history``: None when the store has not fetched it), the token's issuer
    (who can freeze it: Tether for USDT, Circle for USDC) and the issuer's own actions already on record for it."""
    found = []
    coverage = store.coverage()
    height = store.read_to()
    for address in site:
        # A balance is only known when the store read the address's history up to its tip: else "not fetched".
        key = stored_form(address)
        held = coverage_of(coverage, key, height) if height is not None else None
        balances = store.balances(key)
        actions = store.issuer_actions(key)
        for token in (t for t in TOKENS if t.chain == store.chain and t.symbol in balances):
            amount = Amount(balances[token.symbol], store.chain, unit_for(store.chain, token.symbol))
            found.append({"address": address, **_asset(store.chain, token.symbol), "token": token.address,
                          "issuer": token.issuer, "balance": amount.units, "balance_coin": amount.fixed(),
                          "balance_text": str(amount), "history": held, "at_block": height,
                          "issuer_actions": [{"action": a["action"], "txid": a["tx_hash"], "height": a["block_number"]}
                                             for a in actions if a["symbol"] == token.symbol]})  # fmt: skip
    return found


def account_findings(investigation: Investigation, site: list[str], *, hops: int) -> dict[str, Any]:
    """Ask the engine who paid the account-chain ``site``; the answer as the report's findings (module doc)."""
    store = investigation.accounts
    assert store is not None, "an account-chain investigation"  # collect_facts asks only of one
    found = investigation.account_payers(site, hops=hops)
    labels = store.labels()
    payers = sorted((_payer(p, found.chain, labels) for p in found.payers),
                    key=lambda p: (p["asset"] != "ETH", p["asset"], -p["total"], p["payer_addresses"][0]))
    payments = sorted((row for p in found.payers for row in _payment(p, found.chain)),
                      key=lambda r: (r["time"], r["txid"]))
    times = {row["txid"]: row["time"] for row in payments}
    for outflow in found.cash_outs:
        block = store.transaction_block(outflow["tx_hash"])
        times[outflow["tx_hash"]] = block["time"] if block else None
    return {"payers": {
        "family": ACCOUNT, "site": {"addresses": list(found.site), "cluster_ids": []},
        "parameters": {"hops": hops, "chain": found.chain, "model": MODEL, "fiat": None,
                       "funded_by_confidence": FUNDED_BY_CONFIDENCE},
        "totals": _totals(payers, payments, found.chain), "price_source": None, "payers": payers,
        "payments": payments, "services": [], "patterns": [], "p2pk": [],
        "poisoning": _poisoning(found), "cash_outs": _cash_outs(found, times),
        "holdings": token_holdings(store, list(found.site)), "not_fetched": found.not_fetched(),
        "method": found.method,
    }, "flows": []}  # fmt: skip
