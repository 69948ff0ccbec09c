"""Starting Apache Spark for a cluster build: the session, and a clear error where Java or PySpark is missing.

PySpark from PyPI carries Spark's jars; it needs a Java runtime (Debian's ``openjdk-17-jre-headless``, installed
by ``scripts/system-deps.sh``). Nothing here runs Python on the executors (no UDFs), so the executors need no
cointrail and no Python packages: only Spark and the Parquet files.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cointrail.errors import InputError

DEFAULT_MASTER = "local[*]"


def java_available() -> bool:
    """Whether a Java runtime is on PATH (or named by JAVA_HOME): Spark's driver cannot start without one."""
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or bool(home and shutil.which("java", path=f"{home}/bin"))


def require_runtime() -> None:
    """Raise a user-facing error naming what is missing where Java or PySpark is not installed."""
    if not java_available():
        raise InputError("the Spark engine needs a Java runtime: install Debian's openjdk-17-jre-headless "
                         "(scripts/system-deps.sh does) or set JAVA_HOME")  # fmt: skip
    try:
        import pyspark  # noqa: F401
    except ImportError as error:
        raise InputError("the Spark engine needs PySpark: pip install 'cointrail[spark]'") from error


def under_spark_submit() -> bool:
    """Whether spark-submit started this process: it hands the driver its gateway through the environment."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def _settings(master: str) -> dict[str, str]:
    """Spark settings for a build. On one machine a few shuffle partitions beat Spark's default of 200 (each
    partition is a task, and a task costs about as much as the rows of a small chain); on a real cluster the
    cluster's own defaults (spark-defaults.conf, ``--conf``) stay in force."""
    settings = {"spark.ui.showConsoleProgress": "false", "spark.sql.session.timeZone": "UTC"}
    if master.startswith("local"):
        # Spark's own broadcast of a "small" table (under 10 MB by its estimate) ran a 1 GB local driver out of
        # memory on the 1M-transaction chain; the joins that need a broadcast (the excluded and the candidate
        # ids) ask for one explicitly.
        settings |= {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4",
                     "spark.sql.autoBroadcastJoinThreshold": "-1", "spark.driver.memory": "2g"}  # fmt: skip
    return settings


@contextmanager
def spark_session(master: str | None = None) -> Iterator[Any]:
    """A SparkSession on ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``…), stopped afterwards.

    Under ``spark-submit`` the master comes from its ``--master`` and ``master`` may be left out. A session
    already running in this process (a test's) is reused and left running.
    """
    require_runtime()
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    if running is not None:
        yield running
        return
    builder = SparkSession.builder.appName("cointrail cluster build")
    if master is not None:
        builder = builder.master(master)
    for key, value in _settings(master or "").items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
