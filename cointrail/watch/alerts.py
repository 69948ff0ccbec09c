"""Alerts: a watched address moved money; kept in the case exactly once, withdrawn when a reorg removes them.

An alert is a small JSON document written as write-once evidence and logged (``watch alert``). Its id comes from
what it reports, the transaction and the block it was mined in, never from when it was noticed; the document
holds nothing of the run's clock either (the custody entry says when it was raised). So a run killed at any
moment and started again finds the alerts it already kept and raises none twice, and one killed between writing
the document and logging it writes the same bytes again (evidence is named by its hash) and logs them once.

A reorg that removes an alert's block withdraws it: a ``withdrawn`` alert naming the first, delivered like it.
If the same transaction is mined again in the new chain, that is a new alert (new block, new id).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cointrail.cases import Case
from cointrail.cases.custody import canonical_json

ALERT_FORMAT = "cointrail-alert/1"
RAISED, DELIVERED = "watch alert", "watch alert delivered"
RECEIVED, SPENT, WITHDRAWN = "received", "spent", "withdrawn"


def alert_id(txid: str, block_hash: str) -> str:
    """The id of the alert on transaction ``txid`` mined in ``block_hash``: ``A-`` and 16 hex digits."""
    return "A-" + hashlib.sha256(f"{txid}:{block_hash}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Alert:
    """One alert as kept in the case; :meth:`to_json` is the evidence document and the ``--json`` form."""

    alert_id: str
    kind: str  # received, spent, withdrawn
    case: str
    chain: str
    network: str
    watches: tuple[str, ...]
    hop: int  # 0: a watched address itself; n: money followed n transactions from one
    txid: str
    height: int
    block_hash: str
    block_time: str
    amount: int  # base units: what the watched addresses received or spent in the transaction
    amount_text: str
    headline: str
    reason: str
    urgent: bool = False  # money reached a business that can freeze it (a labelled exchange)
    watched: tuple[dict[str, Any], ...] = ()
    destinations: tuple[dict[str, Any], ...] = ()
    coinjoin: dict[str, Any] | None = None
    followed: tuple[dict[str, Any], ...] = ()
    joined: tuple[dict[str, Any], ...] = ()
    freeze_requests: tuple[dict[str, Any], ...] = ()
    withdraws: str | None = None
    evidence: str | None = field(default=None, compare=False)  # where the case keeps it (set when read back)
    raised_utc: str | None = field(default=None, compare=False)  # the custody entry's time

    def to_json(self) -> dict[str, Any]:
        body = {
            "format": ALERT_FORMAT, "alert_id": self.alert_id, "kind": self.kind, "case": self.case,
            "chain": self.chain, "network": self.network, "watches": list(self.watches), "hop": self.hop,
            "txid": self.txid, "height": self.height, "block_hash": self.block_hash, "block_time": self.block_time,
            "amount": self.amount, "amount_text": self.amount_text, "headline": self.headline, "reason": self.reason,
            "urgent": self.urgent, "watched": list(self.watched), "destinations": list(self.destinations),
            "coinjoin": self.coinjoin, "followed": list(self.followed), "joined": list(self.joined),
            "freeze_requests": list(self.freeze_requests), "withdraws": self.withdraws,
        }  # fmt: skip
        return body

    def kept(self) -> dict[str, Any]:
        """The alert as the case keeps it: the document, where it is kept and when it was raised (what ``watch
        alerts --json``, the workspace and every delivery show)."""
        return {**self.to_json(), "evidence": self.evidence, "raised_utc": self.raised_utc}

    def document(self) -> bytes:
        """The bytes kept as evidence: canonical JSON, the same for the same alert whenever it is written."""
        return canonical_json(self.to_json()) + b"\n"

    @classmethod
    def from_json(cls, data: dict[str, Any], evidence: str | None = None, raised_utc: str | None = None) -> Alert:
        tuples = ("watches", "watched", "destinations", "followed", "joined", "freeze_requests")
        values: dict[str, Any] = {k: (tuple(data[k]) if k in tuples else data[k]) for k in _FIELDS if k in data}
        return cls(**values, evidence=evidence, raised_utc=raised_utc)

    def withdrawal(self, new_tip: int) -> Alert:
        """The follow-up saying this alert's block left the chain (a reorg); its transaction is not confirmed."""
        return Alert(
            alert_id="X" + self.alert_id[1:], kind=WITHDRAWN, case=self.case, chain=self.chain, network=self.network,
            watches=self.watches, hop=self.hop, txid=self.txid, height=self.height, block_hash=self.block_hash,
            block_time=self.block_time, amount=self.amount, amount_text=self.amount_text,
            headline=f"WITHDRAWN: alert {self.alert_id} ({self.headline}) — its block at height {self.height} is "
                     "no longer in the chain (a reorg)",
            reason=(f"the node's chain no longer holds block {self.block_hash} at height {self.height} (its tip is "
                    f"now {new_tip}): the transaction {self.txid} is not confirmed there. If it is mined again, a new "
                    "alert says so."),
            watched=self.watched, withdraws=self.alert_id,
        )  # fmt: skip


_FIELDS = tuple(f for f in Alert.__dataclass_fields__ if f not in ("evidence", "raised_utc"))


def keep_alert(case: Case, alert: Alert) -> str:
    """Write ``alert`` as evidence and log it; returns its evidence path. Idempotent by content."""
    return case.add_evidence(alert.document(), ".json", RAISED).object


def case_alerts(case: Case, entries: list[dict[str, Any]] | None = None) -> list[Alert]:
    """Every alert the case keeps, oldest first (withdrawals included), each with its evidence and time."""
    found: dict[str, Alert] = {}
    for entry in case.log.entries() if entries is None else entries:  # entries: the log already read and checked
        if entry["action"] == RAISED:
            data = json.loads((case.folder / entry["object"]).read_bytes())
            if data["alert_id"] not in found:  # an alert logged twice (a crash between log and cursor) is one alert
                found[data["alert_id"]] = Alert.from_json(data, entry["object"], entry["time_utc"])
    return list(found.values())


def live(alerts: list[Alert]) -> list[Alert]:
    """The alerts no withdrawal has withdrawn (withdrawals themselves left out)."""
    withdrawn = {a.withdraws for a in alerts if a.kind == WITHDRAWN}
    return [a for a in alerts if a.kind != WITHDRAWN and a.alert_id not in withdrawn]


def delivered(case: Case, entries: list[dict[str, Any]] | None = None) -> set[tuple[str, str]]:
    """(alert id, channel) of every delivery the case log records."""
    pairs = set()
    for entry in case.log.entries() if entries is None else entries:
        if entry["action"] == DELIVERED:
            alert, _, channel = entry["object"].removeprefix("alert ").partition(" to ")
            pairs.add((alert, channel))
    return pairs


def record_delivery(case: Case, alert: Alert, channel: str, payload: bytes) -> None:
    """Log that ``alert`` reached ``channel`` (with the SHA-256 of exactly what was sent)."""
    case.record(DELIVERED, f"alert {alert.alert_id} to {channel}", hashlib.sha256(payload).hexdigest())
