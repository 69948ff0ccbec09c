"""Counts in words, for any text people read: the CLI, evidence sentences, the report."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 payment', '3 payments', '50,000 labels': a count with its noun."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
