"""``cointrail capture``: preserve a web page and the addresses on it as evidence."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import click
from rich.console import Console

from cointrail.capture import CaptureOptions, capture_url
from cointrail.cases import open_case
from cointrail.chains import network_words
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.output import emit, json_option, stderr_is_terminal
from cointrail.errors import EXIT_OK
from cointrail.wording import counted

SOURCE_WORDS = {"http-response": "page source", "rendered-dom": "rendered page", "qr-code": "QR code",
                "warc-import": "imported WARC"}


def _short(url: str) -> str:
    """The file name in a URL, or the URL when it has none: enough to say where on the site."""
    return urlsplit(url).path.rsplit("/", 1)[-1] or url


def render_addresses(addresses: list[dict[str, Any]], mentions: int) -> list[str]:
    """Lines listing the distinct addresses found, for people."""
    if not addresses:
        return ["  No cryptocurrency address was found."]
    lines = [(f"  {counted(len(addresses), 'distinct address', 'distinct addresses')} found "
              f"({counted(mentions, 'mention')}):")]
    for item in addresses:
        where = ", ".join(SOURCE_WORDS.get(source, source) for source in item["sources"])
        pages = ", ".join(dict.fromkeys(_short(url) for url in item.get("seen_in") or []))
        where += f" ({pages})" if pages else ""
        amount = f"  asks {', '.join(item['amounts'])}" if item["amounts"] else ""
        lines.append(f"    {item['address']}")
        lines.append(f"      {'/'.join(item['chains'])} {network_words(item['network'])} {item['type']}  ·  "
                     f"seen {item['mentions']}× in {where}{amount}")
        lines += [f"      hidden: {trick}" for trick in item["tricks"]]
        if item["private"]:
            lines.append("      privacy coin: payments to it are not visible on the ledger")
    return lines


def _media_line(media: dict[str, Any]) -> str:
    found = len(media["found"]) + media["inline_images"]
    if not media["fetched"]:
        return f"  media: {counted(found, 'image/video URL')} on the pages; {media['policy']}"
    codes = sum(len(m["qr_codes"]) for m in media["fetched"])
    return (f"  media: {found} found; {counted(len(media['fetched']), 'image')} fetched, hashed and decoded "
            f"({counted(codes, 'QR code')}); never shown; video never fetched")


def render_capture(summary: dict[str, Any]) -> str:
    """The capture summary an investigator reads."""
    pages = [p for p in summary["pages"] if p["kind"] == "page"]
    scripts = len(summary["pages"]) - len(pages)
    lines = [f"Captured {summary['url']} into case {summary['case']} ({summary['status']}).",
             f"  by {summary['operator']}, {summary['started_utc']} – {summary['finished_utc']} (UTC)"
             + (f", through proxy {summary['proxy']}" if summary["proxy"] else "")]
    if summary["final_url"] and summary["final_url"] != summary["url"]:
        lines.append(f"  redirected to {summary['final_url']}")
    lines.append(f"  {counted(len(pages), 'page')} and {counted(scripts, 'script')}, "
                 f"{summary['bytes_received']:,} bytes received")
    for origin, fingerprint in summary["tls_certificates_sha256"].items():
        lines.append(f"  TLS certificate of {origin}: SHA-256 {fingerprint}")
    lines.append(_media_line(summary["media"]))
    if summary["rendered"]:
        lines.append(f"  rendered in {summary['rendered']['browser']} "
                     f"({counted(len(summary['rendered']['blocked_requests']), 'media request')} blocked)")
    lines += render_addresses(summary["addresses"], summary["findings"])
    lines += [f"  warning: {warning}" for warning in summary["warnings"]]
    lines += ["  evidence (write-once, SHA-256, logged in the custody log):",
              f"    WARC      {summary['warc']['path']}",
              f"    findings  {summary['findings_file']['path']}",
              f"    summary   {summary['summary_file']['path']}",
              f"  Check it any time with: cointrail verify --case {summary['case']}"]
    return "\n".join(lines)


@contextmanager
def _progress() -> Iterator[Any]:
    """A status line on standard error while capturing (only on a terminal)."""
    if not stderr_is_terminal():
        yield None
        return
    with Console(stderr=True).status("capturing…") as status:
        yield lambda message: status.update(message)


@click.command("capture")
@click.argument("url")
@case_option
@click.option("--proxy", default=None, metavar="URL",
              help="Proxy to fetch through, e.g. socks5h://127.0.0.1:9050 for Tor (.onion sites).")
@click.option("--depth", default=0, show_default=True, type=click.IntRange(0, 10),
              help="Follow same-site links this many steps from the page.")
@click.option("--include-media", is_flag=True,
              help="Also fetch the images on the captured pages (never video), hashed and read for QR codes; "
                   "with --render, also keep a screenshot. Off by default: no media is fetched.")
@click.option("--render", is_flag=True, help="Also load the page in headless Chromium and keep the rendered DOM.")
@click.option("--insecure", is_flag=True,
              help="Accept any TLS certificate (self-signed sites); its fingerprint is still recorded.")
@click.option("--allow-private-addresses", is_flag=True,
              help="Let redirects, links and images lead to loopback, link-local or private-network addresses "
                   "(refused by default: a site could make the capture fetch this machine's or its network's "
                   "pages). The start URL itself is always allowed.")
@cases_dir_option
@operator_option
@json_option
def command(url: str, case_name: str, proxy: str | None, depth: int, include_media: bool, render: bool,
            insecure: bool, allow_private_addresses: bool, cases_dir: str | None, operator: str | None,
            as_json: bool) -> int:
    """Capture URL into a case as evidence, and find the addresses on it.

    Writes a WARC with every request and response as sent and received, the
    addresses found (with the record, offset and amount of each), and a
    summary; each is stored write-once, hashed and logged in the custody log.
    """
    case = open_case(case_name, cases_dir, operator)
    options = CaptureOptions(proxy=proxy, depth=depth, include_media=include_media, render=render, insecure=insecure,
                             allow_private_addresses=allow_private_addresses)
    with _progress() as progress:
        summary = capture_url(case, url, options, progress)
    emit(summary, as_json, render_capture)
    return EXIT_OK
