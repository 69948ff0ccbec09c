"""The result of a trace as plain data: the flow graph, where each trail ends, and the totals.

Fields are documented in docs/tracing.md, the contract the report and the
exports are written against; keep both in step.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cointrail.amounts import Amount
from cointrail.wording import counted

END_REASONS: dict[str, str] = {
    "unspent": "the money has not moved since: it is still at this address",
    "not_fetched": "the store does not hold the next step: it was read from a light source (Electrum or Esplora) "
                   "and this money's next transaction was not fetched; crawl further (cointrail ingest --electrum "
                   "or --esplora, --around this address or more --hops) to follow it",
    "origin": "newly mined coins: the money starts here",
    "service": "a labelled service (such as an exchange) received or paid the money; it keeps records of its "
               "customers, so legal process can be served there",
    "coinjoin": "the money went through a CoinJoin, which mixes the coins of many people; it cannot be followed "
                "further with confidence",
    "mweb": "the money entered Litecoin's MWEB privacy extension, where amounts and addresses are hidden",
    "hop_limit": "the trace stopped at the hop limit; the money moved on",
    "threshold": "less than the minimum value is left on this trail",
    "time_window": "the next transaction is outside the time window",
}  # fmt: skip


# A trail's end at a wallet that no label names but that behaves like an exchange (issue 17).
UNNAMED_SERVICE_END = ("a wallet that behaves like an exchange (deposit addresses swept into one hot wallet, batched "
                       "withdrawals) received or paid the money, but no label names it: a lead. Find out which "
                       "exchange it is and name it with cointrail label add; legal process can then be served there")


def coinjoin_end(participants: int | None, direction: str) -> str:
    """Why a trail ends at a CoinJoin, in plain words (issue 12: a trail stops at what it cannot see through)."""
    who = f"a CoinJoin of {participants} participants" if participants else "a CoinJoin"
    where = "the money's origin is ambiguous" if direction == "backward" else "where the money went is ambiguous"
    return (f"the trail ends in {who}: {where}. A CoinJoin mixes the coins of several people in one transaction, so "
            "which input paid which output cannot be told; going on (--through-coinjoins) gives possibilities only")


@dataclass
class Edge:
    """Traced money moving from one address to another in one transaction."""

    source: str
    target: str
    txid: str
    time: int
    height: int
    hop: int
    amount: int  # the output's value
    taint: int  # the traced part of it carried by this edge

    def to_dict(self, chain: str) -> dict[str, Any]:
        return {
            "from": self.source, "to": self.target, "txid": self.txid, "time": self.time, "height": self.height,
            "hop": self.hop, "amount": self.amount, "taint": self.taint,
            "taint_share": round(self.taint / self.amount, 6) if self.amount else 0.0,
            "amount_coin": Amount(self.amount, chain).fixed(), "taint_coin": Amount(self.taint, chain).fixed(),
        }  # fmt: skip


@dataclass
class TrailEnd:
    """Where one trail stops, and why."""

    address: str
    txid: str | None
    hop: int
    taint: int
    reason: str
    service: dict[str, Any] | None = None
    participants: int | None = None  # of the CoinJoin the trail ends in (reason "coinjoin")
    direction: str = "forward"
    # CoinJoins this trail went through before it ended (only with through_coinjoins): beyond them, a possibility.
    through: list[str] = field(default_factory=list)

    def explanation(self) -> str:
        if self.reason == "coinjoin":
            return coinjoin_end(self.participants, self.direction)
        text = END_REASONS[self.reason]
        if self.reason == "service" and self.service and self.service.get("detected"):
            text = UNNAMED_SERVICE_END
        elif self.reason == "service" and self.service and self.service.get("joined_by"):
            text = f"{text}; {self.service['joined_by']['words']}"
        if self.through:
            text += (f" (but only possibly: the trail went through {counted(len(self.through), 'CoinJoin')} "
                     f"before, where "
                     "the money's path is ambiguous)")  # fmt: skip
        return text

    def to_dict(self, chain: str) -> dict[str, Any]:
        return {
            "address": self.address, "txid": self.txid, "hop": self.hop, "taint": self.taint,
            "taint_coin": Amount(self.taint, chain).fixed(), "reason": self.reason, "explanation": self.explanation(),
            "service": self.service["service"] if self.service else None,
            "category": self.service["category"] if self.service else None,
            "label": self.service, "participants": self.participants, "through_coinjoins": self.through,
            "ambiguous": self.reason == "coinjoin" or bool(self.through),
        }  # fmt: skip


@dataclass
class Node:
    address: str
    cluster_id: int | None
    hop: int
    taint: int = 0
    labels: list[dict[str, Any]] = field(default_factory=list)
    service: dict[str, Any] | None = None

    def to_dict(self, chain: str) -> dict[str, Any]:
        return {
            "id": self.address, "kind": "address", "address": self.address, "cluster_id": self.cluster_id,
            "labels": self.labels, "service": self.service["service"] if self.service else None,
            "category": self.service["category"] if self.service else None, "hop": self.hop, "taint": self.taint,
            "taint_coin": Amount(self.taint, chain).fixed(),
        }  # fmt: skip


@dataclass
class TraceResult:
    """A whole trace: parameters, model, flow graph, trail ends."""

    start: dict[str, Any]
    parameters: dict[str, Any]
    model: dict[str, str]
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    ends: list[TrailEnd] = field(default_factory=list)
    # CoinJoins the trace went through (through_coinjoins): {"txid", "hop", "participants", "rule"}.
    coinjoins: list[dict[str, Any]] = field(default_factory=list)
    # Addresses of the trace paid to their bare public key (P2PK): {"address", "pubkey", "script_pubkey", "note"}.
    p2pk: list[dict[str, str]] = field(default_factory=list)

    def clusters(self) -> list[dict[str, Any]]:
        grouped: dict[Any, dict[str, Any]] = defaultdict(lambda: {"addresses": 0, "taint": 0, "labels": []})
        for node in self.nodes.values():
            entry = grouped[node.cluster_id if node.cluster_id is not None else node.address]
            entry["cluster_id"] = node.cluster_id
            entry["addresses"] += 1
            entry["taint"] += node.taint
            entry["labels"] += [lab for lab in node.labels if lab not in entry["labels"]]
        return sorted(grouped.values(), key=lambda c: -c["taint"])

    def totals(self) -> dict[str, Any]:
        by_reason: dict[str, int] = defaultdict(int)
        for end in self.ends:
            by_reason[end.reason] += end.taint
        ambiguous = sum(end.taint for end in self.ends if end.reason == "coinjoin" or end.through)
        return {"traced": self.start.get("amount", 0), "by_reason": dict(sorted(by_reason.items())),
                "ambiguous": ambiguous}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The fields ``--json`` prints (docs/tracing.md); the same as :meth:`to_dict`."""
        return self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        chain = self.parameters["chain"]
        return {
            "start": self.start, **self.parameters, "model": self.model,
            "nodes": [n.to_dict(chain) for n in sorted(self.nodes.values(), key=lambda n: (n.hop, n.address))],
            "edges": [e.to_dict(chain) for e in self.edges],
            "ends": [e.to_dict(chain) for e in sorted(self.ends, key=lambda e: (e.hop, -e.taint, e.address))],
            "clusters": self.clusters(), "totals": self.totals(), "coinjoins": self.coinjoins, "p2pk": self.p2pk,
        }  # fmt: skip
