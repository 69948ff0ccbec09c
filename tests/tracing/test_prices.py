"""Daily prices: imported from CSV into the store, with the source and day of every fiat value."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pytest

from cointrail.cli import main
from cointrail.errors import InputError
from cointrail.prices import PriceBook, import_prices_csv
from cointrail.store.duckdb.store import LedgerStore

NOON = int(_dt.datetime(2024, 3, 5, 12, tzinfo=_dt.UTC).timestamp())


@pytest.fixture
def store(tmp_path: Path):
    with LedgerStore.open(tmp_path / "ledger.duckdb", "litecoin", "regtest") as opened:
        yield opened


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(text)
    return path


def test_fiat_values_carry_price_day_and_source(store, tmp_path):
    path = _csv(tmp_path, "date,coin,fiat,price,source\n2024-03-04,LTC,USD,80,\n2024-03-05,LTC,USD,100.5,kraken\n")
    assert import_prices_csv(store, path)["imported"] == 2
    book = PriceBook(store, "usd")
    assert book.coin == "LTC"
    assert book.value(25_000_000, NOON) == {"currency": "USD", "value": 25.12, "price": 100.5,
                                            "price_date": "2024-03-05", "source": "kraken"}  # fmt: skip


def test_a_missing_day_uses_the_latest_earlier_price_within_a_week(store, tmp_path):
    import_prices_csv(store, _csv(tmp_path, "date,coin,fiat,price\n2024-03-01,LTC,USD,90\n"))
    value = PriceBook(store, "USD").value(100_000_000, NOON)
    assert value is not None and (value["price_date"], value["source"]) == ("2024-03-01", "csv:prices.csv")
    assert PriceBook(store, "USD").value(100_000_000, NOON + 10 * 86_400) is None
    assert PriceBook(store, "EUR").value(100_000_000, NOON) is None


def test_reimport_replaces_the_day(store, tmp_path):
    import_prices_csv(store, _csv(tmp_path, "date,coin,fiat,price\n2024-03-05,LTC,USD,90\n"))
    import_prices_csv(store, _csv(tmp_path, "date,coin,fiat,price\n2024-03-05,LTC,USD,95\n"))
    assert store.rows("SELECT price FROM prices") == [(95.0,)]


@pytest.mark.parametrize("text", ["day,price\n2024-01-01,3\n", "date,coin,fiat,price\n2024-13-01,LTC,USD,3\n",
                                  "date,coin,fiat,price\n2024-01-01,LTC,USD,-3\n"])  # fmt: skip
def test_bad_price_files_are_refused_in_one_sentence(store, tmp_path, text):
    with pytest.raises(InputError):
        import_prices_csv(store, _csv(tmp_path, text))


def test_prices_import_command(tmp_path, capsys):
    db = tmp_path / "ledger.duckdb"
    LedgerStore.open(db, "litecoin", "regtest").close()
    path = _csv(tmp_path, "date,coin,fiat,price\n2024-03-05,LTC,USD,95\n")
    assert main(["prices", "import", str(path), "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == 1
    assert main(["prices", "import", str(path), "--db", str(db)]) == 0  # one day is named once
    assert capsys.readouterr().out.strip() == "Imported 1 price (LTC in USD) on 2024-03-05."
    assert main(["prices", "import", str(tmp_path / "missing.csv"), "--db", str(db)]) == 2
