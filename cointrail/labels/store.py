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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cointrail.addresses import parse_address
from cointrail.cases.case import Case
from cointrail.cases.custody import canonical_json, utc_now
from cointrail.errors import InputError
from cointrail.labels import format_of
from cointrail.labels.model import Label
from cointrail.labels.source import read_source
from cointrail.labels.stream import Tally, stream_entries
from cointrail.store.duckdb import label_table
from cointrail.store.duckdb.account import AccountStore
from cointrail.store.duckdb.label_table import COLUMNS as _COLUMNS
from cointrail.store.duckdb.label_table import STAGING as STAGING  # tests look for a table left behind
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
    imported = utc_now()
    rows = (_row(label, store, imported, case_name, seq) for seq, label in enumerate(labels))
    given, distinct, on_chain, added = label_table.add_labels(store, rows, BATCH_ROWS, IMPORT_MEMORY_LIMIT)
    return {"added": added, "already_stored": distinct - added, "repeated": given - distinct,
            "on_chain": on_chain, "other_chain": distinct - on_chain}  # fmt: skip


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
    names = list(_COLUMNS)
    rows = label_table.stored_labels(store, _canonical(address) if address else None)
    return [stored_label_dict(values, names) for values in rows]


def import_label_file(store: LedgerStore, path: str | Path, format: str | None = None,  # noqa: A002 - the CLI's word
                      case: Case | None = None) -> dict[str, Any]:  # fmt: skip
    """Read a label file and store its labels; with a case, the file is first kept there as evidence.

    The labels are read from the case's copy, so the bytes stored and logged are
    the bytes imported, streamed into the store (see :func:`write_labels`).
    Returns the file's summary (counts, rejected entries)
    with what the store did (``stored``) and, with a case, the evidence path.
    """
    path, evidence = _kept(path, case)
    read = read_source(path)
    tally = Tally(read.path, format_of(read, format), read.sha256)
    stored = write_labels(store, tally.labels_of(stream_entries(read, tally.format)), case.name if case else None)
    return _imported(tally.summary() | {"db": str(store.path), "stored": stored, "evidence": evidence}, store, case)


def _kept(path: str | Path, case: Case | None) -> tuple[str | Path, str | None]:
    """With a case, the label file is first kept there as evidence and read from the copy: (path to read, evidence)."""
    if case is None:
        return path, None
    source = Path(path)
    if not source.is_file():
        raise InputError(f"the label file {source} does not exist")
    copy, digest = case.evidence.put_copy(source, "".join(source.suffixes[-1:]))
    return copy, case.record(SOURCE_ACTION, case.relative(copy), digest)["object"]


def _imported(summary: dict[str, Any], store: LedgerStore | AccountStore, case: Case | None) -> dict[str, Any]:
    if case is not None:
        case.record(IMPORT_ACTION, f"store:{store.path.name}", hashlib.sha256(canonical_json(summary)).hexdigest())
    return summary


def account_label_row(label: Label) -> tuple[str, str, str, str, int]:
    """A label as an account store keeps it: (address, the service it names, category, source, confidence).

    The name is the label's actor, else its text, as the Bitcoin family's attribution names a service."""
    return (label.address.lower(), label.actor or label.label, label.category or "unknown", label.source,
            label.confidence.value)  # fmt: skip


def import_account_labels(store: AccountStore, path: str | Path, format: str | None = None,  # noqa: A002
                          case: Case | None = None) -> dict[str, Any]:  # fmt: skip
    """:func:`import_label_file` for an account-chain store (Ethereum, issue 16): the file's labels of the store's
    chain and network go into its own labels table (``evm_labels``), where payers and traces read them; the others
    are counted, not kept (an account store holds one chain's labels). A label already there is not added again."""
    path, evidence = _kept(path, case)
    read = read_source(path)
    tally = Tally(read.path, format_of(read, format), read.sha256)
    rows, other = [], 0
    for label in tally.labels_of(stream_entries(read, tally.format)):
        if chain_check(label, store.chain, store.network) is None:
            rows.append(account_label_row(label))
        else:
            other += 1
    distinct = list(dict.fromkeys(rows))
    added = store.add_labels(distinct)
    stored = {"added": added, "already_stored": len(distinct) - added, "repeated": len(rows) - len(distinct),
              "on_chain": len(distinct), "other_chain": other}  # fmt: skip
    return _imported(tally.summary() | {"db": str(store.path), "stored": stored, "evidence": evidence}, store, case)
