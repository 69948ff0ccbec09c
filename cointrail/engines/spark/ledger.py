"""An exported ledger store (``cointrail store export --parquet DIR``) as Spark DataFrames.

:class:`ParquetLedger` opens the tables of the Parquet contract (docs/store.md) and answers what a build asks
of a ledger. :class:`SparkLedgerArrays` is the :class:`~cointrail.store.interface.LedgerArrays` over it: the same
arrays and the same CoinJoin candidates as the DuckDB store's, computed by DataFrame code (the DuckDB store's SQL,
one clause for one clause), so that the CoinJoin rules, which are per-transaction Python, see the same
transactions on either engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pyspark.sql import functions as F

from cointrail.chains.bitcoin.model import ResolvedTransaction, Transaction, TxIn, TxOut
from cointrail.errors import InputError
from cointrail.store.interface import SpendingInputs, TxOutputs

TABLES = ("meta", "blocks", "transactions", "addresses", "outputs", "inputs")


def arrow_of(frame: Any) -> pa.Table:
    """A DataFrame's rows on the driver as Arrow (Spark 4 hands Arrow batches over without a pandas step)."""
    return frame.toArrow()


def id_frame(spark: Any, ids: list[int]) -> Any:
    """A one-column DataFrame (``tx_id``) of ``ids``, handed over as Arrow (a list of rows is slow past 10^5)."""
    return spark.createDataFrame(pa.table({"tx_id": pa.array(ids, pa.int64())}))


def column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


class ParquetLedger:
    """The tables of one exported store, read lazily by ``spark`` from ``directory/<table>.parquet``.

    A table may be one file (what ``store export`` writes) or a folder of files (a partitioned export on
    shared storage): Spark reads both the same way.
    """

    def __init__(self, spark: Any, directory: str | Path):
        self.spark, self.directory = spark, Path(directory)
        missing = [t for t in TABLES if not (self.directory / f"{t}.parquet").exists()]
        if missing:
            raise InputError(f"{self.directory} is no exported ledger store: {', '.join(missing)} missing "
                             "(write one with 'cointrail store export --db DB --parquet DIR')")  # fmt: skip
        self.frames = {t: spark.read.parquet(str(self.directory / f"{t}.parquet")) for t in TABLES}
        meta = {r["key"]: r["value"] for r in arrow_of(self.frames["meta"]).to_pylist()}
        if "chain" not in meta or "network" not in meta:
            raise InputError(f"{self.directory / 'meta.parquet'} does not name the chain and network of the export")
        self.chain, self.network = meta["chain"], meta["network"]

    def __getitem__(self, table: str) -> Any:
        return self.frames[table]

    def tip(self) -> tuple[int, bytes] | None:
        """(height, hash) of the highest block, or None for an empty export."""
        rows = self.frames["blocks"].orderBy(F.col("height").desc()).select("height", "hash").limit(1).collect()
        return (int(rows[0]["height"]), bytes(rows[0]["hash"])) if rows else None

    def address_count(self) -> int:
        top = self.frames["addresses"].agg(F.max("address_id")).collect()[0][0]
        return 0 if top is None else int(top) + 1


class SparkLedgerArrays:
    """:class:`~cointrail.store.interface.LedgerArrays` over a :class:`ParquetLedger`, in DataFrame code."""

    def __init__(self, ledger: ParquetLedger):
        self.ledger = ledger

    def tip_height(self) -> int | None:
        tip = self.ledger.tip()
        return None if tip is None else tip[0]

    def address_count(self) -> int:
        return self.ledger.address_count()

    def _in(self, table: str, lo: int, hi: int) -> Any:
        return self.ledger[table].where(F.col("block_height").between(lo, hi))

    def spending_inputs(self, lo: int, hi: int, types: bool = True) -> SpendingInputs:  # noqa: ARG002  # always
        frame = (self._in("inputs", lo, hi).where(F.col("address_id").isNotNull())
                 .join(self.ledger["addresses"].select("address_id", "script_type"), "address_id")
                 .orderBy("tx_id", "vin").select("tx_id", "address_id", "value", "script_type"))  # fmt: skip
        table = arrow_of(frame)
        return SpendingInputs(*(column(table, c) for c in ("tx_id", "address_id", "value", "script_type")))

    def payment_outputs(self, lo: int, hi: int) -> TxOutputs:
        """Outputs of non-coinbase two-output transactions, with each address's first paying transaction."""
        ledger = self.ledger
        two = ledger["transactions"].where(~F.col("is_coinbase") & (F.col("output_count") == 2)).select("tx_id")
        outs = self._in("outputs", lo, hi).join(two, "tx_id").select("tx_id", "vout", "address_id", "value")
        first = ledger["outputs"].groupBy("address_id").agg(F.min("tx_id").alias("first_tx_id"))
        frame = (outs.join(ledger["addresses"].select("address_id", "script_type"), "address_id")
                 .join(first, "address_id").orderBy("tx_id", "vout")
                 .select("tx_id", "vout", "address_id", "value", "script_type", "first_tx_id"))  # fmt: skip
        table = arrow_of(frame)
        names = ("tx_id", "vout", "address_id", "value", "script_type", "first_tx_id")
        return TxOutputs(*(column(table, c) for c in names))

    def coinjoin_candidates(self, lo: int, hi: int, min_equal: int,
                            min_inputs: int) -> list[tuple[int, ResolvedTransaction]]:  # fmt: skip
        """The DuckDB store's prefilter (issue 12), then the candidates with their spent outputs.

        Only the candidates reach the driver, where the CoinJoin rules (per-transaction Python) read them.
        """
        ids = candidate_ids(self.ledger, lo, hi, min_equal, min_inputs)
        return list(zip(ids, resolved(self.ledger, ids, lo, hi), strict=True))

    def payjoin_signs(self, lo: int, hi: int, max_inputs: int) -> pa.Table:
        from cointrail.engines.spark.payjoin import payjoin_signs

        return payjoin_signs(self.ledger, lo, hi, max_inputs)


def candidate_ids(ledger: ParquetLedger, lo: int, hi: int, min_equal: int, min_inputs: int) -> list[int]:
    """Transactions a CoinJoin rule could flag: a group of at least ``min_equal`` equal outputs; or equal
    outputs, two inputs or more and at most one other output per equal one plus one; or ``min_inputs`` inputs."""
    t = (ledger["transactions"].where(F.col("block_height").between(lo, hi) & ~F.col("is_coinbase"))
         .select("tx_id", "input_count", "output_count"))  # fmt: skip
    groups = (ledger["outputs"].where(F.col("block_height").between(lo, hi)).groupBy("tx_id", "value")
              .agg(F.count("*").alias("n")).where(F.col("n") >= 2))  # fmt: skip
    eq = groups.groupBy("tx_id").agg(F.max("n").alias("largest"), F.sum("n").alias("equal"))
    joined = eq.join(t, "tx_id").where((F.col("largest") >= min_equal) | (
        (F.col("input_count") >= 2) & (F.col("output_count") <= 2 * F.col("equal") + 1)))  # fmt: skip
    many = t.where(F.col("input_count") >= min_inputs).select("tx_id")
    ids = joined.select("tx_id").union(many).distinct().orderBy("tx_id")
    return [int(v) for v in column(arrow_of(ids), "tx_id")]


def _grouped(table: pa.Table, columns: list[str]) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = {}
    for r in table.to_pylist():
        grouped.setdefault(r["tx_id"], []).append(tuple(r[c] for c in columns))
    return grouped


def resolved(ledger: ParquetLedger, ids: list[int], lo: int, hi: int) -> list[ResolvedTransaction]:
    """Transactions ``ids`` with their inputs' spent outputs, in tx_id order: three joins with the id list."""
    if not ids:
        return []
    wanted = F.broadcast(id_frame(ledger.spark, ids))
    at = F.col("block_height").between(lo, hi)
    heads = arrow_of(ledger["transactions"].where(at).join(wanted, "tx_id").orderBy("tx_id")).to_pylist()
    scripts = ledger["addresses"].select("address_id", "script")
    outs = ledger["outputs"].where(at).join(wanted, "tx_id").join(scripts, "address_id").orderBy("tx_id", "vout")
    prev = ledger["transactions"].select(F.col("tx_id").alias("prev_tx_id"), F.col("txid").alias("prev_txid"))
    ins = (ledger["inputs"].where(at).join(wanted, "tx_id").join(prev, "prev_tx_id", "left")
           .join(scripts, "address_id", "left").orderBy("tx_id", "vin"))  # fmt: skip
    outs_by = _grouped(arrow_of(outs.select("tx_id", "value", "script")), ["value", "script"])
    ins_by = _grouped(arrow_of(ins.select("tx_id", "prev_txid", "prev_vout", "sequence", "value", "script")),
                      ["prev_txid", "prev_vout", "sequence", "value", "script"])  # fmt: skip
    return [_transaction(h, outs_by.get(h["tx_id"], []), ins_by.get(h["tx_id"], [])) for h in heads]


def _transaction(head: dict[str, Any], outs: list[tuple], ins: list[tuple]) -> ResolvedTransaction:
    """As the DuckDB store builds it: an input whose previous transaction or script is unknown gets empty bytes,
    an unknown value 0, so that the rules read the same values on both engines."""
    tx = Transaction(
        txid=bytes(head["txid"]), wtxid=bytes(head["wtxid"]), version=head["version"], locktime=head["locktime"],
        size=head["size"], vsize=head["vsize"],
        inputs=tuple(TxIn(bytes(p or b""), vout, b"", seq) for p, vout, seq, _, _ in ins),
        outputs=tuple(TxOut(value, bytes(script)) for value, script in outs),
    )  # fmt: skip
    spent = () if head["is_coinbase"] else tuple(TxOut(value or 0, bytes(s or b"")) for *_, value, s in ins)
    return ResolvedTransaction(tx, spent)
