"""The report and the exports, from the browser: written into the case, then downloaded."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from cointrail.cases.evidence import sha256_file
from cointrail.cases.settings import fiat_currency, goaml_profiles_folder
from cointrail.errors import InputError, IntegrityError
from cointrail.exports import EXPORTERS
from cointrail.exports.goaml_profiles import GENERIC, chosen_profile, offered_profiles
from cointrail.investigation import Investigation
from cointrail.report import request_packs, write_request_packs
from cointrail.store.duckdb.store import NotInStoreError
from cointrail.web.options import ReportOptions
from cointrail.web.routes.common import case_of, jobs, page

router = APIRouter()
# Files of a case the browser may download: what cointrail wrote for people to read or pass on.
DOWNLOADABLE = ("report.", "request-pack.", "graph.save", "graph.export")
MEDIA_TYPES = {".html": "text/html", ".pdf": "application/pdf", ".json": "application/json", ".csv": "text/csv",
               ".txt": "text/plain", ".png": "image/png", ".svg": "image/svg+xml",
               ".graphml": "application/xml"}  # fmt: skip


def stored_files(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The downloadable files in a custody log, newest first, each with what it is in words (``what``)."""
    return [{**e, "what": file_words(e)} for e in reversed(entries)
            if e["sha256"] and e["action"].startswith(DOWNLOADABLE)]  # fmt: skip


def file_words(entry: dict[str, Any]) -> str:
    """What a stored file is, in words: a request pack names its exchange (written into the file's name)."""
    action, name = entry["action"], str(entry["object"]).rsplit("/", 1)[-1]
    kind = name.rsplit(".", 1)[-1].upper()
    if action.startswith("request-pack."):
        exchange = name.split(".", 1)[1].rsplit(".request.", 1)[0]  # as the file names it, exactly
        return f"request pack ({'CSV' if action.endswith('csv') else 'letter'}) for {exchange}"
    if action == "graph.save":
        return "a saved graph (JSON)"
    if action == "graph.export":
        return f"a view of the graph ({'GraphML' if kind == 'GRAPHML' else kind})"
    if action.startswith("export."):
        return f"export ({action.split('.', 1)[1]})"
    if action == "report.facts":
        return "the facts the report was written from (JSON)"
    return f"the report ({kind})" if action.startswith("report.") else action


def _profiles_folder(request: Request) -> Path:
    return goaml_profiles_folder(request.app.state.workspace.root)


@router.get("/cases/{name}/report", response_class=HTMLResponse)
def report_page(request: Request, name: str) -> HTMLResponse:
    case = case_of(request, name)
    folder = _profiles_folder(request)
    return page(request, "report.html", title=f"Report and exports — {case.name}", case=case.name,
                options=ReportOptions(), pack_fiat=fiat_currency() or "", files=stored_files(case.log.entries()),
                exporters=EXPORTERS,
                profiles=offered_profiles(folder), profiles_folder=folder, generic=GENERIC,
                previous=[j for j in jobs(request).of_case(case.name) if j.kind == "report"])  # fmt: skip


@router.get("/cases/{name}/files/{sha256}")
def download(request: Request, name: str, sha256: str) -> Response:
    """A report, request pack or saved graph of the case, as a download (never shown in the workspace's pages)."""
    case = case_of(request, name)
    entry = next((e for e in stored_files(case.log.entries()) if e["sha256"] == sha256.lower()), None)
    if entry is None:
        raise NotInStoreError(f"the case {case.name} has no report or export file with SHA-256 {sha256}")
    path = case.folder / entry["object"]
    # Served under its logged hash, so checked against it first, as the graph page does (issue 22).
    if not path.is_file() or sha256_file(path) != entry["sha256"]:
        raise IntegrityError(f"the file {entry['object']} of the case {case.name} no longer matches the SHA-256 "
                             "recorded in its custody log, so it is not served: run `cointrail verify` on the case")
    suffix = path.suffix.lower()
    filename = f"{case.name}-{entry['action'].replace('.', '-')}-{sha256[:12]}{suffix}"
    response = FileResponse(path, media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"), filename=filename)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"  # opened by mistake: inert
    return response


@router.post("/cases/{name}/request-packs")
def request_packs_form(request: Request, name: str, fiat: str = Form("", max_length=10)) -> Response:
    """``cointrail request-pack``: per exchange, the transactions to ask about, stored in the case; then listed.
    Their values in ``fiat``, else the ``COINTRAIL_FIAT`` setting, else the report's own currency, as the CLI's
    ``--fiat`` (the same setting function), priced again from the store where that is another currency."""
    case = case_of(request, name)
    currency = fiat_currency(fiat.strip() or None)
    with Investigation.open(case, lazy=True) as investigation:
        facts = investigation.request_pack_facts(latest=True, fiat=currency)
    packs = write_request_packs(case, request_packs(facts))
    if not packs:
        raise InputError("no exchange was reached by the traces of the latest report: there is no request to make yet")
    return RedirectResponse(f"/cases/{case.name}/report#stored-files", status_code=303)


@router.post("/cases/{name}/export")
def export_download(request: Request, name: str, fmt: str = Form(..., max_length=20),
                    profile: str = Form("", max_length=200), trafficking: str = Form("", max_length=5)) -> Response:
    """An export of the findings (``cointrail export``), logged in the custody log with its SHA-256: goAML under
    the FIU profile chosen (``--profile``), the SAR sheet with the human-trafficking flag (``--trafficking``)."""
    case = case_of(request, name)
    if fmt not in EXPORTERS:
        raise InputError(f"unknown export format {fmt!r}; cointrail writes {', '.join(EXPORTERS)}")
    # Each field is for one format, as the CLI's options are: the other formats are written without it.
    chosen = chosen_profile(_profiles_folder(request), profile) if fmt == "goaml" else None
    flagged = fmt == "sar-sheet" and trafficking in ("on", "true", "yes")
    with Investigation.open(case, lazy=True) as investigation:
        data = investigation.export(fmt, latest=True, profile=chosen, trafficking=flagged).encode("utf-8")
    filename = f"{case.name}-export{EXPORTERS[fmt].suffix}"
    digest = hashlib.sha256(data).hexdigest()
    # Logged, not stored, as by the CLI: what was shared is part of the custody story; the file can be made again.
    case.record(f"export.{fmt}", f"export:{filename}", digest)
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-SHA256": digest})
