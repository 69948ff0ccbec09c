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
from cointrail.labels.model import Label
from cointrail.labels.source import read_source
from cointrail.labels.stream import Tally, format_of, stream_entries
from cointrail.ledger.store import LedgerStore

SOURCE_ACTION = "labels.source"  # custody-log action: a label file kept as evidence
IMPORT_ACTION = "labels.import"  # custody-log action: its labels went into a store (hash of the summary)

LABELS_DDL = """
CREATE TABLE IF NOT EXISTS labels (
    label_sha256 VARCHAR PRIMARY KEY,
    chain VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    address VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    category VARCHAR,
    actor VARCHAR,
    abuse VARCHAR,
    confidence VARCHAR NOT NULL,
    confidence_value INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    importer VARCHAR NOT NULL,
    imported_utc VARCHAR NOT NULL,
    lastmod DATE,
    currency VARCHAR NOT NULL,
    label_chains VARCHAR[] NOT NULL,
    label_network VARCHAR NOT NULL,
    on_chain BOOLEAN NOT NULL,
    chain_note VARCHAR,
    tx_hash VARCHAR,
    is_cluster_definer BOOLEAN NOT NULL,
    tag_type VARCHAR,
    notes VARCHAR[] NOT NULL,
    case_name VARCHAR
)
"""
LABELS_INDEX_DDL = "CREATE INDEX IF NOT EXISTS labels_address ON labels (address)"

# Columns in table order, with their Arrow types (the batch is inserted BY NAME).
_COLUMNS: dict[str, pa.DataType] = {
    "label_sha256": pa.string(), "chain": pa.string(), "network": pa.string(), "address": pa.string(),
    "label": pa.string(), "category": pa.string(), "actor": pa.string(), "abuse": pa.string(),
    "confidence": pa.string(), "confidence_value": pa.int32(), "source": pa.string(), "source_sha256": pa.string(),
    "importer": pa.string(), "imported_utc": pa.string(), "lastmod": pa.date32(), "currency": pa.string(),
    "label_chains": pa.list_(pa.string()), "label_network": pa.string(), "on_chain": pa.bool_(),
    "chain_note": pa.string(), "tx_hash": pa.string(), "is_cluster_definer": pa.bool_(), "tag_type": pa.string(),
    "notes": pa.list_(pa.string()), "case_name": pa.string(),
}  # fmt: skip


def label_sha256(label: Label) -> str:
    """The SHA-256 of a label's canonical JSON: its identity in the store and in custody logs."""
    return hashlib.sha256(canonical_json(label.to_dict())).hexdigest()


def chain_check(label: Label, chain: str, network: str) -> str | None:
    """None when ``label`` is for an address of ``chain``/``network``; otherwise why not, in words."""
    if chain in label.chains and network in label.network.split("|"):
        return None
    return (f"a {' or '.join(label.chains) or 'unknown-chain'} {label.network} address; "
            f"this store holds {chain} {network}")  # fmt: skip


def ensure_table(store: LedgerStore) -> None:
    """Create the ``labels`` table if the store has none; refuse one that cointrail did not make."""
    store.con.execute(LABELS_DDL)
    have = {r[0] for r in store.rows("SELECT column_name FROM duckdb_columns() WHERE table_name = 'labels'")}
    if missing := set(_COLUMNS) - have:
        raise InputError(f"the store {store.path} has a labels table without the columns {', '.join(sorted(missing))}; "
                         "it was not made by 'cointrail labels import'")  # fmt: skip
    store.con.execute(LABELS_INDEX_DDL)


def _row(label: Label, store: LedgerStore, imported: str, case_name: str | None) -> dict[str, Any]:
    note = chain_check(label, store.chain, store.network)
    return {
        "label_sha256": label_sha256(label), "chain": store.chain, "network": store.network,
        "address": label.address, "label": label.label, "category": label.category, "actor": label.actor,
        "abuse": label.abuse, "confidence": label.confidence.name, "confidence_value": label.confidence.value,
        "source": label.source, "source_sha256": label.source_sha256, "importer": label.importer,
        "imported_utc": imported, "lastmod": label.lastmod, "currency": label.currency,
        "label_chains": list(label.chains), "label_network": label.network, "on_chain": note is None,
        "chain_note": note, "tx_hash": label.tx_hash, "is_cluster_definer": label.is_cluster_definer,
        "tag_type": label.tag_type, "notes": list(label.notes), "case_name": case_name,
    }  # fmt: skip


BATCH_ROWS = 10_000  # labels turned into one Arrow batch at a time: memory stays flat however long the file


def _batch(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table({name: [r[name] for r in rows] for name in _COLUMNS}, schema=pa.schema(list(_COLUMNS.items())))


def _stage(store: LedgerStore, labels: Iterable[Label], imported: str, case_name: str | None) -> None:
    """Append the labels to the transaction's staging table, a batch at a time."""
    con = store.con
    # A table of the store, not a TEMP one: DuckDB writes its full row groups to the file as they fill (a TEMP
    # table stays in memory); made and dropped inside the transaction, so a killed import leaves nothing.
    con.execute("CREATE TABLE incoming_labels AS SELECT * FROM labels LIMIT 0")
    rows: list[dict[str, Any]] = []
    for label in itertools.chain(labels, [None]):
        if label is not None:
            rows.append(_row(label, store, imported, case_name))
        if rows and (label is None or len(rows) >= BATCH_ROWS):
            con.register("label_batch", _batch(rows))
            try:
                con.execute("INSERT INTO incoming_labels BY NAME SELECT * FROM label_batch")
            finally:
                con.unregister("label_batch")
            rows = []


_STAGED_COUNTS = ("SELECT count(*), count(DISTINCT label_sha256), count(DISTINCT label_sha256) FILTER (on_chain) "
                  "FROM incoming_labels")  # fmt: skip


def write_labels(store: LedgerStore, labels: Iterable[Label], case_name: str | None = None) -> dict[str, int]:
    """Store labels; one already stored (same SHA-256) is kept as it was. Returns counts.

    ``labels`` may be a stream of any length: it is read in batches of
    :data:`BATCH_ROWS` into a staging table, and all of it is stored in one
    transaction, or none of it if reading fails midway (a broken file).
    ``added`` counts new rows, ``already_stored`` the others, ``repeated`` the
    labels given more than once (stored once); ``on_chain`` and ``other_chain``
    split the distinct labels by the chain check.
    """
    ensure_table(store)
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        _stage(store, labels, utc_now(), case_name)
        given, distinct, on_chain = con.execute(_STAGED_COUNTS).fetchone()  # type: ignore[misc]
        before = _count(store)
        con.execute("INSERT OR IGNORE INTO labels BY NAME SELECT * FROM incoming_labels")
        added = _count(store) - before
        con.execute("DROP TABLE incoming_labels")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"added": added, "already_stored": distinct - added, "repeated": given - distinct,
            "on_chain": on_chain, "other_chain": distinct - on_chain}  # fmt: skip


def _count(store: LedgerStore) -> int:
    return int(store.rows("SELECT count(*) FROM labels")[0][0])


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
