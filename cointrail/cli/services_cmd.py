"""``cointrail services``: wallets that behave like a service (an exchange…), found from the chain alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cointrail.cli.ledger_cmds import open_store
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK
from cointrail.investigation import Investigation
from cointrail.services import keep_detections
from cointrail.services.agreement import KIND_WORDS, agreements
from cointrail.services.detect import MIN_DEPOSITORS, MIN_SWEPT, REPEATED_BATCHES, REPEATED_DEPOSITORS, REPEATED_SWEEPS
from cointrail.store.duckdb.store import existing_store


@click.group("services")
def command() -> None:
    """Services recognised by their behaviour, where no label names them."""


def render_detections(found: list[dict[str, Any]]) -> str:
    """Plain text for ``services detect``."""
    if not found:
        return f"No wallet behaves like an exchange, a mining pool or a gambling service. {_UNSEEN}"
    lines = []
    for d in found:
        kind = KIND_WORDS.get(d["kind"], d["kind"].replace("_", " "))
        named = (f"its labels name it {d['named_by']}" if d.get("named_by") else
                 "its labels do not agree on a name" if d.get("labels") else "no label names it")  # fmt: skip
        lines.append(f"wallet {d['cluster_id']}: behaves like {kind} (score {d['score']:.2f}, found by its "
                     f"behaviour; {named})")  # fmt: skip
        lines += [f"  {sentence}" for sentence in d["evidence"]]
        lines += [f"  CONFLICT: {conflict}" for conflict in d.get("conflicts", [])]
    if not any(d["kind"] == "exchange" for d in found):
        lines.append(f"No wallet behaves like an exchange. {_UNSEEN}")
    return "\n".join(lines)


# What an exchange needs to be recognised (cointrail.services.detect), said where none was.
_UNSEEN = (f"An exchange is recognised from {MIN_DEPOSITORS} distinct depositing wallets ({REPEATED_DEPOSITORS} where "
           f"it made {REPEATED_SWEEPS} consolidations and {REPEATED_BATCHES} batched withdrawals), {MIN_SWEPT} deposit "
           "addresses swept together and a batched withdrawal: one with fewer, or a short stretch of chain, is not "
           "(docs/accuracy.md); a labelled exchange is named by its label all the same.")


@command.command("detect")
@click.option("--db", "db", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The ledger store (a DuckDB file made by 'cointrail ingest'), clustered.")  # fmt: skip
@json_option
def detect(db: Path, as_json: bool) -> int:
    """List the wallets of DB that behave like an exchange, a mining pool or a gambling service.

    An exchange: many distinct depositors, deposit addresses swept into one
    hot wallet, batched withdrawals to fresh addresses, long activity. Each
    comes with its evidence in words and a score; ``--json`` lists
    ``{"cluster_id", "kind", "score", "evidence"}`` (and the hot wallet). What is found is kept in DB for the
    current cluster build: payers and trace then stop at an exchange-like wallet no label names, as a lead. Each
    also lists the labels of its hot wallet (``labels``), the service they agree on (``named_by``) and where they
    contradict the behaviour or each other (``conflicts``, in words).
    """
    existing_store(db)
    # Writable: what is found is kept for this cluster build, for payers and trace to stop at (cointrail.services).
    with open_store(db, read_only=False) as store:  # a store with no blocks says so, not 'no wallet behaves like…'
        detections = Investigation(store).services()
        keep_detections(store, detections)
        labels = agreements(store, detections)  # the labels of each, and where they contradict the behaviour
        found = [d.to_dict() | labels[d.cluster_id].to_dict() for d in detections]
    emit(found, as_json, render_detections)
    return EXIT_OK
