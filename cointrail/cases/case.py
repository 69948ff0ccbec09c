"""A case: a folder with its evidence, its working data and its custody log.

Layout of ``<cases root>/<name>/``::

    case.json        who opened the case and when (evidence, write-once)
    custody.jsonl    the custody log (append-only, hash-chained)
    evidence/        write-once evidence files named by SHA-256 (WARCs, findings, summaries)
    work/            working data other tools rebuild from the evidence (stores, caches)
    scratch/         files being written, before they become evidence
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cointrail import __version__
from cointrail.cases.custody import CustodyLog, utc_now
from cointrail.cases.evidence import EvidenceStore
from cointrail.cases.names import checked_name, shown
from cointrail.cases.settings import OPERATOR, cases_root, operator_name, resolve
from cointrail.errors import InputError

CASE_FORMAT = "cointrail-case/1"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Kept:
    """An evidence file just stored and logged: its path, SHA-256 and custody-log entry (``seq``, ``object``…)."""

    path: Path
    sha256: str
    entry: dict[str, Any]

    @property
    def object(self) -> str:
        """The file's path inside the case, as the log names it."""
        return str(self.entry["object"])


@dataclass
class Case:
    """An open case folder; evidence and log entries go through it."""

    name: str
    folder: Path
    operator: str

    @property
    def log(self) -> CustodyLog:
        return CustodyLog(self.folder / "custody.jsonl")

    @property
    def evidence(self) -> EvidenceStore:
        return EvidenceStore(self.folder / "evidence", self.folder / "scratch")

    @property
    def work(self) -> Path:
        """Folder for data that can be rebuilt from the evidence (not verified)."""
        return self.folder / "work"

    def relative(self, path: Path) -> str:
        """A path inside the case as written in the log (POSIX, relative)."""
        return path.relative_to(self.folder).as_posix()

    def record(self, action: str, obj: str, sha256: str | None = None) -> dict[str, Any]:
        """Append a custody-log entry by this case's operator."""
        return self.log.append(self.operator, action, obj, sha256)

    def add_evidence(self, data: bytes, suffix: str, action: str) -> Kept:
        """Store ``data`` write-once and log it as ``action``: where, its SHA-256 and the log entry."""
        path, digest = self.evidence.put_bytes(data, suffix)
        return Kept(path, digest, self.record(action, self.relative(path), digest))

    def metadata(self) -> dict[str, Any]:
        """The contents of case.json."""
        return json.loads((self.folder / "case.json").read_text())

    def summary(self) -> dict[str, Any]:
        """Plain data about the case for ``case show``."""
        entries = self.log.entries()
        meta = self.metadata()
        return {
            "name": self.name,
            "folder": str(self.folder),
            "created_utc": meta.get("created_utc"),
            "created_by": meta.get("operator"),
            "evidence_files": len(self.evidence.files()),
            "log_entries": len(entries),
            "last_action": entries[-1] if entries else None,
            "log": entries,
        }


def _validate_name(name: str) -> None:
    if not _NAME.match(name):
        raise InputError(
            f"{name!r} cannot be a case name: use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )


def create_case(name: str, root: str | Path | None = None, operator: str | None = None) -> Case:
    """Create a new case folder with its case.json and first log entry.

    The name and the operator are checked before anything is written; if
    writing fails midway, the new folder is removed, never left half-made.
    """
    _validate_name(name)
    who = operator_name(operator)
    folder = cases_root(root) / name
    if folder.exists():
        raise InputError(f"a case named {name!r} already exists in {folder.parent}")
    folder.mkdir(parents=True)
    try:
        return _fill(Case(name, folder, who))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _fill(case: Case) -> Case:
    for sub in ("evidence", "work", "scratch"):
        (case.folder / sub).mkdir()
    meta = {"format": CASE_FORMAT, "name": case.name, "created_utc": utc_now(),
            "operator": case.operator, "tool": f"cointrail {__version__}"}
    path, digest = case.evidence.put_bytes(json.dumps(meta, indent=2).encode() + b"\n", ".json")
    final = case.folder / "case.json"
    path.rename(final)
    case.record("case.create", case.relative(final), digest)
    return case


def open_case(name: str, root: str | Path | None = None, operator: str | None = None) -> Case:
    """Open an existing case, or say clearly that it does not exist."""
    _validate_name(name)
    folder = cases_root(root) / name
    if not (folder / "case.json").is_file():
        raise InputError(
            f"there is no case named {name!r} in {folder.parent}; create it with `cointrail case new {name}`"
        )
    return Case(name, folder, _acting_operator(folder, operator))


def _acting_operator(folder: Path, explicit: str | None) -> str:
    """Who acts in the case: the --operator given, else $COINTRAIL_OPERATOR, else who opened the case.

    The case's operator is the default of everything done in it (issue 13): a capture made
    without --operator is logged under the investigator who opened the case, not the
    system user (often ``root`` on a forensic workstation).
    """
    chosen = resolve(OPERATOR, explicit)
    if chosen:
        return operator_name(chosen)
    try:  # a damaged case.json is for `verify` to report: the case still opens
        opened_by = checked_name(json.loads((folder / "case.json").read_bytes()).get("operator"))
    except (OSError, ValueError, RecursionError, AttributeError, InputError):
        return operator_name(None)
    return opened_by


def _listed(folder: Path) -> dict[str, Any]:
    """One case of the list; a case whose case.json cannot be read is listed as damaged, with why."""
    entry: dict[str, Any] = {"name": shown(folder.name), "created_utc": None, "created_by": None,
                             "folder": shown(folder)}  # fmt: skip
    meta, reason = None, "its case.json is not a JSON object"
    try:
        meta = json.loads((folder / "case.json").read_bytes())
    except OSError as error:
        reason = f"its case.json cannot be read ({error.strerror})"
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deeply
        reason = "its case.json is not valid JSON"
    if not isinstance(meta, dict):
        return entry | {"damaged": f"{reason}: run `cointrail verify --case {shown(folder.name)}`"}
    for key, field in (("created_utc", "created_utc"), ("created_by", "operator")):
        entry[key] = shown(meta[field]) if isinstance(meta.get(field), str) else None
    return entry


def list_cases(root: str | Path | None = None) -> list[dict[str, Any]]:
    """Every case under the cases root, with when and by whom it was opened (a damaged one says so)."""
    base = cases_root(root)
    if not base.is_dir():
        return []
    return [_listed(folder) for folder in sorted(p for p in base.iterdir() if (p / "case.json").is_file())]
