"""Benchmark: moving the graph's timeline slider in Chromium, on graphs of many arrows: the cost of one move.

The workspace is served (uvicorn, 127.0.0.1) for an empty case and its graph page opened in Debian's Chromium
(Playwright). Generated nodes and arrows are put into the page's model (``window.cointrailGraph``), each arrow with
its transactions spread over a year at a day's price (two price sources), as a hop sends them; then the From
slider is moved a day at a time, ``--moves`` times, and each move is timed in the page (``performance.now()``):
every arrow recounted within the dates, its label redrawn, every node's place in the dates, the node list and the
status line. The baseline, in the same run and alternated with it round by round, is the ``graph.js`` of
``--before`` (default: the one before the running totals), served in its place by the browser.

Writes the "graphtimeline" section of docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.graph_timeline [--sizes 100x300x200 300x1000x20] [--rounds 3] [--moves 20]
[--before COMMIT] [--no-write] [--quick]``
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import harness
from cointrail.capture.render import CHROMIUM_ARGS
from cointrail.capture.sandbox import chromium_path
from cointrail.cases import create_case
from cointrail.web import Security, Workspace, create_app
from cointrail.web.server import serve_in_thread
from cointrail.wording import counted

BEFORE = "3c2bf49^"  # graph.js before the running totals (3c2bf49): each arrow re-filtered, per node too
GRAPH_JS = "cointrail/web/static/graph.js"

# Generated nodes and arrows in the page's model, and the sliders set over their year (the page's own code then
# draws nothing new: the nodes are not on the picture, only in the model, the list and the counts).
FILL = """([nodes, arrows, each]) => {
  const g = window.cointrailGraph, t0 = 1700000000, span = 365 * 86400;
  for (let i = 0; i < nodes; i++) {
    const id = "cluster:" + (900000 + i);
    g.nodes.set(id, {id: id, caption: "wallet " + i, role: "wallet", kind: "cluster", size: 2, labels: []});
  }
  for (let j = 0; j < arrows; j++) {
    const items = [];
    for (let k = 0; k < each; k++) {
      const day = Math.floor((k + (j % 7)) * 365 / each);
      items.push({txid: j.toString(16).padStart(8, "0") + k.toString(16).padStart(56, "0"), time: t0 + day * 86400,
                  amount: 1000 + k, amount_coin: (1000 + k).toString().padStart(9, "0").replace(/^(\\d)/, "$1."),
                  fiat: {currency: "USD", value: (k % 50) / 100, price: 60, price_date: "2023-11-15",
                         source: day % 2 ? "feed A" : "feed B"}});
    }
    const source = "cluster:" + (900000 + (j % nodes)), target = "cluster:" + (900000 + ((j * 7 + 1) % nodes));
    g.edges.set(source + ">" + target + "#" + j, {id: source + ">" + target + "#" + j, source: source, target: target,
      amount_coin: "1.00000000", fiat: null, transactions: each, first_time: items[0].time,
      last_time: items[each - 1].time, items: items});
  }
  const from = document.getElementById("timeline-from"), until = document.getElementById("timeline-until");
  for (const input of [from, until]) {
    input.disabled = false; input.min = String(t0); input.max = String(t0 + span); input.step = "86400";
  }
  until.value = String(t0 + span); from.value = String(t0);
}"""

MOVES = """(moves) => {
  const from = document.getElementById("timeline-from"), t0 = 1700000000, times = [];
  for (let m = 1; m <= moves; m++) {
    const started = performance.now();
    from.value = String(t0 + m * 86400);
    from.dispatchEvent(new Event("input"));
    times.push(performance.now() - started);
  }
  return {times: times, status: document.getElementById("timeline-status").textContent};
}"""


def size_of(text: str) -> tuple[int, int, int]:
    """``NODESxARROWSxTRANSACTIONS`` as three numbers (at most 200 transactions an arrow: what a hop lists one by
    one, which both versions read alike)."""
    nodes, arrows, each = (int(part) for part in text.lower().split("x"))
    if not (nodes > 0 and arrows > 0 and 0 < each <= 200):
        raise SystemExit(f"--sizes {text}: give NODESxARROWSxTRANSACTIONS, each above 0, at most 200 transactions")
    return nodes, arrows, each


def moves_on(browser: Any, url: str, script: str | None, size: tuple[int, int, int], moves: int) -> dict[str, Any]:
    """One round: the graph page opened afresh (with ``script`` served as its graph.js, or its own), filled, and
    the slider moved; the milliseconds of each move as the page measured them."""
    context = browser.new_context()
    try:
        page = context.new_page()
        if script is not None:
            page.route("**/static/graph.js", lambda route: route.fulfill(body=script,
                                                                         content_type="text/javascript"))
        page.goto(url)
        page.wait_for_function("window.cointrailGraph !== undefined")
        page.evaluate(FILL, list(size))
        found: dict[str, Any] = page.evaluate(MOVES, moves)
        return found
    finally:
        context.close()


def measure(sizes: list[tuple[int, int, int]], rounds: int, moves: int, before: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    old = subprocess.run(["git", "show", f"{before}:{GRAPH_JS}"], capture_output=True, text=True, check=True).stdout
    root = Path(tempfile.mkdtemp(prefix="cointrail-timeline-bench-"))
    case = create_case("timeline-bench", root=root, operator="benchmark")
    workspace = Workspace(root, "benchmark", case.name)
    results = []
    with serve_in_thread(lambda port: create_app(workspace, Security.for_bind("127.0.0.1", port))) as served, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        url = f"{served.url}/cases/{case.name}/graph"
        try:
            for size in sizes:
                runs = harness.alternate({"now": lambda s=size: moves_on(browser, url, None, s, moves),
                                          "before": lambda s=size: moves_on(browser, url, old, s, moves)}, rounds)
                per_move = {k: [t for _, found in v for t in found["times"]] for k, v in runs.items()}
                status = {k: v[-1][1]["status"] for k, v in runs.items()}
                assert status["now"] == status["before"], status  # both drew the same arrows and nodes
                results.append({"size": size, "status": status["now"],
                                **{k: (statistics.median(v), max(v)) for k, v in per_move.items()}})
        finally:
            browser.close()
    return {"results": results, "rounds": rounds, "moves": moves, "before": before,
            "load": harness.load_average(1)}


def render(r: dict[str, Any]) -> str:
    rows = "".join(harness.table_row([f"{n:,} nodes, {a:,} arrows of {t:,} transactions",
                                      f"{x['before'][0]:.1f} ms (slowest {x['before'][1]:.1f})",
                                      f"{x['now'][0]:.1f} ms (slowest {x['now'][1]:.1f})",
                                      f"{x['before'][0] / x['now'][0]:.1f}×"]) + "\n"
                   for x in r["results"] for n, a, t in [x["size"]])  # fmt: skip
    return f"""## The graph's timeline in the browser

{harness.machine("graph_timeline.py")}; load average {r["load"]:.1f}. Debian's Chromium (Playwright) on the
workspace's graph page, generated nodes and arrows in its model, each arrow's transactions spread over a year (at a
day's price, two sources); the From slider moved a day at a time, {counted(r["moves"], "move")} a round,
{counted(r["rounds"], "round")}, each move timed in the page (the first builds each arrow's totals once).
Baseline: `graph.js` of {r["before"]} (each arrow's transactions filtered again for every question asked of it,
and for every node), served in the same run, alternated round by round.

| graph | baseline: before | now: running totals per arrow | ratio |
|---|---|---|---|
{rows}
Medians of every move of every round. Both versions drew the same arrows and nodes at the last move (the last
graph: "{r["results"][-1]["status"]}").

"""


def main() -> None:
    parser = harness.arguments(__doc__, quick={"sizes": ["20x40x50"], "rounds": 1, "moves": 5})
    parser.add_argument("--sizes", nargs="+", default=["100x300x200", "300x1000x20"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--before", default=BEFORE)
    args = harness.parse(parser)
    found = measure([size_of(s) for s in args.sizes], args.rounds, args.moves, args.before)
    harness.publish(args, "graphtimeline", render(found))


if __name__ == "__main__":
    main()
