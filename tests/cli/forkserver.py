"""Start each cointrail command in a terminal without paying for its imports each time.

Every cointrail process spends seconds importing DuckDB, NumPy, numba and the rest before it does anything; the
harness runs dozens of commands. This server (its own process, one thread) imports cointrail and every command
module once, then for each request forks a child on a fresh pseudo-terminal (:func:`pty.fork`: the child is a
session leader whose standard input, output and error are the terminal, as in a shell) and runs the command's
``main`` there. Nothing was printed or decided about terminals at import time (rich and click look at the
terminal when a command runs), so the child sees what a freshly started ``cointrail`` sees.

Protocol, one JSON object a line: requests ``{"id", "args", "env", "cwd", "timeout", "stop_when"}`` on standard
input (``stop_when``: once the terminal shows this text, and the address it shows answers, press Ctrl-C), answers
``{"id", "returncode", "raw" (base64 of what the terminal showed), "seconds"}`` on standard output.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import pty
import re
import select
import signal
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from ptyrun import size_terminal  # this folder: the script's own, first on sys.path


@dataclass
class Child:
    request: dict[str, Any]
    pid: int
    started: float = field(default_factory=time.monotonic)
    chunks: list[bytes] = field(default_factory=list)


def preload() -> None:
    """Import what the commands import, so that children start with it (and no thread runs yet to fork over).

    A module that fails to import is left out: the command that needs it imports it again in its child,
    and fails there as it would for a person (an internal error the harness reports with the command).
    """
    from cointrail.cli import COMMANDS

    heavy = ("cointrail.store.duckdb.store", "cointrail.ingest.pipeline", "cointrail.clustering", "cointrail.tracing",
             "cointrail.report", "cointrail.capture", "cointrail.labels.store", "cointrail.web", "uvicorn", "fastapi")
    for module in (*COMMANDS.values(), *heavy):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001, S112 - see above
            continue
    assert threading.active_count() == 1, "an import started a thread: forking over it could deadlock"


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become the command, on the terminal that fds 0, 1 and 2 now are."""
    code = 99
    try:
        size_terminal(0)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # as Python sets up a terminal
        sys.argv = ["cointrail", *request["args"]]
        from cointrail.cli import main

        code = main(request["args"])
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:  # noqa: BLE001 - shown on the terminal, as Python would
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _answer(child: Child) -> None:
    _, status = os.waitpid(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    answer = {"id": child.request["id"], "returncode": code, "seconds": time.monotonic() - child.started,
              "raw": base64.b64encode(b"".join(child.chunks)).decode("ascii")}  # fmt: skip
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def serve() -> None:
    preload()
    children: dict[int, Child] = {}
    pending = b""
    open_input = True
    while open_input or children:
        ready, _, _ = select.select(([0] if open_input else []) + list(children), [], [], 0.2)
        for fd in ready:
            if fd == 0:
                data = os.read(0, 65536)
                open_input = bool(data)
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    sys.stdout.flush()  # nothing of ours may be left in a buffer the child inherits
                    pid, master = pty.fork()
                    if pid == 0:
                        _child(json.loads(line))
                    children[master] = Child(json.loads(line), pid)
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child and everything it started closed the terminal
                data = b""
            if data:
                children[fd].chunks.append(data)
            else:
                os.close(fd)
                _answer(children.pop(fd))
        for child in list(children.values()):
            if time.monotonic() - child.started > child.request["timeout"]:
                os.killpg(child.pid, signal.SIGKILL)
            elif child.request.get("stop_when") and _ready_to_stop(child):
                child.request["stop_when"] = None
                os.killpg(child.pid, signal.SIGINT)  # the person presses Ctrl-C


def _ready_to_stop(child: Child) -> bool:
    """Whether the child showed ``stop_when``, and the address it shows answers (the person opened it)."""
    shown = b"".join(child.chunks).decode(errors="replace")
    if child.request["stop_when"] not in shown:
        return False
    found = re.search(r"http://[^\s\x1b]+", shown)
    if not found:
        return True
    try:
        with urllib.request.urlopen(found.group(0), timeout=1) as page:
            return bool(page.status == 200)
    except OSError:
        return False


if __name__ == "__main__":
    serve()
