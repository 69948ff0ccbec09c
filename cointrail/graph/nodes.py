"""What a node of the flow graph is: a wallet (cluster) or one address, with its labels and role.

A node id is ``cluster:<id>`` for a wallet of several addresses and ``address:<text>`` for one
address (a wallet of one address is always shown as its address). The role decides the colour and
the shape of the node; the words on the node say the same, so colour is never the only signal.
"""

from __future__ import annotations

from typing import Any

from cointrail.errors import InputError, NotInStoreError
from cointrail.labels.model import LEGAL_PROCESS_CATEGORIES
from cointrail.store.duckdb.queries import find_address
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing.services import SERVICE_CATEGORIES, Services, public_label

# Role of a node, from the categories of its labels, strongest first. Plain words for the legend.
ROLES: dict[str, str] = {
    "sanctioned": "on a sanctions list (OFAC): dealing with it is forbidden",
    "site": "an illicit site or its operator (abuse material, trafficking)",
    "mixer": "a mixer or CoinJoin service: money from many people is mixed there",
    "exchange": "an exchange or custodial service: it knows its customers, legal process can be served there",
    "service": "another labelled service (a market, a gambling site…)",
    "wallet": "a wallet with no label",
}
SITE_CATEGORIES = frozenset({"child_sexual_abuse", "human_trafficking", "sexual_abuse", "sextortion", "extremism"})


def role_of(labels: list[dict[str, Any]]) -> str:
    """The strongest role the labels give (``wallet`` when none)."""
    categories = {str(label.get("category") or "") for label in labels}
    sources = " ".join(str(label.get("source") or "") for label in labels).lower()
    if "sanction" in categories or "ofac" in sources:
        return "sanctioned"
    if categories & SITE_CATEGORIES:
        return "site"
    if "mixing_service" in categories:
        return "mixer"
    if categories & LEGAL_PROCESS_CATEGORIES:
        return "exchange"
    if categories & SERVICE_CATEGORIES:
        return "service"
    return "wallet"


def node_id(cluster_id: int, size: int, address: str) -> str:
    """The id of a wallet's node: its address when it has only one."""
    return f"address:{address}" if size <= 1 else f"cluster:{cluster_id}"


def parse_node(text: str) -> tuple[str, str]:
    """(kind, value) of a node id, or a plain-words :class:`InputError`."""
    kind, _, value = text.strip().partition(":")
    if kind == "cluster" and value.isdigit():
        return kind, value
    if kind == "address" and value:
        return kind, value
    raise InputError(f"{text!r} is not a node of the graph: use cluster:<number> or address:<address>")


def node_wallet(store: LedgerStore, node: str) -> tuple[int | None, int]:
    """(the address id an address node names, None for a wallet node; its wallet's cluster id), checked."""
    kind, value = parse_node(node)
    if kind == "cluster":
        cluster_id = int(value)
        # A wallet's id is the id of one of its addresses; any other number names no wallet.
        reads = store.trace_reads()
        if not reads.address_names({cluster_id}) or reads.clusters_of({cluster_id})[cluster_id] != cluster_id:
            raise NotInStoreError(f"there is no wallet {node} in this ledger store")
        return None, cluster_id
    address_id = find_address(store, value)[0]
    return address_id, store.trace_reads().clusters_of({address_id})[address_id]


def member_ids(store: LedgerStore, node: str) -> tuple[set[int], int]:
    """The address ids a node stands for, and its cluster id."""
    address_id, cluster_id = node_wallet(store, node)
    return (store.trace_reads().cluster_members(cluster_id) if address_id is None else {address_id}), cluster_id


def cluster_sizes(store: LedgerStore, cluster_ids: set[int]) -> dict[int, int]:
    """How many addresses each wallet holds (one query; 1 each in an unclustered store)."""
    if not cluster_ids:
        return {}
    counted = store.graph_reads().cluster_sizes(cluster_ids)
    if counted is None:
        return dict.fromkeys(cluster_ids, 1)
    return {cid: int(counted.get(cid, 1)) for cid in cluster_ids}


def describe_clusters(store: LedgerStore, cluster_ids: set[int], services: Services | None = None,
                      sizes: dict[int, int] | None = None) -> dict[int, dict[str, Any]]:  # fmt: skip
    """The node of each wallet: id, size, the address it is named by, labels (with sources) and role."""
    services = services or Services(store)
    sizes = sizes or cluster_sizes(store, cluster_ids)
    names = store.trace_reads().address_names(cluster_ids)  # a wallet is named by the address its id comes from
    labels = services.labels(cluster_ids)
    found = {}
    for cid in cluster_ids:
        shown = [public_label(lab) for lab in labels[cid]]
        role = role_of(labels[cid])
        found[cid] = {
            "id": node_id(cid, sizes[cid], names[cid]), "kind": "address" if sizes[cid] <= 1 else "cluster",
            "cluster_id": cid, "size": sizes[cid], "address": names[cid], "labels": shown, "role": role,
            "caption": _caption(shown, cid, sizes[cid], names[cid], role),
        }  # fmt: skip
    return found


def short_name(cluster_id: int, size: int, address: str) -> str:
    """A wallet's short id as its nodes and pages write it: ``wallet 42 (5 addresses)``, or ``address rltc1qpy89…``."""
    return f"wallet {cluster_id} ({size} addresses)" if size > 1 else f"address {address[:10]}…"


def _caption(labels: list[dict[str, Any]], cluster_id: int, size: int, address: str, role: str) -> str:
    """A node's name, distinct on the graph: its best label and role with its short id (two wallets of one exchange
    are two nodes), else its short id alone."""
    short = short_name(cluster_id, size, address)
    if labels:
        best = labels[0]
        return f"{best.get('actor') or best['label']} ({role}), {short}"
    return short


def describe(store: LedgerStore, node: str) -> dict[str, Any]:
    """The node ``node`` stands for (an address keeps its own id, with its wallet's labels and role).

    A wallet's members are not read: describing it needs only its id (an exchange's may have millions).
    """
    address_id, cluster_id = node_wallet(store, node)
    return describe_members(store, node, set() if address_id is None else {address_id}, cluster_id)


def describe_members(store: LedgerStore, node: str, ids: set[int], cluster_id: int,
                     services: Services | None = None) -> dict[str, Any]:  # fmt: skip
    """:func:`describe` for a node whose members (:func:`member_ids`; an address node's own id) are known."""
    kind, _ = parse_node(node)
    item = describe_clusters(store, {cluster_id}, services=services)[cluster_id]
    if kind == "address":
        return address_node(item, store.trace_reads().address_names(ids)[next(iter(ids))])
    return item


def address_node(wallet: dict[str, Any], address: str) -> dict[str, Any]:
    """The node of one ``address`` of a wallet (its :func:`describe_clusters` node): the wallet's labels and role,
    the address's own id."""
    item = {**wallet, "id": f"address:{address}", "kind": "address", "address": address, "wallet": wallet["id"]}
    if item["size"] > 1:
        item["caption"] = f"address {address[:10]}… in {wallet['caption']}"
    return item
