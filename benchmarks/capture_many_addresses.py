"""A page with very many addresses (issue 22): capture time, peak memory, and the size of what is stored.

Serves one generated page holding N distinct generated addresses (default 100,000) on 127.0.0.1 and runs
``capture_url`` on it in a fresh child process, so that the child's peak resident memory (``VmHWM``) is
the capture's own. Prints wall-clock seconds, peak memory, and the sizes of the WARC, the findings file and
the summary (docs/capture.md quotes them; nothing is written). Run with ``PYTHONPATH`` pointing at another
checkout to compare two versions.

    .venv/bin/python -m benchmarks.capture_many_addresses [--addresses N] [--quick]
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from benchmarks import harness

CHILD = ("import sys; from pathlib import Path; from benchmarks.capture_many_addresses import child; "
         "child(Path(sys.argv[1]))")


def _address(n: int) -> str:
    from cointrail.addresses import address_for_script
    from cointrail.addresses.script import witness_script

    digest = hashlib.sha256(f"many {n}".encode()).digest()[:20]
    return address_for_script(witness_script(0, digest), "bitcoin", "testnet") or ""


def make_page(folder: Path, count: int) -> Path:
    rows = "\n".join(f"<li>order {n}: pay {_address(n)}</li>" for n in range(count))
    page = folder / "index.html"
    page.write_text(f"<!doctype html><html><body><ul>\n{rows}\n</ul></body></html>")
    return page


def child(folder: Path) -> None:
    """Capture the page (in this fresh process) and print the figures as JSON."""
    from cointrail.capture import CaptureOptions, capture_url, served_directory
    from cointrail.cases import create_case

    case = create_case("many", root=folder / "cases", operator="Benchmark")
    with served_directory(folder / "site") as (url, _):
        took, summary = harness.timed(lambda: capture_url(case, url + "index.html", CaptureOptions()))
    size = {name: (case.folder / summary[key]["path"]).stat().st_size
            for name, key in (("warc", "warc"), ("findings", "findings_file"), ("summary", "summary_file"))}
    print(json.dumps({"seconds": took.wall, "findings": summary["findings"], "addresses": len(summary["addresses"]),
                      "bytes": size, "peak_mib": harness.peak_mb()}))


def main() -> None:
    parser = harness.arguments(__doc__, quick={"addresses": 2_000})
    parser.add_argument("--addresses", type=int, default=100_000)
    args = harness.parse(parser)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "site").mkdir()
        page_mb = make_page(folder / "site", args.addresses).stat().st_size / 1e6
        figures = json.loads(harness.python_child(CHILD, str(folder)).strip().splitlines()[-1])
    sizes, peak_mib = figures["bytes"], figures["peak_mib"]
    print(f"page {page_mb:.1f} MB with {args.addresses:,} addresses: "
          f"{figures['seconds']:.1f} s, peak {peak_mib:.0f} MiB; {figures['addresses']:,} addresses, "
          f"{figures['findings']:,} findings; WARC {sizes['warc'] / 1e6:.1f} MB, findings "
          f"{sizes['findings'] / 1e6:.1f} MB, summary {sizes['summary'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
