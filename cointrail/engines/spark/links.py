"""The link edges of a cluster build, derived by Spark DataFrame code from the exported tables.

The same links as :func:`cointrail.clustering.heuristics.find_links` on the local engine, rule for rule:

* multi-input: each input address of a transaction to the address of its first input (a star per transaction);
* the change heuristics on two-output payments (:mod:`cointrail.heuristics.change`), each naming a change output
  only where exactly one output fits, and no change link where two chosen heuristics name different outputs;
* no link at all from a transaction in ``excluded`` (CoinJoins and possibly-collaborative transactions, found by
  the per-transaction rules on the driver and handed in as a list of ids).

Only the edges come back to the driver, where the union–find merges them in chain order.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from cointrail.clustering.heuristics import CODES
from cointrail.domain import Links
from cointrail.engines.spark.ledger import ParquetLedger, arrow_of, column, id_frame
from cointrail.heuristics import multi_input
from cointrail.heuristics.change import CHANGE_HEURISTICS, SPENDABLE_TYPES, round_payment_amount

# The roundness the local "round amount" heuristic asks of a payment: its default, read from it, so both agree.
ROUND_UNIT: int = inspect.signature(round_payment_amount).parameters["unit"].default

# Per change heuristic: whether output ``i`` (0 or 1, in vout order) fits it, as a column of the payment view.
FITS: dict[str, Callable[[int], Column]] = {
    "change-address-type": lambda i: (F.col(f"type{i}") == F.col("in_type")) & (F.col("in_type") >= 0),
    "change-fresh": lambda i: F.col(f"first{i}") == F.col("tx_id"),
    "change-round-amount": lambda i: F.col(f"value{i}") % ROUND_UNIT != 0,
    "change-optimal": lambda i: F.col(f"value{i}") < F.col("in_min_value"),
}


def _type_code(name: str) -> Column:
    """Script types as the local engine codes them: the index in SPENDABLE_TYPES, -1 for any other type."""
    code = F.lit(-1)
    for index, kind in reversed(list(enumerate(SPENDABLE_TYPES))):
        code = F.when(F.col(name) == kind, F.lit(index)).otherwise(code)
    return code


def _spending(ledger: ParquetLedger, excluded: DataFrame) -> DataFrame:
    """Inputs with a known address, of transactions not excluded, with their address's type code."""
    types = ledger["addresses"].select("address_id", _type_code("script_type").alias("code"))
    return (ledger["inputs"].where(F.col("address_id").isNotNull()).join(excluded, "tx_id", "left_anti")
            .join(types, "address_id").select("tx_id", "vin", "address_id", "value", "code"))  # fmt: skip


def co_spend_edges(spending: DataFrame) -> DataFrame:
    """Multi-input links (a = the first input's address, b = another input's address, tx_id)."""
    hubs = spending.groupBy("tx_id").agg(F.min_by("address_id", "vin").alias("a"))
    return (spending.join(hubs, "tx_id").where(F.col("address_id") != F.col("a"))
            .select("a", F.col("address_id").alias("b"), "tx_id", F.lit(CODES[multi_input.NAME]).alias("heuristic")))


def payment_view(ledger: ParquetLedger, spending: DataFrame) -> DataFrame:
    """Two-output payments, one row each, as :func:`cointrail.clustering.payments.payment_view` keeps them:
    both outputs spendable, to two different addresses, neither back to an input's address."""
    per_tx = spending.groupBy("tx_id").agg(
        F.min("address_id").alias("in_address"), F.min("code").alias("lo"), F.max("code").alias("hi"),
        F.min("value").alias("in_min_value"))  # fmt: skip
    per_tx = per_tx.withColumn("in_type", F.when(F.col("lo") == F.col("hi"), F.col("lo")).otherwise(-1))
    two = ledger["transactions"].where(~F.col("is_coinbase") & (F.col("output_count") == 2)).select("tx_id")
    first = ledger["outputs"].groupBy("address_id").agg(F.min("tx_id").alias("first"))
    types = ledger["addresses"].select("address_id", _type_code("script_type").alias("type"))
    outs = ledger["outputs"].join(two, "tx_id").join(types, "address_id").join(first, "address_id")
    reused = outs.join(spending.select("tx_id", "address_id"), ["tx_id", "address_id"], "left_semi")
    outs = outs.join(reused.select("tx_id").distinct(), "tx_id", "left_anti")
    pivot = [F.min_by(name, "vout").alias(f"{name}0") for name in ("address_id", "value", "type", "first")]
    pivot += [F.max_by(name, "vout").alias(f"{name}1") for name in ("address_id", "value", "type", "first")]
    view = outs.groupBy("tx_id").agg(*pivot).join(per_tx, "tx_id")
    view = view.withColumnsRenamed({"address_id0": "address0", "address_id1": "address1"})
    return view.where((F.col("type0") >= 0) & (F.col("type1") >= 0) & (F.col("address0") != F.col("address1")))


def _pick(name: str) -> Column:
    """The change address heuristic ``name`` names in a payment: where exactly one of its two outputs fits."""
    fits0, fits1 = FITS[name](0), FITS[name](1)
    return F.when(fits0 & ~fits1, F.col("address0")).when(fits1 & ~fits0, F.col("address1"))


def change_edges(view: DataFrame, names: list[str]) -> DataFrame:
    """The change links (input address, change address, tx_id, heuristic) of the heuristics ``names``, only in
    payments where every one of them that names an output names the same one.

    One row per payment, each heuristic's pick a column: agreement is a test within the row, so no join of the
    links with themselves is needed (and Spark 4.3's planner fails on that self-join of a union).
    """
    picks = F.array(*(F.struct(F.lit(CODES[n]).alias("heuristic"), _pick(n).alias("b")) for n in names))
    named = F.filter(picks, lambda p: p["b"].isNotNull())
    rows = view.select(F.col("in_address").alias("a"), "tx_id", named.alias("named"))
    rows = rows.where(F.size(F.array_distinct(F.transform("named", lambda p: p["b"]))) == 1)
    return rows.select("a", "tx_id", F.explode("named").alias("p")).select("a", "p.b", "tx_id", "p.heuristic")


def link_edges(ledger: ParquetLedger, heuristics: tuple[str, ...], excluded: list[int]) -> list[DataFrame]:
    """Every link the chosen heuristics make on the whole export: DataFrames of (a, b, tx_id, heuristic)."""
    unknown = [h for h in heuristics if h in CHANGE_HEURISTICS and h not in FITS]
    if unknown:
        raise NotImplementedError(f"no Spark form yet of the change heuristics {unknown}")
    skip = F.broadcast(id_frame(ledger.spark, excluded))
    spending = _spending(ledger, skip)
    parts = [co_spend_edges(spending)] if multi_input.NAME in heuristics else []
    changes = [h for h in heuristics if h in CHANGE_HEURISTICS]
    if changes:
        parts.append(change_edges(payment_view(ledger, spending), changes))
    return parts


def _collect(edges: DataFrame) -> Links:
    table = arrow_of(edges.select("a", "b", "tx_id", "heuristic"))
    a, b, tx_id = (column(table, c).astype(np.int64) for c in ("a", "b", "tx_id"))
    return Links(a, b, tx_id, column(table, "heuristic").astype(np.int8))


def collect_links(parts: list[DataFrame]) -> Links:
    """The edges on the driver, in chain order (transaction, heuristic, addresses): the union–find's rank.

    Each part is collected on its own and the parts joined on the driver: a union of two plans over the same
    scans is another shape Spark 4.3's planner trips on.
    """
    return Links.concat([_collect(part) for part in parts]).in_chain_order()
