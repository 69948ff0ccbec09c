"""One look at new blocks: which watched addresses received or spent there, and the alerts that says.

What a run tracks (:class:`Tracked`), each address with its hop and the reason it is tracked:

- hop 0, the addresses of the case's watches, and those a watched address spends *together with* (one owner
  signs every input of an ordinary transaction: the multi-input rule, never through a CoinJoin or a transaction
  that may be collaborative);
- hop n, a fresh address that received money from a hop n-1 spend (first seen in that block, so nobody's old
  wallet), up to ``max_hops``. Money into a labelled or detected service, a CoinJoin or an address seen before is
  not followed further: the alert says where it went, and the service is where the investigator asks.

Addresses are matched by output script on the store's chain and network, so every spelling of one destination
(a Litecoin ``3…`` and ``M…``) is the same watched address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.addresses.parse import parse_address
from cointrail.amounts import Amount
from cointrail.chains.bitcoin.model import display_hash
from cointrail.clustering.heuristics import rules_for
from cointrail.domain import WatchedTx
from cointrail.heuristics.coinjoin import detect_collaborative
from cointrail.heuristics.joinbase import CoinJoinDetection
from cointrail.store.duckdb.store import LedgerStore
from cointrail.times import utc_iso
from cointrail.tracing.services import Services
from cointrail.watch.alerts import RECEIVED, SPENT, Alert, alert_id
from cointrail.watch.destinations import (
    COINJOIN,
    FRESH,
    LEAD,
    SERVICE,
    WATCHED,
    Destination,
    freeze_request,
    name_outputs,
)
from cointrail.watch.watchlist import Watch
from cointrail.wording import counted

DEFAULT_MAX_HOPS = 3


@dataclass(frozen=True)
class Tracked:
    """Why a run follows an address: its hop from a watched one, the watches it serves, in words."""

    address: str
    hop: int
    watches: tuple[str, ...]
    via: str

    def to_json(self, address_id: int) -> dict[str, Any]:
        return {"address": self.address, "address_id": address_id, "hop": self.hop, "watches": list(self.watches),
                "via": self.via}  # fmt: skip


class WatchState:
    """The addresses a run follows, by store address id once they appear, by output script until then."""

    def __init__(self, store: LedgerStore, watches: list[Watch], max_hops: int = DEFAULT_MAX_HOPS):
        self.store = store
        self.chain, self.network = store.chain, store.network
        self.max_hops = max_hops
        self.pending: dict[bytes, Tracked] = {}  # scripts of watched addresses not yet seen on the chain
        self.ids: dict[int, Tracked] = {}
        for watch in watches:
            via = f"in {watch.watch_id}" + (f" (wallet {watch.cluster_id})" if watch.cluster_id is not None else "")
            for address in watch.addresses:
                for script in self._scripts(address):
                    known = self.pending.get(script)
                    ids = tuple(sorted({*(known.watches if known else ()), watch.watch_id}))
                    self.pending[script] = Tracked(address, 0, ids, known.via if known else f"watched {via}")

    def _scripts(self, address: str) -> list[bytes]:
        return [bytes.fromhex(c.script_pubkey) for c in parse_address(address).candidates
                if c.chain == self.chain and c.network == self.network and c.script_pubkey]  # fmt: skip

    def resolve(self, lo: int, hi: int) -> None:
        """Give an address id to each watched script that first appeared at ``lo..hi``."""
        found = self.store.watch_reads().ids_of_scripts(set(self.pending), lo, hi)
        for script, address_id in found.items():
            self.ids.setdefault(address_id, self.pending.pop(script))

    def absorb(self, alert: Alert) -> None:
        """Track what an alert kept tracking (a restart rebuilds the run's state from the case's alerts)."""
        for entry in (*alert.joined, *alert.followed):
            self.ids.setdefault(entry["address_id"], Tracked(entry["address"], entry["hop"], tuple(entry["watches"]),
                                                             entry["via"]))  # fmt: skip

    def addresses(self) -> list[str]:
        """Every tracked address, watched ones first (what a light server is asked about), each once."""
        named = [t.address for t in self.pending.values()] + [t.address for t in self.ids.values()]
        return list(dict.fromkeys(named))

    @property
    def watched_count(self) -> int:
        return len(self.pending) + len(self.ids)


def scan(state: WatchState, case: str, lo: int, hi: int, known: set[str]) -> list[Alert]:
    """The alerts for blocks ``lo..hi`` that ``known`` (alert ids already kept) does not hold, in chain order.

    Followed addresses found in the range are looked at in the same range: money that moves twice in one block
    gives both alerts.
    """
    state.resolve(lo, hi)
    reads = state.store.watch_reads()
    services = Services(state.store)
    done: set[int] = set()
    alerts: list[Alert] = []
    fresh = set(state.ids)
    while fresh:
        paid, spent = reads.touching(fresh, lo, hi)
        todo = (paid | spent) - done
        txs = reads.transactions(todo, lo, hi)
        joins = _collaborative(state, {t.tx_id for t in txs if t.tx_id in spent and len(t.inputs) > 1}, lo, hi)
        before = set(state.ids)
        for tx in txs:
            done.add(tx.tx_id)
            alert = _alert(state, services, case, tx, joins.get(tx.tx_id))
            if alert is not None and alert.alert_id not in known:
                alerts.append(alert)
        fresh = set(state.ids) - before
    return sorted(alerts, key=lambda a: (a.height, a.txid))


def _collaborative(state: WatchState, tx_ids: set[int], lo: int, hi: int) -> dict[int, CoinJoinDetection]:
    """CoinJoin or possibly-collaborative findings among spends of several inputs, by tx id."""
    if not tx_ids:
        return {}
    rules, collaborative = rules_for(state.chain)
    found = {}
    reads = state.store.watch_reads()
    ids = sorted(tx_ids)
    for tx_id, rtx in zip(ids, reads.resolved(tx_ids, lo, hi), strict=True):
        detection = detect_collaborative(rtx, rules, collaborative)
        if detection is not None:
            found[tx_id] = detection
    return found


def _alert(state: WatchState, services: Services, case: str, tx: WatchedTx,
           coinjoin: CoinJoinDetection | None) -> Alert | None:  # fmt: skip
    spenders = [i for i in tx.inputs if i.address_id in state.ids]
    if spenders and not tx.is_coinbase:
        return _spent(state, services, case, tx, coinjoin, spenders)
    received = [o for o in tx.outputs if o.address_id in state.ids and state.ids[o.address_id].hop == 0]
    return _received(state, case, tx, received) if received else None


def _base(state: WatchState, case: str, tx: WatchedTx, tracked: list[Tracked], amount: int) -> dict[str, Any]:
    txid, block = display_hash(tx.txid), display_hash(tx.block_hash)
    return {"alert_id": alert_id(txid, block), "case": case, "chain": state.chain, "network": state.network,
            "watches": tuple(sorted({w for t in tracked for w in t.watches})), "hop": min(t.hop for t in tracked),
            "txid": txid, "height": tx.height, "block_hash": block, "block_time": utc_iso(tx.time),
            "amount": amount, "amount_text": str(Amount(amount, state.chain))}  # fmt: skip


def _received(state: WatchState, case: str, tx: WatchedTx, outputs: list[Any]) -> Alert:
    tracked = [state.ids[o.address_id] for o in outputs]
    base = _base(state, case, tx, tracked, sum(o.value for o in outputs))
    to = outputs[0].address or "a watched script"
    more = f" and {counted(len(outputs) - 1, 'other watched output')}" if len(outputs) > 1 else ""
    return Alert(kind=RECEIVED, **base,
                 headline=f"{', '.join(base['watches'])}: {to} received {base['amount_text']}{more}",
                 reason=f"{to} is {tracked[0].via}; transaction {base['txid']} pays it, block {tx.height}",
                 watched=tuple({"address": o.address, "hop": 0, "vout": o.vout, "value": o.value} for o in outputs))


def _spent(state: WatchState, services: Services, case: str, tx: WatchedTx, coinjoin: CoinJoinDetection | None,
           spenders: list[Any]) -> Alert:  # fmt: skip
    tracked = [state.ids[i.address_id] for i in spenders]
    base = _base(state, case, tx, tracked, sum(i.value for i in spenders))
    hop = base["hop"]
    destinations = name_outputs(tx, set(state.ids), services, coinjoin, state.chain)
    joined = _join(state, tx, coinjoin, tracked, base)
    followed = _follow(state, tx, destinations, hop, base)
    first = spenders[0].address or "a watched script"
    others = len({i.address_id for i in spenders}) - 1
    left = first + (f" and {others} other tracked address{'es' if others > 1 else ''}" if others else "")
    hops = f" ({hop} hop{'s' if hop > 1 else ''} from a watched address: {tracked[0].via})" if hop else ""
    urgent = any(d.freezable or d.kind == LEAD for d in destinations)
    return Alert(
        kind=SPENT, **base, urgent=urgent,
        headline=f"{', '.join(base['watches'])}: {base['amount_text']} left {left}{hops} — "
                 + "; ".join(_short(d, state.chain) for d in destinations),
        reason=f"{first} is {tracked[0].via}; transaction {base['txid']} spends its coins, block {tx.height}",
        watched=tuple({"address": i.address, "hop": state.ids[i.address_id].hop, "vin": i.vin, "value": i.value}
                      for i in spenders),
        destinations=tuple(d.to_json(state.chain) for d in destinations),
        coinjoin=coinjoin.to_dict() if coinjoin else None, joined=tuple(joined), followed=tuple(followed),
        freeze_requests=tuple(freeze_request(d, tx, case, state.chain) for d in destinations if d.freezable),
    )  # fmt: skip


def _short(dest: Destination, chain: str) -> str:
    amount = Amount(dest.output.value, chain)
    if dest.kind == SERVICE:
        assert dest.service is not None
        return f"{amount} into {dest.service.service} ({dest.service.category})"
    if dest.kind == LEAD:
        return f"{amount} into an unnamed exchange-like service (a lead)"
    if dest.kind == COINJOIN:
        return f"{amount} into a CoinJoin"
    if dest.kind == WATCHED:
        return f"{amount} back to a watched address"
    return f"{amount} to {'a fresh address' if dest.kind == FRESH else 'an address seen before'}"


def _join(state: WatchState, tx: WatchedTx, coinjoin: CoinJoinDetection | None, tracked: list[Tracked],
          base: dict[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
    """Co-spent inputs' addresses, now tracked at the spender's hop (one owner signs every input)."""
    if coinjoin is not None:
        return []
    joined = []
    for i in tx.inputs:
        if i.address_id is None or i.address_id in state.ids or i.address is None:
            continue
        via = (f"spent together with {tracked[0].address} in {base['txid']} (an ordinary transaction: one owner "
               "signs every input)")
        state.ids[i.address_id] = Tracked(i.address, base["hop"], base["watches"], via)
        joined.append(state.ids[i.address_id].to_json(i.address_id))
    return joined


def _follow(state: WatchState, tx: WatchedTx, destinations: list[Destination], hop: int,
            base: dict[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
    """Fresh addresses paid by this spend, tracked one hop further (up to the run's ``max_hops``)."""
    if hop + 1 > state.max_hops:
        return []
    followed = []
    for dest in destinations:
        out = dest.output
        if dest.kind != FRESH or out.address is None or out.address_id in state.ids:
            continue
        via = f"paid {Amount(out.value, state.chain)} by a tracked address in {base['txid']} (hop {hop + 1})"
        state.ids[out.address_id] = Tracked(out.address, hop + 1, base["watches"], via)
        followed.append(state.ids[out.address_id].to_json(out.address_id))
    return followed
