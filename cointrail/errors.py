"""The one exception root of cointrail, and the exit-code contract.

Every error a user can cause or meet derives from :class:`CointrailError`. Each
surface (the CLI today, the web app later) translates these in one place into
one clear sentence; anything else is a bug and is reported as such.

Exit codes (documented in README.md):

* 0 — done, and the answer is "yes" (all addresses valid, evidence intact, …)
* 1 — done, and the answer is "no" (an address is invalid, verification failed)
* 2 — the request could not be carried out because of its input (usage, a
  missing file, a malformed argument)
* 3 — an outside service the command needs failed (a node, a proxy, a site)
* 4 — an internal error: a bug in cointrail (the details go to a log file)
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
import traceback

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_USAGE = 2
EXIT_EXTERNAL = 3
EXIT_INTERNAL = 4


class CointrailError(Exception):
    """Root of every error cointrail raises on purpose.

    The message is written for a person: one sentence saying what went wrong
    and, where there is one, what to do about it.
    """

    exit_code = EXIT_USAGE


class InputError(CointrailError):
    """The user's input cannot be used (a bad argument, a missing file)."""

    exit_code = EXIT_USAGE


class ExternalServiceError(CointrailError):
    """A node, proxy or web site that cointrail talks to failed or answered badly."""

    exit_code = EXIT_EXTERNAL


class IntegrityError(CointrailError):
    """Evidence or a log no longer matches its recorded hash."""

    exit_code = EXIT_NEGATIVE


class NotInStoreError(CointrailError):
    """What was asked for (an address, a transaction, a block) is not in the store.

    Declared here, below the store and analysis, which both raise it (:mod:`cointrail.store.duckdb.store`
    re-exports it under its first name).
    """

    exit_code = EXIT_NEGATIVE


def write_crash_log(kind: str, header: str) -> str:
    """Write the traceback being handled to a new crash-log file (``cointrail-KIND-crash-…``); return its path.

    ``header`` is the first line (the version and what was running). The CLI and the web server both call this;
    the web server decides on top of it which crashes are worth a file.
    """
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    fd, path = tempfile.mkstemp(prefix=f"cointrail-{kind}crash-{stamp}-", suffix=".log")
    with os.fdopen(fd, "w") as log:
        log.write(f"{header}\n{traceback.format_exc()}")
    return path
