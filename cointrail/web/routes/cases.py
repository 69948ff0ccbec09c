"""Cases: list, open, create; a case's evidence, its captured pages as text, the custody log, verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.requests import Request

from cointrail.capture.text_view import capture_text
from cointrail.cases import Case, verify_case
from cointrail.facts import case_facts
from cointrail.investigation import Investigation, case_store
from cointrail.report.write import HTML_ACTION
from cointrail.store.duckdb.store import DamagedStoreError
from cointrail.web.routes.common import case_of, jobs, page, workspace

router = APIRouter()


class NewCase(BaseModel):
    """A case to create: its name and, optionally, who opens it."""

    name: str
    operator: str | None = None


def case_view(case: Case) -> dict[str, Any]:
    """Everything the case page shows, as plain data (also ``GET /api/cases/{name}``)."""
    verification = verify_case(case, record=False).to_dict()
    return {
        "case": case_facts.case_header(case), "verification": verification,
        "captures": case_facts.captures(case), "evidence": case_facts.evidence_list(case),
        "has_store": case_store(case).is_file(), "chain": None,
        "log_entries": verification["log_entries"],  # the entries verify just read and checked
    }  # fmt: skip


@router.get("/cases", response_class=HTMLResponse)
def list_page(request: Request) -> HTMLResponse:
    return page(request, "cases.html", title="Cases", cases=workspace(request).cases())


@router.post("/cases")
def create_from_form(request: Request, name: str = Form(...), operator: str = Form("")) -> Response:
    case = workspace(request).create(name, operator.strip() or None)
    return RedirectResponse(f"/cases/{case.name}", status_code=303)


@router.get("/api/cases")
def list_api(request: Request) -> list[dict[str, Any]]:
    return workspace(request).cases()


@router.post("/api/cases", status_code=201)
def create_api(request: Request, body: NewCase) -> dict[str, Any]:
    case = workspace(request).create(body.name, body.operator)
    return case_facts.case_header(case)


def headline_view(request: Request, case: Case, has_store: bool) -> dict[str, Any]:
    """The case's headline findings (:meth:`Investigation.headline`), with the latest report's file to open."""
    if has_store:
        with workspace(request).investigation(case) as inv:
            found = inv.headline().to_json()
    else:  # a report kept in the case still answers without a store
        found = Investigation(None, case).headline().to_json()
    html = next((e for e in reversed(case.log.entries()) if e["action"] == HTML_ACTION), None)
    return {**found, "report_html": html["sha256"] if html and found["source"] == "report" else None}


@router.get("/cases/{name}", response_class=HTMLResponse)
def case_page(request: Request, name: str) -> HTMLResponse:
    case = case_of(request, name)
    view = case_view(case)
    if view["has_store"]:  # addresses of the store's chain link to their page; others cannot be looked up there
        try:
            with workspace(request).store(case) as store:
                view["chain"] = store.chain
        except DamagedStoreError as error:  # the evidence is still shown; the page says what is wrong and where
            view["has_store"], view["store_problem"] = False, f"The case {case.name}: {error}"
    view["headline"] = headline_view(request, case, view["has_store"])
    return page(request, "case.html", title=f"Case {case.name}", case=case.name, view=view,
                jobs=jobs(request).of_case(case.name))  # fmt: skip


@router.get("/api/cases/{name}/headline")
def headline_api(request: Request, name: str) -> dict[str, Any]:
    case = case_of(request, name)
    return headline_view(request, case, workspace(request).has_store(case))


@router.get("/api/cases/{name}")
def case_api(request: Request, name: str) -> dict[str, Any]:
    return case_view(case_of(request, name))


@router.get("/cases/{name}/custody", response_class=HTMLResponse)
def custody_page(request: Request, name: str) -> HTMLResponse:
    case = case_of(request, name)
    check = case.log.check()
    return page(request, "custody.html", title=f"Custody log of {case.name}", case=case.name,
                entries=check.entries, intact=check.intact, problems=check.problems)  # fmt: skip


def _capture_of(case: Case, warc: str) -> dict[str, Any]:
    for capture in case_facts.captures(case):
        if capture["warc"]["path"] == warc:
            return capture
    return {"url": None, "addresses": [], "warc": {"path": warc}}


@router.get("/cases/{name}/evidence", response_class=HTMLResponse)
def evidence_page(request: Request, name: str, warc: str = Query(..., max_length=500)) -> HTMLResponse:
    """A captured WARC as sanitised text, the addresses found marked; never its HTML, images or video."""
    case = case_of(request, name)
    capture = _capture_of(case, warc)
    found = [a["address"] for a in capture["addresses"]]
    view = capture_text(case, warc, found)
    return page(request, "evidence.html", title=f"Captured page — {case.name}", case=case.name, capture=capture,
                view=view, has_store=case_store(case).is_file())  # fmt: skip


@router.get("/api/cases/{name}/evidence")
def evidence_api(request: Request, name: str, warc: str = Query(..., max_length=500)) -> dict[str, Any]:
    case = case_of(request, name)
    return capture_text(case, warc, [a["address"] for a in _capture_of(case, warc)["addresses"]])
