"""Make a ground-truth scenario: a regtest economy, its ledger store, and who owns every address.

Run: ``.venv/bin/python benchmarks/scenarios/generate.py OUT_DIR [--seed N] [--rounds N]``

Writes ``OUT_DIR/ledger.duckdb`` (ingested by ``cointrail ingest`` over RPC),
``OUT_DIR/truth.json`` (owners, roles, CoinJoins, site payments, cash-outs, the
peel chain) and keeps the node's data directory in ``OUT_DIR/node`` so the
chain can be served again. Different seeds make different economies.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from cointrail.cli import main as cointrail_main
from cointrail.simulation import Economy, RegtestNode, scenario_node
from cointrail.simulation.families import make_economy
from cointrail.store.duckdb.store import LedgerStore


def ingest(node: RegtestNode, db: Path) -> None:
    """Bring the store at ``db`` up to the node's tip with cointrail's own ingest command."""
    code = cointrail_main(["ingest", "--chain", "litecoin", "--network", "regtest", "--rpc", node.url,
                           "--cookie", str(node.cookie), "--db", str(db), "--json"])  # fmt: skip
    if code != 0:
        raise RuntimeError(f"cointrail ingest failed with exit code {code}")


def store_addresses(db: Path) -> list[str]:
    with LedgerStore.open(db, read_only=True) as store:
        return [
            row[0] for row in store.con.execute("SELECT address FROM addresses WHERE address IS NOT NULL").fetchall()
        ]


def write_truth(economy: Economy, db: Path) -> Path:
    """Save the ground truth as ``truth.json`` next to the store."""
    path = db.parent / "truth.json"
    path.write_text(json.dumps(economy.truth(store_addresses(db)), indent=1, sort_keys=True))
    return path


def make_scenario(
    out: Path, seed: int, rounds: int, *, midway: Callable[[Path], None] | None = None, family: str | None = None
) -> dict:
    """Run the economy (or a family's, benchmarks/accuracy.py) on a fresh node, ingest it, and write the truth.

    ``midway(db)``, when given, runs after half the rounds are ingested (tests use
    it to cluster part of the chain before the rest arrives).
    """
    out.mkdir(parents=True, exist_ok=True)
    db = out / "ledger.duckdb"
    node = scenario_node(out / "node").start()
    try:
        economy = make_economy(family, node, seed) if family else Economy(node, seed)
        economy.setup()
        for round_no in range(rounds):
            economy.play_round()
            if midway is not None and round_no == rounds // 2:
                ingest(node, db)
                midway(db)
        ingest(node, db)
        path = write_truth(economy, db)
    finally:
        node.stop()
    return json.loads(path.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--family", help="a family of cointrail.simulation.families (default: the economy alone)")
    args = parser.parse_args()
    truth = make_scenario(args.out, args.seed, args.rounds, family=args.family)
    print(f"{args.out}: height {truth['tip_height']}, {len(truth['owners'])} addresses of "
          f"{len(truth['roles'])} wallets, {len(truth['coinjoins'])} CoinJoins")  # fmt: skip


if __name__ == "__main__":
    main()
