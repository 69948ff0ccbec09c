"""An address or a wallet (cluster): totals, first and last seen, labels with sources, members and why."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from cointrail.investigation import Investigation
from cointrail.web.routes.common import case_of, page, workspace

router = APIRouter()


def address_view(inv: Investigation, address: str) -> dict[str, Any]:
    """An address page's data: the ledger's totals and counterparties, and its wallet (None if unclustered)."""
    info = inv.address(address, counterparties=20)
    wallet = inv.wallet_page(info.address or address)
    return {"info": info.to_json(), "wallet": wallet.to_json() if wallet else None}


@router.get("/cases/{name}/address/{address}", response_class=HTMLResponse)
def address_page(request: Request, name: str, address: str) -> HTMLResponse:
    case = case_of(request, name)
    with workspace(request).investigation(case) as inv:
        view = address_view(inv, address)
    return page(request, "address.html", title=f"Address {address}", case=case.name, view=view)


@router.get("/api/cases/{name}/address/{address}")
def address_api(request: Request, name: str, address: str) -> dict[str, Any]:
    with workspace(request).investigation(case_of(request, name)) as inv:
        return address_view(inv, address)


def cluster_view(inv: Investigation, cluster_id: int, why: str | None = None) -> dict[str, Any]:
    """A wallet page's data, named by its id; with ``why``, the links that put that member in it."""
    wallet = inv.wallet_page(cluster_id=cluster_id, why=why)
    assert wallet is not None  # named by its id: it exists or describing it failed already
    return wallet.to_json()


@router.get("/cases/{name}/cluster/{cluster_id}", response_class=HTMLResponse)
def cluster_page(request: Request, name: str, cluster_id: int,
                 why: str | None = Query(None, max_length=200)) -> HTMLResponse:  # fmt: skip
    case = case_of(request, name)
    with workspace(request).investigation(case) as inv:
        cluster = cluster_view(inv, cluster_id, why)
    return page(request, "cluster.html", title=f"Wallet {cluster_id}", case=case.name, cluster=cluster)


@router.get("/api/cases/{name}/cluster/{cluster_id}")
def cluster_api(request: Request, name: str, cluster_id: int,
                why: str | None = Query(None, max_length=200)) -> dict[str, Any]:  # fmt: skip
    with workspace(request).investigation(case_of(request, name)) as inv:
        return cluster_view(inv, cluster_id, why)
