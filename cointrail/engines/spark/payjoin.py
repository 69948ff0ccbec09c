"""The PayJoin signs of two-output payments, set-based in DataFrame code: the DuckDB store's query, clause by clause.

Two-output payments are too many to read one by one (about half of all transactions), so, as on DuckDB, the
sign of :class:`~cointrail.heuristics.collaborative.PayJoinRule` is computed over all of them at once and only
the transactions that show it reach the driver.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from pyspark.sql import functions as F

from cointrail.engines.spark.ledger import ParquetLedger, arrow_of
from cointrail.store.interface import PAYJOIN_SIGN_COLUMNS


def _candidates(ledger: ParquetLedger, lo: int, hi: int, most: int) -> Any:
    """Non-coinbase transactions of two outputs and 2..``most`` inputs."""
    return (ledger["transactions"]
            .where(F.col("block_height").between(lo, hi) & ~F.col("is_coinbase") & (F.col("output_count") == 2)
                   & F.col("input_count").between(2, most))
            .select("tx_id", "input_count"))  # fmt: skip


def _output_facts(ledger: ParquetLedger, pj: Any, lo: int, hi: int) -> Any:
    """Per candidate: its smaller and larger output, both output addresses and both script types (unequal only)."""
    outs = (ledger["outputs"].where(F.col("block_height").between(lo, hi)).join(pj.select("tx_id"), "tx_id")
            .join(ledger["addresses"].select("address_id", "script_type"), "address_id"))  # fmt: skip
    facts = outs.groupBy("tx_id").agg(
        F.min("value").alias("out_smallest"), F.max("value").alias("out_largest"),
        F.min("address_id").alias("a1"), F.max("address_id").alias("a2"),
        F.min("script_type").alias("out_k1"), F.max("script_type").alias("out_k2"))  # fmt: skip
    return facts.where(F.col("out_smallest") < F.col("out_largest"))


def _input_facts(ledger: ParquetLedger, pj: Any, o: Any, lo: int, hi: int) -> Any:
    """Per candidate: its inputs' count, smallest value, distinct and known scripts, their sorted types, and
    whether an input's address is paid again."""
    kinds = ledger["addresses"].select(F.col("address_id").alias("known_id"), "script_type")
    ins = (ledger["inputs"].where(F.col("block_height").between(lo, hi)).join(o, "tx_id").join(pj, "tx_id")
           .join(kinds, F.col("address_id") == F.col("known_id"), "left"))  # fmt: skip
    back = (F.col("address_id") == F.col("a1")) | (F.col("address_id") == F.col("a2"))  # NULL for an unknown one
    return ins.groupBy("tx_id").agg(
        F.first("input_count").alias("n"), F.min("value").alias("smallest"),
        F.countDistinct("address_id").alias("scripts"), F.count("known_id").alias("known"),
        F.array_sort(F.collect_set("script_type")).alias("kinds"),
        F.first("out_smallest").alias("out_smallest"), F.first("out_largest").alias("out_largest"),
        F.first("out_k1").alias("out_k1"), F.first("out_k2").alias("out_k2"),
        F.bool_or(back).alias("back"))  # fmt: skip


def payjoin_signs(ledger: ParquetLedger, lo: int, hi: int, most: int) -> pa.Table:
    """Each two-output payment of blocks ``lo..hi`` showing the PayJoin sign, in tx_id order (see
    :meth:`cointrail.store.duckdb.arrays.DuckDBLedgerArrays.payjoin_signs` for the rule in words)."""
    pj = _candidates(ledger, lo, hi, most)
    facts = _input_facts(ledger, pj, _output_facts(ledger, pj, lo, hi), lo, hi)
    paired = F.coalesce((F.col("n") == 2) & (F.size("kinds") == 2) & (F.col("out_k1") == F.element_at("kinds", 1))
                        & (F.col("out_k2") == F.element_at("kinds", 2)), F.lit(False))  # fmt: skip
    signs = (facts.withColumn("paired", paired)
             .where((F.col("scripts") >= 2) & (F.col("known") == F.col("n")) & ~F.col("back"))
             .where((F.col("out_largest") > F.col("smallest")) | F.col("paired")).orderBy("tx_id")
             .select(*PAYJOIN_SIGN_COLUMNS))  # fmt: skip
    return arrow_of(signs)
