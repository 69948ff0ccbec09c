"""``cointrail extract``: find every cryptocurrency address in a file."""

from __future__ import annotations

import mmap
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

from cointrail.chains import network_words
from cointrail.cli.output import emit, json_option, stderr_is_terminal
from cointrail.errors import EXIT_OK, InputError
from cointrail.extraction import extract_addresses

BIG_FILE = 50_000_000  # bytes: about two seconds of searching, worth a status line


@contextmanager
def open_document(source: str) -> Iterator[bytes | mmap.mmap]:
    """The raw bytes of a file (memory-mapped, so a huge file is not copied), or of standard input for ``-``."""
    if source == "-":
        yield sys.stdin.buffer.read()
        return
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below, after the caller is done
    except FileNotFoundError:
        raise InputError(f"cannot read {source}: there is no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {source}: it is a folder, not a file") from None
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror or error}") from None
    with handle:
        info = os.fstat(handle.fileno())
        if info.st_size == 0 or not stat.S_ISREG(info.st_mode):
            yield handle.read()  # an empty file or a pipe cannot be mapped
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            yield mapped


@contextmanager
def _status(size: int) -> Iterator[None]:
    """A status line on standard error while a big file is searched (only on a terminal)."""
    if size < BIG_FILE or not stderr_is_terminal():
        yield
        return
    with Console(stderr=True).status(f"searching {size / 1_000_000:,.0f} MB for addresses…"):
        yield


def _amount_line(item: dict[str, Any]) -> str | None:
    if item["amount"] is None:
        return None
    return f"  amount asked: {item['amount']} {item['amount_unit']}"


def render_finding(number: int, item: dict[str, Any]) -> str:
    """Plain text for one finding."""
    lines = [f"{number}. {item['address']}"]
    chains = "chain" if len(item["chains"]) == 1 else "chains"
    lines.append(
        f"  {chains}: {', '.join(item['chains'])}  ·  network: {network_words(item['network'])}  ·  "
        f"type: {item['type']}  ·  at byte {item['offset']}"
    )
    if item["private"]:
        lines.append("  PRIVACY COIN: payments to it are hidden on the ledger.")
    if item["uri"]:
        lines.append(f"  in a payment link ({item['role']}): {item['uri']}")
    optional = [
        _amount_line(item),
        f"  label: {item['label']}" if item["label"] else None,
        f"  message: {item['message']}" if item["message"] else None,
        f"  written in a hidden way: {'; '.join(item['tricks'])}" if item["tricks"] else None,
        "  LOW CONFIDENCE: pieced together without a checksum to confirm it."
        if item["confidence"] == "low" else None,
    ]
    lines += [line for line in optional if line]
    lines.append(f"  context: {item['context']}")
    return "\n".join(lines)


def render_findings(name: str, items: list[dict[str, Any]]) -> str:
    """Plain text for all findings in one document."""
    if not items:
        return f"No cryptocurrency addresses found in {name}."
    distinct = len({item["address"] for item in items})
    head = f"Found {len(items)} address{'es' if len(items) != 1 else ''} in {name}"
    head += f" ({distinct} distinct):" if distinct != len(items) else ":"
    return "\n\n".join([head] + [render_finding(n, item) for n, item in enumerate(items, 1)])


@click.command("extract")
@click.argument("source", metavar="FILE|-")
@json_option
def command(source: str, as_json: bool) -> int:
    """Find every cryptocurrency address in a file (text, HTML, JavaScript, JSON).

    Addresses are validated with their currency's checksum. Payment links
    (bitcoin:…?amount=…, ethereum:…) give amount, label and message; addresses
    hidden with zero-width characters, markup or line breaks are found and the
    trick is named. Offsets are byte offsets into the file. Give '-' to read
    standard input. Exit code 0 when the file was read, even if nothing was
    found; 2 when it cannot be read.
    """
    with open_document(source) as data, _status(len(data)):
        findings = [finding.to_dict() for finding in extract_addresses(data)]
    name = "standard input" if source == "-" else source
    emit(findings, as_json, lambda items: render_findings(name, items))
    return EXIT_OK
