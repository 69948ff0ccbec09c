"""Apply a held-back link on an investigator's word: recorded in the store and in the case's custody log.

The supercluster check (:mod:`cointrail.clustering.guard`) holds back links
that would join two large clusters. An investigator who has checked the
transaction (say, it is one exchange consolidating two parts of its own wallet)
applies it: the transaction goes into ``applied_links`` with who, when, the
case and the reason; the clusters are rebuilt from the first block (so the
result is the same as if the link had never been held), and the case's custody
log gets an entry with the SHA-256 of the decision.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from typing import Any

from cointrail.cases.case import Case
from cointrail.chains.bitcoin.model import internal_hash
from cointrail.clustering.build import build_clusters
from cointrail.clustering.redflags import held_links
from cointrail.errors import InputError, NotInStoreError
from cointrail.store.duckdb.store import LedgerStore


def _tx_id(store: LedgerStore, txid: str) -> int:
    try:
        raw = internal_hash(txid.strip())
    except ValueError:
        raise InputError(f"{txid!r} is not a transaction id (64 hexadecimal digits)") from None
    found = store.trace_reads().tx_id(raw)
    if len(raw) != 32 or found is None:
        raise NotInStoreError(f"the transaction {txid} is not in this ledger store")
    return found


def apply_link(store: LedgerStore, txid: str, case: Case, reason: str | None = None) -> dict[str, Any]:
    """Apply the held-back links of transaction ``txid``; return what was joined and the custody-log entry."""
    reads = store.cluster_reads()
    last = store.cluster_tables().last_run()
    if last is None:
        raise InputError(f"the store {store.path} has no clusters yet: run 'cointrail cluster build' first")
    tx_id = _tx_id(store, txid)
    held = [h for h in held_links(reads) if h["tx_id"] == tx_id]
    if not held:
        raise InputError(f"transaction {txid.strip()} has no held-back link: only links listed as 'probable "
                         "false merge, not applied' (cointrail cluster build or show) can be applied")
    decision = {"action": "apply-link", "txid": txid.strip(), "store": str(store.path), "chain": store.chain,
                "network": store.network, "held": held, "reason": reason, "case": case.name,
                "operator": case.operator}  # fmt: skip
    now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
    reads.record_applied(store.chain, store.network, tx_id, txid.strip(), now, case.operator, case.name, reason)
    try:
        summary = build_clusters(store, last.heuristics, full=True)
    except BaseException:
        reads.forget_applied(tx_id, now)
        raise
    digest = hashlib.sha256(json.dumps(decision, sort_keys=True, default=str).encode()).hexdigest()
    entry = case.record("cluster.apply-link", f"tx:{txid.strip()}", digest)
    first = held[0]["clusters"][0]
    cluster_id, size = reads.cluster_and_size(first)
    return {"txid": txid.strip(), "case": case.name, "operator": case.operator, "reason": reason, "held": held,
            "cluster_id": cluster_id, "size": size, "run": summary["run"], "log_seq": entry["seq"],
            "sha256": digest}  # fmt: skip
