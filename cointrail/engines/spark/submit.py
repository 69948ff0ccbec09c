"""What ``spark-submit`` runs: ``cointrail cluster build --engine spark`` with the rest of its command line.

spark-submit takes a Python file, not a console script::

    SUBMIT=$(python -c "import cointrail.engines.spark.submit as m; print(m.__file__)")
    spark-submit --master spark://HOST:7077 "$SUBMIT" \\
        --parquet /shared/btc-export --heuristics default --json

The master, executors and memory come from spark-submit's options (docs/clustering.md).
"""

from __future__ import annotations

import sys

from cointrail.cli import main


def run(argv: list[str]) -> int:
    """Exit status of ``cointrail cluster build --engine spark ARGV``."""
    return main(["cluster", "build", "--engine", "spark", *argv])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
