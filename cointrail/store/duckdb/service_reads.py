"""What services detection reads: per wallet (cluster), the figures that tell an exchange, a pool, a gambling site.

Each query returns one row per cluster (the address's own id where the store is not clustered), or per service
where detection joined wallets into one (cointrail.services.joins); the only writes keep the detections found
(``service_detections``) for tracing to read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cointrail.store.duckdb.store import LedgerStore

_CLUSTER = """
CREATE OR REPLACE TEMP VIEW svc_cluster AS
SELECT a.address_id, {cluster} AS cluster_id FROM addresses a {join}
"""

# The wallets (clusters) detection joined into one service, each with the service's id (its smallest cluster id):
# the figures are then read per service instead of per wallet.
_GROUPS = """
CREATE OR REPLACE TEMP TABLE svc_group AS SELECT unnest(?::BIGINT[]) AS wallet_id, unnest(?::BIGINT[]) AS service_id
"""

# Per transaction: the cluster of its inputs (the smallest, when several), how many clusters, how many inputs.
# Read by the sweeps, the batches and the links alike: made once.
_TX_IN = """
CREATE OR REPLACE TEMP TABLE svc_tx_in AS
SELECT i.tx_id, min(c.cluster_id) AS cluster_id, count(DISTINCT c.cluster_id) AS clusters, count(*) AS n
FROM inputs i JOIN svc_cluster c USING (address_id) GROUP BY i.tx_id
"""

# Per cluster: sweeps (>= 3 inputs all of the cluster, at most 2 outputs) and the distinct addresses they swept;
# the address most swept into (the hot wallet), its cluster, and how many sweeps reached it.
_SWEEPS = """
WITH sweep AS (
  SELECT t.tx_id, t.cluster_id FROM svc_tx_in t JOIN transactions x USING (tx_id)
  WHERE t.clusters = 1 AND (t.n >= 3 AND x.output_count <= 2 OR t.n >= 2 AND x.output_count = 1)
), swept AS (
  SELECT s.cluster_id, count(DISTINCT s.tx_id) AS sweeps, count(DISTINCT i.address_id) AS swept
  FROM sweep s JOIN inputs i USING (tx_id) GROUP BY s.cluster_id
), hot AS (
  SELECT s.cluster_id, o.address_id, any_value(c.cluster_id) AS hot_cluster, count(*) AS n,
         row_number() OVER (PARTITION BY s.cluster_id ORDER BY count(*) DESC, o.address_id) AS r
  FROM sweep s JOIN outputs o USING (tx_id) JOIN svc_cluster c ON c.address_id = o.address_id
  GROUP BY s.cluster_id, o.address_id
)
SELECT w.cluster_id, w.sweeps, w.swept, h.address_id, h.hot_cluster, h.n
FROM swept w JOIN hot h ON h.cluster_id = w.cluster_id AND h.r = 1
"""

# Per cluster: distinct other clusters that paid into it (depositors), and those it paid back to.
_DEPOSITORS = """
WITH pay AS (
  SELECT DISTINCT ci.cluster_id AS payer, co.cluster_id AS payee
  FROM inputs i JOIN svc_cluster ci ON ci.address_id = i.address_id
  JOIN outputs o ON o.tx_id = i.tx_id JOIN svc_cluster co ON co.address_id = o.address_id
  WHERE ci.cluster_id <> co.cluster_id
)
SELECT p.payee, count(*) AS depositors,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pay q WHERE q.payer = p.payee AND q.payee = p.payer)) AS paid_back
FROM pay p GROUP BY p.payee
"""

# Per cluster: batched withdrawals (>= 3 outputs leaving the cluster, most to addresses first seen there).
_BATCHES = """
WITH out AS (
  SELECT t.tx_id, t.cluster_id, count(*) AS leaving,
         count(*) FILTER (WHERE a.first_height = o.block_height) AS fresh
  FROM svc_tx_in t JOIN outputs o USING (tx_id) JOIN svc_cluster c ON c.address_id = o.address_id
  JOIN addresses a ON a.address_id = o.address_id
  WHERE t.clusters = 1 AND c.cluster_id <> t.cluster_id GROUP BY t.tx_id, t.cluster_id
)
SELECT cluster_id, count(*) AS batches, sum(leaving) AS paid, sum(fresh) AS fresh
FROM out WHERE leaving >= 3 AND fresh * 2 >= leaving GROUP BY cluster_id
"""

# Per cluster: coinbase outputs received (a mining pool), blocks of activity, address count.
_ACTIVITY = """
SELECT c.cluster_id, count(DISTINCT c.address_id) AS addresses, min(o.block_height) AS first,
       max(o.block_height) AS last,
       count(*) FILTER (WHERE x.is_coinbase) AS coinbase
FROM outputs o JOIN svc_cluster c USING (address_id) JOIN transactions x USING (tx_id) GROUP BY c.cluster_id
"""


def prepare(store: LedgerStore, groups: dict[int, int] | None = None) -> None:
    """Set up the per-transaction tables every services query reads: each address's wallet (its cluster, or the
    service ``groups`` joins it into: cluster id -> service id) and each transaction's input wallets."""
    clustered = store.has_table("address_clusters")
    join = "LEFT JOIN address_clusters ac USING (address_id)" if clustered else ""
    cluster = "coalesce(ac.cluster_id, a.address_id)" if clustered else "a.address_id"
    if groups:
        store.con.execute(_GROUPS, [list(groups), list(groups.values())])
        join += f" LEFT JOIN svc_group g ON g.wallet_id = {cluster}"
        cluster = f"coalesce(g.service_id, {cluster})"
    store.con.execute(_CLUSTER.format(cluster=cluster, join=join))
    store.con.execute(_TX_IN)


def release(store: LedgerStore) -> None:
    """Drop what :func:`prepare` set up."""
    store.con.execute("DROP TABLE IF EXISTS svc_tx_in")
    store.con.execute("DROP VIEW IF EXISTS svc_cluster")
    store.con.execute("DROP TABLE IF EXISTS svc_group")


@contextmanager
def prepared(store: LedgerStore, groups: dict[int, int] | None = None) -> Iterator[None]:
    """:func:`prepare` for the reads inside, :func:`release` after: the set-up is the costly part, read once."""
    prepare(store, groups)
    try:
        yield
    finally:
        release(store)


def cluster_figures(store: LedgerStore, groups: dict[int, int] | None = None) -> dict[int, dict[str, Any]]:
    """The figures of every cluster that received anything, by cluster id; with ``groups`` (cluster id -> service
    id), of every service, the wallets it joins read as one."""
    with prepared(store, groups):
        return figures(store)


def figures(store: LedgerStore) -> dict[int, dict[str, Any]]:
    """:func:`cluster_figures` inside :func:`prepared`."""
    figures: dict[int, dict[str, Any]] = {}
    for cid, addresses, first, last, coinbase in store.rows(_ACTIVITY):
        figures[cid] = {"addresses": addresses, "first_height": first, "last_height": last, "coinbase": coinbase,
                        "sweeps": 0, "swept": 0, "hot_wallet": None, "hot_cluster": None, "hot_sweeps": 0,
                        "depositors": 0, "paid_back": 0, "batches": 0, "batch_outputs": 0,
                        "fresh_outputs": 0}  # fmt: skip
    for cid, sweeps, swept, hot, hot_cluster, n in store.rows(_SWEEPS):
        if cid in figures:
            figures[cid] |= {"sweeps": sweeps, "swept": swept, "hot_wallet": hot, "hot_cluster": hot_cluster,
                             "hot_sweeps": n}  # fmt: skip
    for cid, depositors, paid_back in store.rows(_DEPOSITORS):
        if cid in figures:
            figures[cid] |= {"depositors": depositors, "paid_back": paid_back}
    for cid, batches, paid, fresh in store.rows(_BATCHES):
        if cid in figures:
            figures[cid] |= {"batches": batches, "batch_outputs": int(paid), "fresh_outputs": int(fresh)}
    return figures


# The detections of the last `services detect` on a writable store, tied to the cluster build they were computed
# on: the wallets (cluster ids) they name mean nothing after another build. Read by tracing (a trail stops at an
# unnamed exchange-like wallet) without computing them again (tens of seconds on a store of a million transactions).
_DETECTIONS_DDL = """
CREATE TABLE IF NOT EXISTS service_detections (
    cluster_run INTEGER NOT NULL, cluster_id BIGINT NOT NULL, kind VARCHAR NOT NULL, score DOUBLE NOT NULL,
    detection JSON NOT NULL
)
"""


_DETECTED_KEY = "services_detected_run"  # the cluster build the kept detections ran on (even if none was found)


def _cluster_run(store: LedgerStore) -> int | None:
    if not store.has_table("cluster_runs"):
        return None
    found = store.one("SELECT max(run) FROM cluster_runs")
    return None if found is None or found[0] is None else int(found[0])


def save_detections(store: LedgerStore, detections: list[dict[str, Any]]) -> None:
    """Keep ``detections`` (their dicts) for the store's current cluster build, replacing any earlier ones."""
    run = _cluster_run(store)
    if run is None:
        return
    store.con.execute(_DETECTIONS_DDL)
    store.con.execute("DELETE FROM service_detections")
    mark_detected(store)
    if detections:
        store.con.executemany(
            "INSERT INTO service_detections VALUES (?, ?, ?, ?, ?)",
            [[run, d["cluster_id"], d["kind"], d["score"], json.dumps(d)] for d in detections],
        )


def stored_detections(store: LedgerStore) -> list[dict[str, Any]] | None:
    """The detections kept for the current cluster build, highest score first; None when there are none for it
    (never detected, or the store was clustered again since)."""
    run = _cluster_run(store)
    if run is None or not store.has_table("service_detections"):
        return None
    marked = store.one("SELECT value FROM meta WHERE key = ?", [_DETECTED_KEY])
    if marked is None or int(marked[0]) != run:
        return None
    return [json.loads(d) for (d,) in store.rows("SELECT detection FROM service_detections "
                                                  "ORDER BY score DESC, cluster_id")]  # fmt: skip


def mark_detected(store: LedgerStore) -> None:
    run = _cluster_run(store)
    if run is not None:
        store.con.execute("DELETE FROM meta WHERE key = ?", [_DETECTED_KEY])
        store.con.execute("INSERT INTO meta VALUES (?, ?)", [_DETECTED_KEY, str(run)])
