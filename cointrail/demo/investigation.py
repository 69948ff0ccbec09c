"""The steps of the demo investigation, each returning plain data."""

from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import segno

from cointrail.addresses import parse_address
from cointrail.capture import CaptureOptions, capture_url, serve_directory
from cointrail.cases import create_case, open_case, verify_case

SITE = Path(__file__).resolve().parent / "site"
DEMO_OPERATOR = "demo investigator"
# The QR code on the sample page is drawn at run time: the project ships no images.
QR_PAYMENT_URI = "litecoin:rltc1qkl7q9fyp8xpgrs820z079zf4r7wh2tzjztsxhx?amount=0.15"

Progress = Callable[[str], None]


def _prepare_site(workdir: Path) -> Path:
    """A copy of the sample site with its payment QR code drawn now."""
    site = workdir / "sample-site"
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(SITE, site)
    segno.make(QR_PAYMENT_URI, error="m").save(str(site / "qr.png"), scale=6)
    return site


def _capture(workdir: Path, site: Path, say: Progress) -> dict[str, Any]:
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    case = create_case(f"demo-{stamp}", root=workdir / "cases", operator=DEMO_OPERATOR)
    url, stop, _ = serve_directory(site)
    say(f"Serving the fictitious sample site at {url} (loopback only).")
    try:
        # Media are fetched here only to show QR decoding on a page we made ourselves.
        summary = capture_url(case, url + "index.html", CaptureOptions(depth=1, include_media=True), progress=say)
    finally:
        stop()
    return {"case": case.name, "case_folder": str(case.folder), "summary": summary}


def _check_addresses(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [parse_address(item["address"]).to_dict() for item in summary["addresses"]]


def _tamper_test(case_folder: Path, workdir: Path) -> dict[str, Any]:
    """Flip one byte of the WARC in a copy of the case and show that verify catches it."""
    copy = workdir / "tampered-copy"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(case_folder, copy / case_folder.name)
    for path in (copy / case_folder.name).rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    warc = next((copy / case_folder.name / "evidence").rglob("*.warc.gz"))
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    report = verify_case(open_case(case_folder.name, root=copy, operator=DEMO_OPERATOR))
    return {"tampered_file": warc.name, "caught": not report.intact, "report": report.to_dict()}


def run_demo(workdir: str | Path | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Run the demo investigation in ``workdir`` (a new temporary folder if None)."""
    say = progress or (lambda message: None)
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="cointrail-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    site = _prepare_site(root)
    captured = _capture(root, site, say)
    say("Checking every address found against its currency's rules.")
    checks = _check_addresses(captured["summary"])
    say("Verifying the case: re-hashing every evidence file and the custody log.")
    case = open_case(captured["case"], root=root / "cases", operator=DEMO_OPERATOR)
    verified = verify_case(case).to_dict()
    say("Tampering with a copy of the case to show that verification catches it.")
    tamper = _tamper_test(Path(captured["case_folder"]), root)
    return {"workdir": str(root), "capture": captured, "address_checks": checks,
            "verification": verified, "tamper_test": tamper}
