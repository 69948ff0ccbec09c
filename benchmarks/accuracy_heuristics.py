"""Measured accuracy of every clustering heuristic, one by one, on the project's own ground-truth economy.

(The figures per family of behaviour, tuning and held-out, are benchmarks/accuracy.py's, issue 12; this one
keeps the per-heuristic table, ``links right/made``, that reports quote as each heuristic's error rate.)

For each seed, a scenario (benchmarks/scenarios/) is generated on a real
``litecoind -regtest`` node (or reused from the cache), ingested with
``cointrail ingest``, and clustered with each heuristic alone, with the
multi-input heuristic plus each change heuristic, with everything, and with
the default set. Each clustering is scored against the owners the wallets
report (pairwise precision and recall, false merges, false links per
heuristic, CoinJoins detected). Writes the figures section of docs/accuracy.md.

Run: ``.venv/bin/python -m benchmarks.accuracy_heuristics [--seeds 1 2 3] [--rounds 40] [--cache DIR] [--no-write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import ACCURACY_DOC, replace_section
from benchmarks.scenarios.generate import make_scenario
from benchmarks.scenarios.score import score
from cointrail.clustering import DEFAULT_HEURISTICS, HEURISTIC_NAMES

CHANGE = [h for h in HEURISTIC_NAMES if h != "multi-input"]


def configurations() -> dict[str, tuple[str, ...]]:
    configs: dict[str, tuple[str, ...]] = {h: (h,) for h in HEURISTIC_NAMES}
    configs.update({f"multi-input + {h}": ("multi-input", h) for h in CHANGE})
    configs["all heuristics"] = tuple(HEURISTIC_NAMES)
    configs["multi-input + change-optimal + change-round-amount"] = (
        "multi-input",
        "change-round-amount",
        "change-optimal",
    )
    configs[f"default ({', '.join(DEFAULT_HEURISTICS)})"] = DEFAULT_HEURISTICS
    return configs


def scenario(cache: Path, seed: int, rounds: int) -> tuple[Path, dict[str, Any]]:
    out = cache / f"scenario-seed{seed}-rounds{rounds}"
    if not (out / "truth.json").exists():
        make_scenario(out, seed, rounds)
    return out / "ledger.duckdb", json.loads((out / "truth.json").read_text())


def _total(results: list[dict[str, Any]], key: str) -> int:
    return sum(r[key] for r in results)


def summarize(name: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Pooled over seeds: pairs are summed before dividing (micro-averaged)."""
    predicted, true, correct = (_total(results, k) for k in ("predicted_pairs", "true_pairs", "correct_pairs"))
    links: dict[str, int] = {}
    false_links: dict[str, int] = {}
    for r in results:
        for h, n in r["links"].items():
            links[h] = links.get(h, 0) + n
        for h, n in r["false_links"].items():
            false_links[h] = false_links.get(h, 0) + n
    return {
        "name": name, "precision": correct / predicted if predicted else 1.0, "recall": correct / true if true else 1.0,
        "precision_per_seed": [r["precision"] for r in results], "false_merges": _total(results, "false_merges"),
        "addresses_in_false_merges": _total(results, "addresses_in_false_merges"),
        "links": links, "false_links": false_links,
        "coinjoins": _total(results, "coinjoins"), "coinjoins_detected": _total(results, "coinjoins_detected"),
        "coinjoins_false_alarms": _total(results, "coinjoins_false_alarms"),
    }  # fmt: skip


def measure(seeds: list[int], rounds: int, cache: Path) -> dict[str, Any]:
    stores = {seed: scenario(cache, seed, rounds) for seed in seeds}
    rows = [summarize(name, [score(db, truth, heuristics) for db, truth in stores.values()])
            for name, heuristics in configurations().items()]  # fmt: skip
    sizes = {
        seed: (truth["tip_height"], len(truth["owners"]), len(truth["roles"])) for seed, (_, truth) in stores.items()
    }
    return {"seeds": seeds, "rounds": rounds, "sizes": sizes, "rows": rows}


def _link_precision(row: dict[str, Any], heuristic: str) -> str:
    made = row["links"].get(heuristic, 0)
    wrong = row["false_links"].get(heuristic, 0)
    return f"{made - wrong}/{made}" if made else "–"


def render(m: dict[str, Any]) -> str:
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    scenarios = "; ".join(f"seed {s}: height {h}, {n:,} addresses, {w} wallets" for s, (h, n, w) in m["sizes"].items())
    lines = [
        f"Measured {date} with `benchmarks/accuracy_heuristics.py --seeds {' '.join(map(str, m['seeds']))} "
        f"--rounds {m['rounds']}` "
        f"(litecoind 0.21 -regtest). Scenarios: {scenarios}.", "",
        "| heuristics | pairwise precision | per seed | pairwise recall | false merges (addresses) | "
        "links right/made, per heuristic | CoinJoins detected | false CoinJoin alarms |",
        "|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for row in m["rows"]:
        per_seed = ", ".join(f"{p:.3f}" for p in row["precision_per_seed"])
        links = "; ".join(f"{h}: {_link_precision(row, h)}" for h in HEURISTIC_NAMES if row["links"].get(h))
        lines.append(
            f"| {row['name']} | {row['precision']:.4f} | {per_seed} | {row['recall']:.4f} | "
            f"{row['false_merges']} ({row['addresses_in_false_merges']}) | {links or '–'} | "
            f"{row['coinjoins_detected']}/{row['coinjoins']} | {row['coinjoins_false_alarms']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-accuracy")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    section = render(measure(args.seeds, args.rounds, args.cache))
    print(section)
    if not args.no_write:
        replace_section("accuracy", section, ACCURACY_DOC)


if __name__ == "__main__":
    main()
