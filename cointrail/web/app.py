"""The application factory: the workspace's routes, its guard, its static files, its error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request

from cointrail import __version__
from cointrail.web import errors
from cointrail.web.jobs import Jobs
from cointrail.web.routes import alerts, analyses, cases, graph, help_pages, lookup, reports, tour, wallets
from cointrail.web.security import HEADERS, TOKEN_COOKIE, Security
from cointrail.web.templating import HERE, templates
from cointrail.web.workspace import Workspace

Next = Callable[[Request], Awaitable[Response]]


def _with_token_cookie(request: Request, token: str) -> Response:
    """Answer a first visit with ``?token=``: set the cookie, and go to the same page without the token."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), status_code=303)
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
    return response


def _guard(app: FastAPI, security: Security) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next: Next) -> Response:
        response = await _checked(request, call_next, security)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


async def _checked(request: Request, call_next: Next, security: Security) -> Response:
    problem = security.host_problem(request) or security.cross_site_problem(request)
    if problem:
        return errors.problem(request, 403, problem)
    query_token = request.query_params.get("token")
    if query_token is not None and security.token is not None and security.token_ok(query_token):
        return _with_token_cookie(request, query_token)
    if not security.token_ok(security.token_given(request)):
        return errors.problem(request, 401, "this workspace needs its access token: open the address "
                                            "`cointrail serve` printed (it ends in ?token=…)")  # fmt: skip
    problem = security.origin_problem(request)
    if problem:
        return errors.problem(request, 403, problem)
    return await call_next(request)


def create_app(workspace: Workspace, security: Security | None = None, workers: int = 2) -> FastAPI:
    """The workspace's web application over ``workspace``, guarded by ``security`` (default: no token)."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.jobs.shutdown()
        workspace.close()

    app = FastAPI(title="cointrail workspace", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)  # fmt: skip
    app.state.workspace = workspace
    app.state.jobs = Jobs(workers, on_crash=lambda kind: errors.write_crash_log(None, f"job {kind}"))
    app.state.templates = templates()
    app.state.security = security or Security()
    errors.install(app)
    _guard(app, app.state.security)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (help_pages, cases, wallets, lookup, graph, analyses, reports, alerts, tour):
        app.include_router(module.router)
    return app
