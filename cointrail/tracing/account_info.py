"""``address-info`` for an account on an Ethereum store (issue 16): the store's figures as one typed answer."""

from __future__ import annotations

from typing import Any

from cointrail.addresses.account import parse_evm
from cointrail.addresses.model import AddressDecodeError
from cointrail.amounts import Amount, Unit
from cointrail.chains.ethereum.keys import same_key_addresses
from cointrail.errors import InputError
from cointrail.model import AccountActivity
from cointrail.store.account_interface import AccountLedger
from cointrail.tracing.account_flows import coverage_of
from cointrail.tracing.deposits import deposit_addresses


def _spelled(address: str) -> str:
    try:
        parse_evm(address)
    except AddressDecodeError as error:
        raise InputError(f"{address} is not an Ethereum address: {error}") from error
    return address.lower()


def _asset(chain: str, row: dict[str, Any]) -> dict[str, Any]:
    unit = Unit(row["asset"], row["decimals"])
    received, sent = int(row["received"]), int(row["sent"])
    return {**row, "received": received, "sent": sent, "net": received - sent,
            "received_amount": str(Amount(received, chain, unit)), "sent_amount": str(Amount(sent, chain, unit)),
            "net_amount": str(Amount(received - sent, chain, unit))}  # fmt: skip


def _seen(activity: dict[str, Any], end: str) -> dict[str, Any] | None:
    if activity[f"{end}_tx"] is None:
        return None
    return {"tx_hash": activity[f"{end}_tx"], "block": activity[f"{end}_block"], "time": activity[f"{end}_time"]}


def account_activity(ledger: AccountLedger, address: str, counterparties: int = 20) -> AccountActivity:
    """The account's assets, activity, counterparties, labels, issuer actions, poisoning and coverage."""
    account = _spelled(address)
    activity = ledger.activity(account)
    held = coverage_of(ledger.coverage(), account, activity["last_block"] or 0)
    labels = ledger.labels()
    return AccountActivity(
        ledger.chain, ledger.network, account, tuple(_asset(ledger.chain, r) for r in ledger.asset_totals(account)),
        int(activity["tx_count"]), _seen(activity, "first"), _seen(activity, "last"),
        tuple(ledger.counterparties(account, counterparties)), tuple([labels[account]] if account in labels else []),
        tuple(ledger.issuer_actions(account)), tuple(ledger.poisoning_of(account)),
        f"the store holds {held}" if held else "the store's coverage does not include this account: "
        "no activity here means not fetched, not no payments",
        _same_key(ledger.public_key(account)), *_deposits(ledger, account),
    )  # fmt: skip


def _deposits(ledger: AccountLedger, account: str) -> tuple[dict[str, Any] | None, tuple[dict[str, Any], ...]]:
    """Victor's deposit addresses (:mod:`.deposits`) as they concern ``account``: whether it is one, and which ones it
    paid into -- whoever else paid into one of them is probably the same exchange customer (a weaker link)."""
    found = deposit_addresses(ledger)
    own = found.get(account)
    deposit_of = None if own is None else {"exchange": own.exchange, "hot_wallet": own.hot_wallet,
                                           "users": sorted(own.users), "evidence": own.evidence[:5]}  # fmt: skip
    used = tuple({"deposit_address": d.address, "exchange": d.exchange, "hot_wallet": d.hot_wallet,
                  "same_customer_probably": sorted(d.users - {account}),
                  "evidence": [e for e in d.evidence][:5],
                  "note": f"a deposit address of {d.exchange}: ask {d.exchange} whose account it credits; others who "
                          "paid into it are probably the same customer (Victor 2020: a weaker link than the deposit "
                          "itself)"} for d in found.values() if account in d.users)  # fmt: skip
    return deposit_of, used


def _same_key(found: dict[str, Any] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {**found, "addresses": same_key_addresses(bytes.fromhex(found["public_key"])),
            "note": "the same key's addresses on other chains: a payment to one of them was received by whoever "
                    "holds this account's key (no heuristic); look them up in that chain's store"}  # fmt: skip
