"""kill -9 at any moment, then start again: the store ends exactly as after an uninterrupted ingest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from node import RegtestNode
from store_compare import first_difference, table_contents

from cointrail.store.duckdb.store import LedgerStore

pytestmark = [pytest.mark.node, pytest.mark.slow]


def _ingest_process(node: RegtestNode, db: Path, stderr: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "cointrail", "ingest", "--chain", "litecoin", "--network", "regtest",
            "--rpc", node.url, "--cookie", str(node.cookie), "--db", str(db), "--batch-blocks", "2"]  # fmt: skip
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr)


def _stored_height(db: Path) -> int:
    if not db.exists():
        return -1
    with LedgerStore.open(db, "litecoin", "regtest") as store:
        tip = store.tip()
    return tip[0] if tip else -1


def test_kill_9_then_resume_gives_the_same_store(economy: RegtestNode, economy_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "killed.duckdb"
    target = economy.height()
    heights, delay = [], 0.6
    while _stored_height(db) < target and delay < 20:
        process = _ingest_process(economy, db)
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        heights.append(_stored_height(db))
        # Until a block is stored each try dies starting up (seconds on a loaded machine); after, the rest of the
        # chain takes well under a second, so the kills come closer together to land inside it.
        delay += 0.25 if heights[-1] < 0 else 0.05
    partial = [h for h in heights if 0 <= h < target]
    assert len(partial) >= 2, f"the kills did not land mid-ingest (heights after each kill: {heights})"
    finisher = _ingest_process(economy, db, subprocess.PIPE)
    _, errors = finisher.communicate(timeout=300)
    assert finisher.returncode == 0, errors.decode()
    difference = first_difference(table_contents(db), table_contents(economy_store))
    assert difference is None, f"after kill -9 at heights {heights}, the store differs: {difference}"
