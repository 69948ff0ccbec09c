"""A label import's memory does not grow with the file (issue 22: a 10 M-row CSV in bounded memory).

Measured by the kernel in a process of its own: the peak resident memory of an
import of 48,000 labels against one of 6,000. Before, DuckDB's memory grew
with every label (the rows of one long transaction, the table's primary key
and address index): 110 MB more for the 42,000 more labels here (measured on
b9dfd29), about 20 MB now, while DuckDB's caches fill up to the import's
memory limit (then it stays flat: benchmarks/label_import.py, 100,000 and
1,000,000 rows).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from cointrail.addresses.codecs import base58check_encode

IMPORT = """
import resource, sys
from cointrail.labels import store as label_store
from cointrail.store.duckdb.store import LedgerStore
label_store.BATCH_ROWS = 2_000
label_store.IMPORT_MEMORY_LIMIT = "32MB"  # DuckDB's caches fill up to its limit first: a small one, soon full
with LedgerStore.open(sys.argv[1], "bitcoin", "mainnet") as store:
    before = int(open("/proc/self/statm").read().split()[1]) * 4096
    result = label_store.import_label_file(store, sys.argv[2])
    assert result["stored"]["added"] == int(sys.argv[3]), result["stored"]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before)
"""


def _label_csv(path: Path, rows: int) -> Path:
    with path.open("w") as out:
        out.write("address,label,currency,category\n")
        for i in range(rows):
            address = base58check_encode(b"\x00" + hashlib.sha256(i.to_bytes(8, "little")).digest()[:20])
            out.write(f"{address},entity {i % 100},BTC,exchange\n")
    return path


def _growth(tmp_path: Path, rows: int) -> int:
    csv = _label_csv(tmp_path / f"labels-{rows}.csv", rows)
    done = subprocess.run([sys.executable, "-c", IMPORT, str(tmp_path / f"store-{rows}.duckdb"), str(csv), str(rows)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout.split()[-1])


def test_eight_times_the_labels_take_no_more_memory(tmp_path: Path) -> None:
    small, large = _growth(tmp_path, 6_000), _growth(tmp_path, 48_000)
    assert large - small < 48 * 2**20, f"{small / 2**20:.1f} MB for 6,000 labels, {large / 2**20:.1f} MB for 48,000"
