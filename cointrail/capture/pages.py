"""The summary's entry for each fetched page, and the warnings that come from them."""

from __future__ import annotations

from typing import Any

from cointrail.capture.fetch import Exchange
from cointrail.capture.warc import RecordInfo


def note(entry: dict[str, Any], problem: str | None) -> None:
    """Add a problem sentence to a page entry (none when ``problem`` is empty)."""
    if problem:
        entry["problems"].append(problem)


def page_entry(exchange: Exchange, record: RecordInfo | None, hops: list[str], depth: int, kind: str,
                requested: str) -> dict[str, Any]:
    """The summary's entry for one fetched page or script."""
    entry = {"url": requested, "final_url": exchange.url, "redirects": hops, "depth": depth, "kind": kind,
             "status": exchange.status, "content_type": exchange.content_type, "bytes": len(exchange.body),
             "payload_sha256": record.sha256 if record else None, "record_id": record.record_id if record else None,
             "truncated": exchange.truncated, "error": exchange.error, "charset": None, "problems": [],
             "complete": exchange.error is None and exchange.truncated is None and not exchange.is_redirect}
    note(entry, exchange.problem)
    if exchange.status is not None and exchange.status >= 400:
        note(entry, f"the server answered HTTP {exchange.status} (an error page; the page may be gone)")
    return entry


def page_problems(pages: list[dict[str, Any]]) -> list[str]:
    """Every page's error and problems, each as a sentence naming its URL (the summary's warnings)."""
    out = []
    for page in pages:
        if page["error"]:
            out.append(f"{page['url']}: {page['error']}")
        out += [f"{page['final_url']}: {problem}" for problem in page["problems"]]
    return out
