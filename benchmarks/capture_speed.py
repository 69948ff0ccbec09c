"""Capture speed: cointrail capture against plain fetching, on a generated site on loopback.

Serves a generated site of PAGES linked pages (about 30 KB of HTML each, a few
generated addresses on each) from a real HTTP server on 127.0.0.1 and measures,
in the same run:

(a) baseline: fetch every page with one httpx client, nothing kept;
(b) cointrail: ``capture_url`` with ``--depth 1`` over the same pages: WARC
    records written (gzip per record), every body searched for addresses, the
    WARC, findings and summary hashed, stored and logged;
(c) ``verify_case`` on that case, against (c0) plain SHA-256 of the same files.

Wall-clock seconds, best of 3, (a) and (b) alternated (the server runs in the
same process, so CPU time would mix client and server). Writes its section of
docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.capture_speed [--pages 150] [--runs 3] [--no-write] [--quick]``
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
import zlib
from pathlib import Path

import httpx

from benchmarks import harness
from cointrail.addresses import address_for_script
from cointrail.addresses.script import witness_script
from cointrail.capture import CaptureLimits, CaptureOptions, capture_url, served_directory
from cointrail.capture.decode import decode_body
from cointrail.cases import create_case, sha256_file, verify_case


def filler(page: int) -> str:
    """About 30 KB of text that compresses like real pages do (not like one repeated line)."""
    lines = [f"<p>Order {hashlib.sha256(f'{page}/{n}'.encode()).hexdigest()} is waiting for payment.</p>"
             for n in range(300)]
    return "\n".join(lines)


def _address(n: int) -> str:
    digest = hashlib.sha256(f"benchmark {n}".encode()).digest()[:20]
    return address_for_script(witness_script(0, digest), "litecoin", "regtest") or ""


def make_site(folder: Path, pages: int) -> int:
    """Write the site; return its total size in bytes."""
    links = "".join(f'<a href="p{i}.html">plan {i}</a>\n' for i in range(pages))
    (folder / "index.html").write_text(f"<html><body>{links}</body></html>")
    for i in range(pages):
        body = f"<html><body><h1>Plan {i}</h1>{filler(i)}<p>Pay to {_address(i)}</p>" \
               f'<a href="litecoin:{_address(i + 10_000)}?amount=0.15">pay</a></body></html>'
        (folder / f"p{i}.html").write_text(body)
    return sum(p.stat().st_size for p in folder.iterdir())


def least_wall(runs: list[tuple[harness.Timing, object]]) -> float:
    return harness.least(runs, "wall")[0].wall


def measure(pages: int, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "site").mkdir()
        size = make_site(root / "site", pages)
        with served_directory(root / "site") as (url, _):
            urls = [url] + [f"{url}p{i}.html" for i in range(pages)]

            def plain() -> None:
                with httpx.Client() as client:
                    for page in urls:
                        client.get(page).read()

            cases: list = []
            numbers = itertools.count()

            def capture() -> None:
                case = create_case(f"bench{next(numbers)}", root=root / "cases", operator="bench")
                summary = capture_url(case, url, CaptureOptions(depth=1))
                assert len(summary["addresses"]) == 2 * pages, summary["warnings"]
                cases.append(case)

            fetched = harness.alternate({"baseline": plain, "capture": capture}, runs)
            baseline, cointrail = least_wall(fetched["baseline"]), least_wall(fetched["capture"])
        case = cases[-1]
        files = [case.folder / "case.json", *case.evidence.files()]
        checked = harness.alternate({"hash": lambda: [sha256_file(p) for p in files],
                                     "verify": lambda: verify_case(case, record=False)}, runs)  # fmt: skip
        hashing, verifying = least_wall(checked["hash"]), least_wall(checked["verify"])
        warc = max(case.evidence.files(), key=lambda p: p.stat().st_size).stat().st_size
        evidence = sum(p.stat().st_size for p in files)
    bomb = gzip_bomb(1024)
    took, decoded = harness.timed(lambda: decode_body(bomb, "gzip", CaptureLimits().max_decoded_bytes))
    bomb_time = took.wall
    assert decoded.bomb
    return {"pages": pages + 1, "bytes": size, "baseline": baseline, "capture": cointrail, "hash": hashing,
            "verify": verifying, "warc": warc, "evidence": evidence, "bomb": len(bomb), "bomb_time": bomb_time,
            "bomb_out": len(decoded.data), "runs": runs}


def gzip_bomb(mib: int) -> bytes:
    """``mib`` MiB of zeros, gzip-compressed piece by piece."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(mib)) + packer.flush()


def _row(*cells: str) -> str:
    return harness.table_row(cells)


def render(m: dict[str, float]) -> str:
    mb, evidence_mb = m["bytes"] / 1e6, m["evidence"] / 1e6
    rows = [
        _row("(a) baseline: fetch every page with httpx, keep nothing", f"{m['baseline']:.2f} s",
             f"{m['pages'] / m['baseline']:,.0f}", f"{mb / m['baseline']:.1f}"),
        _row("(b) cointrail capture `--depth 1`: WARC, address search, evidence stored and logged",
             f"{m['capture']:.2f} s", f"{m['pages'] / m['capture']:,.0f}", f"{mb / m['capture']:.1f}"),
        _row(f"(c0) baseline: SHA-256 of the case's {evidence_mb:.1f} MB of evidence", f"{m['hash']:.3f} s", "—",
             f"{evidence_mb / m['hash']:.0f}"),
        _row("(c) cointrail verify: re-hash the files, re-check the custody log", f"{m['verify']:.3f} s", "—",
             f"{evidence_mb / m['verify']:.0f}"),
        _row(f"(d) a gzip bomb: 1 GiB of zeros in {m['bomb'] / 1e6:.1f} MB, decoded under the default limit",
             f"{m['bomb_time']:.3f} s", "—", f"stopped at {m['bomb_out'] / (1 << 20):.0f} MiB"),
    ]
    table = "\n".join(rows)
    return f"""## Capture

{harness.machine("capture_speed.py")}. A generated site of {m['pages']:,} pages
({mb:.1f} MB of HTML, two generated addresses per page) served from 127.0.0.1 by `http.server` in the same
process; wall-clock seconds, best of {m['runs']:.0f}, each step and its baseline alternated.

| what | time | pages per second | MB per second |
|---|---|---|---|
{table}

Capturing costs {m['capture'] / m['baseline']:.1f} times plain fetching; the WARC is {m['warc'] / 1e6:.1f} MB
({m['warc'] / m['bytes']:.0%} of the HTML: one gzip member per record). On a real site, and above all through Tor,
the network dominates: a .onion page takes seconds, so neither figure limits a capture.
"""


def main() -> None:
    parser = harness.arguments(__doc__, quick={"pages": 10, "runs": 1})
    parser.add_argument("--pages", type=int, default=150, help="pages in the generated site")
    parser.add_argument("--runs", type=int, default=3)
    args = harness.parse(parser)
    harness.publish(args, "capture", render(measure(args.pages, args.runs)))


if __name__ == "__main__":
    main()
