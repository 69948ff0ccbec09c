"""A case's watches: the addresses and wallets whose next move the investigator wants to know of.

Each ``watch add`` writes the watch as write-once evidence (a small JSON document: its addresses, the wallet it
came from, the note, who added it and when) and logs it; ``watch remove`` logs the removal. The watch list is read
back from the custody log, so it is exactly what the log says was asked, in order, and nothing else can change it.
A watch of a wallet (``--cluster``) keeps the wallet's members as they were when it was added: a later
re-clustering does not silently change what is watched (a run adds the addresses a watched one spends together
with, each with its reason, in the alert that found them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cointrail.addresses.parse import parse_address
from cointrail.cases import Case
from cointrail.cases.custody import canonical_json, utc_now
from cointrail.errors import InputError

if TYPE_CHECKING:
    from cointrail.store.duckdb.store import LedgerStore

WATCH_FORMAT = "cointrail-watch/1"
ADD, REMOVE = "watch add", "watch remove"
# A wallet bigger than this is a service's, not a suspect's: watching it would alert on every customer.
MAX_WALLET_MEMBERS = 10_000


@dataclass(frozen=True)
class Watch:
    """One watch of a case: ``W1``, ``W2``… in the order they were added."""

    watch_id: str
    addresses: tuple[str, ...]
    cluster_id: int | None
    note: str | None
    added_utc: str
    operator: str
    evidence: str  # the watch document, in the case's evidence

    def to_json(self) -> dict[str, Any]:
        return {"watch_id": self.watch_id, "addresses": list(self.addresses), "cluster_id": self.cluster_id,
                "note": self.note, "added_utc": self.added_utc, "operator": self.operator,
                "evidence": self.evidence}  # fmt: skip

    def describe(self) -> str:
        """The watch in a few words: "3J98… and 2 more" or "wallet 12 (40 addresses)"."""
        if self.cluster_id is not None:
            return f"wallet {self.cluster_id} ({len(self.addresses)} addresses)"
        more = f" and {len(self.addresses) - 1} more" if len(self.addresses) > 1 else ""
        return f"{self.addresses[0]}{more}"


def _checked(address: str) -> str:
    """An address a watch can follow (a Bitcoin-family one, checksum checked), or a plain-words refusal."""
    text = address.strip()
    parsed = parse_address(text)
    if not parsed.valid:
        raise InputError(f"{text!r} cannot be watched: it is not a valid address ({parsed.reason})")
    chains = {c.chain for c in parsed.candidates}
    if not any(c.script_pubkey for c in parsed.candidates) and not chains & {"ethereum", "tron"}:
        raise InputError(f"{text!r} is a {', '.join(sorted(chains))} address: watch follows Bitcoin-family chains, "
                         "Ethereum and Tron (USDT) so far")  # fmt: skip
    return text


def _members(store: LedgerStore, cluster_id: int) -> list[str]:
    reads = store.cluster_reads()
    if not reads.has_clusters():
        raise InputError("the store has no wallets yet: run `cointrail cluster build --db DB` before watching one")
    members = reads.members(cluster_id, MAX_WALLET_MEMBERS + 1)
    if not members:
        raise InputError(f"there is no wallet {cluster_id} in the store (see `cointrail cluster show ADDRESS`)")
    if len(members) > MAX_WALLET_MEMBERS:
        raise InputError(f"wallet {cluster_id} has more than {MAX_WALLET_MEMBERS:,} addresses: it is a service's "
                         "wallet, not a suspect's; watch the addresses that matter instead")  # fmt: skip
    return [m for m in members if not m.startswith("script #")]  # a script with no address form: not watchable by name


def add_watch(case: Case, addresses: list[str] | tuple[str, ...] = (), cluster_id: int | None = None,
              note: str | None = None, store: LedgerStore | None = None) -> Watch:  # fmt: skip
    """Watch ``addresses`` (or the wallet ``cluster_id`` of ``store``) in ``case``: kept as evidence and logged."""
    if bool(addresses) == (cluster_id is not None):
        raise InputError("give the addresses to watch, or --cluster ID with --db, not both")
    if cluster_id is not None:
        if store is None:
            raise InputError("watching a wallet needs the store it was found in: give --db")
        chosen = _members(store, cluster_id)
    else:
        chosen = list(dict.fromkeys(_checked(a) for a in addresses))
    watch_id = f"W{1 + sum(1 for e in case.log.entries() if e['action'] == ADD)}"
    document = {"format": WATCH_FORMAT, "watch_id": watch_id, "case": case.name, "addresses": chosen,
                "cluster_id": cluster_id, "note": note, "added_utc": utc_now(), "operator": case.operator}  # fmt: skip
    return _watch(document, case.add_evidence(canonical_json(document) + b"\n", ".json", ADD).object)


def remove_watch(case: Case, watch_id: str) -> Watch:
    """Stop watching ``watch_id`` (``W2``): logged; the watch's evidence stays, as every evidence does."""
    current = {w.watch_id: w for w in case_watches(case)}
    if watch_id not in current:
        known = ", ".join(current) or "none"
        raise InputError(f"the case {case.name} has no watch {watch_id} (watches now: {known})")
    case.record(REMOVE, f"watch {watch_id}")
    return current[watch_id]


def case_watches(case: Case, entries: list[dict[str, Any]] | None = None) -> list[Watch]:
    """The case's watches now, in the order they were added (read back from the custody log, or from its
    ``entries`` already read and checked)."""
    found: dict[str, Watch] = {}
    for entry in case.log.entries() if entries is None else entries:
        if entry["action"] == ADD:
            document = json.loads((case.folder / entry["object"]).read_bytes())
            found[document["watch_id"]] = _watch(document, entry["object"])
        elif entry["action"] == REMOVE:
            found.pop(entry["object"].removeprefix("watch "), None)
    return list(found.values())


def _watch(document: dict[str, Any], evidence: str) -> Watch:
    return Watch(document["watch_id"], tuple(document["addresses"]), document.get("cluster_id"), document.get("note"),
                 document["added_utc"], document["operator"], evidence)  # fmt: skip
