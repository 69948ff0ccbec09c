"""Measured accuracy of the clustering, per family of behaviour, on ground-truth regtest economies (issue 12).

Each family (cointrail/simulation/families.py: CoinJoins of each real shape,
PayJoin and a custodian, single-owner batches, change policies, and one family
the detection work was never told about) is generated on a real
``litecoind -regtest`` node for its tuning and held-out seeds (or reused from
the cache), ingested with ``cointrail ingest``, clustered with the
multi-input heuristic alone and with the default set, and scored against the
owners the wallets report: pairwise precision and recall, false merges,
CoinJoin recall per shape, flags on ordinary transactions and on single-owner
look-alikes; then ``payers`` is run on the site: the funding exchange named
per customer, wrong exchanges named at "funded by", payer groups per paying
person. Writes a section of docs/accuracy.md (``families`` by default; the
per-heuristic table is benchmarks/accuracy_heuristics.py's).

Run: ``.venv/bin/python -m benchmarks.accuracy [--families F ...] [--section families] [--jobs 2] [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.accuracy_render import compare, people, render
from benchmarks.harness import ACCURACY_DOC, ROOT, commit, now_utc, replace_section
from benchmarks.payers_accuracy import prepare, site_addresses
from benchmarks.payers_accuracy import score as score_payers
from benchmarks.scenarios.cache import scenario, working_copy
from benchmarks.scenarios.score import score
from cointrail.clustering import DEFAULT_HEURISTICS
from cointrail.simulation.families import FAMILIES
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing import payers

CONFIGS = {"multi-input alone": ("multi-input",), f"default ({', '.join(DEFAULT_HEURISTICS)})": DEFAULT_HEURISTICS}


def generate_all(cache: Path, jobs: int, families: list[str]) -> None:
    """Make the missing scenarios, ``jobs`` at a time (each in its own process: one node each)."""
    todo = [(f, s) for f in families for s in FAMILIES[f].seeds]
    script = "import sys; from pathlib import Path; from benchmarks.scenarios.cache import scenario; " \
             "scenario(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))"  # fmt: skip

    def one(item: tuple[str, int]) -> None:
        subprocess.run([sys.executable, "-c", script, str(cache), item[0], str(item[1])], check=True,
                       stdout=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, todo))


def run_one(family: str, seed: int, cache: Path, work: Path) -> dict[str, Any]:
    db, truth = scenario(cache, family, seed)
    split = "tuning" if seed in FAMILIES[family].tuning else "held-out"
    row: dict[str, Any] = {"family": family, "seed": seed, "split": split, "height": truth["tip_height"],
                           "addresses": len(truth["owners"]), "wallets": len(truth["roles"])}  # fmt: skip
    row["configs"] = {}
    for name, heuristics in CONFIGS.items():
        row["configs"][name] = score(working_copy(db, work, f"{family}-{seed}"), truth, heuristics)
    copy = working_copy(db, work, f"{family}-{seed}-payers")
    prepare(copy, truth)
    with LedgerStore.open(copy, read_only=True) as store:
        row["payers"] = score_payers(payers(store, site_addresses(truth)).to_dict(), truth)
    return row


def measure(families: list[str], cache: Path, jobs: int) -> dict[str, Any]:
    generate_all(cache, jobs, families)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_one(f, s, cache, Path(tmp)) for f in families for s in FAMILIES[f].seeds]
    return {"date": now_utc(), "code": commit(), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-accuracy")
    parser.add_argument("--jobs", type=int, default=2, help="scenarios generated at once (one node each)")
    parser.add_argument("--section", default="families", help="the docs/accuracy.md section to write")
    parser.add_argument("--title", default="", help="a line to put above the figures (what code was measured)")
    parser.add_argument("--results", type=Path, help="also write the raw figures as JSON here")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--from-results", type=Path, help="render figures measured before (a --results file)")
    parser.add_argument("--compare", type=Path, help="also write a before → after summary against this --results file")
    args = parser.parse_args()
    if args.from_results:
        measured = json.loads(args.from_results.read_text())
    else:
        measured = measure(args.families, args.cache, args.jobs)
    if args.results and not args.from_results:
        args.results.write_text(json.dumps(measured, indent=1, default=str))
    section = render(measured, list(measured["rows"][0]["configs"]), args.title)
    print(section)
    if not args.no_write:
        replace_section(args.section, section, ACCURACY_DOC)
    if args.compare:
        summary = compare(json.loads(args.compare.read_text()), measured)
        print(summary)
        if not args.no_write:
            replace_section(f"{args.section}-summary", summary, ACCURACY_DOC)
            replace_section("people", people(json.loads(args.compare.read_text()), measured), ACCURACY_DOC)


if __name__ == "__main__":
    main()
