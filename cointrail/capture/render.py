"""Rendering a page in headless Chromium, for pages that build their content with JavaScript.

Debian's Chromium is driven by Playwright with ``executable_path`` (no browser
download). Media requests are blocked by route, so a rendered capture fetches
no images, video, audio or fonts unless images are allowed.

A hostile page must not learn who renders it (issue 22): Chromium runs in its
sandbox as an unprivileged user (:mod:`cointrail.capture.sandbox`); WebRTC may
send no UDP that bypasses the proxy (a SOCKS proxy carries no UDP, so a STUN
packet would go out directly, from the investigator's own address) and its
JavaScript API is removed before any page script runs, as in Tor Browser; no
background service (updates, safe browsing, sync, metrics…) talks to anyone; with
a SOCKS proxy no name is resolved locally; and the browser sends the same
User-Agent and Accept-Language as the plain fetches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ProxySettings, Request, Route

from cointrail.capture.fetch import ACCEPT_LANGUAGE, USER_AGENT
from cointrail.capture.sandbox import browser_launch, chromium_path

__all__ = ["CHROMIUM_ARGS", "Rendered", "chromium_args", "chromium_path", "render_page"]

# Features that call Google (or anyone) on their own, or reveal the machine; kept together with Playwright's own
# list, since a later --disable-features may replace an earlier one.
_DISABLED_FEATURES = [
    "OptimizationHints", "NetworkTimeServiceQuerying", "MediaRouter", "DialMediaRouteProvider", "Translate",
    "AutofillServerCommunication", "CertificateTransparencyComponentUpdater", "InterestFeedContentSuggestions",
    "PreconnectToSearch", "AimEnabled", "LensOverlay", "SafeBrowsingEnhancedProtection", "PrivacySandboxSettings4",
    "DnsOverHttps", "UseDnsHttpsSvcb", "WebRtcHideLocalIpsWithMdns", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "PaintHolding", "DestroyProfileOnBrowserClose", "ThirdPartyStoragePartitioning",
    "UserAgentClientHint",
    "AvoidUnnecessaryBeforeUnloadCheckSync", "AvoidCorsURLLoaderRestartOnRedirect",
]
CHROMIUM_ARGS = [
    "--headless", "--disable-gpu", "--disable-dev-shm-usage",
    # WebRTC: only UDP that goes through the proxy, that is none through SOCKS (the JS API is removed as well).
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp", "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--enforce-webrtc-ip-permission-check", "--disable-quic",
    # No background services.
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-pings",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-default-apps",
    "--disable-extensions", "--disable-component-extensions-with-background-pages", "--disable-breakpad",
    "--disable-crash-reporter", "--metrics-recording-only", "--no-default-browser-check", "--no-first-run",
    "--no-service-autorun", "--safebrowsing-disable-auto-update", "--disable-features=" + ",".join(_DISABLED_FEATURES),
    "--lang=en-US", "--accept-lang=en-US,en", f"--user-agent={USER_AGENT}",
]
BLOCKED_ALWAYS = {"media", "font", "websocket", "eventsource", "manifest"}
# Run in every frame before the page's own scripts: no WebRTC (as in Tor Browser, whose user agent is sent) and
# no navigator.userAgentData, which Firefox does not have and which would name Chromium.
_INIT_SCRIPT = """(() => {
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    if (/^(webkit)?RTC/.test(name)) { try { delete globalThis[name]; } catch (e) {} }
  }
  try { delete Navigator.prototype.userAgentData; } catch (e) {}
  try { if (navigator.mediaDevices) { delete Navigator.prototype.mediaDevices; } } catch (e) {}
})();"""


@dataclass
class Rendered:
    """The DOM after scripts ran, and what the browser was not allowed to fetch."""

    url: str
    dom: str = ""
    screenshot: bytes | None = None
    blocked: list[str] = field(default_factory=list)
    problem: str | None = None
    browser: str = ""


def chromium_args(proxy: str | None) -> list[str]:
    """The command-line switches for one render.

    Names are never resolved on this machine with a proxy (the proxy resolves them), and the names of
    Chromium's own services never resolve at all: some of them (the component updater, the Google account
    check) call out even with every switch above, so they are sent around the proxy into a resolver that
    finds nothing, and no packet leaves.
    """
    args = list(CHROMIUM_ARGS)
    if proxy:  # a SOCKS or HTTP proxy is given the names; only the proxy's own is looked up here
        host = urlsplit(proxy).hostname or ""
        args.append(f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {host}")
    else:
        args.append("--host-resolver-rules=" + " , ".join(f"MAP {name} ~NOTFOUND" for name in BROWSER_SERVICES))
    return args


# Where Chromium's own services live (observed: accounts.google.com, update.googleapis.com); a page's requests to
# them are not rendered either.
BROWSER_SERVICES = ("google.com", "*.google.com", "googleapis.com", "*.googleapis.com", "*.gvt1.com", "*.gvt2.com")


def _proxy_setting(proxy: str | None) -> ProxySettings | None:
    # Chromium resolves names at a SOCKS5 proxy itself; it only knows the socks5 scheme. Playwright adds
    # "<-loopback>" to the bypass list, so loopback addresses go through the proxy too; the browser's own
    # services bypass it, into the resolver rules that find nothing.
    if not proxy:
        return None
    return {"server": proxy.replace("socks5h://", "socks5://"), "bypass": ",".join(BROWSER_SERVICES)}


def _load(context: BrowserContext, url: str, result: Rendered, allow_images: bool, timeout_s: float) -> None:
    from playwright.sync_api import Error as PlaywrightError

    def route(route_obj: Route, request: Request) -> None:
        kind = request.resource_type
        if kind in BLOCKED_ALWAYS or (kind == "image" and not allow_images):
            result.blocked.append(request.url)
            route_obj.abort()
        else:
            route_obj.continue_()

    page = context.pages[0] if context.pages else context.new_page()
    # Without metadata, Chromium sends no Sec-CH-UA client hints (they would name Chromium beside a Firefox UA).
    context.new_cdp_session(page).send("Emulation.setUserAgentOverride",
                                       {"userAgent": USER_AGENT, "acceptLanguage": ACCEPT_LANGUAGE})
    page.route("**/*", route)
    try:
        page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        page.wait_for_load_state("networkidle", timeout=min(5.0, timeout_s) * 1000)
    except PlaywrightError as error:
        result.problem = f"the browser did not finish loading the page ({str(error).splitlines()[0]})"
    result.dom = page.content()
    if allow_images:
        result.screenshot = page.screenshot(full_page=True)


def render_page(url: str, proxy: str | None, allow_images: bool, timeout_s: float, insecure: bool) -> Rendered:
    """Load ``url`` in headless, sandboxed Chromium and return the rendered DOM."""
    from playwright.sync_api import Error as PlaywrightError  # slow import: only when rendering
    from playwright.sync_api import sync_playwright

    result = Rendered(url)
    with browser_launch() as launch, sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                launch.profile, executable_path=launch.executable, env=launch.env, args=chromium_args(proxy),
                chromium_sandbox=True, proxy=_proxy_setting(proxy), headless=True, service_workers="block",
                extra_http_headers={"Accept-Language": ACCEPT_LANGUAGE}, accept_downloads=False,
                ignore_https_errors=insecure, timeout=min(timeout_s, 30.0) * 1000)
        except PlaywrightError as error:
            result.problem = (f"Chromium did not start in its sandbox as user {launch.user} "
                              f"({str(error).splitlines()[0]}); the page was not rendered")
            return result
        try:
            result.browser = f"Chromium {context.browser.version if context.browser else ''}".strip()
            context.add_init_script(_INIT_SCRIPT)
            _load(context, url, result, allow_images, timeout_s)
        finally:
            context.close()
    return result
