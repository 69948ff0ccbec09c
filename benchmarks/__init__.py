"""cointrail's benchmarks: each measures a step against a baseline in the same run and writes its section of
docs/benchmarks.md (the accuracy benchmarks: docs/accuracy.md), through the one harness (:mod:`benchmarks.harness`).

Run each from the repository root as a module, e.g. ``.venv/bin/python -m benchmarks.raw_ingest --quick``.
"""
