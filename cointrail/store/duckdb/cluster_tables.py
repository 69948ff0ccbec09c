"""The clustering tables kept in the ledger store, and reading/writing the assignment.

:class:`DuckDBClusterTables` is the :class:`~cointrail.store.interface.ClusterTables` a build reads and
writes through; the functions below serve it and the other readers of these tables.


* ``address_clusters``: every address with its cluster id (the smallest address
  id in its cluster) and its ``base_cluster_id`` under the multi-input
  heuristic alone (red flags compare the two).
* ``cluster_links``: the evidence, a spanning forest of the links that made
  the clusters: which two addresses, which transaction, which heuristic.
* ``coinjoins``: transactions a CoinJoin rule flagged (never merged), with why and how many took part;
* ``collaborative_txs``: transactions that may be collaborative (PayJoin-like), never merged, not CoinJoins. A
  view, read as a table of (chain, network, tx_id, rule, evidence, participants) in tx_id order, over
  ``collaborative_found`` (the findings of per-transaction rules, their evidence as text) and one
  ``facts_<rule>`` table per set-based rule (a chain's ~10^5 PayJoin-like payments): a reason code and the
  numbers the words name, rendered into the same text on read (:mod:`.words_sql`). The words are the view's:
  kept in the store with the build that wrote the facts.
* ``held_links``: links the supercluster check held back ("probable false merge, not applied");
* ``applied_links``: transactions an investigator applied explicitly (kept across rebuilds);
* ``cluster_runs``: one row per build, the provenance: heuristics, heights,
  the block hash clustered up to, tool version, time.
"""

from __future__ import annotations

import datetime as _dt

import duckdb
import numpy as np
import pyarrow as pa

from cointrail import __version__
from cointrail.domain import COINJOIN, CoinJoinFinding, FoundSet, Held, Links  # what a build keeps; no analysis code
from cointrail.store.duckdb import words_sql
from cointrail.store.duckdb.arrays import arrow_table
from cointrail.store.duckdb.sql import row
from cointrail.store.interface import ClusterBuild, LastRun

DDL = """
CREATE TABLE IF NOT EXISTS address_clusters (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    address_id BIGINT NOT NULL, cluster_id BIGINT NOT NULL, base_cluster_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS cluster_links (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    address_a BIGINT NOT NULL, address_b BIGINT NOT NULL, tx_id BIGINT NOT NULL, heuristic VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS coinjoins (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    tx_id BIGINT NOT NULL, rule VARCHAR NOT NULL, evidence VARCHAR NOT NULL
);
ALTER TABLE coinjoins ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'coinjoin';
ALTER TABLE coinjoins ADD COLUMN IF NOT EXISTS participants BIGINT;
CREATE TABLE IF NOT EXISTS collaborative_found (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    tx_id BIGINT NOT NULL, rule VARCHAR NOT NULL, evidence VARCHAR NOT NULL, participants BIGINT
);
CREATE TABLE IF NOT EXISTS held_links (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL, address_a BIGINT NOT NULL, address_b BIGINT NOT NULL,
    tx_id BIGINT NOT NULL, heuristic VARCHAR NOT NULL, size_a BIGINT NOT NULL, size_b BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS applied_links (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL, tx_id BIGINT NOT NULL, txid VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL, operator VARCHAR NOT NULL, case_name VARCHAR NOT NULL, reason VARCHAR
);
CREATE TABLE IF NOT EXISTS cluster_runs (
    run INTEGER NOT NULL, finished_at TIMESTAMP NOT NULL, mode VARCHAR NOT NULL, heuristics VARCHAR NOT NULL,
    from_height INTEGER NOT NULL, through_height INTEGER NOT NULL, through_hash BLOB NOT NULL,
    links BIGINT NOT NULL, coinjoins BIGINT NOT NULL, tool_version VARCHAR NOT NULL
);
ALTER TABLE cluster_runs ADD COLUMN IF NOT EXISTS detection VARCHAR;
CREATE INDEX IF NOT EXISTS address_clusters_by_cluster ON address_clusters (cluster_id);
CREATE INDEX IF NOT EXISTS cluster_links_by_a ON cluster_links (address_a);
"""

CLUSTER_TABLES = ("address_clusters", "cluster_links", "coinjoins", "collaborative_txs", "held_links",
                  "applied_links", "cluster_runs")

# The columns of ``collaborative_txs`` as every reader reads them, in this order.
_COLLABORATIVE = "chain, network, tx_id, rule, evidence, participants"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    if "collaborative_txs" in table_names(con):  # a table of text, as a store clustered before the view keeps it
        con.execute("ALTER TABLE collaborative_txs RENAME TO collaborative_found")
    con.execute(DDL)
    if not view_names(con) & {"collaborative_txs"}:
        show_collaborative(con, ())


def view_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}


def _facts_table(rule: str) -> str:
    if not rule.isidentifier():
        raise ValueError(f"a set-based rule's name is a table's: {rule!r} is not an identifier")
    return f"facts_{rule}"


def show_collaborative(con: duckdb.DuckDBPyConnection, sets: tuple[FoundSet, ...]) -> None:
    """(Re)make the view ``collaborative_txs``: the per-transaction findings and the facts of each of ``sets``
    (possibly-collaborative ones; their tables made if new) with their evidence rendered from the set's words.

    In tx_id order, the per-transaction findings first where one transaction has both, as the one sorted INSERT of
    text that wrote this table before gave them (tx_ids grow with the chain, so later builds' rows come after).
    """
    selects = [f"SELECT {_COLLABORATIVE}, 0 AS source FROM collaborative_found"]
    for k, found_set in enumerate(sets):
        facts = _facts_table(found_set.rule)
        columns = ", ".join(f'"{name}"' for name in found_set.facts.column_names)
        con.register("c_shape", found_set.facts.slice(0, 0))
        try:  # the facts' own columns and types, with the store's chain and network before them
            con.execute(f"CREATE TABLE IF NOT EXISTS {facts} AS "
                        f"SELECT ''::VARCHAR AS chain, ''::VARCHAR AS network, {columns} FROM c_shape")  # fmt: skip
        finally:
            con.unregister("c_shape")
        selects.append(f"SELECT chain, network, tx_id, {words_sql.quoted(found_set.rule)} AS rule, "
                       f"{words_sql.rendered(found_set.words)} AS evidence, "
                       f"{int(found_set.participants)}::BIGINT AS participants, {k + 1} AS source "
                       f"FROM {facts}")  # fmt: skip
    con.execute(f"CREATE OR REPLACE VIEW collaborative_txs AS SELECT {_COLLABORATIVE} FROM "  # noqa: S608
                f"({' UNION ALL '.join(selects)}) ORDER BY tx_id, source")  # fmt: skip


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def has_clusters(con: duckdb.DuckDBPyConnection) -> bool:
    return "cluster_runs" in table_names(con) and row(con, "SELECT count(*) FROM cluster_runs")[0] > 0


def last_run(con: duckdb.DuckDBPyConnection) -> LastRun | None:
    if not has_clusters(con):
        return None
    # SELECT *: a store clustered by an older version has no ``detection`` column yet (and may be read-only).
    found = con.execute("SELECT * FROM cluster_runs ORDER BY run DESC LIMIT 1")
    names = [d[0] for d in found.description]
    last = dict(zip(names, found.fetchall()[0], strict=True))
    return LastRun(last["run"], tuple(last["heuristics"].split(",")), last["through_height"],
                   bytes(last["through_hash"]), last.get("detection"))  # fmt: skip


def clear(con: duckdb.DuckDBPyConnection) -> None:
    """Forget earlier results (a full rebuild); the runs table keeps the history.

    The tables are dropped and made again, not emptied: a DELETE of every row leaves each index to remove its
    entries one by one and the commit to rewrite the row groups, which doubled the writes of a full rebuild of the
    1M chain (1.5 s of CPU into a new store, 3.0 s over an earlier build).
    """
    con.execute("DROP VIEW IF EXISTS collaborative_txs")
    facts = [t for t in table_names(con) if t.startswith("facts_")]
    for table in ("address_clusters", "cluster_links", "coinjoins", "collaborative_found", "held_links", *facts):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    ensure_tables(con)


def load_assignment(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    """(cluster, base_cluster) arrays indexed by address id."""
    table = arrow_table(con, "SELECT cluster_id, base_cluster_id FROM address_clusters ORDER BY address_id", [])
    return (table.column(0).to_numpy().astype(np.int64), table.column(1).to_numpy().astype(np.int64))


def write_assignment(con: duckdb.DuckDBPyConnection, chain: str, network: str, old: tuple[np.ndarray, np.ndarray],
                     new: tuple[np.ndarray, np.ndarray]) -> int:  # fmt: skip
    """Write the rows that changed or are new; return how many."""
    known = len(old[0])
    changed = np.flatnonzero((old[0] != new[0][:known]) | (old[1] != new[1][:known]))
    rows = np.concatenate([changed, np.arange(known, len(new[0]), dtype=np.int64)])
    batch = pa.table({"address_id": rows, "cluster_id": new[0][rows], "base_cluster_id": new[1][rows]})
    con.register("c_rows", batch)
    if len(changed):
        con.execute("DELETE FROM address_clusters WHERE address_id IN (SELECT address_id FROM c_rows)")
    con.execute(
        "INSERT INTO address_clusters SELECT ?, ?, address_id, cluster_id, base_cluster_id FROM c_rows",
        [chain, network],
    )
    con.unregister("c_rows")
    return len(rows)


def write_links(con: duckdb.DuckDBPyConnection, chain: str, network: str, links: Links,
                heuristic_names: tuple[str, ...]) -> None:  # fmt: skip
    names = np.array(heuristic_names, dtype=object)
    batch = pa.table({"a": links.a, "b": links.b, "tx_id": links.tx_id,
                      "heuristic": pa.array(names[links.heuristic.astype(np.int64)], pa.string())})  # fmt: skip
    con.register("c_links", batch)
    con.execute("INSERT INTO cluster_links SELECT ?, ?, a, b, tx_id, heuristic FROM c_links", [chain, network])
    con.unregister("c_links")


def write_coinjoins(con: duckdb.DuckDBPyConnection, chain: str, network: str, found: list[CoinJoinFinding],
                    sets: tuple[FoundSet, ...] = ()) -> None:  # fmt: skip
    """CoinJoins into ``coinjoins``, possibly-collaborative transactions into ``collaborative_txs``, in tx_id order.

    Through Arrow, not ``executemany``. The findings of ``sets`` never become strings: a possibly-collaborative
    set (a chain's ~10^5 PayJoin-like payments) keeps its reason codes and numbers, rendered on read by the view
    ``collaborative_txs``; a CoinJoin set is rendered in SQL in the statement that writes ``coinjoins``.
    """
    joins = [s for s in sets if s.kind == COINJOIN]
    _write_found(con, chain, network, "coinjoins", [f for f in found if f.kind == COINJOIN], joins)
    _write_found(con, chain, network, "collaborative_found", [f for f in found if f.kind != COINJOIN], [])
    others = tuple(s for s in sets if s.kind != COINJOIN)
    if others:
        show_collaborative(con, others)  # the facts tables where there are none yet; the view with their words
    for found_set in others:
        _write_facts(con, chain, network, found_set)


def _write_facts(con: duckdb.DuckDBPyConnection, chain: str, network: str, found_set: FoundSet) -> None:
    """The set's facts into its table, as they are: the view ``collaborative_txs`` renders their words."""
    if not len(found_set):
        return
    table = _facts_table(found_set.rule)
    columns = ", ".join(f'"{name}"' for name in found_set.facts.column_names)
    con.register("c_facts", found_set.facts)
    try:
        con.execute(f"INSERT INTO {table} SELECT ?, ?, {columns} FROM c_facts ORDER BY tx_id", [chain, network])  # noqa: S608
    finally:
        con.unregister("c_facts")


def _write_found(con: duckdb.DuckDBPyConnection, chain: str, network: str, table: str, rows: list[CoinJoinFinding],
                 sets: list[FoundSet]) -> None:  # fmt: skip
    """Findings whose evidence is text into ``table``, with ``sets`` rendered in SQL, in tx_id order."""
    mine = [s for s in sets if len(s)]
    if not rows and not mine:
        return
    batch = pa.table({"tx_id": pa.array([f.tx_id for f in rows], pa.int64()),
                      "rule": pa.array([f.rule for f in rows], pa.string()),
                      "evidence": pa.array([f.evidence for f in rows], pa.string()),
                      "participants": pa.array([f.participants for f in rows], pa.int64())})  # fmt: skip
    selects = ["SELECT tx_id, rule, evidence, participants FROM c_found"]
    con.register("c_found", batch)
    for k, found_set in enumerate(mine):
        con.register(f"c_set{k}", found_set.facts)
        selects.append(f"SELECT tx_id, {words_sql.quoted(found_set.rule)}, {words_sql.rendered(found_set.words)}, "
                       f"{int(found_set.participants)}::BIGINT FROM c_set{k}")  # fmt: skip
    try:
        con.execute(f"INSERT INTO {table} (chain, network, tx_id, rule, evidence, participants) "  # noqa: S608
                    "SELECT ?, ?, tx_id, rule, evidence, participants FROM "
                    f"({' UNION ALL '.join(selects)}) ORDER BY tx_id", [chain, network])  # fmt: skip
    finally:
        con.unregister("c_found")
        for k in range(len(mine)):
            con.unregister(f"c_set{k}")


def write_held(con: duckdb.DuckDBPyConnection, chain: str, network: str, held: Held,
               heuristic_names: tuple[str, ...]) -> None:  # fmt: skip
    names = np.array(heuristic_names, dtype=object)
    links = held.links
    batch = pa.table({"a": links.a, "b": links.b, "tx_id": links.tx_id, "size_a": held.size_a, "size_b": held.size_b,
                      "heuristic": pa.array(names[links.heuristic.astype(np.int64)], pa.string())})  # fmt: skip
    con.register("c_held", batch)
    con.execute("INSERT INTO held_links SELECT ?, ?, a, b, tx_id, heuristic, size_a, size_b FROM c_held",
                [chain, network])  # fmt: skip
    con.unregister("c_held")


def applied_tx_ids(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    """Transactions whose links an investigator applied (``cluster apply-link``), sorted."""
    rows = con.execute("SELECT DISTINCT tx_id FROM applied_links ORDER BY tx_id").fetchall()
    return np.array([r[0] for r in rows], np.int64)


def record_run(con: duckdb.DuckDBPyConnection, mode: str, heuristics: tuple[str, ...], span: tuple[int, int],
               through_hash: bytes, links: int, coinjoins: int, detection: str) -> int:  # fmt: skip
    run = row(con, "SELECT coalesce(max(run) + 1, 1) FROM cluster_runs")[0]
    con.execute(
        "INSERT INTO cluster_runs (run, finished_at, mode, heuristics, from_height, through_height, through_hash, "
        "links, coinjoins, tool_version, detection) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run, _dt.datetime.now(_dt.UTC).replace(tzinfo=None), mode, ",".join(heuristics), span[0], span[1],
         through_hash, links, coinjoins, __version__, detection],
    )  # fmt: skip
    return run


class DuckDBClusterTables:
    """:class:`~cointrail.store.interface.ClusterTables` over an open DuckDB ledger store connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, chain: str, network: str):
        self.con, self.chain, self.network = con, chain, network

    def ensure(self) -> None:
        ensure_tables(self.con)

    def last_run(self) -> LastRun | None:
        return last_run(self.con)

    def applied_tx_ids(self) -> np.ndarray:
        return applied_tx_ids(self.con)

    def load_assignment(self) -> tuple[np.ndarray, np.ndarray]:
        return load_assignment(self.con)

    def save_build(self, build: ClusterBuild) -> None:
        """Write one build's results and its run, all or nothing (one transaction)."""
        con, chain, network = self.con, self.chain, self.network
        con.execute("BEGIN TRANSACTION")
        try:
            if build.mode == "full":
                clear(con)
            write_assignment(con, chain, network, build.old, build.new)
            write_links(con, chain, network, build.links, build.heuristic_names)
            write_coinjoins(con, chain, network, build.findings, build.sets)
            if build.held is not None:
                write_held(con, chain, network, build.held, build.heuristic_names)
            record_run(con, build.mode, build.heuristics, build.span, build.through_hash, len(build.links),
                       build.coinjoins(), build.detection)  # fmt: skip
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
