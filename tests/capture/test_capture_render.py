"""``--render``: a page that builds its address with JavaScript, in Debian's Chromium."""

from __future__ import annotations

import shutil

import pytest
from capture_site import ADDR, Site
from test_capture_site import found, warc_records

from cointrail.capture import CaptureOptions, capture_url
from cointrail.cases import Case, verify_case

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPTED = f"""<!doctype html><html><head><meta charset="utf-8"></head><body>
<p id="pay">loading…</p><img src="/img/qr.png">
<script>
  const parts = {[ADDR.faq[i:i + 7] for i in range(0, len(ADDR.faq), 7)]!r};
  document.getElementById("pay").textContent = "Pay to " + parts.join("");
</script></body></html>""".encode()


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")


def test_rendering_finds_an_address_built_by_javascript(case: Case, site: Site) -> None:
    site.routes["/app"] = (200, {"Content-Type": "text/html; charset=utf-8"}, SCRIPTED)
    summary = capture_url(case, site.url + "/app", CaptureOptions(render=True))
    assert ADDR.faq in found(summary)
    assert {a["address"]: a for a in summary["addresses"]}[ADDR.faq]["sources"] == ["rendered-dom"]
    assert "/img/qr.png" not in site.log, "the browser must not fetch media"
    assert any(url.endswith("/img/qr.png") for url in summary["rendered"]["blocked_requests"])
    records = warc_records(case.folder / summary["warc"]["path"])
    dom = next(r for r in records if r[0] == "resource")
    assert dom[1].get_header("Content-Type").startswith("text/html") and ADDR.faq.encode() in dom[3]
    assert not [r for r in records if r[0] == "resource" and r[1].get_header("Content-Type") == "image/png"]
    assert verify_case(case).intact


def test_rendering_with_media_keeps_a_screenshot(case: Case, site: Site) -> None:
    site.routes["/app"] = (200, {"Content-Type": "text/html; charset=utf-8"}, SCRIPTED)
    summary = capture_url(case, site.url + "/app", CaptureOptions(render=True, include_media=True))
    assert summary["rendered"]["screenshot_record_id"]
    records = warc_records(case.folder / summary["warc"]["path"])
    shot = next(r for r in records if r[0] == "resource" and r[1].get_header("Content-Type") == "image/png")
    assert shot[3].startswith(b"\x89PNG")
