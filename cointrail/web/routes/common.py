"""What every route module uses: the workspace, the jobs, and rendering a page."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from starlette.requests import Request

from cointrail.cases import Case
from cointrail.web.jobs import Jobs
from cointrail.web.tour import tour_bar
from cointrail.web.workspace import Workspace


def workspace(request: Request) -> Workspace:
    found: Workspace = request.app.state.workspace
    return found


def jobs(request: Request) -> Jobs:
    found: Jobs = request.app.state.jobs
    return found


def case_of(request: Request, name: str) -> Case:
    """The case named in the path (a plain 400 when there is none)."""
    return workspace(request).case(name)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with ``context``; every page knows its case (if any) for the navigation, and the
    chain and unit its amounts are in (``chain``: litecoin, ``unit``: LTC; the ``coins`` filter reads ``chain``), and,
    opened from the guided tour (``?tour=N``), the tour's bar."""
    if context.get("case") and "unit" not in context:
        found = workspace(request)
        context["chain"], context["unit"] = found.chain(context["case"]), found.unit(context["case"])
    step = request.query_params.get("tour", "")
    if context.get("case") and step.isdigit() and len(step) < 3:  # opened from the guided tour: its bar
        context["tour_step"] = tour_bar(context["case"], int(step))
    response: HTMLResponse = request.app.state.templates.TemplateResponse(request, template, context,
                                                                          status_code=status)  # fmt: skip
    return response
