"""The start page and the glossary."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from cointrail.web.routes.common import page, workspace

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """The case opened with ``--case``, else the list of cases."""
    opened = workspace(request).default_case
    return RedirectResponse(f"/cases/{opened}" if opened else "/cases", status_code=303)


@router.get("/glossary", response_class=HTMLResponse)
def glossary(request: Request) -> HTMLResponse:
    """Every term, in plain words."""
    return page(request, "glossary.html", title="Glossary")


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)
