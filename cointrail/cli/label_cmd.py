"""``cointrail label add``: an investigator's own label, kept in a case and logged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cointrail.cases import open_case
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.labels.investigator import DEFAULT_CONFIDENCE, add_investigator_label, restore_case_labels
from cointrail.labels.model import CONFIDENCE_SCALE
from cointrail.store.duckdb.account import AccountStore, store_family
from cointrail.store.duckdb.store import LedgerStore, existing_store
from cointrail.wording import counted


def render_add(data: dict[str, Any]) -> str:
    """Plain text for the result of ``label add``."""
    label = data["label"]
    lines = [
        f"Labelled {label['address']} \"{label['label']}\" [{label['category']}], source {label['source']}, "
        f"confidence {label['confidence']['name']} {label['confidence']['value']}.",
        f"Kept in case {data['case']} as {data['evidence']} (custody log entry {data['log_seq']}, "
        f"SHA-256 {data['sha256']}).",
    ]
    if data["stored"] is not None:
        where = "" if data["chain_note"] is None else f", but not used for its clusters: {data['chain_note']}"
        lines.append(f"Stored in the ledger store ({data['stored']['added']} new{where}).")
    return "\n".join(lines)


def _check_store(db: Path) -> None:
    existing_store(db)


@click.group("label")
def command() -> None:
    """An investigator's own labels, kept in a case (see also 'cointrail labels')."""


@command.command("add")
@click.argument("address")
@click.option("--label", "text", required=True, metavar="TEXT", help="What the address is, in words.")
@click.option("--category", required=True, metavar="C",
              help="A GraphSense category: exchange, market, child_sexual_abuse, human_trafficking, …")  # fmt: skip
@click.option("--confidence", default=DEFAULT_CONFIDENCE, show_default=True, type=click.Choice(list(CONFIDENCE_SCALE)),
              help="How sure, on GraphSense's named scale.")  # fmt: skip
@click.option("--note", "notes", multiple=True, metavar="TEXT", help="A note kept with the label (repeatable).")
@case_option
@click.option("--db", "db", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also keep the label in this ledger store, for 'cluster show'.")  # fmt: skip
@cases_dir_option
@operator_option
@json_option
def add(address: str, text: str, category: str, confidence: str, notes: tuple[str, ...], case_name: str,
        db: Path | None, cases_dir: str | None, operator: str | None, as_json: bool) -> int:  # fmt: skip
    """Label ADDRESS in a case: kept as write-once evidence and logged with its SHA-256.

    The source is recorded as investigator:<operator>. With --db the label is
    also stored in the ledger store, where 'cluster show' attributes it.
    """
    case = open_case(case_name, cases_dir, operator)
    if db is not None:
        _check_store(db)
    if db is None:
        result = add_investigator_label(case, address, text, category, confidence, notes)
    elif store_family(db) == "account":  # an Ethereum store (issue 16): its own labels table
        result = add_investigator_label(case, address, text, category, confidence, notes)
        with AccountStore.open(db) as accounts:
            found = result["label"]
            accounts.add_label(address, text, category, found["source"], found["confidence"]["value"])
        result["stored"], result["chain_note"] = {"added": 1}, None
    else:
        with LedgerStore.open(db) as store:
            result = add_investigator_label(case, address, text, category, confidence, notes, store)
    emit(result, as_json, render_add)
    return EXIT_OK


@command.command("rebuild")
@case_option
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The ledger store to give the case's labels to.")  # fmt: skip
@cases_dir_option
@json_option
def rebuild(case_name: str, db: Path, cases_dir: str | None, as_json: bool) -> int:
    """Store every investigator label of a case in DB again, rebuilt from the case's evidence alone.

    Each label file is checked against its SHA-256 first; exit code 1 if one was changed.
    """
    case = open_case(case_name, cases_dir)
    _check_store(db)
    with LedgerStore.open(db) as store:
        result = restore_case_labels(case, store)
    emit(result, as_json, lambda r: f"{counted(r['labels'], 'investigator label')} of case {r['case']} "
                                     f"given to {r['db']}: "
                                     f"{r['stored']['added']} new, {r['stored']['already_stored']} already there.")
    return EXIT_OK
