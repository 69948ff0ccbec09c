"""The flow graph: the page, one hop at a time through the API, and saving it in the case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from cointrail.cases import Case
from cointrail.errors import InputError
from cointrail.graph import describe, expand, latest_graph, save_graph, trace_graph
from cointrail.graph.neighbourhood import coin_unit
from cointrail.graph.nodes import describe_clusters
from cointrail.ledger.store import LedgerStore, NotInStoreError
from cointrail.report.build import site_addresses
from cointrail.web.routes.common import case_of, jobs, page, workspace

router = APIRouter()
SITE_REASON = "its addresses were found on the site's page captured in this case"


@router.get("/cases/{name}/graph", response_class=HTMLResponse)
def graph_page(request: Request, name: str, focus: str | None = Query(None, max_length=200),
               trace: str | None = Query(None, max_length=20)) -> HTMLResponse:  # fmt: skip
    case = case_of(request, name)
    return page(request, "graph.html", title=f"Flow graph — {case.name}", case=case.name, focus=focus or "",
                trace=trace or "")  # fmt: skip


def site_nodes(store: LedgerStore, case: Case) -> list[dict[str, Any]]:
    """The wallets of the site's captured addresses (those the ledger knows), marked as the site."""
    nodes: dict[str, dict[str, Any]] = {}
    for address in site_addresses(case, None, store.chain, store.network):
        try:
            item = describe(store, f"address:{address}")
        except NotInStoreError:  # never paid: not on the ledger
            continue
        wallet = describe_clusters(store, {item["cluster_id"]})[item["cluster_id"]] if item["size"] > 1 else item
        if wallet["id"] not in nodes:
            nodes[wallet["id"]] = _as_site(wallet)
    return list(nodes.values())


def _as_site(node: dict[str, Any]) -> dict[str, Any]:
    if node["role"] != "wallet":
        return {**node, "captured": True, "reason": SITE_REASON}
    held = f"wallet of {node['size']} addresses" if node["size"] > 1 else "one address"
    return {**node, "role": "site", "captured": True, "reason": SITE_REASON, "caption": f"the site ({held})"}


@router.get("/api/cases/{name}/graph/start")
def start(request: Request, name: str, focus: str | None = Query(None, max_length=200),
          trace: str | None = Query(None, max_length=20)) -> dict[str, Any]:  # fmt: skip
    """The graph to open with: a finished trace, or the saved one (unless a focus is asked for), else the
    focus or the site."""
    case = case_of(request, name)
    if trace:
        job = jobs(request).get(trace, case.name)
        if job.kind != "trace" or job.state != "done" or job.result is None:
            raise InputError(f"job {trace} is not a finished trace")
        with workspace(request).store(case) as store:
            drawn = trace_graph(store, job.result)
        return {"saved": None, "trace": drawn["title"], **drawn}
    saved = latest_graph(case) if not focus else None
    with workspace(request).store(case) as store:
        unit = coin_unit(store)
        if saved is not None:
            return {"saved": saved, "nodes": saved["nodes"], "edges": saved["edges"], "unit": unit}
        nodes = [describe(store, focus)] if focus else site_nodes(store, case)
    return {"saved": None, "nodes": nodes, "edges": [], "unit": unit}


@router.get("/api/cases/{name}/graph/expand")
def expand_api(request: Request, name: str, node: str = Query(..., max_length=200),
               direction: str = Query("forward", max_length=10), limit: int = Query(20)) -> dict[str, Any]:  # fmt: skip
    with workspace(request).store(case_of(request, name)) as store:
        return expand(store, node, direction, limit)


@router.get("/api/cases/{name}/graph/node")
def node_api(request: Request, name: str, node: str = Query(..., max_length=200)) -> dict[str, Any]:
    with workspace(request).store(case_of(request, name)) as store:
        return describe(store, node)


@router.post("/api/cases/{name}/graph", status_code=201)
def save(request: Request, name: str, graph: dict[str, Any]) -> dict[str, Any]:
    """Keep the graph as arranged and annotated in the case: write-once evidence, logged."""
    return save_graph(case_of(request, name), graph)
