"""What every benchmark shares: one clock, one machine-and-date header, one section writer, one command line.

* :func:`timed` (and :class:`Laps`, inside one) times a step: wall seconds (``perf_counter``) and CPU seconds of
  this process, all its threads, plus the children it reaped meanwhile (``getrusage``), and apart the CPU of other
  processes it watches (a node serving it). CPU seconds are the figure on shared cores: wall time under
  contention measures the neighbours. :func:`best_of` and :func:`alternate` repeat steps; :func:`alternate` runs
  a new step and its baseline in turns, so both see the same machine. :func:`instant` reads the same clock at an
  event seen happen in another thread (an alert arriving).
* :func:`run_process` runs a whole process and takes the kernel's accounting of it (``wait4``: wall, CPU, peak
  resident memory, the process's own); :func:`peak_mb` is this process's own peak, for a child that times a step
  of itself.
* :func:`machine` is the header every section opens with: the date (UTC), the commit, CPU model, cores, memory,
  OS and Python.
* :func:`publish` prints a section and writes it between its markers in docs/benchmarks.md (or docs/accuracy.md);
  :func:`arguments` gives every benchmark the same ``--no-write`` and ``--quick`` (a small smoke run that
  writes nothing).

Run every benchmark from the repository root as a module: ``.venv/bin/python -m benchmarks.raw_ingest``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_DOC = ROOT / "docs" / "benchmarks.md"
ACCURACY_DOC = ROOT / "docs" / "accuracy.md"


# --- the clock -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """What one step cost.

    ``cpu``: user + system seconds of this process (every thread, DuckDB's and Numba's included) and of the
    children it reaped during the step; ``watched_cpu``: of the processes given to :func:`timed` to watch;
    ``peak_mb``: peak resident memory, where the step was a whole process (:func:`run_process`).
    """

    wall: float
    cpu: float
    watched_cpu: float = 0.0
    peak_mb: float | None = None

    @property
    def wall_ms(self) -> float:
        return self.wall * 1000


def _cpu_now() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) another running process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def instant() -> float:
    """The clock's reading now (``perf_counter``), for events a step does not return but sees happen: a block
    mined in one thread and its alert arriving in another are timed on the same clock as every step."""
    return time.perf_counter()


def timed(action: Callable[[], T], watch: Sequence[int] = ()) -> tuple[Timing, T]:
    """Run ``action`` once: what it cost, and what it returned. ``watch``: pids whose CPU counts apart."""
    watched = sum(process_cpu(pid) for pid in watch)
    cpu = _cpu_now()
    began = time.perf_counter()  # the wall clock sits inside the CPU reads: sub-millisecond steps are timed too
    result = action()
    wall = time.perf_counter() - began
    cpu = _cpu_now() - cpu
    return Timing(wall, cpu, sum(process_cpu(pid) for pid in watch) - watched), result


class Laps:
    """Wall seconds between points of one step that cannot be cut into functions (inside a ``with``), and the
    step's CPU seconds in all; the same clocks as :func:`timed`."""

    def __init__(self) -> None:
        self.walls: dict[str, float] = {}
        self._cpu, self._last = _cpu_now(), time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.walls[name], self._last = now - self._last, now

    @property
    def cpu(self) -> float:
        return _cpu_now() - self._cpu


def best_of(runs: int, action: Callable[[], T], by: str = "cpu") -> tuple[Timing, T]:
    """The least costly of ``runs`` runs (by ``"cpu"`` or ``"wall"``), and what the last run returned."""
    results = [timed(action) for _ in range(runs)]
    return least(results, by)[0], results[-1][1]


def least(results: Iterable[tuple[Timing, T]], by: str = "cpu") -> tuple[Timing, T]:
    """The run of least ``by`` (``"cpu"`` or ``"wall"``) among timed results."""
    return min(results, key=lambda r: getattr(r[0], by))


def alternate(
    steps: Mapping[str, Callable[[], Any]], rounds: int, *, shuffle: int | None = None, warm_up: int = 0,
    watch: Sequence[int] = (),
) -> dict[str, list[tuple[Timing, Any]]]:
    """Run each step once a round, for ``rounds`` rounds: a new step and its baseline in turns, in the same run.

    The steps run in the order given, or (``shuffle``: a seed) in a new random order every round, so that
    neither side always follows the other. The first ``warm_up`` rounds are run and not kept.
    """
    order, rng = list(steps), random.Random(shuffle)
    kept: dict[str, list[tuple[Timing, Any]]] = {name: [] for name in steps}
    for round_ in range(warm_up + rounds):
        if shuffle is not None:
            rng.shuffle(order)
        for name in order:
            result = timed(steps[name], watch)
            if round_ >= warm_up:
                kept[name].append(result)
    return kept


# Starts the measured process and reports the kernel's accounting of it. A process started straight from the
# benchmark would inherit the benchmark's size in ru_maxrss (Linux carries the old address space's high-water
# mark over at exec, and vfork shares the parent's), so the benchmark starts this small launcher, whose own child
# inherits only the launcher's few MB.
_LAUNCHER = """
import json, os, subprocess, sys, time
began = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - began
child.returncode = os.waitstatus_to_exitcode(status)
print(json.dumps([child.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]))
"""


def run_process(args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
                ok: Iterable[int] = (0,)) -> Timing:  # fmt: skip
    """Run a process to its end: its wall seconds and the kernel's accounting of it (CPU seconds, peak resident
    memory), its own and not the benchmark's (see ``_LAUNCHER``)."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the launcher of {' '.join(args)} failed: {done.stderr}")
    code, wall, cpu, maxrss_kb = json.loads(done.stdout.splitlines()[-1])
    if code not in set(ok):
        raise SystemExit(f"{' '.join(args)} failed with exit code {code}: {done.stderr}")
    return Timing(wall, cpu, peak_mb=maxrss_kb / 1024)


def peak_mb() -> float:
    """This process's peak resident memory so far (``VmHWM``; ``ru_maxrss`` would include its parent's at start)."""
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def python_child(code: str, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run ``code`` in a new Python process started in the repository root (so it imports ``benchmarks``
    and this checkout's ``cointrail``); its standard output."""
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"a benchmark's child process failed:\n{done.stderr}")
    return done.stdout


# --- the header ------------------------------------------------------------------------------------------------


def commit() -> str:
    """The commit measured, with "+changes" when the working tree differed from it."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "cointrail", "benchmarks")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return " ".join(line.split(":", 1)[1].split())
    return platform.processor() or platform.machine()


def memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def table_row(cells: Iterable[Any]) -> str:
    """One row of a Markdown table."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def machine(script: str) -> str:
    """The line every section opens with: which benchmark, when, on what code and what machine."""
    return f"`benchmarks/{script}`, {run_on()}"


def run_on() -> str:
    """When, on what code and on what machine: "run 2026-12-02 14:00 UTC on commit abc1234: <CPU>, 2 cores…"."""
    return (f"run {now_utc()} on commit {commit()}: {cpu_model()}, {os.cpu_count()} cores shared with other work, "
            f"{memory_gb():.0f} GB of memory, {platform.system()} {platform.release()}, "
            f"{platform.python_implementation()} {platform.python_version()}")  # fmt: skip


def load_average(minutes: int = 5) -> float:
    """The load average over the last 1, 5 or 15 minutes: how busy the shared cores were meanwhile."""
    return os.getloadavg()[(1, 5, 15).index(minutes)]


# --- the section writer and the command line -------------------------------------------------------------------


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of a section."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def read_section(name: str, path: Path = BENCHMARKS_DOC) -> str:
    """The text between the markers of ``name`` as last written."""
    start, end = markers(name)
    return path.read_text(encoding="utf-8").split(start, 1)[1].split(end, 1)[0]


def replace_section(name: str, section: str, path: Path = BENCHMARKS_DOC) -> None:
    """Put ``section`` between the markers of ``name`` in ``path``, appending the section when absent.

    A benchmark owns only its section, so benchmarks run at different times (by different people) leave each
    other's figures alone. A page that does not exist yet is started with a title made from its file name.
    """
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else f"# {path.stem.capitalize()}\n"
    block = f"{start}\n{section.strip(chr(10))}\n{end}\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        text = head + block + ("\n" + tail if tail else "")  # the next section stays a blank line away
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def arguments(doc: str | None, quick: Mapping[str, Any] | None = None) -> argparse.ArgumentParser:
    """A benchmark's command line, with ``--no-write`` and, where ``quick`` gives small settings, ``--quick``.

    ``--quick`` is a smoke run: the options named in ``quick`` take those values (unless given on the command
    line) and nothing is written.
    """
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave the docs alone")
    if quick is not None:
        parser.add_argument("--quick", action="store_true",
                            help="a small smoke run that writes nothing: " + ", ".join(
                                f"--{k.replace('_', '-')} {_shown(v)}" for k, v in quick.items()))  # fmt: skip
        parser.set_defaults(_quick=dict(quick))
    return parser


def chain_arguments(doc: str | None, quick: Mapping[str, Any]) -> argparse.ArgumentParser:
    """:func:`arguments` with the synthetic chain's ``--transactions`` (1 M; ``quick`` gives ``--quick``'s) and
    ``--cache`` (where the chain, shared with raw_ingest.py, and its store are kept), for the benchmarks that
    cluster it."""
    parser = arguments(doc, quick=quick)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-bench",
                        help="where the synthetic chain (shared with raw_ingest.py) and its store are kept")
    return parser


def _shown(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse a benchmark's command line; under ``--quick``, the quick settings replace the defaults."""
    args = parser.parse_args(argv)
    if getattr(args, "quick", False):
        for key, value in args._quick.items():
            if getattr(args, key) == parser.get_default(key):
                setattr(args, key, value)
        args.no_write = True
    return args


def publish(args: argparse.Namespace, name: str, section: str, path: Path = BENCHMARKS_DOC) -> None:
    """Print the section; write it into its place in ``path`` unless ``--no-write`` (or ``--quick``)."""
    print(section)
    if not args.no_write:
        replace_section(name, section, path)
