"""The search box of every page of a case, and the transaction page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from cointrail.model import SearchHit
from cointrail.web.routes.common import case_of, page, workspace

router = APIRouter()


def hit_path(case: str, hit: SearchHit) -> str:
    """The workspace page a search hit opens (a label opens the address it names)."""
    if hit.kind == "wallet":
        return f"/cases/{case}/cluster/{hit.key}"
    if hit.kind == "transaction":
        return f"/cases/{case}/tx/{hit.key}"
    return f"/cases/{case}/address/{quote(hit.key, safe='')}"


@router.get("/cases/{name}/search", response_class=HTMLResponse)
def search_page(request: Request, name: str, q: str = Query("", max_length=200)) -> Response:
    """One hit: straight to its page; else the hits (or what was tried) listed."""
    case = case_of(request, name)
    with workspace(request).investigation(case) as inv:
        found = inv.search(q)
    if len(found.hits) == 1:
        return RedirectResponse(hit_path(case.name, found.hits[0]), status_code=303)
    hits = [{**h.to_json(), "path": hit_path(case.name, h)} for h in found.hits]
    return page(request, "search.html", title=f"Search: {found.query}", case=case.name, found=found.to_json(),
                hits=hits, query=found.query)  # fmt: skip


@router.get("/api/cases/{name}/search")
def search_api(request: Request, name: str, q: str = Query("", max_length=200)) -> dict[str, Any]:
    case = case_of(request, name)
    with workspace(request).investigation(case) as inv:
        found = inv.search(q).to_json()
    return {**found, "hits": [{**h, "path": hit_path(case.name, SearchHit(**h))} for h in found["hits"]]}


@router.get("/cases/{name}/tx/{txid}", response_class=HTMLResponse)
def transaction_page(request: Request, name: str, txid: str) -> HTMLResponse:
    case = case_of(request, name)
    with workspace(request).investigation(case) as inv:
        view = inv.transaction_page(txid).to_json()
    return page(request, "tx.html", title=f"Transaction {view['txid']}", case=case.name, tx=view)


@router.get("/api/cases/{name}/tx/{txid}")
def transaction_api(request: Request, name: str, txid: str) -> dict[str, Any]:
    with workspace(request).investigation(case_of(request, name)) as inv:
        return inv.transaction_page(txid).to_json()
