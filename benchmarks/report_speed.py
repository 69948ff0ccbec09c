"""Report speed: how long `cointrail report` takes on a case with many payers, against the tracing it rests on.

Builds a case: a generated payment page with one fresh address per payment,
captured from 127.0.0.1, and a ledger store (written through the store's own
writer, clustered, the exchange labelled) where PAYERS customers, funded by
exchange withdrawals, pay the site ROUNDS times each and the site sweeps every
round into a deposit address at the exchange. Measures, in the same run:

(a) baseline: the tracing alone (``payers`` + a forward ``trace`` of the site);
(b) collecting the report's facts (the same tracing, plus the case's custody log
    re-checked and every evidence file re-hashed, the store's sources, methods);
(c) rendering the HTML (Jinja2, with the flow graph);
(d) printing the PDF (WeasyPrint), as ``cointrail report`` does: the body laid out once, the index and the
    summary apart with their page numbers from it, the footers joined (report/paging.py);
(dn) the baseline of (d): the same report without the index (``cointrail report --no-index``: no index, no
    anchor for it), printed the same way: what the index costs;
(d0) with ``--whole`` only: the HTML of (d) printed whole, WeasyPrint filling every page reference itself (CSS
    ``target-counter``), as the report was printed before report/paging.py.

Wall-clock seconds, best of 3, (a) and (b) alternated, the PDFs alternated; for them also CPU seconds (the figure
on shared cores). Writes its section of docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.report_speed [--sizes 20x3 100x4] [--runs 3] [--whole] [--no-write] [--quick]``
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from benchmarks import harness
from cointrail.capture import capture_url, served_directory
from cointrail.cases import Case, create_case
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.facts import collect_facts
from cointrail.labels.model import Label, confidence_named
from cointrail.labels.store import write_labels
from cointrail.report.layout import for_print
from cointrail.report.render import render_html, render_pdf
from cointrail.simulation.named_chain import ChainBuilder
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing import payers, trace

COIN = 100_000_000
BATCH = 20  # customers paid out by one exchange withdrawal


def _withdrawals(chain: ChainBuilder, customers: int) -> None:
    for batch in range(0, customers, BATCH):
        chain.block(miner=f"exhot{batch}")
        group = range(batch, min(batch + BATCH, customers))
        pays = [(f"c{i}", 2 * COIN) for i in group] + [(f"exhot{batch}b", 49 * COIN - 2 * COIN * len(group))]
        chain.block(chain.tx(f"w{batch}", [(f"cb{chain.height}", 0)], pays))


def build(path: Path, customers: int, rounds: int) -> tuple[list[str], list[str]]:
    """The chain; returns (site addresses, exchange addresses)."""
    chain = ChainBuilder(path)
    _withdrawals(chain, customers)
    spend = {i: (f"w{i - i % BATCH}", i % BATCH) for i in range(customers)}
    site = []
    for r in range(rounds):
        txs = []
        for i in range(customers):
            name = f"p{r}_{i}"
            change = 2 * COIN - (r + 1) * 11_000_007  # not round: the change heuristics keep each customer whole
            txs.append(chain.tx(name, [spend[i]], [(f"s{r}_{i}", COIN // 10), (f"c{i}_{r}", change)]))
            spend[i] = (name, 1)
            site.append(f"s{r}_{i}")
        chain.block(*txs)
        swept = [(f"p{r}_{i}", 0) for i in range(customers)]
        chain.block(chain.tx(f"sweep{r}", swept, [("exdeposit", customers * COIN // 10 - 10_000)]))
    build_clusters(chain.store, DEFAULT_HEURISTICS, full=True)
    exchange = [chain.address(f"exhot{b}") for b in range(0, customers, BATCH)] + [chain.address("exdeposit")]
    write_labels(chain.store, [Label(address=a, chains=("litecoin",), currency="LTC", network="regtest",
                                     label="Exchange One", source="benchmark", source_sha256="0" * 64,
                                     confidence=confidence_named("service_data"), importer="csv", category="exchange",
                                     actor="Exchange One") for a in exchange])  # fmt: skip
    addresses = [chain.address(name) for name in site]
    chain.close()
    return addresses, exchange


def capture(root: Path, site: list[str]) -> Case:
    folder = root / "site"
    folder.mkdir()
    rows = "".join(f"<li>pay to {a}</li>" for a in site)
    (folder / "index.html").write_text(f"<html><body><ul>{rows}</ul></body></html>")
    case = create_case("bench", root=root / "cases", operator="benchmark")
    with served_directory(folder) as (url, _):
        capture_url(case, url)
    return case


def best(runs: list[tuple[harness.Timing, Any]]) -> tuple[float, Any]:
    """The least wall time of the runs, and what the last one returned."""
    return harness.least(runs, "wall")[0].wall, runs[-1][1]


def measure(customers: int, rounds: int, runs: int, whole: bool = False) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="cointrail-report-bench-"))
    site, _ = build(root / "ledger.duckdb", customers, rounds)
    case = capture(root, site)
    with LedgerStore.open(root / "ledger.duckdb", read_only=True) as store:
        def tracing() -> dict[str, Any]:
            found = payers(store, site).to_dict()
            starts = [f"cluster:{c}" for c in found["site"]["cluster_ids"] if c is not None]
            return {"payers": found, "flows": [trace(store, s, direction="forward", hops=6).to_dict() for s in starts]}

        tracing()  # warm DuckDB's caches once, so (a) and (b) start alike
        both = harness.alternate({"trace": tracing, "facts": lambda: collect_facts(case, store, site)}, runs)
        (t_trace, found), (t_facts, facts) = best(both["trace"]), best(both["facts"])
    t_html, html = best([harness.timed(lambda: render_html(facts, "0" * 64)) for _ in range(runs)])
    plain = render_html(facts, "0" * 64, index=False)
    import weasyprint  # the baseline prints the same HTML as render_pdf did before report/paging.py

    steps = {"pdf": lambda: render_pdf(html), "plain": lambda: render_pdf(plain)}
    if whole:
        steps["whole"] = lambda: weasyprint.HTML(string=for_print(html)).write_pdf()
    prints = harness.alternate(steps, runs)
    (t_pdf, pdf), (t_plain, plain_pdf) = best(prints["pdf"]), best(prints["plain"])
    cpu = {k: harness.least(runs_of, "cpu")[0].cpu for k, runs_of in prints.items()}
    return {"customers": customers, "rounds": rounds, "payments": len(found["payers"]["payments"]),
            "payers": len(found["payers"]["payers"]), "site": len(site), "trace": t_trace, "facts": t_facts,
            "html": t_html, "pdf": t_pdf, "plain": t_plain, "cpu_pdf": cpu["pdf"], "cpu_plain": cpu["plain"],
            "whole": best(prints["whole"])[0] if whole else None, "cpu_whole": cpu.get("whole"),
            "pages": len(PdfReader(io.BytesIO(pdf)).pages), "plain_pages": len(PdfReader(io.BytesIO(plain_pdf)).pages),
            "html_bytes": len(html), "pdf_bytes": len(pdf), "runs": runs}  # fmt: skip


WHOLE = (" (d0) is the HTML of (d) printed whole, WeasyPrint filling each page reference (CSS `target-counter`) by "
         "laying out again every page that holds one, as the report was printed before.")


def _runs(r: dict[str, Any], results: list[dict[str, Any]]) -> str:
    """A case measured fewer times than the first (to stay within 3 minutes on shared cores) says so."""
    if r["runs"] == results[0]["runs"]:
        return ""
    return " (1 run)" if r["runs"] == 1 else f" (best of {r['runs']})"


def _whole(r: dict[str, Any]) -> str:
    return "" if r["whole"] is None else f" {r['whole']:.2f} s ({r['cpu_whole']:.2f} s CPU) |"


def render(results: list[dict[str, Any]]) -> str:
    whole = results[0]["whole"] is not None
    rows = "".join(
        f"| {r['payers']} payers, {r['payments']} payments, {r['site']} site addresses{_runs(r, results)} "
        f"| {r['trace']:.2f} s "
        f"| {r['facts']:.2f} s | {r['html']:.2f} s ({r['html_bytes'] / 1e6:.1f} MB) | {r['pdf']:.2f} s "
        f"({r['cpu_pdf']:.2f} s CPU; {r['pages']} pages, {r['pdf_bytes'] / 1e6:.1f} MB) | {r['plain']:.2f} s "
        f"({r['cpu_plain']:.2f} s CPU; {r['plain_pages']} pages) | {r['cpu_pdf'] / r['cpu_plain']:.2f}× |{_whole(r)}"
        f" {r['facts'] + r['html'] + r['pdf']:.2f} s |\n" for r in results)
    d0 = " (d0) baseline: PDF printed whole |" if whole else ""
    return f"""## Report

{harness.machine("report_speed.py")}. Each case: a captured payment page with one fresh
address per payment; customers funded by exchange withdrawals pay the site, which sweeps every round into the
exchange; clustered and labelled. Wall-clock seconds, best of {results[0]["runs"]}, each case in one run, (a) and
(b) alternated, the PDFs alternated; the PDFs also in CPU seconds, the figure on shared cores. (a) is the tracing
the report rests on (`payers` and a forward `trace` of the site); (b) is that plus the custody log re-checked,
every evidence file re-hashed, the store's sources and the methods appendix.

| case | (a) baseline: tracing alone | (b) facts collected | (c) HTML | (d) PDF (WeasyPrint, in parts) \
| (dn) baseline: the same PDF without the index | index cost, CPU (d)/(dn) |{d0} report in all (b+c+d) |
|---|---|---|---|---|---|---|{"---|" if whole else ""}---|
{rows}
(d) is the PDF as `cointrail report` prints it: the body laid out once, the index and the summary laid out apart
with each page number read from the body's layout, the footers ("page N of M") laid out apart and joined
(`cointrail/report/paging.py`). The index is a paragraph per transaction and address; the places each appears
are printed as text ("1.2 Payments, p. 14"), and only each txid's exhibit is a link. (dn) is the same report
without the index and without the anchors in the body that it points to (`cointrail report --no-index`), printed
the same way.{WHOLE if whole else ""}
Most of the rest is WeasyPrint laying out the long tables (every payment, every funding step); the HTML alone is
quick, and `cointrail report --no-pdf` skips the PDF.
"""


def main() -> None:
    parser = harness.arguments(__doc__, quick={"sizes": ["5x2"], "runs": 1})
    parser.add_argument("--sizes", nargs="+", default=["20x3", "100x4"], help="CUSTOMERSxROUNDS cases")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--whole", action="store_true", help="Also print the PDF whole, as before report/paging.py.")
    args = harness.parse(parser)
    results = [measure(*map(int, size.split("x")), args.runs, args.whole) for size in args.sizes]
    harness.publish(args, "report", render(results))


if __name__ == "__main__":
    main()
