"""Public label sources fetched and kept up to date: ``cointrail labels update`` and ``labels sources``.

Each source is a URL in a published format: the OFAC SDN list (its advanced XML, or its CSV whose remarks carry
"Digital Currency Address - XBT …"), a GraphSense TagPack (one YAML file) or a TagPack repository (a tar.gz of
it, as GitHub serves a branch; every ``*.yaml`` under ``packs/`` is read). Every download is kept as evidence
beside the store (named by its SHA-256), recorded with its URL and time, and imported incrementally: the labels
it no longer gives leave the store, and the update says what was added, removed and changed since the last one.
Each source carries a reliability, in words, that reports quote (issue 17).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from cointrail.cases.custody import utc_now
from cointrail.errors import ExternalServiceError, InputError
from cointrail.labels import parse_labels
from cointrail.labels.model import Label, LabelFormatError
from cointrail.labels.source import from_bytes
from cointrail.labels.store import label_sha256, write_labels
from cointrail.store.duckdb import label_sources as table
from cointrail.store.duckdb.store import LedgerStore

REPOSITORY = "tagpack-repository"  # a tar.gz of a TagPack repository: every packs/**/*.yaml in it
FORMATS = ("ofac-advanced", "ofac-csv", "tagpack", REPOSITORY)


@dataclass(frozen=True)
class LabelSource:
    """A place labels are fetched from, in one published format, with how far its labels can be trusted."""

    name: str
    url: str
    format: str
    reliability: str
    builtin: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "format": self.format, "reliability": self.reliability,
                "builtin": self.builtin}  # fmt: skip


OFAC = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
OFAC_RELIABILITY = ("official (US Treasury OFAC): an address OFAC lists was tied to a designated person or entity by "
                    "a government investigation; the list has clerical mistakes, rejected on import")  # fmt: skip
TAGPACK_RELIABILITY = ("public, community-curated (GraphSense TagPacks): each tag carries its own confidence; many "
                       "tags are years old and few name exchange deposit addresses")  # fmt: skip
GRAPHSENSE = "https://codeload.github.com/graphsense/graphsense-tagpacks/tar.gz/refs/heads/master"
CONFIGURED_RELIABILITY = "configured by the unit: as reliable as the unit that keeps it"

BUILTIN: dict[str, LabelSource] = {s.name: s for s in (
    LabelSource("ofac-sdn-advanced", OFAC + "SDN_ADVANCED.XML", "ofac-advanced", OFAC_RELIABILITY),
    LabelSource("ofac-sdn-csv", OFAC + "SDN.CSV", "ofac-csv", OFAC_RELIABILITY),
    LabelSource("graphsense-tagpacks", GRAPHSENSE, REPOSITORY, TAGPACK_RELIABILITY),
)}  # fmt: skip
DEFAULT_SOURCES = ("ofac-sdn-advanced", "graphsense-tagpacks")  # the CSV holds the same addresses as the XML


def format_for_url(url: str) -> str:
    """The format a configured URL is read in, from how its path ends."""
    path = url.split("?", 1)[0].lower()
    if path.endswith((".tar.gz", ".tgz")) or "/tar.gz/" in path:
        return REPOSITORY
    if path.endswith((".yaml", ".yml")):
        return "tagpack"
    if path.endswith(".csv"):
        return "ofac-csv"
    if path.endswith(".xml"):
        return "ofac-advanced"
    raise InputError(f"cannot tell the format of {url}; give it as NAME=FORMAT:URL ({', '.join(FORMATS)})")


def parse_url_option(text: str) -> tuple[str, str, str]:
    """``NAME=URL`` or ``NAME=FORMAT:URL`` (``--url``) as (name, format, url)."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise InputError(f"--url takes NAME=URL (or NAME=FORMAT:URL), not {text!r}")
    prefix, colon, url = rest.partition(":")
    if colon and prefix in FORMATS:
        return name.strip(), prefix, url.strip()
    return name.strip(), format_for_url(rest.strip()), rest.strip()


def known_sources(store: LedgerStore) -> dict[str, LabelSource]:
    """The built-in sources, with the unit's configured ones (a configured URL for a built-in name replaces it)."""
    sources = dict(BUILTIN)
    for name, url, format_, reliability in table.configured(store):
        base = BUILTIN.get(name)
        fallback = base.reliability if base else CONFIGURED_RELIABILITY
        sources[name] = LabelSource(name, url, format_, reliability or fallback, builtin=False)
    return sources


def configure_urls(store: LedgerStore, options: tuple[str, ...]) -> list[str]:
    """Keep each ``--url`` in the store for later updates; returns the names given."""
    names = []
    for text in options:
        name, format_, url = parse_url_option(text)
        base = BUILTIN.get(name)
        table.configure(store, name, url, format_, base.reliability if base else CONFIGURED_RELIABILITY)
        names.append(name)
    return names


def chosen(store: LedgerStore, names: tuple[str, ...]) -> list[LabelSource]:
    """The sources to fetch: those named, else the defaults and every configured one."""
    sources = known_sources(store)
    if not names:
        names = tuple(dict.fromkeys([*DEFAULT_SOURCES, *(n for n, s in sources.items() if not s.builtin)]))
    unknown = [n for n in names if n not in sources]
    if unknown:
        raise InputError(f"no label source named {', '.join(unknown)}; known: {', '.join(sources)} "
                         "(add one with --url NAME=URL)")  # fmt: skip
    return [sources[n] for n in names]


def plan(sources: list[LabelSource]) -> list[dict[str, Any]]:
    """What an update would fetch (said when offline)."""
    return [s.to_dict() for s in sources]


# --- fetching ----------------------------------------------------------------------------


class Offline(ExternalServiceError):
    """No source could be reached: nothing was fetched."""


def fetch(url: str, proxy: str | None, timeout: float = 60.0) -> bytes:
    """The bytes at ``url`` (through ``proxy``, a socks5h:// or http:// URL, when given)."""
    try:
        with httpx.Client(proxy=proxy, timeout=timeout, follow_redirects=True,
                          headers={"User-Agent": "cointrail labels update"}) as client:  # fmt: skip
            response = client.get(url)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError) as error:
        raise Offline(f"cannot reach {url}: {error}") from None
    except httpx.HTTPError as error:
        raise ExternalServiceError(f"fetching {url} failed: {error}") from None
    if response.status_code != 200:
        raise ExternalServiceError(f"{url} answered HTTP {response.status_code}")
    return response.content


def _repository_packs(data: bytes, url: str) -> Iterator[tuple[str, bytes]]:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for member in archive:
                parts = member.name.split("/")
                if member.isfile() and "packs" in parts[:-1] and member.name.endswith((".yaml", ".yml")):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        yield f"{url}#{member.name}", handle.read()
    except tarfile.TarError as error:
        raise LabelFormatError(f"{url} is not a tar.gz of a TagPack repository: {error}") from None


def read_download(source: LabelSource, data: bytes) -> tuple[list[Label], int, list[str]]:
    """The labels of one download, the count of entries rejected, and packs that could not be read at all."""
    if source.format != REPOSITORY:
        result = parse_labels(from_bytes(data, source.url), source.format)
        return list(result.labels), len(result.rejected), []
    labels: list[Label] = []
    rejected, broken = 0, []
    for name, pack in _repository_packs(data, source.url):
        try:
            result = parse_labels(from_bytes(pack, name), "tagpack")
        except LabelFormatError as error:
            broken.append(str(error))
            continue
        labels += result.labels
        rejected += len(result.rejected)
    return labels, rejected, broken


# --- importing, incrementally ---------------------------------------------------------------


def _identity(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["address"], row["currency"], row["label"]


def _content(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["category"], row["actor"], row["abuse"], row["confidence"]


def _member(label: Label) -> dict[str, Any]:
    return {"label_sha256": label_sha256(label), "address": label.address, "currency": label.currency,
            "chains": "|".join(label.chains), "label": label.label, "category": label.category,
            "actor": label.actor, "abuse": label.abuse, "confidence": label.confidence.name}  # fmt: skip


def changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """What changed between two downloads of a source: labels added, removed, and changed (category, actor…)."""
    before = {_identity(r): r for r in old}
    after = {_identity(r): r for r in new}
    return {
        "added": [after[k] for k in after.keys() - before.keys()],
        "removed": [before[k] for k in before.keys() - after.keys()],
        "changed": [{"before": before[k], "after": after[k]} for k in after.keys() & before.keys()
                    if _content(before[k]) != _content(after[k])],
    }  # fmt: skip


def evidence_folder(store: LedgerStore) -> Path:
    """Where downloads are kept: beside the store, one file per SHA-256."""
    return store.path.parent / f"{store.path.name}.label-downloads"


def _keep(store: LedgerStore, data: bytes, digest: str) -> Path:
    folder = evidence_folder(store)
    folder.mkdir(exist_ok=True)
    path = folder / digest
    if not path.exists():
        path.write_bytes(data)
    return path


def _brief(rows: list[dict[str, Any]], limit: int = 20) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: str(r.get("address") or r.get("after", {}).get("address")))[:limit]


def update_source(store: LedgerStore, source: LabelSource, data: bytes) -> dict[str, Any]:
    """Import one download of ``source``: keep it, store its labels, drop the ones it no longer gives."""
    digest = hashlib.sha256(data).hexdigest()
    labels, rejected, broken = read_download(source, data)
    table.ensure_tables(store)
    new = list({m["label_sha256"]: m for m in map(_member, labels)}.values())
    diff = changes(table.members(store, source.name), new)
    write_labels(store, labels)
    table.replace_members(store, source.name, [[m[f] for f in table.MEMBER_FIELDS] for m in new])
    path = _keep(store, data, digest)
    row = {"source": source.name, "url": source.url, "sha256": digest, "bytes": len(data), "fetched_utc": utc_now(),
           "evidence": str(path), "label_count": len(new), "rejected_count": rejected,
           **{k: len(v) for k, v in diff.items()}}  # fmt: skip
    table.record_download(store, row)
    return row | {"reliability": source.reliability, "unreadable_packs": broken,
                  "added_labels": _brief(diff["added"]), "removed_labels": _brief(diff["removed"]),
                  "changed_labels": _brief(diff["changed"])}  # fmt: skip


def update(store: LedgerStore, sources: list[LabelSource], proxy: str | None = None) -> dict[str, Any]:
    """Fetch and import each source; raise :class:`Offline` (with the plan) when none could be reached."""
    done, failed = [], []
    for source in sources:
        try:
            done.append(update_source(store, source, fetch(source.url, proxy)))
        except ExternalServiceError as error:
            failed.append({"source": source.name, "url": source.url, "error": str(error),
                           "offline": isinstance(error, Offline)})  # fmt: skip
    if not done and failed and all(f["offline"] for f in failed):
        raise Offline("no label source could be reached (offline?); nothing was fetched")
    return {"db": str(store.path), "updated": done, "failed": failed}


# The labels of the store that no fetched source gave, by how they came in, and how far a report relies on them.
IMPORTED_RELIABILITY = {
    "investigator": "the investigator's own (label add), each kept in the case with its evidence and logged",
    "tagpack": "as reliable as the TagPack file imported; each label cites its tag's own source",
    "csv": "as reliable as the CSV file imported and the sources it names",
}
IMPORTED_ELSE = "as reliable as the file imported (labels import); cointrail has not assessed it"


def describe_sources(store: LedgerStore) -> list[dict[str, Any]]:
    """Every known source: what it is, its reliability, and what its latest download covers (chains, categories);
    then the labels no fetched source gave, by importer (``"imported"``: files imported, the investigator's own)."""
    latest = table.latest_downloads(store)
    known = [source.to_dict() | {"latest": latest.get(name)} | table.coverage(store, name)
             for name, source in known_sources(store).items()]  # fmt: skip
    imported = [{"name": f"imported ({entry['importer']})", "imported": entry,
                 "reliability": IMPORTED_RELIABILITY.get(entry["importer"], IMPORTED_ELSE)}
                for entry in table.not_fetched(store)]  # fmt: skip
    return known + imported


__all__ = ["BUILTIN", "DEFAULT_SOURCES", "FORMATS", "LabelSource", "Offline", "changes", "chosen",
           "configure_urls", "describe_sources", "fetch", "plan", "update", "update_source"]  # fmt: skip
