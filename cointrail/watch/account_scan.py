"""One look at new Ethereum blocks: which watched accounts received or sent ether or a listed stablecoin.

An account chain has no change and no co-spent inputs: what a watched account sends goes where the transfer says.
Each transaction touching a watched account is one alert, its transfers named: into a labelled exchange (urgent,
with the exchange's freeze request), or anywhere in USDT or USDC, which the issuer (Tether, Circle) can freeze at
the receiving address: the issuer's freeze request goes with it (urgent too). Suspected address-poisoning
transfers are never alerted on: they are the poisoner's, not the watched account's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cointrail.addresses.account import tron_from_hex
from cointrail.amounts import Amount, Unit
from cointrail.chains.ethereum.tokens import TOKENS
from cointrail.labels.model import LEGAL_PROCESS_CATEGORIES
from cointrail.store.duckdb.account import AccountStore
from cointrail.times import utc_iso
from cointrail.watch.alerts import RECEIVED, SPENT, Alert, alert_id

# The stablecoins whose issuer can freeze an address, by (chain, token contract).
FREEZABLE = {(t.chain, t.address): t.issuer for t in TOKENS}


def _amount(move: dict[str, Any], chain: str) -> Amount:
    return Amount(int(move["value"]), chain, Unit(str(move["asset"]), int(move["decimals"])))


def shown(address: str, chain: str) -> str:
    """An account as its chain writes it: ``0x…`` on Ethereum, ``T…`` on Tron (stored in the 0x form)."""
    return tron_from_hex(address) if chain == "tron" and address.startswith("0x") else address


def account_scan(store: AccountStore, case: str, watched: dict[str, tuple[str, ...]], lo: int, hi: int,
                 known: set[str], block_hash: Callable[[int], str | None]) -> list[Alert]:  # fmt: skip
    """The alerts for blocks ``lo..hi``; ``watched``: each watched account (lower-case 0x form) and its watches;
    ``block_hash``: the node's hash of a block the store does not keep (a Tron store keeps logs only)."""
    labels = store.labels()
    by_tx: dict[str, list[dict[str, Any]]] = {}
    for move in store.moves_between(lo, hi, list(watched)):
        if move["block_hash"] is None:
            move["block_hash"] = block_hash(int(move["block_number"]))
        for side in ("sender", "receiver"):
            move[f"{side}_shown"] = shown(move[side], store.chain)
        by_tx.setdefault(move["tx_hash"], []).append(move)
    alerts = []
    for moves in by_tx.values():
        alert = _alert(store.chain, store.network, case, moves, watched, labels)
        if alert.alert_id not in known:
            alerts.append(alert)
    return alerts


def _alert(chain: str, network: str, case: str, moves: list[dict[str, Any]], watched: dict[str, tuple[str, ...]],
           labels: dict[str, dict[str, Any]]) -> Alert:  # fmt: skip
    first = moves[0]
    sent = [m for m in moves if m["sender"] in watched]
    ours = sent or [m for m in moves if m["receiver"] in watched]
    keys = [m["sender"] if sent else m["receiver"] for m in ours]
    watches = tuple(sorted({w for a in keys for w in watched[a]}))
    accounts = [m["sender_shown"] if sent else m["receiver_shown"] for m in ours]
    texts = [str(_amount(m, chain)) for m in ours]
    base = {"alert_id": alert_id(first["tx_hash"], first["block_hash"]), "kind": SPENT if sent else RECEIVED,
            "case": case, "chain": chain, "network": network, "watches": watches, "hop": 0,
            "txid": first["tx_hash"], "height": int(first["block_number"]), "block_hash": first["block_hash"],
            "block_time": utc_iso(first["time"]), "amount_text": " + ".join(texts),
            # in the first transfer's asset: the text names every asset, never summed across them
            "amount": sum(int(m["value"]) for m in ours if m["asset"] == ours[0]["asset"])}  # fmt: skip
    if not sent:
        return Alert(**base, headline=f"{', '.join(watches)}: {accounts[0]} received {base['amount_text']}",
                     reason=f"{accounts[0]} is watched in {', '.join(watched[keys[0]])}; transaction "
                            f"{first['tx_hash']} pays it, block {first['block_number']}",
                     watched=tuple({"address": m["receiver_shown"], "hop": 0, "value": int(m["value"]),
                                    "asset": m["asset"]} for m in ours))  # fmt: skip
    destinations = [_destination(m, chain, labels) for m in sent]
    requests = [r for m, d in zip(sent, destinations, strict=True) for r in _requests(m, d, chain, network, case)]
    return Alert(
        **base, urgent=bool(requests),
        headline=f"{', '.join(watches)}: {base['amount_text']} left {accounts[0]} — "
                 + "; ".join(d["short"] for d in destinations),
        reason=f"{accounts[0]} is watched in {', '.join(watched[keys[0]])}; transaction {first['tx_hash']} "
               f"moves its funds, block {first['block_number']}",
        watched=tuple({"address": m["sender_shown"], "hop": 0, "value": int(m["value"]), "asset": m["asset"]}
                      for m in sent),
        destinations=tuple({k: v for k, v in d.items() if k != "short"} for d in destinations),
        freeze_requests=tuple(requests),
    )  # fmt: skip


def _destination(move: dict[str, Any], chain: str, labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    amount, to = str(_amount(move, chain)), move["receiver_shown"]
    label = labels.get(move["receiver"])
    if label is not None and label["category"] in LEGAL_PROCESS_CATEGORIES:
        words = f"{amount} into {label['name']} ({label['category']}): {to} is labelled by {label['source']}"
        service = {"service": label["name"], "category": label["category"], "label": label["name"],
                   "source": label["source"], "legal_process": True}  # fmt: skip
        short, kind = f"{amount} into {label['name']}", "service"
    else:
        words = f"{amount} to {to}" + (f", labelled '{label['name']}' ({label['category']})" if label else "")
        service, short, kind = None, f"{amount} to {to}", "account"
    return {"address": to, "value": int(move["value"]), "value_text": amount, "asset": move["asset"],
            "token": move["token"], "kind": kind, "words": words, "service": service, "short": short}


def _requests(move: dict[str, Any], dest: dict[str, Any], chain: str, network: str, case: str) -> list[dict[str, Any]]:
    """The freeze requests a transfer calls for: the exchange's, and for a stablecoin its issuer's."""
    found = []
    when, txid = utc_iso(move["time"]), move["tx_hash"]
    common = {"deposit_address": dest["address"], "txid": txid, "vout": None, "amount": dest["value"],
              "amount_text": dest["value_text"], "block_time": when, "height": int(move["block_number"])}  # fmt: skip
    if dest["service"]:
        found.append({**common, "exchange": dest["service"]["service"], "text": (
            f"URGENT — request to freeze and preserve funds ({case}).\nTo: {dest['service']['service']}, "
            f"law-enforcement response team.\nOn {when}, {dest['value_text']} was sent to {dest['address']}, "
            f"which we attribute to your service (source {dest['service']['source']}), in transaction {txid}, "
            f"block {move['block_number']} ({chain} {network}).\nThe funds are connected to an ongoing investigation "
            "of child sexual exploitation or human trafficking. Please freeze the credited funds pending legal "
            "process, preserve the account's records, and do not notify the account holder.")})  # fmt: skip
    issuer = FREEZABLE.get((chain, move["token"] or ""))
    if issuer:
        found.append({**common, "exchange": issuer, "issuer": True, "text": (
            f"URGENT — request to freeze {move['asset']} at an address ({case}).\nTo: {issuer}, "
            f"law-enforcement requests.\nOn {when}, {dest['value_text']} ({move['asset']}, contract "
            f"{move['token']}) moved to {dest['address']} in transaction {txid}, block {move['block_number']} "
            f"({chain} {network}). The funds are connected to an ongoing investigation of child sexual "
            f"exploitation or human trafficking. Please freeze {move['asset']} held at {dest['address']} pending "
            "legal process, and preserve what you hold on it.")})  # fmt: skip
    return found
