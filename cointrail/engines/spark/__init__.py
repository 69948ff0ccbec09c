"""The Spark engine: cluster builds over a Parquet export (docs/clustering.md, "On Apache Spark").

Import :func:`cointrail.engines.spark.build.build_on_spark`; this package imports nothing itself, so that
:mod:`cointrail.engines.spark.session` can say what is missing where PySpark or Java is not installed.
"""
