"""The site as one node of the flow graph: every wallet holding an address captured from its pages, together.

A site hands out a new address per customer, so its captured addresses fall into several wallets that the
ledger never links (each was paid, none spent together). Drawn one by one they are 7 alike, unconnected nodes;
the graph opens instead on one node, ``site:captured``, that stands for all of them: expanding it reads the
money into (or out of) every one of their addresses at once, and money between them is the site's own. Its
wallets can still be shown, inside it, and expanded one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cointrail.graph.neighbourhood import DEFAULT_LIMIT, expand_from
from cointrail.store.duckdb.store import LedgerStore
from cointrail.wording import counted

SITE_NODE = "site:captured"


def is_site_node(node: str) -> bool:
    return node.strip() == SITE_NODE


def site_group(wallets: Sequence[dict[str, Any]], captured: int, reason: str) -> dict[str, Any]:
    """The site's node over its ``wallets`` (flow-graph nodes, marked as the site), which hold ``captured``
    of the addresses captured from its pages."""
    size = sum(int(w.get("size") or 1) for w in wallets)
    caption = (f"the site: {counted(captured, 'captured address', 'captured addresses')} in "
               f"{counted(len(wallets), 'wallet')}")  # fmt: skip
    return {"id": SITE_NODE, "kind": "site", "role": "site", "captured": True, "size": size, "labels": [],
            "cluster_id": None, "address": None, "caption": caption, "members": [w["id"] for w in wallets],
            "wallets": list(wallets),
            "reason": f"{reason}; the {counted(len(wallets), 'wallet')} holding them are drawn as one node, the site "
                      "(show its wallets to see and expand them one by one)"}  # fmt: skip


def expand_site(store: LedgerStore, group: dict[str, Any], direction: str,
                limit: int = DEFAULT_LIMIT) -> dict[str, Any]:  # fmt: skip
    """One hop from the site's node: the money into (backward) or out of (forward) all its wallets together.

    ``group`` is :func:`site_group`'s, over wallets read from the store: their cluster ids are taken as they are,
    and the members of all of them read in one query (a wallet of one address is its cluster id's address)."""
    own = {int(wallet["cluster_id"]) for wallet in group["wallets"]}
    several = {int(wallet["cluster_id"]) for wallet in group["wallets"] if int(wallet.get("size") or 1) > 1}
    members = (own - several) | store.trace_reads().clusters_members(several)
    origin = {k: v for k, v in group.items() if k != "wallets"}
    return expand_from(store, origin, members, own, direction, limit)
