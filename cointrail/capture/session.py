"""One capture of a site into a case: fetch, record, extract, store, log.

:func:`capture_url` is the entry point. Pages are fetched breadth-first from
the start URL, same-site links to ``depth``; same-site scripts are fetched with
their page; media are only listed unless images were asked for. Whatever
happens, the WARC written so far is stored and logged before an error is
raised.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cointrail import __version__
from cointrail.capture.decode import decode_body, searchable, text_of
from cointrail.capture.fetch import Exchange, Fetcher
from cointrail.capture.findings import findings_in
from cointrail.capture.limits import CaptureLimits
from cointrail.capture.links import MAX_PARSED_CHARS, media_kind, page_links, redirect_target, same_site
from cointrail.capture.media import data_uri_bytes, read_codes
from cointrail.capture.netpolicy import private_target
from cointrail.capture.pages import note, page_entry, page_problems
from cointrail.capture.render import render_page
from cointrail.capture.warc import RecordInfo, WarcRecorder
from cointrail.cases.custody import utc_now


@dataclass(frozen=True)
class CaptureOptions:
    """How to capture: proxy, depth, media and rendering choices, limits."""

    proxy: str | None = None
    depth: int = 0
    include_media: bool = False
    render: bool = False
    insecure: bool = False  # accept any TLS certificate (self-signed .onion sites); the fingerprint is kept
    allow_private_addresses: bool = False  # let redirects, links and images lead to loopback or local networks
    limits: CaptureLimits = field(default_factory=CaptureLimits)

    def to_dict(self) -> dict[str, Any]:
        return {"proxy": self.proxy, "depth": self.depth, "include_media": self.include_media,
                "render": self.render, "insecure": self.insecure,
                "allow_private_addresses": self.allow_private_addresses, "limits": self.limits.to_dict()}


@dataclass
class Crawl:
    """The state of one capture as it runs; becomes the summary."""

    start_url: str
    options: CaptureOptions
    recorder: WarcRecorder
    fetcher: Fetcher
    pages: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)  # url -> {kind, found_on}
    inline_images: list[tuple[str, str, RecordInfo]] = field(default_factory=list)
    media_fetched: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tls: dict[str, str] = field(default_factory=dict)
    rendered: dict[str, Any] | None = None
    final_url: str | None = None
    start_error: str | None = None
    cut_short: str | None = None  # why the capture ended early (a signal, the overall time limit), if it did
    progress: Callable[[str], None] = field(default=lambda message: None)

    # --- pages ----------------------------------------------------------

    def run(self) -> None:
        """Fetch the pages, then the images (if asked), then render (if asked)."""
        self._crawl_pages()
        if self.options.include_media:
            self._fetch_images()
        if self.options.render and self.final_url:
            self._render(self.final_url)

    def _crawl_pages(self) -> None:
        limits = self.options.limits
        queue: deque[tuple[str, int]] = deque([(self.start_url, 0)])
        seen = {self.start_url}
        while queue:
            if self._out_of_time("pages"):
                return
            if len(self.pages) >= limits.max_pages or self.fetcher.budget.left == 0:
                self.warnings.append(f"stopped early: the limit of {limits.max_pages} pages or "
                                     f"{limits.max_capture_bytes:,} bytes per capture was reached")
                return
            url, depth = queue.popleft()
            for link in self._page(url, depth, "page"):
                if depth < self.options.depth and link not in seen and self._on_site(link):
                    seen.add(link)
                    queue.append((link, depth + 1))

    def _out_of_time(self, what: str) -> bool:
        """Whether the capture's overall time limit is reached; then it says so, once, and stops."""
        if self.fetcher.time_left > 0:
            return False
        if self.cut_short is None:
            self.cut_short = (f"the capture's overall time limit of {self.options.limits.capture_time_s:.0f} s was "
                              f"reached; no more {what} were fetched, and what was received is kept")
            self.warnings.append(self.cut_short)
        return True

    def _on_site(self, url: str) -> bool:
        """Same host and port as the start page, or as where it redirected to."""
        return same_site(url, self.start_url) or bool(self.final_url and same_site(url, self.final_url))

    def _follow(self, url: str, want_image: bool = False) -> tuple[Exchange, RecordInfo | None, list[str]]:
        """Fetch with redirects followed by hand, so every hop is recorded."""
        hops: list[str] = []
        refused = self._refused(url)
        if refused:
            return Exchange(url=url, started_utc=utc_now(), error=refused), None, hops
        for _ in range(self.options.limits.max_redirects + 1):
            self.progress(f"fetching {url}")
            exchange = self.fetcher.fetch(url, want_image)
            _, response = self.recorder.exchange(exchange)
            if exchange.stopped_by is not None:  # searched and recorded first (see _page), then the capture ends
                return exchange, response, hops
            if exchange.tls_sha256:
                self.tls[_origin(url)] = exchange.tls_sha256
            if not exchange.is_redirect:
                return exchange, response, hops
            target = redirect_target(url, exchange.header("location") or "")
            if target is None:
                exchange.problem = f"it redirects to {exchange.header('location')!r}, which is not a web address"
                return exchange, response, hops
            refused = self._refused(target)
            if refused:
                exchange.problem = f"it redirects to {target}, which was refused: {refused}"
                return exchange, response, hops
            hops.append(url)
            url = target
        exchange.problem = f"it redirected more than {self.options.limits.max_redirects} times; stopped following"
        return exchange, response, hops

    def _refused(self, url: str) -> str | None:
        """Why a URL the site led to may not be fetched (see :mod:`cointrail.capture.netpolicy`), or None."""
        if self.options.allow_private_addresses:
            return None
        why = private_target(url, self.start_url, proxied=bool(self.options.proxy))
        if why is None:
            return None
        return (f"{why}; a site may not lead the capture into this machine or its network (add "
                "--allow-private-addresses to allow it)")

    def _page(self, url: str, depth: int, kind: str) -> list[str]:
        """Fetch, record and search one page or script; return its same-page links to follow."""
        exchange, record, hops = self._follow(url)
        entry = page_entry(exchange, record, hops, depth, kind, url)
        self.pages.append(entry)
        if url == self.start_url:
            self.final_url = exchange.url if exchange.status is not None else None
            self.start_error = exchange.error or (exchange.problem if exchange.status is None else None)
        if record is None or exchange.status is None or exchange.is_media:
            _stop_if_asked(exchange)
            return []
        decoded = decode_body(exchange.body, exchange.header("content-encoding"), self.options.limits.max_decoded_bytes)
        note(entry, decoded.problem)
        data, basis = searchable(decoded.data, exchange.content_type)
        self.findings += findings_in(data, record, "http-response", basis)
        _stop_if_asked(exchange)  # a signal: what arrived is recorded and searched; now the capture ends
        if kind != "page" or not _looks_html(exchange.content_type, decoded.data):
            return []
        return self._links(exchange, decoded.data, record, entry, depth)

    def _links(self, exchange: Exchange, body: bytes, record: RecordInfo, entry: dict[str, Any],
               depth: int) -> list[str]:
        text, entry["charset"], problems = text_of(body, exchange.content_type)
        for problem in problems:
            note(entry, problem)
        links = page_links(text, exchange.url)
        if len(text) > MAX_PARSED_CHARS:
            note(entry, f"only the first {MAX_PARSED_CHARS:,} characters were read for links and media "
                         "(all of it was searched for addresses)")
        for media_url in links.images + links.other_media:
            self.media.setdefault(media_url, {"url": media_url, "kind": media_kind(media_url) or
                                              ("image" if media_url in links.images else "media"),
                                              "found_on": exchange.url})
        self.inline_images += [(uri, exchange.url, record) for uri in links.inline_images]
        for script in links.scripts:
            if self._on_site(script) and not any(p["url"] == script for p in self.pages):
                self._page(script, depth, "script")
        return links.pages

    # --- images and rendering ------------------------------------------

    def _fetch_images(self) -> None:
        images = [m["url"] for m in self.media.values() if m["kind"] == "image"]
        for url in images[: self.options.limits.max_images]:
            if self._out_of_time("images"):
                break
            if self.fetcher.budget.left == 0:
                self.warnings.append("images were left out: the size limit per capture was reached")
                break
            exchange, record, _ = self._follow(url, want_image=True)
            item = {"url": url, "status": exchange.status, "content_type": exchange.content_type,
                    "bytes": len(exchange.body), "sha256": record.sha256 if record else None,
                    "record_id": record.record_id if record else None, "qr_codes": [],
                    "problem": exchange.error or exchange.problem}
            if record and exchange.is_image and not exchange.truncated:
                self._read_image(exchange.body, record, item)
            self.media_fetched.append(item)
            _stop_if_asked(exchange)
        for uri, page, record in self.inline_images[: self.options.limits.max_images]:
            data = data_uri_bytes(uri)
            item = {"url": uri[:40] + "…", "found_on": page, "bytes": len(data or b""), "qr_codes": [],
                    "sha256": None, "record_id": record.record_id, "problem": None if data else "malformed data: URI"}
            if data:
                self._read_image(data, record, item)
            self.media_fetched.append(item)

    def _read_image(self, data: bytes, record: RecordInfo, item: dict[str, Any]) -> None:
        item["sha256"] = hashlib.sha256(data).hexdigest()
        reading = read_codes(data, self.options.limits.max_image_pixels)
        item["qr_codes"] = reading.texts
        item["problem"] = item["problem"] or reading.problem
        for index, text in enumerate(reading.texts):
            extra = {"qr_text": text, "qr_index": index, "image_sha256": item["sha256"]}
            self.findings += findings_in(text.encode("utf-8"), record, "qr-code",
                                         "bytes of the UTF-8 text decoded from the QR code", extra)

    def _render(self, url: str) -> None:
        opts = self.options
        if self._out_of_time("renderings"):
            return
        self.progress(f"rendering {url} in Chromium")
        timeout = min(opts.limits.render_timeout_s, self.fetcher.time_left)
        result = render_page(url, opts.proxy, opts.include_media, timeout, opts.insecure)
        dom = result.dom.encode("utf-8")[: opts.limits.max_decoded_bytes]
        record = self.recorder.resource(url, "text/html; charset=utf-8", dom, {"WARC-X-Rendered-By": result.browser})
        self.findings += findings_in(dom, record, "rendered-dom", "bytes of the rendered DOM (UTF-8)")
        self.rendered = {"url": url, "record_id": record.record_id, "sha256": record.sha256, "bytes": len(dom),
                         "browser": result.browser, "blocked_requests": result.blocked, "problem": result.problem,
                         "screenshot_record_id": None}
        if result.screenshot:
            shot = self.recorder.resource(url, "image/png", result.screenshot, {"WARC-Refers-To": record.record_id})
            self.rendered["screenshot_record_id"] = shot.record_id
        if result.problem:
            self.warnings.append(result.problem)

    # --- the record of it all -------------------------------------------

    def metadata(self, started: str, operator: str) -> dict[str, Any]:
        """What the WARC's closing metadata record says about the capture."""
        return {"tool": f"cointrail {__version__}", "operator": operator, "started_utc": started,
                "finished_utc": utc_now(), "start_url": self.start_url, "final_url": self.final_url,
                "proxy": self.options.proxy, "options": self.options.to_dict(), "tls_certificates_sha256": self.tls,
                "pages": self.pages, "media_found": list(self.media.values()),
                "inline_images_found": len(self.inline_images), "media_fetched": self.media_fetched,
                "rendered": self.rendered, "warnings": self.warnings + page_problems(self.pages)}


def _stop_if_asked(exchange: Exchange) -> None:
    if exchange.stopped_by is not None:
        raise exchange.stopped_by


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _looks_html(content_type: str, body: bytes) -> bool:
    if "html" in content_type.lower():
        return True
    return not content_type and body.lstrip()[:1] == b"<"
