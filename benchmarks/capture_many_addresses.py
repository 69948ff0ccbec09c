"""A page with very many addresses (issue 22): capture time, peak memory, and the size of what is stored.

Serves one generated page holding N distinct generated addresses (default 100,000) on 127.0.0.1 and runs
``capture_url`` on it in a fresh child process, so that the child's peak resident memory (``ru_maxrss``) is
the capture's own. Prints wall-clock seconds, peak memory, and the sizes of the WARC, the findings file and
the summary. Run with ``PYTHONPATH`` pointing at another checkout to compare two versions.

    .venv/bin/python benchmarks/capture_many_addresses.py [--addresses N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


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
        started = time.perf_counter()
        summary = capture_url(case, url + "index.html", CaptureOptions())
        seconds = time.perf_counter() - started
    size = {name: (case.folder / summary[key]["path"]).stat().st_size
            for name, key in (("warc", "warc"), ("findings", "findings_file"), ("summary", "summary_file"))}
    print(json.dumps({"seconds": seconds, "findings": summary["findings"], "addresses": len(summary["addresses"]),
                      "bytes": size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=100_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "site").mkdir()
        page_mb = make_page(folder / "site", args.addresses).stat().st_size / 1e6
        done = subprocess.run([sys.executable, __file__, "--child", str(folder)], capture_output=True, text=True,
                              check=True)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    sizes = figures["bytes"]
    print(f"page {page_mb:.1f} MB with {args.addresses:,} addresses: "
          f"{figures['seconds']:.1f} s, peak {peak_mib:.0f} MiB; {figures['addresses']:,} addresses, "
          f"{figures['findings']:,} findings; WARC {sizes['warc'] / 1e6:.1f} MB, findings "
          f"{sizes['findings'] / 1e6:.1f} MB, summary {sizes['summary'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
