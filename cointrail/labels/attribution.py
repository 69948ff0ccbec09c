"""Attribution: what the labels on a cluster's addresses say about who controls it.

The labels of every member are grouped by who they name (the actor, else the
label text) and category, each group with its sources and best confidence.
Disagreement is shown, never resolved silently: labels of two different
services on one cluster are a probable false merge (two services do not share
a wallet), and labels naming different actors are listed for the investigator
to weigh. A group whose category is a custodial, regulated service (an
exchange) gets a plain sentence saying where legal process can be served.
"""

from __future__ import annotations

from typing import Any

from cointrail.labels.model import LEGAL_PROCESS_CATEGORIES, SERVICE_CATEGORIES
from cointrail.store.interface import ClusterReads
from cointrail.wording import counted

_WANTED = ("label", "category", "actor", "source", "source_sha256", "importer", "confidence", "confidence_value",
           "on_chain", "chain_note", "case_name")  # fmt: skip


def member_labels(reads: ClusterReads, cluster_id: int) -> list[dict[str, Any]]:
    """Every stored label on an address of the cluster, as plain data (absent columns read as None)."""
    columns, rows = reads.member_labels(cluster_id, _WANTED)
    found = []
    for address, *values in rows:
        label = dict.fromkeys(_WANTED) | dict(zip(columns, values, strict=True)) | {"address": address}
        label["on_chain"] = label["on_chain"] is not False  # a table without the check: all count
        found.append(label)
    return found


def _source(label: dict[str, Any]) -> dict[str, Any]:
    value = label["confidence_value"]
    return {"source": label["source"], "source_sha256": label["source_sha256"], "importer": label["importer"],
            "confidence": label["confidence"],
            "confidence_value": int(value) if value is not None else None}  # fmt: skip


def _group(labels: list[dict[str, Any]]) -> dict[str, Any]:
    first = labels[0]
    sources = list({tuple(s.items()): s for s in map(_source, labels)}.values())
    sources.sort(key=lambda s: (-(s["confidence_value"] or 0), str(s["source"])))
    return {
        "service": first["actor"] or first["label"], "category": first["category"],
        "labels": sorted({lab["label"] for lab in labels}), "addresses": sorted({lab["address"] for lab in labels}),
        "sources": sources, "confidence": sources[0]["confidence"], "confidence_value": sources[0]["confidence_value"],
        "is_service": first["category"] in SERVICE_CATEGORIES,
        "legal_process": first["category"] in LEGAL_PROCESS_CATEGORIES,
    }  # fmt: skip


def group_labels(labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Labels grouped by (actor or label, category), most confident group first."""
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for label in labels:
        groups.setdefault((label["actor"] or label["label"], label["category"]), []).append(label)
    built = [_group(members) for members in groups.values()]
    return sorted(built, key=lambda g: (-(g["confidence_value"] or 0), g["service"], g["category"] or ""))


def find_conflicts(cluster_id: int, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Disagreements between the groups of one cluster, each explained in a sentence."""
    services = sorted({g["service"] for g in groups if g["is_service"]})
    actors = sorted({g["service"] for g in groups})
    if len(services) >= 2:
        return [{"kind": "services", "names": services, "message": (
            f"cluster {cluster_id} carries labels of {len(services)} different services ({', '.join(services)}): "
            "two services do not share a wallet, so this is probably a false merge; check each labelled address's "
            "links with 'cluster show --why' before relying on any of these labels")}]  # fmt: skip
    if len(actors) >= 2:
        return [{"kind": "actors", "names": actors, "message": (
            f"the labels of cluster {cluster_id} name {len(actors)} different actors ({', '.join(actors)}): either "
            "the cluster joins wallets of different owners, or one used the other's service (a deposit address); "
            "weigh each label's source and confidence")}]  # fmt: skip
    return []


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def legal_process_sentence(cluster_id: int, group: dict[str, Any], conflicted: bool) -> str:
    """The plain sentence naming an accountable service where legal process can be served."""
    top = group["sources"][0]
    more = f" and {counted(len(group['sources']) - 1, 'more source')}" if len(group["sources"]) > 1 else ""
    category = str(group["category"]).replace("_", " ")
    sentence = (f"Cluster {cluster_id} is attributed to {group['service']}, {_article(category)} {category} "
                f"(source {top['source']}{more}; confidence {top['confidence']} {top['confidence_value']}): "
                f"legal process can be served there (labelled: {', '.join(group['addresses'])}).")  # fmt: skip
    if conflicted:
        sentence += " Caution: this cluster also carries labels of other services; settle the conflict first."
    return sentence


def attribute_labels(cluster_id: int, labels: list[dict[str, Any]]) -> dict[str, Any]:
    """The attribution of a cluster from its members' labels (plain data)."""
    used = [lab for lab in labels if lab["on_chain"]]
    groups = group_labels(used)
    conflicts = find_conflicts(cluster_id, groups)
    conflicted = any(c["kind"] == "services" for c in conflicts)
    return {
        "cluster_id": cluster_id, "label_count": len(used), "groups": groups, "conflicts": conflicts,
        "legal_process": [legal_process_sentence(cluster_id, g, conflicted) for g in groups if g["legal_process"]],
        "other_chain": [{"address": lab["address"], "label": lab["label"], "source": lab["source"],
                         "chain_note": lab["chain_note"]} for lab in labels if not lab["on_chain"]],
    }  # fmt: skip


def cluster_attribution(reads: ClusterReads, cluster_id: int) -> dict[str, Any]:
    """Who the labels say controls cluster ``cluster_id``: groups, conflicts, where to serve legal process.

    Labels stored for the same address string on another chain are listed
    under ``other_chain`` and never used.
    """
    return attribute_labels(cluster_id, member_labels(reads, cluster_id))
