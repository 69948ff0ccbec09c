"""Writing a report into its case: facts (JSON), HTML and PDF as write-once evidence, each logged."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from cointrail.cases import Case
from cointrail.facts.document import ReportFacts
from cointrail.facts.kept import FACTS_ACTION
from cointrail.report.render import PdfUnavailable, render_html, render_pdf

HTML_ACTION, PDF_ACTION = "report.html", "report.pdf"


def facts_bytes(facts: ReportFacts) -> bytes:
    """The facts as the case keeps them: sorted keys, so the bytes (hashed as evidence) never follow field order."""
    return json.dumps(facts.to_json(), indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def _copy_out(files: dict[str, dict[str, Any]], case: Case, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for kind, item in files.items():
        target = out / f"{case.name}-report.{kind}"
        shutil.copyfile(case.folder / item["path"], target)
        item["copy"] = str(target)


def _with_index(facts: ReportFacts, index: bool) -> ReportFacts:
    """``facts`` with ``index`` among its provenance parameters (a copy): the stored facts say whether the HTML and
    PDF beside them were printed with the index, which changes their pages."""
    provenance = facts.provenance
    return replace(facts, provenance=replace(provenance, parameters={**provenance.parameters, "index": index}))


def write_report(case: Case, facts: ReportFacts, out: Path | None = None, pdf: bool = True,
                 index: bool = True) -> dict[str, Any]:  # fmt: skip
    """Store the facts, the HTML and (unless ``pdf`` is false) the PDF in ``case``; copy them to ``out``. ``index``
    false leaves out the index of every txid and address (a 400-payment report prints about a fifth faster); the
    stored facts record it in their provenance parameters."""
    started = time.perf_counter()
    facts = _with_index(facts, index)
    files: dict[str, dict[str, Any]] = {}
    kept = case.add_evidence(facts_bytes(facts), ".report.json", FACTS_ACTION)
    files["json"] = {"path": kept.object, "sha256": kept.sha256}
    html = render_html(facts, kept.sha256, index)
    kept = case.add_evidence(html.encode("utf-8"), ".report.html", HTML_ACTION)
    files["html"] = {"path": kept.object, "sha256": kept.sha256}
    warnings = []
    if pdf:
        try:
            kept = case.add_evidence(render_pdf(html), ".report.pdf", PDF_ACTION)
            files["pdf"] = {"path": kept.object, "sha256": kept.sha256}
        except PdfUnavailable as error:  # the HTML holds the same report; say why the PDF is missing
            warnings.append(str(error))
    if out is not None:
        _copy_out(files, case, out)
    return {"case": case.name, "files": files, "warnings": warnings, "summary": list(facts.summary),
            "exchanges": [x["service"] for x in facts.findings["exchanges"]],
            "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
