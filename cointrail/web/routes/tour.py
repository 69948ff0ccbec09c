"""The guided tour of an investigation (:mod:`cointrail.web.tour`): an overview, then one page per step."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from cointrail.cases import Case
from cointrail.investigation import Investigation
from cointrail.model import Headline
from cointrail.store.duckdb.store import NotInStoreError
from cointrail.web.glossary import TERMS
from cointrail.web.routes.common import case_of, page, workspace
from cointrail.web.tour import TITLES, Step, opened, steps

router = APIRouter()


def _steps(request: Request, case: Case) -> list[Step]:
    ws = workspace(request)
    found: Headline
    if ws.has_store(case):
        with ws.investigation(case) as inv:
            found = inv.headline()
    else:  # a report kept in the case still answers without a store
        found = Investigation(None, case).headline()
    return steps(case.name, found)


@router.get("/cases/{name}/tour", response_class=HTMLResponse)
def tour_start(request: Request, name: str) -> HTMLResponse:
    case = case_of(request, name)
    # the overview lists the steps by title only: no headline (a payers analysis where the case has no report)
    return page(request, "tour.html", title=f"Guided tour — {case.name}", case=case.name, titles=TITLES,
                step=None, number=0)  # fmt: skip


@router.get("/cases/{name}/tour/{number}", response_class=HTMLResponse)
def tour_step(request: Request, name: str, number: int) -> HTMLResponse:
    case = case_of(request, name)
    found = _steps(request, case)
    if not 1 <= number <= len(found):
        raise NotInStoreError(f"the tour has steps 1 to {len(found)}, not {number}")
    step = found[number - 1]
    terms = [t for slug in step.terms for t in TERMS if t.slug == slug]
    return page(request, "tour.html", title=f"Tour step {number}: {step.title} — {case.name}", case=case.name,
                titles=TITLES, step=step, number=number, terms=terms, open_url=opened(step, number))  # fmt: skip
