"""Times as people read them: UTC, ISO 8601, with the block height where it is known.

The ledger keeps block times as Unix seconds and ``--json`` prints those; text for
people (the CLI, the web, the report) goes through this one module (issue 13), so
that a time reads ``2026-12-01T10:15:00Z (block 123)`` everywhere. Block times
are the miner's clock, to the second; nothing finer is claimed.
"""

from __future__ import annotations

import datetime as _dt


def utc_iso(unix: int | float | None, missing: str = "—") -> str:
    """Unix seconds as ISO 8601 in UTC to the second: ``2026-12-01T10:15:00Z``."""
    if unix is None:
        return missing
    return _dt.datetime.fromtimestamp(int(unix), _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_time(unix: int | float | None, height: int | None = None, missing: str = "—") -> str:
    """A block time for people: ``2026-12-01T10:15:00Z (block 123)``; without a height, the time alone."""
    text = utc_iso(unix, missing)
    return text if height is None or unix is None else f"{text} (block {height})"


def utc_date(unix: int | float | None, missing: str = "—") -> str:
    """The UTC day of Unix seconds: ``2026-12-01``."""
    if unix is None:
        return missing
    return _dt.datetime.fromtimestamp(int(unix), _dt.UTC).date().isoformat()
