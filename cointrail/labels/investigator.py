"""Investigators' own labels, kept in a case as write-once evidence.

``cointrail label add`` turns what an investigator knows ("this address is
the payment address of site X") into a :class:`Label` whose source is
``investigator:<operator>``. The label is written as a small JSON document into
the case's evidence (named by its SHA-256, logged in the custody log with that
hash), so the case alone can rebuild every investigator label
(:func:`case_labels`), and a store can be given them again at any time.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cointrail import __version__
from cointrail.addresses import parse_address
from cointrail.cases.case import Case
from cointrail.cases.custody import canonical_json, utc_now
from cointrail.cases.evidence import sha256_file
from cointrail.cases.names import MAX_NAME, checked_text
from cointrail.chains import CHAINS
from cointrail.errors import InputError, IntegrityError
from cointrail.labels.model import CATEGORIES, CONFIDENCE_SCALE, Label, confidence_named
from cointrail.labels.store import chain_check, write_labels
from cointrail.store.duckdb.store import LedgerStore

LABEL_FORMAT = "cointrail-label/1"
LABEL_SUFFIX = ".label.json"
LOG_ACTION = "label.add"
DEFAULT_CONFIDENCE = "forensic_investigation"


def _checked_address(address: str) -> tuple[str, tuple[str, ...], str]:
    info = parse_address(address.strip())
    if not info.valid or info.normalized is None:
        raise InputError(f"{address.strip()!r} is not a valid address: {info.reason or 'its spelling is ambiguous'}")
    return info.normalized, tuple(info.chains), info.network or "unknown"


def _checked_category(category: str) -> str:
    name = category.strip().lower()
    if name not in CATEGORIES:
        raise InputError(f"{category!r} is not a GraphSense category; see docs/labels.md for the list "
                         "(e.g. exchange, market, child_sexual_abuse, human_trafficking)")  # fmt: skip
    return name


def _checked_confidence(name: str) -> dict[str, Any]:
    if name.strip().lower() not in CONFIDENCE_SCALE:
        raise InputError(f"{name!r} is not a confidence level; use one of {', '.join(CONFIDENCE_SCALE)}")
    return confidence_named(name).to_dict()


def label_document(case: Case, address: str, text: str, category: str, confidence: str = DEFAULT_CONFIDENCE,
                   notes: Sequence[str] = ()) -> dict[str, Any]:  # fmt: skip
    """The evidence document of one investigator label, checked (raises :class:`InputError`)."""
    if not text.strip():
        raise InputError("a label needs a text: give --label")
    text = checked_text(text, "a label's text", MAX_NAME)  # logged and hashed as UTF-8: checked before anything
    notes = [checked_text(n, "a label's note", multiline=True) for n in notes if n.strip()]
    canonical, chains, network = _checked_address(address)
    return {
        "format": LABEL_FORMAT, "case": case.name, "operator": case.operator, "added_utc": utc_now(),
        "tool": f"cointrail {__version__}", "address": canonical, "chains": list(chains), "network": network,
        "label": text.strip(), "category": _checked_category(category), "confidence": _checked_confidence(confidence),
        "notes": notes,
    }  # fmt: skip


def label_from_document(document: dict[str, Any], sha256: str) -> Label:
    """The :class:`Label` an evidence document (of SHA-256 ``sha256``) stands for."""
    chains = tuple(document["chains"])
    return Label(
        address=document["address"], chains=chains, network=document["network"],
        currency=CHAINS[chains[0]].symbol if chains and chains[0] in CHAINS else "?",
        label=document["label"], source=f"investigator:{document['operator']}", source_sha256=sha256,
        confidence=confidence_named(document["confidence"]["name"]), importer="investigator",
        category=document["category"], lastmod=_dt.date.fromisoformat(document["added_utc"][:10]),
        tag_type="actor", notes=tuple(document["notes"]),
    )  # fmt: skip


def add_label(case: Case, document: dict[str, Any]) -> tuple[Label, dict[str, Any]]:
    """Write the document into the case as evidence and log it; return the label and the log entry."""
    kept = case.add_evidence(canonical_json(document) + b"\n", LABEL_SUFFIX, LOG_ACTION)
    return label_from_document(document, kept.sha256), kept.entry


def _read_document(path: Path) -> tuple[dict[str, Any], str]:
    digest = sha256_file(path)
    if not path.name.startswith(digest):
        raise IntegrityError(f"the label evidence {path.name} no longer matches its SHA-256; run 'cointrail verify'")
    document = json.loads(path.read_bytes())
    if document.get("format") != LABEL_FORMAT:
        raise IntegrityError(f"{path.name} is not a cointrail label document")
    return document, digest


def case_labels(case: Case) -> list[Label]:
    """Every investigator label of a case, rebuilt from its evidence files alone (checked by hash)."""
    logged = {e["object"] for e in case.log.entries() if e.get("action") == LOG_ACTION}
    labels = []
    for path in case.evidence.files():
        if path.name.endswith(LABEL_SUFFIX) and case.relative(path) in logged:
            labels.append(label_from_document(*_read_document(path)))
    return labels


def add_investigator_label(case: Case, address: str, text: str, category: str,
                           confidence: str = DEFAULT_CONFIDENCE, notes: Sequence[str] = (),
                           store: LedgerStore | None = None) -> dict[str, Any]:  # fmt: skip
    """Add an investigator's label to a case (evidence + custody log) and, given a store, to its labels.

    Returns plain data: the label, its evidence file and SHA-256, the log
    entry's number, and what the store did with it (or None).
    """
    label, entry = add_label(case, label_document(case, address, text, category, confidence, notes))
    stored = write_labels(store, [label], case.name) if store is not None else None
    on_chain = chain_check(label, store.chain, store.network) if store is not None else None
    return {"case": case.name, "evidence": entry["object"], "sha256": entry["sha256"], "log_seq": entry["seq"],
            "label": label.to_dict(), "stored": stored, "chain_note": on_chain}  # fmt: skip


def restore_case_labels(case: Case, store: LedgerStore) -> dict[str, Any]:
    """Store every investigator label of a case again, rebuilt from its evidence (a new or rebuilt store).

    Returns the case, how many labels the case holds, and what the store did.
    """
    labels = case_labels(case)
    return {"case": case.name, "db": str(store.path), "labels": len(labels),
            "stored": write_labels(store, labels, case.name)}  # fmt: skip
