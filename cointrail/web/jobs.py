"""Long work in the background: payers, traces, reports, with progress the page polls.

A job runs in a worker thread; it reports progress as (done, total) steps and a sentence, and ends
``done`` with plain data or ``failed`` with the plain-words message of the error (a bug writes a crash
log). Jobs are kept in memory for the life of the server; what they write into a case is in the
case's custody log for good.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cointrail.errors import CointrailError
from cointrail.store.duckdb.store import NotInStoreError

MAX_KEPT = 200


@dataclass
class Job:
    """One piece of background work and where it stands."""

    id: str
    kind: str
    case: str
    title: str
    options: dict[str, Any] = field(default_factory=dict)
    state: str = "queued"  # queued, running, done, failed
    done: int = 0
    total: int = 0
    message: str = "waiting to start"
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    kept: dict[str, Any] | None = None  # where the result is kept in the case (cointrail.web.results)

    def advance(self, done: int, total: int, message: str | None = None) -> None:
        """Progress callback: ``done`` of ``total`` steps (hops), with an optional sentence."""
        self.done, self.total = done, total
        if message:
            self.message = message

    def to_dict(self, with_result: bool = False) -> dict[str, Any]:
        data = {
            "id": self.id, "kind": self.kind, "case": self.case, "title": self.title, "options": self.options,
            "state": self.state, "done": self.done, "total": self.total, "message": self.message,
            "started": self.started, "finished": self.finished, "error": self.error,
            "seconds": round((self.finished or time.time()) - self.started, 2), "kept": self.kept,
        }  # fmt: skip
        if with_result:
            data["result"] = self.result
        return data


Work = Callable[[Job], dict[str, Any]]


class Jobs:
    """The jobs of one server, run by a small pool of worker threads."""

    def __init__(self, workers: int = 2, on_crash: Callable[[str], str] | None = None):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cointrail-job")
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._on_crash = on_crash

    def submit(self, kind: str, case: str, title: str, work: Work, options: dict[str, Any] | None = None) -> Job:
        """Queue ``work(job)``; return the job at once."""
        with self._lock:
            job = Job(f"{next(self._ids)}", kind, case, title, dict(options or {}))
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-MAX_KEPT]:
                del self._jobs[old]
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Work) -> None:
        job.state, job.message = "running", "started"
        try:
            job.result = work(job)
            job.state, job.message = "done", "finished"
        except CointrailError as error:
            job.state, job.error = "failed", str(error)
        except Exception as error:  # noqa: BLE001 - a bug in a job must not take the server down
            path = self._on_crash(job.kind) if self._on_crash else "(no crash log)"
            job.state = "failed"
            job.error = (f"internal error: {type(error).__name__}. This is a bug in cointrail; "
                         f"the details are in {path}.")
        finally:
            job.finished = time.time()

    def get(self, job_id: str, case: str | None = None) -> Job:
        """A job by id (of ``case`` when given), or a 404-class error."""
        job = self._jobs.get(job_id)
        if job is None or (case is not None and job.case != case):
            raise NotInStoreError(f"there is no job {job_id} here (jobs are forgotten when the workspace restarts)")
        return job

    def of_case(self, case: str) -> list[Job]:
        """The jobs of a case, newest first."""
        return [j for j in reversed(list(self._jobs.values())) if j.case == case]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

