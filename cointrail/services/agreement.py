"""Whether the labels of a detected wallet agree with its behaviour (issue 17: conflicts shown, not hidden).

A detection says how a wallet behaves; a label says what a source calls it. They agree when the label's category
is one the behaviour fits (an exchange's hot wallet labelled "exchange" or "hot_wallet"). They conflict when a label
calls it something the behaviour contradicts (a wallet sweeping deposits and paying batched withdrawals labelled a
market or a mixer), or when two sources name two different services for it. Either may be wrong: the investigator
decides, and the report keeps both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.services.detect import Detection, hot_wallet_clusters
from cointrail.store.duckdb.store import LedgerStore

# Label categories each kind of behaviour fits (GraphSense taxonomy, cointrail.labels.model.CATEGORIES): a role
# inside the service (hot or cold wallet) and the generic "service" fit any kind.
_ROLES = {"hot_wallet", "cold_wallet", "warm_wallet", "service", "entity", "organization"}
FITS: dict[str, frozenset[str]] = {
    "exchange": frozenset({"exchange", "wallet_service", "payment_processor", "atm", *_ROLES}),
    "mining_pool": frozenset({"miner", "mining_service", *_ROLES}),
    "gambling": frozenset({"gambling", *_ROLES}),
}


# Each kind of behaviour in words, with its article ("behaves like an exchange").
KIND_WORDS = {"exchange": "an exchange", "mining_pool": "a mining pool", "gambling": "a gambling service"}


@dataclass(frozen=True)
class Agreement:
    """A detected wallet's labels and what they say against its behaviour."""

    cluster_id: int
    labels: tuple[dict[str, Any], ...]
    named_by: str | None  # the service a fitting label names, when the labels agree
    conflicts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "named_by": self.named_by, "conflicts": list(self.conflicts)}


def _name(label: dict[str, Any]) -> str:
    return str(label.get("actor") or label["label"])


def agreement(detection: Detection, labels: list[dict[str, Any]]) -> Agreement:
    """Compare ``labels`` (of the detected wallet's hot wallet and its cluster) with the behaviour detected."""
    fits = FITS.get(detection.kind, frozenset())
    behaves = KIND_WORDS.get(detection.kind, detection.kind.replace("_", " "))
    conflicts = [
        f"labelled '{lab['label']}' ({lab.get('category')}) by {lab.get('source') or 'an unnamed source'}, but it "
        f"behaves like {behaves}: one of them is wrong; check the label's source before relying on either"
        for lab in labels if lab.get("category") not in fits
    ]  # fmt: skip
    fitting = sorted({_name(lab) for lab in labels if lab.get("category") in fits - _ROLES})
    if len(fitting) > 1:
        conflicts.append(f"named differently by its labels ({', '.join(fitting)}): one wallet is one service, so at "
                         "least one label is wrong, or two wallets were merged (see cluster show)")  # fmt: skip
    for apart in detection.kept_apart:
        moved = (f"{apart['from_txid']} spent in {apart['to_txid']}" if apart["to_txid"]
                 else f"{apart['from_txid']}, not spent yet")  # fmt: skip
        conflicts.append(f"its coin moved on to wallet {apart['wallet']} as one service's own coin does ({moved}), "
                         f"but labels name that wallet {', '.join(apart['names'])} and this one "
                         f"{', '.join(apart['labelled'])}: a label is wrong, or one service paid the other; they are "
                         "kept apart")  # fmt: skip
    named = fitting[0] if len(fitting) == 1 else None
    shown = tuple({k: lab.get(k) for k in ("address", "label", "category", "actor", "source", "confidence")}
                  for lab in labels)  # fmt: skip
    return Agreement(detection.cluster_id, shown, named, tuple(conflicts))


def agreements(store: LedgerStore, detections: list[Detection]) -> dict[int, Agreement]:
    """For each detection: its labels against it, those of every wallet it holds (its hot wallet's, and the
    wallets joined to it: a label on any of them names the one service, and payers uses it so)."""
    from cointrail.tracing.services import Services  # tracing reads the kept detections: imported when asked

    services = Services(store, detected=False)
    hot = hot_wallet_clusters(store, detections)
    wallets = {d.cluster_id: dict.fromkeys([hot.get(d.cluster_id, d.cluster_id), d.cluster_id, *d.deposit_wallets])
               for d in detections}  # fmt: skip
    found = services.wallet_labels({w for held in wallets.values() for w in held})
    return {d.cluster_id: agreement(d, [lab for w in wallets[d.cluster_id] for lab in found.get(w, [])])
            for d in detections}  # fmt: skip
