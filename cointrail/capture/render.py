"""Rendering a page in headless Chromium, for pages that build their content with JavaScript.

Debian's Chromium is driven by Playwright with ``executable_path`` (no browser
download). Media requests are blocked by route, so a rendered capture fetches
no images, video, audio or fonts unless images are allowed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import ProxySettings, Request, Route

from cointrail.errors import ExternalServiceError

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BLOCKED_ALWAYS = {"media", "font", "websocket", "eventsource", "manifest"}


@dataclass
class Rendered:
    """The DOM after scripts ran, and what the browser was not allowed to fetch."""

    url: str
    dom: str = ""
    screenshot: bytes | None = None
    blocked: list[str] = field(default_factory=list)
    problem: str | None = None
    browser: str = ""


def chromium_path() -> str:
    """Where Debian's Chromium is, or a clear error."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise ExternalServiceError("--render needs Chromium: install Debian's 'chromium' package "
                                   "(scripts/system-deps.sh does)")
    return path


def _proxy_setting(proxy: str | None) -> ProxySettings | None:
    # Chromium resolves names at a SOCKS5 proxy itself; it only knows the socks5 scheme.
    if not proxy:
        return None
    return {"server": proxy.replace("socks5h://", "socks5://")}


def render_page(url: str, proxy: str | None, allow_images: bool, timeout_s: float, insecure: bool) -> Rendered:
    """Load ``url`` in headless Chromium and return the rendered DOM."""
    from playwright.sync_api import Error as PlaywrightError  # slow import: only when rendering
    from playwright.sync_api import sync_playwright

    result = Rendered(url)

    def route(route_obj: Route, request: Request) -> None:
        kind = request.resource_type
        if kind in BLOCKED_ALWAYS or (kind == "image" and not allow_images):
            result.blocked.append(request.url)
            route_obj.abort()
        else:
            route_obj.continue_()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                             proxy=_proxy_setting(proxy))
        try:
            result.browser = f"Chromium {browser.version}"
            context = browser.new_context(service_workers="block", ignore_https_errors=insecure)
            page = context.new_page()
            page.route("**/*", route)
            try:
                page.goto(url, wait_until="load", timeout=timeout_s * 1000)
                page.wait_for_load_state("networkidle", timeout=min(5.0, timeout_s) * 1000)
            except PlaywrightError as error:
                result.problem = f"the browser did not finish loading the page ({str(error).splitlines()[0]})"
            result.dom = page.content()
            if allow_images:
                result.screenshot = page.screenshot(full_page=True)
        finally:
            browser.close()
    return result
