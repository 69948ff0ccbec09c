"""Large label files are streamed into the store: bounded memory, all or nothing, rejections counted (issue 22)."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import pytest

from cointrail.addresses.codecs import base58check_encode
from cointrail.cli.labels_cmd import render_check
from cointrail.labels import LabelFormatError
from cointrail.labels import store as label_store
from cointrail.labels.store import import_label_file, list_labels
from cointrail.labels.stream import MAX_REJECTED_KEPT, check_label_file
from cointrail.store.duckdb.store import LedgerStore


def _address(i: int) -> str:
    return base58check_encode(b"\x00" + hashlib.sha256(i.to_bytes(8, "little")).digest()[:20])


def _label_csv(path: Path, rows: int, tail: bytes = b"") -> Path:
    with path.open("wb") as out:
        out.write(b"address,label,currency,category\n")
        for i in range(rows):
            out.write(f"{_address(i)},entity {i % 100},BTC,exchange\n".encode())
        out.write(tail)
    return path


@pytest.fixture
def store(tmp_path: Path):
    with LedgerStore.open(tmp_path / "ledger.duckdb", "bitcoin", "mainnet") as opened:
        yield opened


def test_a_big_csv_is_imported_in_batches_without_holding_its_labels(store: LedgerStore, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rows = 8_000
    csv = _label_csv(tmp_path / "big.csv", rows)
    monkeypatch.setattr(label_store, "BATCH_ROWS", 500)
    tracemalloc.start()
    try:
        result = import_label_file(store, csv)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result["label_count"] == rows and result["stored"]["added"] == rows
    # Held whole, as before, the labels alone took several KB each (about 35 MB here); streamed, one batch.
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB of Python objects"
    assert store.one("SELECT count(*) FROM labels")[0] == rows  # type: ignore[index]


def test_a_file_broken_after_many_good_rows_stores_nothing(store: LedgerStore, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(label_store, "BATCH_ROWS", 100)
    csv = _label_csv(tmp_path / "cut.csv", 1_000, tail=b"\xff\xfe,broken,BTC,exchange\n")
    with pytest.raises(LabelFormatError, match=r"line 1002 is not UTF-8 text \(byte 0 of the line"):
        import_label_file(store, csv)
    assert list_labels(store) == []  # all or nothing: the batches already written were rolled back
    again = import_label_file(store, _label_csv(tmp_path / "good.csv", 10))
    assert again["stored"]["added"] == 10


def test_repeats_across_batches_are_counted_as_repeats(store: LedgerStore, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(label_store, "BATCH_ROWS", 7)
    csv = tmp_path / "twice.csv"
    lines = [f"{_address(i)},entity,BTC,exchange" for i in range(10)]
    csv.write_text("address,label,currency,category\n" + "\n".join(lines + lines) + "\n")
    assert import_label_file(store, csv)["stored"] == {"added": 10, "already_stored": 0, "repeated": 10,
                                                       "on_chain": 10, "other_chain": 0}  # fmt: skip


def test_rejections_past_the_first_ones_are_counted_not_listed(tmp_path: Path) -> None:
    bad = MAX_REJECTED_KEPT + 250
    csv = _label_csv(tmp_path / "bad.csv", 3, tail=b"".join(b"notanaddress%d,x,BTC,\n" % i for i in range(bad)))
    summary = check_label_file(csv).summary()
    assert summary["label_count"] == 3 and summary["rejected_count"] == bad
    assert len(summary["rejected"]) == MAX_REJECTED_KEPT and summary["rejected_not_listed"] == 250
    assert "… and 250 more rejected entries, not listed (only counted)" in render_check(summary)
