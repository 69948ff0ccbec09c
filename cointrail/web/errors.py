"""The one place where errors become HTTP responses, with a message a person can act on.

cointrail's own errors (:mod:`cointrail.errors`) keep their sentence and get a status: bad input
400, not in the store 404, evidence that no longer matches its hash 409, an outside service that
failed 502. Invalid request fields get 422 with the field named. Anything else is a bug: the
details go to a crash log (one per kind of crash, a bounded number in all) and the page says where
it is; the server keeps running. Pages under
``/api/`` answer JSON (``{"ok": false, "status", "error"}``), the others an HTML page.
"""

from __future__ import annotations

import html
import sys
import threading
import traceback
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.requests import Request

from cointrail import __version__, errors
from cointrail.errors import CointrailError, ExternalServiceError, InputError, IntegrityError
from cointrail.store.duckdb.store import NotInStoreError

# Most specific first: NotInStoreError and IntegrityError are not InputErrors, but all are CointrailErrors.
STATUSES: tuple[tuple[type[CointrailError], int], ...] = (
    (NotInStoreError, 404), (IntegrityError, 409), (ExternalServiceError, 502), (InputError, 400),
    (CointrailError, 400),
)  # fmt: skip
TITLES = {400: "This cannot be done", 401: "The access token is needed", 403: "Not allowed", 404: "Not found",
          409: "Evidence check failed", 422: "Something in the request is missing or wrong",
          500: "Internal error", 502: "An outside service failed"}  # fmt: skip


def status_of(error: CointrailError) -> int:
    """The HTTP status of one of cointrail's errors."""
    return next(status for kind, status in STATUSES if isinstance(error, kind))


MAX_CRASH_LOGS = 20  # crash-log files one server writes; a request repeated in a loop must not fill the disk
_crash_logs: dict[str, str] = {}  # the signature of a crash -> the log that holds its first occurrence
_crash_lock = threading.Lock()


def _signature(request: Request | None, what: str) -> str:
    """What makes two crashes the same: the error's type, where it was raised, and the route (not its values)."""
    kind, _, trace = sys.exc_info()
    frames = traceback.extract_tb(trace)[-1:] if trace is not None else []
    where = f"{frames[0].filename}:{frames[0].lineno}" if frames else "?"
    route = getattr(request.scope.get("route"), "path", request.url.path) if request is not None else what
    return f"{getattr(kind, '__name__', kind)} at {where} in {route}"


def write_crash_log(request: Request | None, what: str = "request") -> str:
    """Write the current traceback to a crash log file; return its path.

    The same crash again (same error, place and route) is not written again: its first log is named.
    At most :data:`MAX_CRASH_LOGS` files are written by one server; later crashes name the last one.
    """
    signature = _signature(request, what)
    with _crash_lock:
        if signature in _crash_logs:
            return _crash_logs[signature]
        if len(_crash_logs) >= MAX_CRASH_LOGS:
            last = next(reversed(_crash_logs.values()))
            return f"{last} (and {MAX_CRASH_LOGS - 1} earlier logs: no more are written)"
        where = f"{request.method} {request.url.path}" if request is not None else what
        path = errors.write_crash_log("web-", f"cointrail {__version__} web, {where}")
        _crash_logs[signature] = path
        return path


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def problem(request: Request, status: int, message: str) -> Response:
    """The response for a problem: JSON for the API, else a plain HTML page (escaped, no template needed)."""
    if wants_json(request):
        return JSONResponse({"ok": False, "status": status, "error": message}, status_code=status)
    templates = getattr(request.app.state, "templates", None)
    if templates is not None:
        context = {"status": status, "title": TITLES.get(status, "Error"), "message": message}
        return templates.TemplateResponse(request, "error.html", context, status_code=status)
    return HTMLResponse(f"<p>{status}: {html.escape(message)}</p>", status_code=status)


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path", "form"))
        parts.append(f"{where or 'the request'}: {item.get('msg', 'is not valid')}")
    return "; ".join(parts) or "the request is not valid"


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def cointrail_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, CointrailError)
        return problem(request, status_of(error), str(error))

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        return problem(request, 422, _validation_message(error))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        detail: Any = error.detail
        message = detail if isinstance(detail, str) and detail != "Not Found" else "there is no such page here"
        return problem(request, error.status_code, message)

    async def crash(request: Request, error: Exception) -> Response:
        path = write_crash_log(request)
        return problem(request, 500, f"internal error: {type(error).__name__}. This is a bug in cointrail; "
                                     f"the details are in {path}. The workspace keeps running.")  # fmt: skip

    app.add_exception_handler(CointrailError, cointrail_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, crash)
