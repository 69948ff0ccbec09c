"""Run cointrail as a person does: in a terminal (a pseudo-terminal), with colours and progress bars on.

Standard input, output and error are all the terminal, as in a shell, so ``isatty()`` is true and rich draws
its colours and progress bars; what the person would see comes back as one text, with the escape codes kept
(:attr:`Screen.raw`) and removed (:attr:`Screen.text`).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# CSI sequences (colours, cursor moves, erase), OSC sequences (links, titles) and lone escapes.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
COLUMNS, ROWS = 160, 50
CRASH_SIGNS = ("internal error", "Traceback (most recent call last)", "This is a bug in cointrail")


@dataclass
class Screen:
    """What one command showed in the terminal, and how it ended."""

    args: tuple[str, ...]
    returncode: int
    raw: str
    seconds: float

    @property
    def text(self) -> str:
        """The output without escape codes; carriage-return redraws (progress bars) keep their last state."""
        plain = _ESCAPES.sub("", self.raw).replace("\r\n", "\n")
        return "\n".join(line.rsplit("\r", 1)[-1] for line in plain.split("\n"))

    @property
    def coloured(self) -> bool:
        return "\x1b[" in self.raw

    def crashed(self) -> bool:
        return self.returncode == 4 or any(sign in self.raw for sign in CRASH_SIGNS)

    def describe(self) -> str:
        return f"cointrail {' '.join(self.args)} -> exit {self.returncode} in {self.seconds:.1f} s:\n{self.text}"


def size_terminal(fd: int) -> None:
    """Make the terminal of ``fd`` COLUMNS × ROWS (a person's window, wide enough for every table)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))


def terminal_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a person's terminal: a colour TERM, no NO_COLOR, no forced widths of a CI."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "CI")}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8", PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env


def _read_all(master: int, process: subprocess.Popen[bytes], timeout: float) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    else:
        process.kill()
        shown = b"".join(chunks).decode(errors="replace")
        raise TimeoutError(f"still running after {timeout} s; output so far:\n{shown}")
    return b"".join(chunks)


def run_in_terminal(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                    timeout: float = 120) -> Screen:  # fmt: skip
    """Run ``cointrail ARGS`` as a new process on a fresh pseudo-terminal of COLUMNS × ROWS; what it showed."""
    master, slave = pty.openpty()
    size_terminal(slave)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "cointrail", *args], stdin=slave, stdout=slave, stderr=slave,
                               cwd=cwd, env=terminal_env(env), start_new_session=True)  # fmt: skip
    os.close(slave)
    try:
        output = _read_all(master, process, timeout)
        returncode = process.wait(timeout=timeout)
    finally:
        os.close(master)
    return Screen(args, returncode, output.decode("utf-8", errors="replace"), time.monotonic() - started)


class ForkServer:
    """A running :mod:`forkserver`: commands start on a terminal in a fraction of a second (thread-safe)."""

    def __init__(self) -> None:
        script = Path(__file__).with_name("forkserver.py")
        self._process = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         env=terminal_env({"PYTHONIOENCODING": "utf-8"}))  # fmt: skip
        self._lock = threading.Lock()
        self._waiting: dict[int, Future[dict[str, Any]]] = {}
        self._next = 0
        self._reader = threading.Thread(target=self._read_answers, name="forkserver-answers", daemon=True)
        self._reader.start()

    def _read_answers(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            answer = json.loads(line)
            with self._lock:
                self._waiting.pop(answer["id"]).set_result(answer)
        with self._lock:  # the server is gone: nobody waits forever
            for waiting in self._waiting.values():
                waiting.set_exception(RuntimeError("the fork server stopped"))

    def run(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120,
            stop_when: str | None = None) -> Screen:  # fmt: skip
        """Run ``cointrail ARGS`` on a new terminal; ``stop_when``: Ctrl-C once this shows and its address answers."""
        assert self._process.stdin is not None
        answer: Future[dict[str, Any]] = Future()
        with self._lock:
            self._next += 1
            self._waiting[self._next] = answer
            request = {"id": self._next, "args": list(args), "env": terminal_env(env), "timeout": timeout,
                       "cwd": str(cwd or Path.cwd()), "stop_when": stop_when}  # fmt: skip
            self._process.stdin.write((json.dumps(request) + "\n").encode())
            self._process.stdin.flush()
        done = answer.result(timeout=timeout + 30)
        raw = base64.b64decode(done["raw"]).decode("utf-8", errors="replace")
        return Screen(args, done["returncode"], raw, done["seconds"])

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._reader.join(timeout=10)
        assert self._process.stdout is not None
        self._process.stdout.close()
