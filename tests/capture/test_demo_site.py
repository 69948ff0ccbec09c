"""The bundled demo site, served by ``serve_directory`` and captured like a real one."""

from __future__ import annotations

import shutil
from pathlib import Path

from capture_site import qr_png
from test_capture_site import found

from cointrail.capture import CaptureOptions, capture_url, served_directory
from cointrail.cases import Case, verify_case

SITE = Path(__file__).resolve().parents[2] / "cointrail" / "demo" / "site"
ON_THE_PAGES = {
    "rltc1qkwkf20f4me505wd05hltaxvnh6zjwdmgz7x4lr",  # attribute
    "rltc1q9ndvjfhadrff54lrma5n9lxkn8ldmasqm85rdp",  # text
    "rltc1qkl7q9fyp8xpgrs820z079zf4r7wh2tzjztsxhx",  # payment URI
    "rltc1qwm9sthf6900t0c7wu93ne9hu6g28yl73f4chg7",  # zero-width spaces
    "tb1qafu0j33wfw34wvs4mgpv83z2xf6mgdc0yd4jhn",  # bitcoin testnet
    "mmPj8BagVJmPUxFgyKuVery2zm5y8UTz4K",  # in the script
}
FAQ = "rltc1q264l8r5g4djsnlcchsjsak6tlsmhj26lumz0le"


def test_demo_site_ships_no_image() -> None:
    assert not [p for p in SITE.iterdir() if p.suffix in (".png", ".jpg", ".gif", ".webp")]


def test_capture_of_the_demo_site(case: Case) -> None:
    with served_directory(SITE) as (url, log):
        summary = capture_url(case, url + "index.html", CaptureOptions(depth=1))
    assert found(summary) == ON_THE_PAGES | {FAQ}
    by = {a["address"]: a for a in summary["addresses"]}
    assert by["rltc1qkl7q9fyp8xpgrs820z079zf4r7wh2tzjztsxhx"]["amounts"] == ["0.15 LTC"]
    assert by["rltc1qwm9sthf6900t0c7wu93ne9hu6g28yl73f4chg7"]["tricks"]
    assert "/qr.png" not in log and "/style.css" not in log
    assert verify_case(case).intact


def test_demo_site_with_a_qr_code_drawn_at_run_time(case: Case, tmp_path: Path) -> None:
    copy = shutil.copytree(SITE, tmp_path / "site")
    (copy / "qr.png").write_bytes(qr_png("litecoin:rltc1qkl7q9fyp8xpgrs820z079zf4r7wh2tzjztsxhx?amount=0.15"))
    with served_directory(copy) as (url, log):
        summary = capture_url(case, url, CaptureOptions(include_media=True))
    assert "/qr.png" in log
    assert "qr-code" in {a["address"]: a for a in summary["addresses"]}[
        "rltc1qkl7q9fyp8xpgrs820z079zf4r7wh2tzjztsxhx"]["sources"]
