"""Counts in words, for any text people read: the CLI, evidence sentences, the report."""

from __future__ import annotations

__all__ = ["counted", "days", "listed"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 payment', '3 payments', '50,000 labels': a count with its noun."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def days(first: str, last: str) -> str:
    """'on 2026-12-04' for one day, 'between 2026-12-03 and 2026-12-04' for several: a span of UTC days in words,
    as the report's summary, the request packs and the price import say it."""
    return f"on {first}" if first == last else f"between {first} and {last}"


def listed(items: list[str] | tuple[str, ...]) -> str:
    """'p2sh', 'p2sh and p2wpkh', 'p2sh, p2wpkh and p2tr': items joined as a sentence lists them."""
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""
