"""An address or a wallet (cluster): totals, first and last seen, labels with sources, members and why."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.requests import Request

from cointrail.cases import Case
from cointrail.investigation import Investigation
from cointrail.labels.investigator import DEFAULT_CONFIDENCE, add_investigator_label, case_labels
from cointrail.labels.model import CATEGORIES, CONFIDENCE_SCALE
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
    shown = view["info"].get("address") or address
    return page(request, "address.html", title=f"Address {address}", case=case.name, view=view,
                mine=own_labels(case, shown), categories=sorted(CATEGORIES), confidences=list(CONFIDENCE_SCALE),
                default_confidence=DEFAULT_CONFIDENCE, added=request.query_params.get("added"),
                stored=request.query_params.get("stored") == "1")  # fmt: skip


def own_labels(case: Case, address: str) -> list[dict[str, Any]]:
    """The investigators' labels of ``address`` kept in the case, each with its custody-log entry."""
    logged = {e["sha256"]: e for e in case.log.entries() if e["action"] == "label.add"}
    return [{**label.to_dict(), "entry": logged.get(label.source_sha256 or "")}
            for label in case_labels(case) if label.address == address]  # fmt: skip


@router.post("/cases/{name}/address/{address}/label")
def add_label_form(request: Request, name: str, address: str, label: str = Form(..., max_length=200),
                   category: str = Form(..., max_length=60), confidence: str = Form(DEFAULT_CONFIDENCE, max_length=60),
                   note: str = Form("", max_length=4000)) -> RedirectResponse:  # fmt: skip
    """An investigator's label (and note) on an address, from the browser: write-once evidence in the case, logged
    ``label.add``, as ``cointrail label add`` does; then given to the case's ledger store where no other process
    has it open (:meth:`Workspace.give_case_labels`), so the analyses use it at once."""
    case = case_of(request, name)
    found = add_investigator_label(case, address, label, category, confidence, [note] if note.strip() else [])
    stored = workspace(request).give_case_labels(case) is not None  # the analyses use it now, or after a rebuild
    return RedirectResponse(f"/cases/{case.name}/address/{address}?added={found['log_seq']}&stored={int(stored)}"
                            "#own-labels", status_code=303)  # fmt: skip


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
