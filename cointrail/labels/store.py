"""Labels kept in a ledger store: the ``labels`` table, written and read here only.

Each row is one :class:`~cointrail.labels.model.Label` with its provenance
(source, SHA-256 of the source file, importer, when it was imported, by which
case) and the result of the chain check: a label read for an address of
another chain or network is kept, marked ``on_chain = false`` with the reason,
and never attributed to this store's clusters (a Bitcoin Cash legacy address
is spelled exactly like a Bitcoin one). The clustering reads ``address``,
``label``, ``category``, ``actor``, ``source`` and ``confidence`` from here
(:mod:`cointrail.clustering.labels`); keep those names.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from cointrail.addresses import parse_address
from cointrail.cases.case import Case
from cointrail.cases.custody import canonical_json, utc_now
from cointrail.errors import InputError
from cointrail.labels import format_of
from cointrail.labels.layout import COLUMNS as _COLUMNS
from cointrail.labels.layout import ensure_table
from cointrail.labels.model import Label
from cointrail.labels.source import read_source
from cointrail.labels.stream import Tally, stream_entries
from cointrail.store.duckdb import schema
from cointrail.store.duckdb.store import LedgerStore

SOURCE_ACTION = "labels.source"  # custody-log action: a label file kept as evidence
IMPORT_ACTION = "labels.import"  # custody-log action: its labels went into a store (hash of the summary)

def label_sha256(label: Label) -> str:
    """The SHA-256 of a label's canonical JSON (as custody logs hash it): its identity in the store."""
    return hashlib.sha256(canonical_json(label.to_dict())).hexdigest()


def chain_check(label: Label, chain: str, network: str) -> str | None:
    """None when ``label`` is for an address of ``chain``/``network``; otherwise why not, in words."""
    if chain in label.chains and network in label.network.split("|"):
        return None
    return (f"a {' or '.join(label.chains) or 'unknown-chain'} {label.network} address; "
            f"this store holds {chain} {network}")  # fmt: skip


def _row(label: Label, store: LedgerStore, imported: str, case_name: str | None, seq: int) -> tuple[Any, ...]:
    """One label's values in the order of :data:`_COLUMNS`, then its ``seq`` (a tuple: batches transpose it fast)."""
    note = chain_check(label, store.chain, store.network)
    return (
        label_sha256(label), store.chain, store.network, label.address, label.label, label.category, label.actor,
        label.abuse, label.confidence.name, label.confidence.value, label.source, label.source_sha256,
        label.importer, imported, label.lastmod, label.currency, list(label.chains), label.network, note is None,
        note, label.tx_hash, label.is_cluster_definer, label.tag_type, list(label.notes), case_name, seq,
    )  # fmt: skip


BATCH_ROWS = 10_000  # labels turned into one Arrow batch at a time: memory stays flat however long the file
# DuckDB's memory during an import: its joins and aggregates over millions of staged labels spill to the store's
# temporary folder beyond this instead of growing with the file (issue 22: flat memory for a 10 M-row CSV).
IMPORT_MEMORY_LIMIT = "256MB"


_BATCH_SCHEMA = pa.schema([*_COLUMNS.items(), ("seq", pa.int64())])


def _batch(rows: list[tuple[Any, ...]]) -> pa.Table:
    columns = map(list, zip(*rows, strict=True))
    return pa.table(dict(zip(_BATCH_SCHEMA.names, columns, strict=True)), schema=_BATCH_SCHEMA)


STAGING = "labels_staging"  # the unindexed table an import's labels wait in; never read as labels


def _stage(store: LedgerStore, labels: Iterable[Label], imported: str, case_name: str | None) -> None:
    """Append the labels to the staging table, a batch at a time, numbered in file order.

    Each batch is committed on its own: DuckDB holds the rows a transaction
    appends in memory until it commits (measured: about 400 bytes a row, even
    past the memory limit), so one transaction for the whole file would grow
    with it. The ``labels`` table is not touched until :func:`write_labels`'s
    final transaction, so a file found broken midway still stores nothing.
    """
    con = store.con
    # A table of the store, not a TEMP one (a TEMP table stays in memory). One left by an import that was killed
    # holds no stored labels: it is dropped.
    con.execute(f"DROP TABLE IF EXISTS {STAGING}")
    con.execute(f"CREATE TABLE {STAGING} AS SELECT *, 0::BIGINT AS seq FROM labels LIMIT 0")
    rows = (_row(label, store, imported, case_name, seq) for seq, label in enumerate(labels))
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        con.register("label_batch", _batch(batch))
        try:
            con.execute(f"INSERT INTO {STAGING} BY NAME SELECT * FROM label_batch")
        finally:
            con.unregister("label_batch")


_STAGED_COUNTS = ("SELECT count(*), count(DISTINCT label_sha256), count(DISTINCT label_sha256) FILTER (on_chain) "
                  f"FROM {STAGING}")  # fmt: skip
# Set-based, once at the end: the first of each label given more than once (lowest seq), unless a label of that
# SHA-256 is stored already (NOT EXISTS: a hash anti-join, no index needed).
_ADD_NEW = f"""
INSERT INTO labels BY NAME
SELECT i.* EXCLUDE (seq) FROM {STAGING} i
WHERE i.seq IN (SELECT min(seq) FROM {STAGING} GROUP BY label_sha256)
  AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.label_sha256 = i.label_sha256)
"""


def write_labels(store: LedgerStore, labels: Iterable[Label], case_name: str | None = None) -> dict[str, int]:
    """Store labels; one already stored (same SHA-256) is kept as it was. Returns counts.

    ``labels`` may be a stream of any length: it is read in batches of
    :data:`BATCH_ROWS` into an unindexed staging table, then added to
    ``labels`` with one set-based insert in one transaction: none of it is
    stored if reading fails midway (a broken file). ``added`` counts new rows,
    ``already_stored`` the others, ``repeated`` the labels given more than once
    (stored once); ``on_chain`` and ``other_chain`` split the distinct labels
    by the chain check.
    """
    ensure_table(store)
    con = store.con
    with schema.memory_limit(con, IMPORT_MEMORY_LIMIT):
        try:
            _stage(store, labels, utc_now(), case_name)
            con.execute("BEGIN TRANSACTION")
            try:
                given, distinct, on_chain = con.execute(_STAGED_COUNTS).fetchone()  # type: ignore[misc]
                added = int(con.execute(_ADD_NEW).fetchone()[0])  # type: ignore[index]
                con.execute(f"DROP TABLE {STAGING}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.execute(f"DROP TABLE IF EXISTS {STAGING}")
    return {"added": added, "already_stored": distinct - added, "repeated": given - distinct,
            "on_chain": on_chain, "other_chain": distinct - on_chain}  # fmt: skip


def _has_table(store: LedgerStore) -> bool:
    return store.has_table("labels")


def _canonical(address: str) -> str:
    info = parse_address(address.strip())
    return info.normalized or address.strip()


def stored_label_dict(values: Sequence[Any], names: Sequence[str]) -> dict[str, Any]:
    """One stored row as plain data (dates as ISO text, lists as lists)."""
    row = dict(zip(names, values, strict=True))
    if row.get("lastmod") is not None:
        row["lastmod"] = row["lastmod"].isoformat()
    return row


def list_labels(store: LedgerStore, address: str | None = None) -> list[dict[str, Any]]:
    """Stored labels (of one address, or all), most confident first, as plain data."""
    if not _has_table(store):
        return []
    names = list(_COLUMNS)
    where, params = ("WHERE address = ?", [_canonical(address)]) if address else ("", [])
    rows = store.rows(f"SELECT {', '.join(names)} FROM labels {where} "
                      "ORDER BY address, confidence_value DESC, label, source", params)  # fmt: skip
    return [stored_label_dict(values, names) for values in rows]


def import_label_file(store: LedgerStore, path: str | Path, format: str | None = None,  # noqa: A002 - the CLI's word
                      case: Case | None = None) -> dict[str, Any]:  # fmt: skip
    """Read a label file and store its labels; with a case, the file is first kept there as evidence.

    The labels are read from the case's copy, so the bytes stored and logged are
    the bytes imported, streamed into the store (see :func:`write_labels`).
    Returns the file's summary (counts, rejected entries)
    with what the store did (``stored``) and, with a case, the evidence path.
    """
    evidence = None
    if case is not None:
        source = Path(path)
        if not source.is_file():
            raise InputError(f"the label file {source} does not exist")
        copy, digest = case.evidence.put_copy(source, "".join(source.suffixes[-1:]))
        evidence = case.record(SOURCE_ACTION, case.relative(copy), digest)["object"]
        path = copy
    read = read_source(path)
    tally = Tally(read.path, format_of(read, format), read.sha256)
    stored = write_labels(store, tally.labels_of(stream_entries(read, tally.format)), case.name if case else None)
    summary = tally.summary() | {"db": str(store.path), "stored": stored, "evidence": evidence}
    if case is not None:
        case.record(IMPORT_ACTION, f"store:{store.path.name}", hashlib.sha256(canonical_json(summary)).hexdigest())
    return summary
