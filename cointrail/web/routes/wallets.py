"""An address or a wallet (cluster): totals, first and last seen, labels with sources, members and why."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from cointrail.clustering import show_cluster
from cointrail.clustering.summary import member_explanations
from cointrail.clustering.tables import has_clusters
from cointrail.graph import describe
from cointrail.graph.nodes import describe_clusters
from cointrail.ledger.queries import address_info
from cointrail.ledger.store import LedgerStore
from cointrail.web.routes.common import case_of, page, workspace

router = APIRouter()
MEMBERS_SHOWN = 50
EXPLAINED_INLINE = 10  # wallets this small get every member's explanation on the page itself


def _explained(store: LedgerStore, cluster: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Why each member belongs, for a small wallet (a larger one links to each explanation)."""
    if cluster["size"] > EXPLAINED_INLINE:
        return {}
    return member_explanations(store, cluster["address"], cluster["members"])


def wallet_of(store: LedgerStore, address: str, members: int = MEMBERS_SHOWN) -> dict[str, Any] | None:
    """The cluster of ``address`` with its members' explanations, or None in an unclustered store."""
    if not has_clusters(store.con):
        return None
    cluster = show_cluster(store, address, members=members)
    cluster["why_members"] = _explained(store, cluster)
    cluster["node"] = describe_clusters(store, {cluster["cluster_id"]})[cluster["cluster_id"]]
    return cluster


def address_view(store: LedgerStore, address: str) -> dict[str, Any]:
    """An address page's data: the ledger's totals and counterparties, and its wallet."""
    info = address_info(store, address, counterparties=20)
    return {"info": info, "wallet": wallet_of(store, info["address"] or address)}


@router.get("/cases/{name}/address/{address}", response_class=HTMLResponse)
def address_page(request: Request, name: str, address: str) -> HTMLResponse:
    case = case_of(request, name)
    with workspace(request).store(case) as store:
        view = address_view(store, address)
    return page(request, "address.html", title=f"Address {address}", case=case.name, view=view)


@router.get("/api/cases/{name}/address/{address}")
def address_api(request: Request, name: str, address: str) -> dict[str, Any]:
    with workspace(request).store(case_of(request, name)) as store:
        return address_view(store, address)


def cluster_view(store: LedgerStore, cluster_id: int, why: str | None = None) -> dict[str, Any]:
    """A wallet page's data, named by its id; with ``why``, the links that put that member in it."""
    node = describe(store, f"cluster:{cluster_id}")
    cluster = show_cluster(store, node["address"], why=why, members=MEMBERS_SHOWN)
    cluster["why_members"] = _explained(store, cluster) if why is None else {}
    cluster["node"] = node
    return cluster


@router.get("/cases/{name}/cluster/{cluster_id}", response_class=HTMLResponse)
def cluster_page(request: Request, name: str, cluster_id: int,
                 why: str | None = Query(None, max_length=200)) -> HTMLResponse:  # fmt: skip
    case = case_of(request, name)
    with workspace(request).store(case) as store:
        cluster = cluster_view(store, cluster_id, why)
    return page(request, "cluster.html", title=f"Wallet {cluster_id}", case=case.name, cluster=cluster)


@router.get("/api/cases/{name}/cluster/{cluster_id}")
def cluster_api(request: Request, name: str, cluster_id: int,
                why: str | None = Query(None, max_length=200)) -> dict[str, Any]:  # fmt: skip
    with workspace(request).store(case_of(request, name)) as store:
        return cluster_view(store, cluster_id, why)
