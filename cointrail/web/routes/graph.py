"""The flow graph: the page, one hop at a time through the API, and saving it in the case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from cointrail.cases import Case
from cointrail.errors import InputError, NotInStoreError
from cointrail.graph import latest_graph, save_graph
from cointrail.graph.export import export_graph
from cointrail.investigation import Investigation
from cointrail.model import GraphNode
from cointrail.web.results import read_result
from cointrail.web.routes.common import case_of, jobs, page, workspace

router = APIRouter()


@router.get("/cases/{name}/graph", response_class=HTMLResponse)
def graph_page(request: Request, name: str, focus: str | None = Query(None, max_length=200),
               trace: str | None = Query(None, max_length=64)) -> HTMLResponse:  # fmt: skip
    case = case_of(request, name)
    return page(request, "graph.html", title=f"Flow graph — {case.name}", case=case.name, focus=focus or "",
                trace=trace or "")  # fmt: skip


@router.get("/api/cases/{name}/graph/start")
def start(request: Request, name: str, focus: str | None = Query(None, max_length=200),
          trace: str | None = Query(None, max_length=64)) -> dict[str, Any]:  # fmt: skip
    """The graph to open with: a finished trace (a job's number, or the SHA-256 of a trace kept in the case), or
    the saved one (unless a focus is asked for), else the focus or the site."""
    case = case_of(request, name)
    if trace:
        traced = _trace(request, case, trace)
        with workspace(request).investigation(case) as inv:
            drawn = inv.graph_of_trace(traced)
        return {"saved": None, "trace": drawn.title, **drawn.to_json()}
    saved = latest_graph(case) if not focus else None
    with workspace(request).investigation(case) as inv:
        unit = inv.unit.symbol
        if saved is not None:
            return {"saved": saved, "nodes": saved["nodes"], "edges": saved["edges"], "unit": unit}
        nodes = inv.marked_as_site([inv.graph_node(focus)]) if focus else _site(inv)
    return {"saved": None, "nodes": [n.to_json() for n in nodes], "edges": [], "unit": unit}


def _trace(request: Request, case: Case, trace: str) -> dict[str, Any]:
    """The result of a finished trace: a job of this server, or one kept in the case (it outlives the server)."""
    if len(trace) == 64:
        document = read_result(case, trace)
        if document["kind"] != "trace":
            raise InputError(f"the result {trace} kept in the case is not a trace")
        found: dict[str, Any] = document["result"]
        return found
    job = jobs(request).get(trace, case.name)
    if job.kind != "trace" or job.state != "done" or job.result is None:
        raise InputError(f"job {trace} is not a finished trace")
    return job.result


def _site(inv: Investigation) -> list[GraphNode]:
    """The graph's first node: the site, its wallets together (none when the ledger knows no captured address)."""
    try:
        return [inv.site_group()]
    except NotInStoreError:
        return []


@router.get("/api/cases/{name}/graph/expand")
def expand_api(request: Request, name: str, node: str = Query(..., max_length=200),
               direction: str = Query("forward", max_length=10), limit: int = Query(20)) -> dict[str, Any]:  # fmt: skip
    with workspace(request).investigation(case_of(request, name)) as inv:
        return inv.graph_hop(node, direction, limit).to_json()


@router.get("/api/cases/{name}/graph/node")
def node_api(request: Request, name: str, node: str = Query(..., max_length=200)) -> dict[str, Any]:
    with workspace(request).investigation(case_of(request, name)) as inv:
        return inv.graph_node(node).to_json()


@router.post("/api/cases/{name}/graph", status_code=201)
def save(request: Request, name: str, graph: dict[str, Any]) -> dict[str, Any]:
    """Keep the graph as arranged and annotated in the case: write-once evidence, logged."""
    return save_graph(case_of(request, name), graph)


@router.post("/api/cases/{name}/graph/export", status_code=201)
def export(request: Request, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """The view as drawn, as PNG (the browser's picture), SVG or GraphML: kept in the case, logged, downloadable."""
    case = case_of(request, name)
    view = body.get("graph")
    if not isinstance(view, dict):
        raise InputError("an export needs the graph as drawn")
    found = export_graph(case, view, str(body.get("format") or ""), body.get("png"))
    return {**found, "download": f"/cases/{case.name}/files/{found['sha256']}"}
