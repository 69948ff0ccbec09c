"""What the watch tests share: ``cointrail watch run --once`` on the watched economy's case, as a person runs it."""

from __future__ import annotations

from cointrail.cli import main
from cointrail.simulation.watched import OPERATOR, WatchedEconomy


def run_once(eco: WatchedEconomy, *extra: str) -> None:
    """``cointrail watch run --once`` on the case; it must succeed."""
    code = main(["watch", "run", "--case", eco.case.name, "--cases-dir", str(eco.cases_dir), "--rpc", eco.node.url,
                 "--cookie", str(eco.node.cookie), "--once", "--operator", OPERATOR, *extra])  # fmt: skip
    assert code == 0
