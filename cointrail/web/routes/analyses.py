"""Tracing and the payers of a site from the browser, as background jobs with progress."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.requests import Request

from cointrail.cases import Case
from cointrail.errors import InputError
from cointrail.report import make_report
from cointrail.tracing import END_REASONS, EXPLANATIONS
from cointrail.web.jobs import Job, Work
from cointrail.web.options import PayersOptions, ReportOptions, TraceOptions, parse_options
from cointrail.web.results import KINDS, keep_result, kept_results, read_result
from cointrail.web.routes.common import case_of, jobs, page, workspace
from cointrail.web.workspace import Workspace

router = APIRouter()
TITLES = {"payers": "Who paid the site", "trace": "Trace", "report": "Report"}


def _site(options: PayersOptions) -> dict[str, Any]:
    """The payers options as the engine's site: a wallet, addresses, or (by default) the case's captures."""
    if options.site_from == "cluster":
        if options.cluster is None:
            raise InputError("give the wallet (cluster) number of the site")
        return {"cluster": options.cluster}
    if options.site_from == "addresses":
        found = [a for a in options.addresses.replace(",", " ").split() if a]
        if not found:
            raise InputError("give at least one address of the site")
        return {"addresses": found}
    return {"from_case": True}


def payers_work(ws: Workspace, case: Case, options: PayersOptions) -> Work:
    def work(job: Job) -> dict[str, Any]:
        job.message = "finding the payments into the site"

        def advance(done: int, total: int) -> None:
            job.advance(done, total, f"tracing each payer back: hop {done} of {total}")

        with ws.investigation(case) as inv:
            found = inv.payers(**_site(options), fiat=options.fiat, hops=options.hops, progress=advance).to_json()
        return _kept(job, case, found)
    return work


def _kept(job: Job, case: Case, found: dict[str, Any]) -> dict[str, Any]:
    """Keep a finished analysis in the case (it outlives the server), then hand it to the job."""
    job.kept = keep_result(case, job.kind, job.options, found, time.time() - job.started)
    return found


def trace_work(ws: Workspace, case: Case, options: TraceOptions) -> Work:
    def work(job: Job) -> dict[str, Any]:
        def advance(done: int, total: int) -> None:
            job.advance(done, total, f"following the money: hop {done} of {total}")

        with ws.investigation(case) as inv:
            found = inv.trace(options.start, direction=options.direction, hops=options.hops,
                             min_value=options.min_value, since=options.since, until=options.until,
                             model=options.model, progress=advance).to_json()  # fmt: skip
        return _kept(job, case, found)
    return work


def report_work(ws: Workspace, case: Case, options: ReportOptions) -> Work:
    def work(job: Job) -> dict[str, Any]:
        job.advance(0, 2, "collecting the facts: tracing the payers and the site's money")
        result = make_report(case, None, None, pdf=options.pdf, fiat=options.fiat, hops=options.hops,
                             model=options.model)  # fmt: skip
        job.advance(2, 2, "written")
        return result
    return work


def start_job(request: Request, case: Case, kind: str, values: dict[str, Any]) -> Job:
    """Check the options of ``kind`` and queue its job."""
    options = parse_options(kind, values)
    ws = workspace(request)
    if kind != "report":
        ws.require_store(case)
    make = {"payers": payers_work, "trace": trace_work, "report": report_work}[kind]
    return jobs(request).submit(kind, case.name, TITLES[kind], make(ws, case, options),  # type: ignore[operator]
                                options.model_dump())  # fmt: skip


@router.get("/cases/{name}/payers", response_class=HTMLResponse)
def payers_form(request: Request, name: str) -> HTMLResponse:
    case = case_of(request, name)
    return page(request, "payers_form.html", title=f"Who paid the site — {case.name}", case=case.name,
                options=PayersOptions(), previous=[j for j in jobs(request).of_case(case.name) if j.kind == "payers"],
                kept=kept_results(case, "payers"))  # fmt: skip


@router.get("/cases/{name}/trace", response_class=HTMLResponse)
def trace_form(request: Request, name: str, start: str = Query("", max_length=200)) -> HTMLResponse:
    case = case_of(request, name)
    return page(request, "trace_form.html", title=f"Trace — {case.name}", case=case.name, start=start,
                models=EXPLANATIONS, previous=[j for j in jobs(request).of_case(case.name) if j.kind == "trace"],
                kept=kept_results(case, "trace"))  # fmt: skip


@router.post("/cases/{name}/jobs/{kind}")
async def start_from_form(request: Request, name: str, kind: str) -> Response:
    """A form of the payers, trace or report page: queue the job, then show its page."""
    case = case_of(request, name)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    tour = form.pop("tour", "")  # started from the guided tour: its result page keeps the tour's bar
    job = start_job(request, case, kind, form)
    shown = f"?tour={tour}" if tour.isdigit() and len(tour) < 3 else ""
    return RedirectResponse(f"/cases/{case.name}/jobs/{job.id}{shown}", status_code=303)


class JobRequest(BaseModel):
    """``POST /api/cases/{name}/jobs``: the analysis and its options (the CLI's names)."""

    kind: str
    options: dict[str, Any] = {}


@router.post("/api/cases/{name}/jobs", status_code=202)
def start_api(request: Request, name: str, body: JobRequest) -> dict[str, Any]:
    return start_job(request, case_of(request, name), body.kind, body.options).to_dict()


@router.get("/api/jobs/{job_id}")
def job_api(request: Request, job_id: str, result: bool = Query(False)) -> dict[str, Any]:
    """Where a job stands (the page polls this); with ``result=true`` its data when done."""
    return jobs(request).get(job_id).to_dict(with_result=result)


@router.get("/cases/{name}/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, name: str, job_id: str) -> HTMLResponse:
    case = case_of(request, name)
    job = jobs(request).get(job_id, case.name)
    return page(request, f"job_{job.kind}.html" if job.state == "done" else "job_running.html",
                title=f"{job.title} — {case.name}", case=case.name, job=job, result=job.result,
                reasons=END_REASONS, models=EXPLANATIONS)  # fmt: skip


@router.get("/cases/{name}/results/{sha256}", response_class=HTMLResponse)
def kept_page(request: Request, name: str, sha256: str) -> HTMLResponse:
    """A payers or trace result kept in the case, shown as when its job finished (after a restart too)."""
    case = case_of(request, name)
    document = read_result(case, sha256)
    kind = document["kind"]
    if kind not in KINDS:
        raise InputError(f"the case keeps no {kind!r} analysis to show")
    evidence = document["evidence"]
    kept = {**evidence, "log_seq": evidence["seq"], "time_utc": document["finished_utc"]}
    job = Job(evidence["sha256"], kind, case.name, TITLES[kind], document["options"], state="done",
              result=document["result"], kept=kept)  # fmt: skip
    job.finished = job.started + float(document.get("seconds") or 0)
    return page(request, f"job_{kind}.html", title=f"{job.title}, kept {document['finished_utc']} — {case.name}",
                case=case.name, job=job, result=job.result, reasons=END_REASONS, models=EXPLANATIONS)  # fmt: skip
