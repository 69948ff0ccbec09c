"""Verify a case: re-hash every evidence file and re-check the custody log."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cointrail.cases.case import Case
from cointrail.cases.custody import canonical_json
from cointrail.cases.evidence import sha256_file


@dataclass
class VerifyReport:
    """The outcome of :func:`verify_case`; ``intact`` only when every list is empty."""

    case: str
    files_checked: int = 0
    log_entries: int = 0
    changed: list[dict[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)
    logged_as: int | None = None

    @property
    def intact(self) -> bool:
        return not (self.changed or self.missing or self.added or self.log_problems)

    def to_dict(self) -> dict[str, Any]:
        """Plain data with stable fields (the ``--json`` output)."""
        return {"case": self.case, "intact": self.intact, "files_checked": self.files_checked,
                "log_entries": self.log_entries, "changed": self.changed, "missing": self.missing,
                "added": self.added, "log_problems": self.log_problems, "logged_as": self.logged_as}


def _recorded_files(entries: list[dict[str, Any]]) -> dict[str, str]:
    """Evidence paths named in the log, with the hash each was recorded with."""
    return {e["object"]: e["sha256"] for e in entries
            if e.get("sha256") and isinstance(e.get("object"), str) and is_case_file(e["object"])}


def is_case_file(obj: str) -> bool:
    """Whether a custody-log entry's object is a file of the case (the files verify re-hashes)."""
    return obj == "case.json" or obj.startswith("evidence/")


def _present_files(case: Case) -> list[str]:
    present = [case.relative(p) for p in case.evidence.files()]
    if (case.folder / "case.json").exists():
        present.append("case.json")
    return present


def _check_files(case: Case, recorded: dict[str, str], report: VerifyReport) -> None:
    present = set(_present_files(case))
    report.added = sorted(present - set(recorded))
    for obj, expected in sorted(recorded.items()):
        path = case.folder / obj
        if obj not in present or not path.is_file():
            report.missing.append(obj)
            continue
        report.files_checked += 1
        actual = sha256_file(Path(path))
        if actual != expected:
            report.changed.append({"file": obj, "recorded_sha256": expected, "actual_sha256": actual})


def verify_case(case: Case, record: bool = True) -> VerifyReport:
    """Re-hash every evidence file and re-check every link of the custody log.

    Files changed, missing (logged but gone) and added (present but never
    logged) and broken log links are all reported. When everything is intact
    and ``record`` is true, the check itself is logged; a damaged case is left
    exactly as found.
    """
    chain = case.log.check()
    report = VerifyReport(case=case.name, log_entries=len(chain.entries), log_problems=list(chain.problems))
    _check_files(case, _recorded_files(chain.entries), report)
    if report.intact and record:
        digest = hashlib.sha256(canonical_json(report.to_dict())).hexdigest()
        report.logged_as = case.record("verify", "case", digest)["seq"]
    return report
