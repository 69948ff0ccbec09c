"""The real workspace served by uvicorn on 127.0.0.1, on a free port, in a thread of the test process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cointrail.capture.render import chromium_path
from cointrail.errors import ExternalServiceError
from cointrail.web import Security, Workspace, create_app
from cointrail.web.server import Served, serve_in_thread

__all__ = ["VIEWPORT", "Recorder", "Served", "accessible", "axe_problems", "chromium_or_skip", "fits_width", "serving",
           "visible_box"]  # fmt: skip

VIEWPORT = {"width": 1280, "height": 800}  # the browser tests' screen: a laptop's


@contextmanager
def serving(workspace: Workspace, security: Security | None = None) -> Iterator[Served]:
    """Serve ``workspace`` until the block ends (loopback rules unless ``security`` is given)."""
    with serve_in_thread(lambda port: create_app(workspace, security or Security.for_bind("127.0.0.1", port))) as up:
        yield up


def chromium_or_skip() -> str:
    """Debian's Chromium, or skip the test saying how to install it."""
    import pytest

    try:
        return chromium_path()
    except ExternalServiceError:
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")


class Recorder:
    """Every request a page makes, and every console error (CSP violations are reported there)."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))


def visible_box(locator: Any) -> dict[str, float]:
    box: dict[str, float] | None = locator.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"] + 1, "must fit a 1280-pixel-wide screen"
    return box


def fits_width(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"], "no sideways scrolling at 1280"


AXE = Path(__file__).resolve().parents[2] / "cointrail" / "web" / "static" / "vendor" / "axe.min.js"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}  # fmt: skip


def axe_problems(page: Any) -> list[str]:
    """The serious and critical accessibility violations axe-core finds on the page as it stands (WCAG 2.1 A and AA,
    and axe's best practices), each with the elements at fault; axe is injected by the test, never served to a page.

    Without axe-core the test fails, saying how to install it (scripts/web-assets.sh; scripts/test runs it): a
    skip would leave out the whole browser test the check sits in."""
    import pytest

    if not AXE.is_file():
        pytest.fail("axe-core is not installed, so the accessibility check cannot run: run scripts/web-assets.sh")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # through the browser's debugger, as the test's own code
    found: list[dict[str, Any]] = page.evaluate("options => window.axe.run(document, options).then(r => r.violations)",
                                                AXE_OPTIONS)  # fmt: skip
    return [f"{v['impact']}: {v['id']} ({v['help']}) at " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in found if v["impact"] in ("serious", "critical")]  # fmt: skip


def accessible(page: Any) -> None:
    """Fail on any serious or critical axe-core violation of the page."""
    problems = axe_problems(page)
    assert not problems, f"{page.url}: " + " | ".join(problems)
