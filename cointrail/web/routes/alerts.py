"""A case's watch alerts: the page, its JSON, and a live stream (server-sent events) that shows new ones at once.

The stream reads the case's custody log, the one place alerts are kept: each new ``watch alert`` entry goes out
as an event whose id is the entry's sequence number, so a browser that reconnects (``Last-Event-ID``) misses
nothing and gets nothing twice. No page reload, no polling from the browser.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.requests import Request

from cointrail.cases import Case
from cointrail.watch import case_alerts, case_watches
from cointrail.watch.alerts import RAISED, Alert
from cointrail.web.routes.common import case_of, page

router = APIRouter()
STREAM_POLL_SECONDS = 0.5  # how often the stream looks at the custody log (a stat and a read of its tail)
KEEPALIVE_SECONDS = 15.0  # a comment line, so proxies and the browser keep the connection open


def alert_view(alert: Alert) -> dict[str, Any]:
    """An alert as the page and the stream show it."""
    return alert.kept()


@router.get("/cases/{name}/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, name: str) -> HTMLResponse:
    case = case_of(request, name)
    alerts = [alert_view(a) for a in reversed(case_alerts(case))]
    return page(request, "alerts.html", title=f"Alerts of case {case.name}", case=case.name, alerts=alerts,
                watches=[w.to_json() for w in case_watches(case)], last_seq=_last_seq(case))  # fmt: skip


@router.get("/api/cases/{name}/alerts")
def alerts_api(request: Request, name: str) -> dict[str, Any]:
    case = case_of(request, name)
    return {"case": case.name, "alerts": [alert_view(a) for a in case_alerts(case)]}


def _last_seq(case: Case) -> int:
    entries = case.log.entries()
    return entries[-1]["seq"] if entries else 0


def _raised_after(case: Case, seq: int) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """(log sequence, alert) of each alert logged after entry ``seq``, and the last entry's sequence."""
    found, last = [], seq
    for entry in case.log.entries():
        last = max(last, entry["seq"])
        if entry["seq"] > seq and entry["action"] == RAISED:
            data = json.loads((case.folder / entry["object"]).read_bytes())
            found.append((entry["seq"], {**data, "evidence": entry["object"], "raised_utc": entry["time_utc"]}))
    return found, last


@router.get("/cases/{name}/alerts/stream")
async def alerts_stream(request: Request, name: str, after: int | None = None) -> StreamingResponse:
    """New alerts as server-sent events, from log entry ``after`` (or ``Last-Event-ID``; default: from now)."""
    case = case_of(request, name)
    given = request.headers.get("last-event-id") or after
    start = int(given) if given is not None and str(given).isdigit() else _last_seq(case)
    return StreamingResponse(_events(request, case, start), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})  # fmt: skip


async def _events(request: Request, case: Case, seq: int) -> AsyncIterator[str]:
    size, quiet = -1, 0.0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        now = case.log.path.stat().st_size if case.log.path.exists() else 0
        if now != size:  # the log grew: read what was added
            size = now
            found, seq = await asyncio.to_thread(_raised_after, case, seq)
            for at, alert in found:
                yield f"id: {at}\nevent: alert\ndata: {json.dumps(alert, ensure_ascii=False)}\n\n"
            quiet = 0.0
        await asyncio.sleep(STREAM_POLL_SECONDS)
        quiet += STREAM_POLL_SECONDS
        if quiet >= KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": still here\n\n"
