"""Wallets (clusters) that behave like a service: an exchange, a mining pool, a gambling site.

An exchange gives each customer a deposit address and sweeps the deposits into a hot wallet (one transaction
spending many deposit addresses: the multi-input heuristic puts them in one wallet), pays many customers in batched
withdrawals to fresh addresses, and is active for long. A mining pool receives block rewards and pays many members.
A gambling site receives from many players and pays many of them back. Each detection gives its figures in words
and a score in [0, 1]; the thresholds are those measured in docs/accuracy.md. A detection is a lead, not a label:
it says a wallet behaves like a service, never which one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from cointrail.store.duckdb import service_reads
from cointrail.store.duckdb.store import LedgerStore
from cointrail.wording import counted

MIN_DEPOSITORS = 5  # distinct wallets paying in
MIN_SWEPT = 5  # distinct deposit addresses swept together
MIN_BATCHES = 1  # withdrawals of >= 3 outputs leaving the wallet, most to fresh addresses


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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Detection:
        return cls(data["cluster_id"], data["kind"], data["score"], tuple(data["evidence"]), data.get("hot_wallet"),
                   data.get("deposit_addresses", 0), tuple(data.get("deposit_wallets", ())))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"cluster_id": self.cluster_id, "kind": self.kind, "score": self.score,
                "evidence": list(self.evidence), "hot_wallet": self.hot_wallet,
                "deposit_addresses": self.deposit_addresses,
                "deposit_wallets": list(self.deposit_wallets)}  # fmt: skip


def _part(value: int, full: int) -> float:
    return min(1.0, value / full)


def _exchange(cid: int, f: dict[str, Any], hot: str | None) -> Detection | None:
    if f["depositors"] < MIN_DEPOSITORS or f["swept"] < MIN_SWEPT or f["batches"] < MIN_BATCHES:
        return None
    span = f["last_height"] - f["first_height"]
    score = round(0.3 * _part(f["depositors"], 20) + 0.3 * _part(f["swept"], 20) + 0.25 * _part(f["batches"], 5)
                  + 0.15 * _part(span, 100), 2)  # fmt: skip
    evidence = (
        f"{counted(f['depositors'], 'distinct wallet')} paid into it",
        f"{counted(f['swept'], 'deposit address', 'deposit addresses')} swept in "
        f"{counted(f['sweeps'], 'consolidation')}, {f['hot_sweeps']} of them into one hot wallet ({hot})",
        f"{counted(f['batches'], 'batched withdrawal')} paying {counted(f['batch_outputs'], 'output')}, "
        f"{f['fresh_outputs']} to fresh addresses",
        f"active over {span} blocks (heights {f['first_height']}–{f['last_height']})",
    )
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


_SUMMED = ("depositors", "paid_back", "sweeps", "swept", "hot_sweeps", "batches", "batch_outputs", "fresh_outputs",
           "coinbase")


def _services(figures: dict[int, dict[str, Any]]) -> dict[int, tuple[dict[str, Any], list[int]]]:
    """Wallets grouped into services: the wallets whose sweeps a batched withdrawal spends, with the one spending.

    Deposit addresses swept in separate consolidations, the hot wallet they are swept into and the change of its
    withdrawals are separate wallets to the multi-input heuristic. A sweep whose output a batched withdrawal spends
    names the hot wallet and joins the wallets into one service, named by its smallest cluster id (a withdrawal's
    output swept again is not used: a payout into another service's deposit address looks the same). A sweep into
    an address that is itself swept (a site's cash-out into an exchange deposit address) joins nothing.
    """
    parent = {cid: cid for cid in figures}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for cid, f in figures.items():
        for other in f.get("linked", ()):
            a, b = sorted((root(cid), root(other)))
            parent[b] = a
    groups: dict[int, list[int]] = {}
    for cid in figures:
        groups.setdefault(root(cid), []).append(cid)
    services = {}
    for key, members in groups.items():
        own = figures.get(key)
        parts = [figures[c] for c in members if c != key] + ([own] if own is not None else [])
        merged = dict(own if own is not None else parts[0])
        for name in _SUMMED:
            merged[name] = sum(p[name] for p in parts)
        if own is not None:  # the deposit wallets paying their own hot wallet are not depositors
            merged["depositors"] -= len(parts) - 1
        merged["first_height"] = min(p["first_height"] for p in parts)
        merged["last_height"] = max(p["last_height"] for p in parts)
        hot = max(parts, key=lambda p: (p["hot_wallet"] is not None, p["hot_sweeps"]))
        merged["hot_wallet"] = hot["hot_wallet"]
        services[key] = (merged, sorted(c for c in members if c != key))
    return services


def detect_services(store: LedgerStore) -> list[Detection]:
    """Every wallet of the store that behaves like a service, highest score first."""
    figures = service_reads.cluster_figures(store)
    hot_ids = [f["hot_wallet"] for f in figures.values() if f["hot_wallet"] is not None]
    texts = service_reads.address_texts(store, hot_ids)
    found = []
    for cid, (f, deposit_wallets) in _services(figures).items():
        hit = _pool(cid, f) or _exchange(cid, f, texts.get(f["hot_wallet"])) or _gambling(cid, f)
        if hit is not None:
            found.append(replace(hit, deposit_wallets=tuple(deposit_wallets)))
    return sorted(found, key=lambda d: (-d.score, d.cluster_id))


def keep_detections(store: LedgerStore, found: list[Detection]) -> None:
    """Keep what was found in the (writable) store, for its current cluster build: payers and trace read it."""
    service_reads.save_detections(store, [d.to_dict() for d in found])


def kept_detections(store: LedgerStore) -> list[Detection]:
    """The detections kept for the store's current cluster build (none if ``services detect`` has not run since
    the last ``cluster build``): computing them again takes about 30 s on a store of a million transactions,
    too long for every trace."""
    return [Detection.from_dict(d) for d in service_reads.stored_detections(store) or []]
