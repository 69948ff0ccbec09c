"""One fiat setting: ``payers --fiat`` follows ``COINTRAIL_FIAT`` as the report and the request packs do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from reportcase import Story

from cointrail.cli import main
from cointrail.prices import import_prices_csv
from cointrail.store.duckdb.store import LedgerStore


def test_payers_values_are_in_the_settings_currency_unless_fiat_says_otherwise(
        story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    db = tmp_path / "priced.duckdb"
    shutil.copyfile(story.db, db)
    (tmp_path / "prices.csv").write_text("date,coin,fiat,price\n2020-09-13,LTC,USD,50\n2020-09-13,LTC,EUR,40\n")
    with LedgerStore.open(db) as store:
        import_prices_csv(store, tmp_path / "prices.csv")
    common = ["payers", "--db", str(db), "--case", story.case.name, "--cases-dir", str(story.case.folder.parent)]

    def totals(*args: str) -> tuple[str, dict[str, object]]:
        assert main([*common, *args, "--json"]) == 0
        found = json.loads(capsys.readouterr().out)
        return found["parameters"]["fiat"], found["totals"]["fiat"]

    assert totals()[0] == "USD"  # no setting: US dollars, as before
    monkeypatch.setenv("COINTRAIL_FIAT", "eur")
    currency, total = totals()
    assert currency == "EUR" and total["currency"] == "EUR" and total["value"] == 40.0  # 1 LTC paid in all
    assert totals("--fiat", "usd")[1]["currency"] == "USD"  # the option comes first
    monkeypatch.setenv("COINTRAIL_FIAT", "EURO")  # refused as the report refuses it, in one sentence
    assert main(common) == 2
    assert "three-letter code" in capsys.readouterr().err
