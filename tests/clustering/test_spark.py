"""The Spark engine (issue 20) on a generated chain: the same clusters and the same evidence as the local engine.

``cointrail cluster build --engine spark`` reads the store's Parquet export; its cluster ids, links of evidence,
CoinJoin and collaborative findings and held links must equal a local build's, row for row. The scenario
economies (litecoind) are compared in test_scenario.py and test_collab_regtest.py.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from spark_compare import both_engines, first_difference

from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.cli import main as cointrail_main
from cointrail.clustering import HEURISTIC_NAMES, parse_heuristics
from cointrail.ingest.pipeline import ingest
from cointrail.simulation.block_files import generate_chain
from cointrail.store.duckdb.store import LedgerStore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated chain of about 6,000 transactions, ingested into a DuckDB store."""
    out = tmp_path_factory.mktemp("generated")
    made = generate_chain(out / "chain", 6000, seed=20, txs_per_block=60, n_wallets=400)
    db = out / "ledger.duckdb"
    with LedgerStore.open(db, "bitcoin", "regtest") as store:
        ingest(store, BlockFilesSource(made.path, "bitcoin", "regtest"))
    return db


def test_spark_gives_the_local_clusters_and_evidence(generated: Path, tmp_path: Path, spark) -> None:
    """Every heuristic on (the default set is compared on the litecoind economies)."""
    chosen = parse_heuristics(",".join(HEURISTIC_NAMES))
    result = both_engines(generated, tmp_path, chosen)
    assert first_difference(result["local"], result["spark"]) is None
    local = result["local"]
    assert len({c for _, c, _ in local["address_clusters"]}) < len(local["address_clusters"])  # something merged
    made = {h for _, h, _, _ in local["cluster_links"]}
    assert {"multi-input", "change-address-type", "change-fresh"} <= made  # this chain pays no round amounts
    assert local["collaborative_txs"], "the generated chain's random coin selection shows the PayJoin sign"
    assert result["summary"]["addresses"] == len(local["address_clusters"])


def test_one_differing_cluster_id_is_caught() -> None:
    local = {t: [] for t in ("cluster_links", "coinjoins", "collaborative_txs", "held_links")}
    spark = dict(local)
    local["address_clusters"], spark["address_clusters"] = [(0, 0, 0), (1, 0, 1)], [(0, 0, 0), (1, 1, 1)]
    assert first_difference(local, spark) == "address_clusters row 1: local (1, 0, 1) != spark (1, 1, 1)"


def test_the_cli_builds_on_spark_from_the_export(generated: Path, tmp_path: Path, spark, capsys) -> None:
    export = tmp_path / "parquet"
    assert cointrail_main(["store", "export", "--db", str(generated), "--parquet", str(export)]) == 0
    assert cointrail_main(["cluster", "build", "--engine", "spark", "--parquet", str(export), "--master", "local[2]",
                           "--heuristics", "multi-input", "--json"]) == 0  # fmt: skip
    assert '"engine": "spark"' in capsys.readouterr().out
    clusters = pq.read_table(export / "clusters" / "address_clusters.parquet")
    assert clusters.num_rows > 0 and clusters.schema.field("cluster_id").type == "int64"


def test_the_export_has_signed_integer_columns_only(generated: Path, tmp_path: Path) -> None:
    """The Parquet contract (docs/store.md): Spark reads unsigned 64-bit columns as decimals, so there are none."""
    export = tmp_path / "parquet"
    assert cointrail_main(["store", "export", "--db", str(generated), "--parquet", str(export)]) == 0
    for path in sorted(export.glob("*.parquet")):
        for field in pq.read_schema(path):
            kind = str(field.type)
            assert not kind.startswith(("uint", "decimal", "double", "float")), f"{path.name}: {field.name} {kind}"


def test_the_spark_engine_needs_an_export_and_says_what_is_missing(tmp_path: Path, monkeypatch, capsys) -> None:
    assert cointrail_main(["cluster", "build", "--engine", "spark"]) == 2
    assert "--parquet" in capsys.readouterr().err
    monkeypatch.setattr("shutil.which", lambda *args, **kwargs: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert cointrail_main(["cluster", "build", "--engine", "spark", "--parquet", str(tmp_path)]) == 2
    assert "openjdk-17-jre-headless" in capsys.readouterr().err


def test_every_change_heuristic_has_a_spark_form() -> None:
    """A change heuristic added to the local engine must be added to the Spark engine too (links.FITS)."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install -e '.[test]')")
    from cointrail.engines.spark.links import FITS
    from cointrail.heuristics.change import CHANGE_HEURISTICS

    assert set(FITS) == set(CHANGE_HEURISTICS)
