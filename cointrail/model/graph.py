"""The flow graph: its nodes (wallets, addresses, the site, a summary), the money between them, one hop around a
node, a trace drawn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["EdgeTransaction", "FiatTotal", "GraphEdge", "GraphHop", "GraphNode", "OlderTransaction", "TraceGraph"]


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A node of the flow graph (``Investigation.graph_node()``, the nodes of a hop or a trace's graph): a wallet
    (``kind`` ``cluster``, id ``cluster:<id>``), one address (``address``: a wallet of one address, or one address of
    a larger wallet, then ``wallet`` names that wallet's node), the site's wallets as one node (``site``, id
    ``site:captured``: ``members`` their ids, ``wallets`` their nodes) or the smaller counterparties of a hop summed
    up (``summary``, with their ``amount``). ``role`` decides its colour and shape (:data:`cointrail.graph.ROLES`);
    ``caption`` names it, distinct on the graph. A node holding the case's captured site addresses is ``captured``,
    with the ``reason`` in words."""

    id: str
    kind: str
    role: str
    caption: str
    size: int
    labels: tuple[Mapping[str, Any], ...]  # the wallet's public labels, each with its source
    cluster_id: int | None = None
    address: str | None = None  # the address a wallet is named by (its id comes from it), or the node's own
    wallet: str | None = None
    captured: bool = False
    reason: str | None = None
    members: tuple[str, ...] = ()
    wallets: tuple[GraphNode, ...] | None = None  # None in a hop's origin, which names only their ids
    amount: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GraphNode:
        wallets = data.get("wallets")
        return cls(
            data["id"], data["kind"], data["role"], data["caption"], data["size"], tuple(data["labels"]),
            data.get("cluster_id"), data.get("address"), data.get("wallet"), bool(data.get("captured")),
            data.get("reason"), tuple(data.get("members") or ()),
            None if wallets is None else tuple(GraphNode.from_json(w) for w in wallets), data.get("amount"),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The node as the workspace's graph API gives it: each kind's fields in the order they were always given."""
        if self.kind == "summary":
            return {"id": self.id, "kind": self.kind, "role": self.role, "size": self.size,
                    "labels": list(self.labels), "caption": self.caption, "amount": self.amount}  # fmt: skip
        if self.kind == "site":
            data: dict[str, Any] = {
                "id": self.id, "kind": self.kind, "role": self.role, "captured": self.captured, "size": self.size,
                "labels": list(self.labels), "cluster_id": self.cluster_id, "address": self.address,
                "caption": self.caption, "members": list(self.members),
            }  # fmt: skip
            if self.wallets is not None:
                data["wallets"] = [w.to_json() for w in self.wallets]
            data["reason"] = self.reason
            return data
        data = {"id": self.id, "kind": self.kind, "cluster_id": self.cluster_id, "size": self.size,
                "address": self.address, "labels": list(self.labels), "role": self.role, "caption": self.caption}
        if self.wallet is not None:
            data["wallet"] = self.wallet
        if self.captured:
            data["captured"], data["reason"] = True, self.reason
        return data


@dataclass(frozen=True, slots=True)
class EdgeTransaction:
    """One transaction an edge of the flow graph lists: its txid, block time, the money it moved along the edge
    (``amount`` in base units and ``amount_coin``; on a trace's edge the traced part) and that money at its day's
    price (``fiat``: value, currency, source; None without a price)."""

    txid: str
    time: int
    amount: int
    amount_coin: str
    fiat: Mapping[str, Any] | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EdgeTransaction:
        return cls(data["txid"], data["time"], data["amount"], data["amount_coin"], data["fiat"])

    def to_json(self) -> dict[str, Any]:
        return {"txid": self.txid, "time": self.time, "amount": self.amount, "amount_coin": self.amount_coin,
                "fiat": self.fiat}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FiatTotal:
    """The money of an edge's transactions in fiat, each at its own day's price (:attr:`GraphEdge.fiat`): the
    ``value`` (rounded to cents) in ``currency``, and the price ``source`` of each, joined by ``"; "``."""

    currency: str
    value: float
    source: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> FiatTotal | None:
        return None if data is None else cls(data["currency"], data["value"], data["source"])

    def to_json(self) -> dict[str, str | float]:
        return {"currency": self.currency, "value": self.value, "source": self.source}


@dataclass(frozen=True, slots=True)
class OlderTransaction:
    """One of a long edge's older transactions, beyond those it lists one by one (:attr:`GraphEdge.older`): its
    block time, the money it moved along the edge in coin, and that money at its day's price (``value``,
    ``currency``, price ``source``: all None without a price). Given in JSON as the five-item row
    ``[time, amount_coin, value, currency, source]``, to keep a long edge small."""

    time: int
    amount_coin: str
    value: float | None
    currency: str | None
    source: str | None

    @classmethod
    def from_json(cls, row: Sequence[Any]) -> OlderTransaction:
        time, amount_coin, value, currency, source = row
        return cls(time, amount_coin, value, currency, source)

    def to_json(self) -> list[Any]:
        return [self.time, self.amount_coin, self.value, self.currency, self.source]


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """The money between two nodes of the flow graph (``source`` to ``target``, node ids): ``amount`` (base units)
    and ``amount_coin``, ``fiat`` (each transaction at its day's price, with the source; None unless every one has a
    price, :class:`FiatTotal`), ``transactions`` and the first of their ``txids``, ``first_time`` and ``last_time``,
    ``items`` (the newest transactions one by one, :class:`EdgeTransaction`) and on a longer edge ``older`` (each
    older one, :class:`OlderTransaction`), whether a CoinJoin is among them (``coinjoin``: a weak
    link), and the ``reason`` it is drawn, in words.

    ``kind`` says which graph drew it, so that :meth:`to_json` gives the fields in the order that graph always gave
    them: ``hop`` (an edge of :class:`GraphHop`; its summary edge has no ``items``, ``fiat`` nor times: the smaller
    wallets summed up list no transactions) or ``trace`` (an edge of :class:`TraceGraph`, carrying traced money)."""

    id: str
    source: str
    target: str
    amount: int
    amount_coin: str
    transactions: int
    txids: tuple[str, ...]
    coinjoin: bool
    reason: str
    kind: str = "hop"
    fiat: FiatTotal | None = None
    first_time: int | None = None
    last_time: int | None = None
    items: tuple[EdgeTransaction, ...] | None = None  # None on a summary edge
    older: tuple[OlderTransaction, ...] | None = None  # None unless the edge has more transactions than it lists

    @classmethod
    def from_json(cls, data: Mapping[str, Any], kind: str = "hop") -> GraphEdge:
        """An edge of the graph ``kind`` (``hop`` or ``trace``) from its JSON."""
        items, older = data.get("items"), data.get("older")
        return cls(
            data["id"], data["source"], data["target"], data["amount"], data["amount_coin"], data["transactions"],
            tuple(data["txids"]), bool(data["coinjoin"]), data["reason"], kind, FiatTotal.from_json(data.get("fiat")),
            data.get("first_time"), data.get("last_time"),
            None if items is None else tuple(EdgeTransaction.from_json(i) for i in items),
            None if older is None else tuple(OlderTransaction.from_json(row) for row in older),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The edge as the workspace's graph API gives it: the fields in the order its kind always gave them."""
        data: dict[str, Any] = {"id": self.id, "source": self.source, "target": self.target, "amount": self.amount,
                                "amount_coin": self.amount_coin}  # fmt: skip
        if self.items is None:  # a summary edge
            data["transactions"], data["txids"] = self.transactions, list(self.txids)
        else:
            listed: dict[str, Any] = {"items": [i.to_json() for i in self.items]}
            if self.older is not None:
                listed["older"] = [row.to_json() for row in self.older]
            data["fiat"] = None if self.fiat is None else self.fiat.to_json()
            if self.kind == "trace":
                data.update(first_time=self.first_time, last_time=self.last_time, **listed,
                            transactions=self.transactions, txids=list(self.txids))  # fmt: skip
            else:
                data.update(transactions=self.transactions, first_time=self.first_time, last_time=self.last_time,
                            txids=list(self.txids), **listed)  # fmt: skip
        data["coinjoin"], data["reason"] = self.coinjoin, self.reason
        return data


@dataclass(frozen=True, slots=True)
class GraphHop:
    """One hop of the flow graph from ``origin`` (``Investigation.graph_hop()``): the counterparty wallets drawn
    (``nodes``, at most ``limit``) and an edge to or from each, the rest summed up in ``summary`` (its edge
    ``summary_edge``, the wallets it stands for listed in ``hidden``), the money in all (``total``, base units;
    ``total_coin`` in coin), what stayed in the origin's own wallets and what was newly mined, whether every
    transaction was read (``all_read``: at most ``max_transactions``, the newest) and the hop in words.

    Each edge is a :class:`GraphEdge` of kind ``hop``."""

    origin: GraphNode
    direction: str
    limit: int
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    counterparties: int
    total: int
    own_wallet_amount: int
    mined_amount: int
    summary: GraphNode | None
    hidden: tuple[Mapping[str, Any], ...]  # id, caption, amount, amount_coin of each wallet summed up
    all_read: bool
    max_transactions: int
    unit: str
    fiat: str
    total_coin: str
    explanation: str
    summary_edge: GraphEdge | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GraphHop:
        summary = data["summary"]
        return cls(
            GraphNode.from_json(data["origin"]), data["direction"], data["limit"],
            tuple(GraphNode.from_json(n) for n in data["nodes"]),
            tuple(GraphEdge.from_json(e) for e in data["edges"]), data["counterparties"],
            data["total"], data["own_wallet_amount"], data["mined_amount"],
            None if summary is None else GraphNode.from_json(summary), tuple(data["hidden"]), data["all_read"],
            data["max_transactions"], data["unit"], data["fiat"], data["total_coin"], data["explanation"],
            None if data.get("summary_edge") is None else GraphEdge.from_json(data["summary_edge"]),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "origin": self.origin.to_json(), "direction": self.direction, "limit": self.limit,
            "nodes": [n.to_json() for n in self.nodes], "edges": [e.to_json() for e in self.edges],
            "counterparties": self.counterparties, "total": self.total, "own_wallet_amount": self.own_wallet_amount,
            "mined_amount": self.mined_amount, "summary": None if self.summary is None else self.summary.to_json(),
            "hidden": list(self.hidden), "all_read": self.all_read, "max_transactions": self.max_transactions,
            "unit": self.unit, "fiat": self.fiat,
        }  # fmt: skip
        if self.summary_edge is not None:
            data["summary_edge"] = self.summary_edge.to_json()
        data["total_coin"], data["explanation"] = self.total_coin, self.explanation
        return data


@dataclass(frozen=True, slots=True)
class TraceGraph:
    """A finished trace drawn as the flow graph (``Investigation.graph_of_trace()``): its wallets (at most so many,
    those that received the most traced money, the start first; ``left_out`` counts the others) and the traced money
    between them, one :class:`GraphEdge` of kind ``trace`` per pair of wallets, under ``title``."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    left_out: int
    unit: str
    title: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TraceGraph:
        return cls(tuple(GraphNode.from_json(n) for n in data["nodes"]),
                   tuple(GraphEdge.from_json(e, "trace") for e in data["edges"]), data["left_out"], data["unit"],
                   data["title"])  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"nodes": [n.to_json() for n in self.nodes], "edges": [e.to_json() for e in self.edges],
                "left_out": self.left_out, "unit": self.unit, "title": self.title}  # fmt: skip
