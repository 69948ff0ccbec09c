"""Label sources kept in a ledger store: where labels were fetched from, each download, and which labels it gave.

* ``label_source_config``: a source the unit configured (``labels update --url NAME=URL``), kept for later updates;
* ``label_downloads``: one row per download, the evidence: source, URL, SHA-256, bytes, when, the kept file, and
  what changed since the source's previous download (added, removed, changed);
* ``label_source_members``: the labels the latest download of each source gave (by label SHA-256), with the
  fields an update compares to tell a changed label from a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from cointrail.store.duckdb.store import LedgerStore

DDL = """
CREATE TABLE IF NOT EXISTS label_source_config (
    name VARCHAR PRIMARY KEY, url VARCHAR NOT NULL, format VARCHAR NOT NULL, reliability VARCHAR
);
CREATE TABLE IF NOT EXISTS label_downloads (
    source VARCHAR NOT NULL, url VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL,
    fetched_utc VARCHAR NOT NULL, evidence VARCHAR NOT NULL, label_count BIGINT NOT NULL,
    rejected_count BIGINT NOT NULL, added BIGINT NOT NULL, removed BIGINT NOT NULL, changed BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS label_source_members (
    source VARCHAR NOT NULL, label_sha256 VARCHAR NOT NULL, address VARCHAR NOT NULL, currency VARCHAR, chains VARCHAR,
    label VARCHAR, category VARCHAR, actor VARCHAR, abuse VARCHAR, confidence VARCHAR
);
"""

DOWNLOAD_FIELDS = ("source", "url", "sha256", "bytes", "fetched_utc", "evidence", "label_count", "rejected_count",
                   "added", "removed", "changed")  # label_downloads' columns, in order
MEMBER_FIELDS = ("label_sha256", "address", "currency", "chains", "label", "category", "actor", "abuse", "confidence")


def ensure_tables(store: LedgerStore) -> None:
    store.con.execute(DDL)


def configured(store: LedgerStore) -> list[tuple[str, str, str, str | None]]:
    """The sources the unit configured: (name, url, format, reliability)."""
    if not store.has_table("label_source_config"):
        return []
    return [tuple(r) for r in store.rows("SELECT name, url, format, reliability FROM label_source_config "
                                         "ORDER BY name")]  # fmt: skip


def configure(store: LedgerStore, name: str, url: str, format: str, reliability: str | None) -> None:  # noqa: A002
    ensure_tables(store)
    store.con.execute("INSERT OR REPLACE INTO label_source_config VALUES (?, ?, ?, ?)",
                      [name, url, format, reliability])  # fmt: skip


def members(store: LedgerStore, source: str) -> list[dict[str, Any]]:
    """The labels the latest download of ``source`` gave."""
    if not store.has_table("label_source_members"):
        return []
    rows = store.rows(f"SELECT {', '.join(MEMBER_FIELDS)} FROM label_source_members WHERE source = ?", [source])
    return [dict(zip(MEMBER_FIELDS, r, strict=True)) for r in rows]


def replace_members(store: LedgerStore, source: str, rows: Iterable[Sequence[Any]]) -> None:
    """Make ``rows`` (in :data:`MEMBER_FIELDS` order) the labels of ``source``; drop stored labels no source holds.

    A label given by no source any more (and not imported by hand: those are in no source) leaves ``labels``.
    """
    con = store.con
    old = [r[0] for r in store.rows("SELECT label_sha256 FROM label_source_members WHERE source = ?", [source])]
    con.execute("DELETE FROM label_source_members WHERE source = ?", [source])
    rows = list(rows)
    columns = {"source": [source] * len(rows)} | {f: [r[i] for r in rows] for i, f in enumerate(MEMBER_FIELDS)}
    batch = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})  # executemany is slow in DuckDB
    con.register("member_batch", batch)
    try:
        con.execute("INSERT INTO label_source_members BY NAME SELECT * FROM member_batch")
    finally:
        con.unregister("member_batch")
    if old and store.has_table("labels"):
        con.execute("CREATE OR REPLACE TEMP TABLE gone AS SELECT unnest(?::VARCHAR[]) AS label_sha256", [old])
        con.execute("DELETE FROM labels WHERE label_sha256 IN (SELECT label_sha256 FROM gone) "
                    "AND label_sha256 NOT IN (SELECT label_sha256 FROM label_source_members)")  # fmt: skip
        con.execute("DROP TABLE gone")


def record_download(store: LedgerStore, row: dict[str, Any]) -> None:
    ensure_tables(store)
    marks = ", ".join("?" * len(DOWNLOAD_FIELDS))
    store.con.execute(f"INSERT INTO label_downloads ({', '.join(DOWNLOAD_FIELDS)}) VALUES ({marks})",
                      [row[n] for n in DOWNLOAD_FIELDS])  # fmt: skip


def latest_downloads(store: LedgerStore) -> dict[str, dict[str, Any]]:
    """Each source's latest download, by source name."""
    if not store.has_table("label_downloads"):
        return {}
    rows = store.rows(f"SELECT {', '.join(DOWNLOAD_FIELDS)} FROM label_downloads QUALIFY row_number() OVER "
                      "(PARTITION BY source ORDER BY fetched_utc DESC) = 1")  # fmt: skip
    return {r[0]: dict(zip(DOWNLOAD_FIELDS, r, strict=True)) for r in rows}


def coverage(store: LedgerStore, source: str) -> dict[str, dict[str, int]]:
    """What a source's labels cover: counts by chain, by currency and by category (its latest download's labels;
    none for a source never fetched)."""
    out: dict[str, dict[str, int]] = {"by_chain": {}, "by_currency": {}, "by_category": {}}
    if not store.has_table("label_source_members"):
        return out
    for column, key in (("unnest(string_split(chains, '|'))", "by_chain"), ("currency", "by_currency"),
                        ("coalesce(category, '(none)')", "by_category")):
        rows = store.rows(f"SELECT c, count(*) FROM (SELECT {column} AS c FROM label_source_members "
                          "WHERE source = ?) GROUP BY c ORDER BY 2 DESC, 1", [source])  # fmt: skip
        out[key] = {str(k): int(n) for k, n in rows}
    return out


def origins(store: LedgerStore, label_sources: set[str]) -> dict[str, list[str]]:
    """For each of ``label_sources`` (a label's own ``source``: a TagPack tag's, an OFAC list's URL), the fetched
    sources whose latest download gave a label citing it."""
    if not label_sources or not store.has_table("label_source_members") or not store.has_table("labels"):
        return {}
    rows = store.rows("SELECT DISTINCT l.source, m.source FROM labels l JOIN label_source_members m USING "
                      "(label_sha256) WHERE l.source IN (SELECT unnest(?)) ORDER BY 1, 2", [sorted(label_sources)])
    found: dict[str, list[str]] = {}
    for cited, fetched in rows:
        found.setdefault(cited, []).append(fetched)
    return found


def not_fetched(store: LedgerStore) -> list[dict[str, Any]]:
    """The labels no fetched source gave (``labels import`` of a file, ``label add``), by importer: how many, by
    category, and the sources they cite (the most cited first, at most 5)."""
    if not store.has_table("labels"):
        return []
    fetched = ("WHERE label_sha256 NOT IN (SELECT label_sha256 FROM label_source_members)"
               if store.has_table("label_source_members") else "")  # fmt: skip
    rows = store.rows(f"SELECT importer, coalesce(category, '(none)'), coalesce(source, '(none)'), count(*) "
                      f"FROM labels {fetched} GROUP BY ALL ORDER BY 1, 4 DESC, 2, 3")  # fmt: skip
    found: dict[str, dict[str, Any]] = {}
    for importer, category, source, n in rows:
        entry = found.setdefault(importer, {"importer": importer, "label_count": 0, "by_category": {},
                                            "cited": {}})  # fmt: skip
        entry["label_count"] += int(n)
        entry["by_category"][category] = entry["by_category"].get(category, 0) + int(n)
        entry["cited"][source] = entry["cited"].get(source, 0) + int(n)
    for entry in found.values():
        entry["by_category"] = dict(sorted(entry["by_category"].items(), key=lambda kv: (-kv[1], kv[0])))
        entry["cited"] = [s for s, _ in sorted(entry["cited"].items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
    return list(found.values())
