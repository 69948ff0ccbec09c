"""Fixtures of the web workspace tests: the demo case served for real, and Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webserver import VIEWPORT, Recorder, Served, chromium_or_skip, serving

from cointrail.simulation import litecoind_available
from cointrail.web import Workspace

OPERATOR = "Web Tester"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo investigation, run once: a case with a capture, a clustered and labelled ledger store, a report."""
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh)")
    from cointrail.demo import run_demo

    result: dict[str, Any] = run_demo(tmp_path_factory.mktemp("web-demo"))
    return result


@pytest.fixture(scope="session")
def demo_served(demo_run: dict[str, Any]) -> Iterator[Served]:
    """The workspace over the demo's cases folder, opened on the demo case."""
    folder = Path(demo_run["capture"]["case_folder"])
    with serving(Workspace(folder.parent, OPERATOR, folder.name)) as served:
        yield served


@pytest.fixture(scope="session")
def demo_case(demo_run: dict[str, Any]) -> str:
    return str(demo_run["capture"]["case"])


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (``executable_path``: no browser download), once the graph
    library is built (the browser tests draw the graph)."""
    from cointrail.web.templating import GRAPH_BUNDLE

    if not GRAPH_BUNDLE.is_file():
        pytest.skip("the workspace's graph library is not built: run scripts/web-assets.sh (bootstrap.sh does)")
    path = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    from cointrail.capture.render import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def page(browser: Any, recorder: Recorder) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    recorder.attach(opened)
    try:
        yield opened
    finally:
        context.close()
