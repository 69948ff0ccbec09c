"""``capture_url``: capture a site into a case, with its WARC, findings and summary logged."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cointrail import __version__
from cointrail.capture.fetch import Fetcher
from cointrail.capture.findings import by_address, store_findings, with_warc_file
from cointrail.capture.sandbox import chromium_path, sandbox_problem
from cointrail.capture.session import CaptureOptions, Crawl
from cointrail.capture.warc import WarcRecorder
from cointrail.cases.case import Case
from cointrail.cases.custody import utc_now
from cointrail.errors import ExternalServiceError, InputError

PROXY_SCHEMES = ("socks5h", "socks5", "http", "https")


def check_request(url: str, options: CaptureOptions) -> None:
    """Refuse, before anything is fetched, a URL or proxy that cannot work safely."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url!r} is not a web address: give one starting with http:// or https://")
    if options.proxy and urlsplit(options.proxy).scheme not in PROXY_SCHEMES:
        raise InputError(f"the proxy {options.proxy!r} is not understood: use socks5h://HOST:PORT (Tor) "
                         "or http://HOST:PORT")
    if parts.hostname.endswith(".onion") and not (options.proxy or "").startswith("socks5"):
        raise InputError(".onion sites can only be reached through Tor: add --proxy socks5h://127.0.0.1:9050")
    if options.depth < 0:
        raise InputError("--depth cannot be negative")
    if options.render:
        chromium_path()
        problem = sandbox_problem()
        if problem:  # hostile JavaScript is never run outside the browser's sandbox (issue 22)
            raise ExternalServiceError(f"--render refused: Chromium cannot run in its sandbox here ({problem}); "
                                       "capture without --render, or run cointrail where it can")


def _warcinfo(case: Case, url: str, options: CaptureOptions, started: str) -> dict[str, str]:
    return {"software": f"cointrail {__version__}", "format": "WARC File Format 1.1",
            "operator": case.operator, "case": case.name, "start-url": url, "capture-started-utc": started,
            "proxy": options.proxy or "none", "media-policy": "images fetched" if options.include_media
            else "no media fetched", "http-client": "httpx"}


def capture_url(case: Case, url: str, options: CaptureOptions | None = None,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Capture ``url`` (and same-site pages to ``options.depth``) into ``case``.

    Writes a WARC (request, response, resource and metadata records), a
    findings file (one JSON line per address found, with its WARC record) and
    a capture summary, each as write-once evidence logged in the custody log.
    Returns the summary; ``progress`` is called with a line of what is being
    done (for a progress display). Raises :class:`ExternalServiceError` when the start
    page could not be fetched at all, after storing what was captured.
    """
    options = options or CaptureOptions()
    check_request(url, options)
    started = utc_now()
    evidence = case.evidence
    with evidence.new_file(".warc.gz") as (handle, scratch):
        recorder = WarcRecorder(handle, proxied=bool(options.proxy))
        recorder.warcinfo(f"cointrail-capture-{started}.warc.gz", _warcinfo(case, url, options, started))
        crawl = Crawl(url, options, recorder, Fetcher(options.limits, options.proxy, options.insecure))
        if progress:
            crawl.progress = progress
        try:
            with _sigterm_stops():
                crawl.run()
        except BaseException as error:  # keep and log what was captured, then let it go on
            crawl.cut_short = _stop_reason(error)
            crawl.warnings.append(f"the capture was interrupted: {crawl.cut_short}; what was received is kept")
            _finish(case, crawl, scratch, handle, started, complete=False)
            raise
        finally:
            crawl.fetcher.close()
        summary = _finish(case, crawl, scratch, handle, started, complete=True)
    if crawl.start_error or crawl.final_url is None:
        raise ExternalServiceError(
            f"could not capture {url}: {crawl.start_error or 'no response'}; the attempt is recorded in "
            f"{summary['warc']['path']} and the custody log")
    return summary


class CaptureStopped(KeyboardInterrupt):
    """SIGTERM arrived during a capture: it ends like Ctrl-C, keeping and logging what was received."""


@contextmanager
def _sigterm_stops() -> Iterator[None]:
    """While capturing, SIGTERM raises :class:`CaptureStopped` (Python's default would end the process at once)."""
    if threading.current_thread() is not threading.main_thread():  # signals reach only the main thread
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise CaptureStopped("SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop_reason(error: BaseException) -> str:
    if isinstance(error, CaptureStopped):
        return "stopped by SIGTERM"
    if isinstance(error, KeyboardInterrupt):
        return "stopped by SIGINT (Ctrl-C)"
    return f"{type(error).__name__}: {error}"


def _finish(case: Case, crawl: Crawl, scratch: Path, handle: Any, started: str, complete: bool) -> dict[str, Any]:
    """Close the WARC with its metadata record, store the three evidence files, log them."""
    meta = crawl.metadata(started, case.operator)
    crawl.recorder.metadata(f"urn:cointrail:capture:{started}", meta)
    handle.flush()
    os.fsync(handle.fileno())
    warc_path, warc_sha = case.evidence.commit(scratch, ".warc.gz")
    warc_rel = case.relative(warc_path)
    case.record("capture.warc", warc_rel, warc_sha)
    rows = with_warc_file(crawl.findings, warc_rel, warc_sha)
    findings_path, findings_sha = store_findings(case, rows, "capture.findings")
    summary = _summary(case, crawl, meta, complete, (warc_rel, warc_sha), rows)
    summary["findings_file"] = {"path": case.relative(findings_path), "sha256": findings_sha}
    # Compact JSON: with 100,000 addresses an indented summary was 39 MB (issue 22); any JSON reader shows it.
    kept = case.add_evidence(json.dumps(summary, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n",
                             ".capture.json", "capture.summary")
    summary["summary_file"] = {"path": kept.object, "sha256": kept.sha256}
    if crawl.cut_short:  # the custody log itself says the capture is incomplete, and why
        case.record("capture.cut_short", f"{crawl.cut_short} (capture of {crawl.start_url}; what was received is in "
                    f"{warc_rel}, summary {summary['summary_file']['path']})")
    return summary


def _status(crawl: Crawl, complete: bool) -> str:
    if crawl.start_error or crawl.final_url is None:
        return "failed"
    whole = complete and not crawl.warnings and all(page["complete"] for page in crawl.pages)
    return "complete" if whole else "partial"


def _summary(case: Case, crawl: Crawl, meta: dict[str, Any], complete: bool, warc: tuple[str, str],
             rows: list[dict[str, Any]]) -> dict[str, Any]:
    fetched = crawl.options.include_media
    return {
        "case": case.name, "operator": case.operator, "url": crawl.start_url, "final_url": crawl.final_url,
        "status": _status(crawl, complete), "started_utc": meta["started_utc"], "finished_utc": meta["finished_utc"],
        "proxy": crawl.options.proxy, "depth": crawl.options.depth, "include_media": fetched,
        "render": crawl.options.render, "tls_certificates_sha256": crawl.tls,
        "pages": crawl.pages, "bytes_received": crawl.fetcher.budget.used,
        "media": {"policy": "images fetched and decoded for QR codes" if fetched else "not fetched (safe default)",
                  "found": list(crawl.media.values()), "inline_images": len(crawl.inline_images),
                  "fetched": crawl.media_fetched},
        "rendered": crawl.rendered,
        "warc": {"path": warc[0], "sha256": warc[1], "records": [r.to_dict() for r in crawl.recorder.records]},
        "addresses": by_address(rows), "findings": len(rows), "warnings": meta["warnings"],
        "tool": f"cointrail {__version__}",
    }
