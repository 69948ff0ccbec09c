"""Wallets (clusters) that behave like a service: an exchange, a mining pool, a gambling site.

An exchange gives each customer a deposit address and sweeps the deposits into a hot wallet (one transaction
spending many deposit addresses: the multi-input heuristic puts them in one wallet), pays many customers in batched
withdrawals to fresh addresses, and is active for long. A mining pool receives block rewards and pays many members.
A gambling site receives from many players and pays many of them back. Each detection gives its figures in words
and a score in [0, 1]; the thresholds are those measured in docs/accuracy.md. A detection is a lead, not a label:
it says a wallet behaves like a service, never which one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from cointrail.clustering.labels import labels_by_cluster
from cointrail.labels.model import SERVICE_CATEGORIES
from cointrail.services.joins import join_wallets
from cointrail.store.duckdb import service_links, service_reads
from cointrail.store.duckdb.address_find import find_address
from cointrail.store.duckdb.store import LedgerStore
from cointrail.wording import counted

MIN_DEPOSITORS = 5  # distinct wallets paying in
MIN_SWEPT = 5  # distinct deposit addresses swept together
MIN_BATCHES = 1  # withdrawals of >= 3 outputs leaving the wallet, most to fresh addresses
# An exchange few customers paid into is still recognised by its routine repeated: with as few as REPEATED_DEPOSITORS
# depositing wallets, REPEATED_SWEEPS consolidations and REPEATED_BATCHES batched withdrawals (on the tuning seeds
# no other wallet made more than one consolidation or any batch: docs/accuracy.md).
REPEATED_DEPOSITORS, REPEATED_SWEEPS, REPEATED_BATCHES = 3, 3, 5


@dataclass(frozen=True)
class Detection:
    """One wallet that behaves like a service, with why and how sure."""

    cluster_id: int
    kind: str  # exchange, mining_pool, gambling
    score: float
    evidence: tuple[str, ...]
    hot_wallet: str | None = None
    deposit_addresses: int = 0
    deposit_wallets: tuple[int, ...] = ()  # the wallets (clusters) of its deposit addresses, when not its own
    # Wallets its coin moved on to (or came from) as one service's own does, kept apart because labels name the two
    # as two services: {"wallet", "names", "labelled", "from_txid", "to_txid"} (a conflict services detect shows).
    kept_apart: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Detection:
        return cls(data["cluster_id"], data["kind"], data["score"], tuple(data["evidence"]), data.get("hot_wallet"),
                   data.get("deposit_addresses", 0), tuple(data.get("deposit_wallets", ())),
                   tuple(data.get("kept_apart", ())))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"cluster_id": self.cluster_id, "kind": self.kind, "score": self.score,
                "evidence": list(self.evidence), "hot_wallet": self.hot_wallet,
                "deposit_addresses": self.deposit_addresses,
                "deposit_wallets": list(self.deposit_wallets), "kept_apart": list(self.kept_apart)}  # fmt: skip


def _part(value: int, full: int) -> float:
    return min(1.0, value / full)


def _repeated(f: dict[str, Any]) -> bool:
    """Whether a wallet with few depositors repeats an exchange's routine: sweeps again and again, batches often."""
    return (f["depositors"] >= REPEATED_DEPOSITORS and f["sweeps"] >= REPEATED_SWEEPS
            and f["batches"] >= REPEATED_BATCHES)  # fmt: skip


def _exchange(cid: int, f: dict[str, Any], hot: str | None) -> Detection | None:
    if f["swept"] < MIN_SWEPT or f["batches"] < MIN_BATCHES or f["depositors"] < MIN_DEPOSITORS and not _repeated(f):
        return None
    span = f["last_height"] - f["first_height"]
    score = round(0.3 * _part(f["depositors"], 20) + 0.3 * _part(f["swept"], 20) + 0.25 * _part(f["batches"], 5)
                  + 0.15 * _part(span, 100), 2)  # fmt: skip
    evidence: tuple[str, ...] = (
        f"{counted(f['depositors'], 'distinct wallet')} paid into it",
        f"{counted(f['swept'], 'deposit address', 'deposit addresses')} swept in "
        f"{counted(f['sweeps'], 'consolidation')}, {f['hot_sweeps']} of them into one hot wallet ({hot})",
        f"{counted(f['batches'], 'batched withdrawal')} paying {counted(f['batch_outputs'], 'output')}, "
        f"{f['fresh_outputs']} to fresh addresses",
        f"active over {span} blocks (heights {f['first_height']}–{f['last_height']})",
    )
    if f["depositors"] < MIN_DEPOSITORS:  # said, since a wallet paid by few is a weaker lead
        routine = f"{counted(f['sweeps'], 'consolidation')}, {counted(f['batches'], 'batched withdrawal')}"
        evidence += (f"fewer than {MIN_DEPOSITORS} depositing wallets: recognised by its routine repeated ({routine})",)
    return Detection(cid, "exchange", score, evidence, hot, f["swept"])


def _pool(cid: int, f: dict[str, Any]) -> Detection | None:
    if f["coinbase"] < 3 or f["batches"] < 1:
        return None
    score = round(0.5 * _part(f["coinbase"], 20) + 0.5 * _part(f["batch_outputs"], 50), 2)
    paid = f"paid {counted(f['batch_outputs'], 'output')} in {counted(f['batches'], 'batched payout')}"
    return Detection(cid, "mining_pool", score, (f"received {counted(f['coinbase'], 'block reward')}", paid))


def _gambling(cid: int, f: dict[str, Any]) -> Detection | None:
    if f["depositors"] < 10 or f["paid_back"] * 2 < f["depositors"] or f["swept"] >= MIN_SWEPT:
        return None
    score = round(0.5 * _part(f["depositors"], 50) + 0.5 * f["paid_back"] / f["depositors"], 2)
    return Detection(cid, "gambling", score, (f"{counted(f['depositors'], 'distinct wallet')} paid into it",
                     f"it paid {f['paid_back']} of them back"))  # fmt: skip


def _detect(cid: int, f: dict[str, Any], texts: dict[int, str | None]) -> Detection | None:
    return _pool(cid, f) or _exchange(cid, f, texts.get(f["hot_wallet"])) or _gambling(cid, f)


# What each shape of transaction is to the investigator (cointrail.store.duckdb.service_links).
_SHAPE_WORDS = {"batch": "batched withdrawal", "pair": "withdrawal of one payment and its change",
                "all_to_one": "sweep", "move": "move of a whole coin",
                "unspent": "coin not spent yet"}


def _joined(steps: list[dict[str, Any]]) -> str:
    """The evidence line of a service joined from several wallets: how, and the transactions that show it."""
    kinds = Counter((s["from_shape"], s["to_shape"]) for s in steps)
    how = ", ".join(f"{counted(n, 'step')} from a {_SHAPE_WORDS[a]} to a {_SHAPE_WORDS[b]}"
                    for (a, b), n in sorted(kinds.items()))  # fmt: skip
    shown = "; ".join(f"{s['from_txid']} spent in {s['to_txid']}" if s["to_txid"] else
                      f"{s['from_txid']}, its coin not spent yet" for s in steps[:3])  # fmt: skip
    more = f" and {counted(len(steps) - 3, 'more', 'more')}" if len(steps) > 3 else ""
    return (f"joined from {counted(len(steps) + 1, 'wallet')} the multi-input heuristic keeps apart, through its "
            f"own coin moving on from one to the next (each step paid from one wallet, never a CoinJoin; from a "
            f"batched withdrawal only its change: its largest output, the only one spent so, at an address used "
            f"once): {how}; e.g. {shown}{more}")  # fmt: skip


# Labels that name a service: one of its businesses, or a role in one (an exchange's hot or cold wallet).
_NAMING = SERVICE_CATEGORIES | {"hot_wallet", "cold_wallet", "warm_wallet"}


def _known(store: LedgerStore, alone: dict[int, dict[str, Any]]) -> dict[int, frozenset[str]]:
    """The wallets known to be a service, which joining keeps apart: by the services their labels name, else
    ``#id`` where the wallet behaves like one on its own."""
    known = {c: frozenset({f"#{c}"}) for c, f in alone.items() if _detect(c, f, {})}
    reads = store.cluster_reads()
    for cid, labels in (labels_by_cluster(reads) if reads.has_clusters() else {}).items():
        if names := frozenset(lab["service"] for lab in labels if lab.get("category") in _NAMING):
            known[cid] = names
    return known


def detect_services(store: LedgerStore) -> list[Detection]:
    """Every wallet of the store that behaves like a service, highest score first; the wallets of one service the
    multi-input heuristic keeps apart are joined through its coin moving on (cointrail.services.joins)."""
    with service_reads.prepared(store):  # per wallet (cluster): its figures, and its coin moving on
        alone, steps = service_reads.figures(store), service_links.coin_steps(store)
    groups = join_wallets(steps, _known(store, alone))
    figures = service_reads.cluster_figures(store, groups.services()) if groups.parent else alone
    hot_ids = [f["hot_wallet"] for f in figures.values() if f["hot_wallet"] is not None]
    texts = store.cluster_reads().address_texts(hot_ids)
    members = groups.members()
    found = []
    for cid, f in figures.items():
        hit = _detect(cid, f, texts)
        if hit is not None and cid in members:
            hit = replace(hit, evidence=(*hit.evidence, _joined(groups.steps[cid])),
                          deposit_wallets=tuple(members[cid][1:]))  # fmt: skip
        if hit is not None:
            found.append(replace(hit, kept_apart=_kept_apart(groups, cid)))
    return sorted(found, key=lambda d: (-d.score, d.cluster_id))


def _kept_apart(groups: Any, service: int) -> tuple[dict[str, Any], ...]:
    """The wallets the service's coin moved on to or from that labels say are another service."""
    found = []
    for refused in groups.refused:
        sides = [groups.root(w) for w in refused["wallets"]]
        if service in sides and sides[0] != sides[1]:
            mine = sides.index(service)
            step = refused["step"]
            found.append({"wallet": sides[1 - mine], "names": refused["names"][1 - mine],
                          "labelled": refused["names"][mine], "from_txid": step["from_txid"],
                          "to_txid": step["to_txid"]})  # fmt: skip
    return tuple(found)


def hot_wallet_clusters(store: LedgerStore, detections: list[Detection]) -> dict[int, int]:
    """The wallet (cluster) of each detection's hot wallet, by the detection's cluster id. It need not be one of the
    detection's wallets: deposits swept into a hot wallet whose coin is not spent yet join nothing."""
    hot = {d.cluster_id: find_address(store, d.hot_wallet)[0] for d in detections if d.hot_wallet}
    clusters = store.trace_reads().clusters_of(set(hot.values()))
    return {cid: clusters[a] for cid, a in hot.items() if a in clusters}


def keep_detections(store: LedgerStore, found: list[Detection]) -> None:
    """Keep what was found in the (writable) store, for its current cluster build: payers and trace read it."""
    service_reads.save_detections(store, [d.to_dict() for d in found])


def kept_detections(store: LedgerStore) -> list[Detection]:
    """The detections kept for the store's current cluster build (none if ``services detect`` has not run since
    the last ``cluster build``): computing them again took about 30 s on a store of a million transactions
    before wallets were joined (which reads the figures twice: about 2.3 times as long on the generated scenarios),
    too long for every trace."""
    return [Detection.from_dict(d) for d in service_reads.stored_detections(store) or []]
