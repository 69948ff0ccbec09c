"""A wallet (cluster): its totals, its members, and each link that joins them with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cointrail.model.graph import GraphNode

__all__ = ["Link", "Wallet", "WalletTotals", "Why"]


@dataclass(frozen=True, slots=True)
class Link:
    """One recorded link between two addresses, with its reason: the heuristic, the transaction, the sentence."""

    source: str
    target: str
    heuristic: str
    txid: str
    height: int
    explanation: str
    applied: bool = False  # applied by an investigator after the supercluster check held it back

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Link:
        return cls(data["from"], data["to"], data["heuristic"], data["txid"], data["height"], data["explanation"],
                   bool(data.get("applied")))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"from": self.source, "to": self.target, "heuristic": self.heuristic,
                                "txid": self.txid, "height": self.height}  # fmt: skip
        if self.applied:  # only said when it happened, as --json always has
            data["applied"] = True
        data["explanation"] = self.explanation
        return data


@dataclass(frozen=True, slots=True)
class Why:
    """Why ``member`` is in a wallet: the links that join it, one after another, and all of it in words."""

    member: str
    in_cluster: bool
    steps: tuple[Link, ...]
    explanation: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Why:
        return cls(data["member"], data["in_cluster"], tuple(Link.from_json(s) for s in data["steps"]),
                   data["explanation"])  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"member": self.member, "in_cluster": self.in_cluster, "steps": [s.to_json() for s in self.steps],
                "explanation": self.explanation}  # fmt: skip


@dataclass(frozen=True, slots=True)
class WalletTotals:
    """A wallet's money (base units) and how many payments in (outputs) and spends (inputs) it made."""

    received: int
    sent: int
    balance: int
    outputs: int
    inputs: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WalletTotals:
        return cls(data["received"], data["sent"], data["balance"], data["outputs"], data["inputs"])

    def to_json(self) -> dict[str, int]:
        return {"received": self.received, "sent": self.sent, "balance": self.balance, "outputs": self.outputs,
                "inputs": self.inputs}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Wallet:
    """A wallet (cluster) as ``cointrail cluster show`` gives it: size, totals, links, members, labels,
    attribution and red flags; ``why`` when a member was asked about.

    The workspace's wallet page adds ``why_members`` (why each listed member belongs, for a small wallet) and
    ``node`` (the wallet as the flow graph draws it); both are left out of ``to_json()`` when not asked for.
    """

    address: str
    cluster_id: int
    size: int
    totals: WalletTotals
    links_by_heuristic: Mapping[str, int]
    members: tuple[str, ...]
    labels: tuple[Mapping[str, Any], ...]
    red_flags: tuple[Mapping[str, Any], ...]
    heuristics: tuple[str, ...]
    attribution: Mapping[str, Any]
    why: Why | None = None
    why_members: Mapping[str, Why] | None = None
    node: GraphNode | None = None
    # On the workspace's pages, a wallet that holds the case's captured site addresses: those addresses and why it
    # is the site (``{"addresses", "reason"}``); None for any other wallet.
    site: Mapping[str, Any] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Wallet:
        why_members = data.get("why_members")
        return cls(
            data["address"], data["cluster_id"], data["size"], WalletTotals.from_json(data["totals"]),
            dict(data["links_by_heuristic"]), tuple(data["members"]), tuple(data["labels"]),
            tuple(data["red_flags"]), tuple(data["heuristics"]), data["attribution"],
            Why.from_json(data["why"]) if "why" in data else None,
            None if why_members is None else {m: Why.from_json(w) for m, w in why_members.items()},
            _graph_node(data.get("node")), data.get("site"),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "address": self.address, "cluster_id": self.cluster_id, "size": self.size,
            "totals": self.totals.to_json(), "links_by_heuristic": dict(self.links_by_heuristic),
            "members": list(self.members), "labels": list(self.labels), "red_flags": list(self.red_flags),
            "heuristics": list(self.heuristics), "attribution": self.attribution,
        }  # fmt: skip
        if self.why is not None:
            data["why"] = self.why.to_json()
        if self.why_members is not None:
            data["why_members"] = {m: w.to_json() for m, w in self.why_members.items()}
        if self.node is not None:
            data["node"] = self.node.to_json()
        if self.site is not None:
            data["site"] = self.site
        return data


def _graph_node(node: GraphNode | Mapping[str, Any] | None) -> GraphNode | None:
    return GraphNode.from_json(node) if isinstance(node, Mapping) else node
