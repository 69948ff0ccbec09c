"""Plain CSV labels: named columns, line-numbered errors, and no crash on junk."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cointrail.errors import CointrailError
from cointrail.labels import LabelFormatError, load_labels, parse_labels
from cointrail.labels.source import from_bytes

GOOD = """\
address,label,currency,category,source,confidence,actor,date,notes
1Archive1n2C579dMsAu3iC6tWzuQJz8dN,Internet Archive,BTC,organization,https://archive.org,ownership,archive,2021-11-12,
LbonesGyyeUDpQqtZQMmBUPJSEg4jHhUvb,site payments,LTC,child_sexual_abuse,,forensic_investigation,,,"seen on page, 2024"
TRYL7PKCG4b4xRCM554Q5J6o8f1UjUmfnY,trafficking payments,USDT,human_trafficking,,,,,
"""


def read(text: str, name: str = "labels.csv"):
    return parse_labels(from_bytes(text.encode(), name))


def test_good_rows_become_labels(tmp_path: Path):
    path = tmp_path / "case-labels.csv"
    path.write_text(GOOD)
    result = load_labels(path)
    assert result.format == "csv" and not result.rejected
    archive, site, tron = result.labels
    assert (archive.chains, archive.confidence.value, archive.actor) == (("bitcoin",), 100, "archive")
    assert archive.lastmod is not None and archive.lastmod.year == 2021
    assert site.source == str(path)  # no source given: the file itself
    assert (site.category, site.confidence.name, site.notes) == ("child_sexual_abuse", "forensic_investigation",
                                                                 ("seen on page, 2024",))
    assert tron.chains == ("tron",) and tron.confidence.name == "unknown"  # no confidence given


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dX,bad checksum,BTC", ["checksum"]),
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dN,wrong coin,LTC", ["bitcoin", "LTC"]),
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dN,,BTC", ["label is empty"]),
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dN,x,BTC,bakery", ["category 'bakery'"]),
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dN,x,BTC,,,sure", ["confidence 'sure'"]),
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dN,x,BTC,,,,,31/12/2024", ["date '31/12/2024'"]),
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dN,x,QQQ", ["currency code 'QQQ'"]),
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dN,x", ["currency is empty"]),
        ("1Archive1n2C579dMsAu3iC6tWzuQJz8dN,x,BTC,,,,,,,extra", ["10 columns", "header has only 9"]),
    ],
)
def test_a_bad_row_is_rejected_with_its_line_number(row: str, words: list[str]):
    result = read(GOOD + row + "\n")
    assert len(result.labels) == 3
    (entry,) = result.rejected
    assert entry.where == "line 5"
    for word in words:
        assert word in entry.reason


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    result = read(GOOD + "\n\n" + "x,y,BTC\n")
    assert result.rejected[0].where == "line 7"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["empty", "header"]),
        ("addr,label,currency\n", ["line 1", "'address'"]),
        ("address,label,currency,colour\n", ["line 1", "unknown column 'colour'"]),
    ],
)
def test_a_file_without_the_needed_header_is_a_clear_error(text: str, words: list[str]):
    with pytest.raises(LabelFormatError) as caught:
        read(text)
    for word in words:
        assert word in str(caught.value)


def test_chain_and_date_are_accepted_as_column_names():
    result = read("Address,Label,Chain,Date\n1Archive1n2C579dMsAu3iC6tWzuQJz8dN,archive,btc,2020-01-02\n")
    assert result.labels[0].currency == "BTC" and str(result.labels[0].lastmod) == "2020-01-02"


def test_a_file_that_is_not_utf8_is_a_clear_error():
    with pytest.raises(LabelFormatError, match="not UTF-8"):
        parse_labels(from_bytes(b"address,label,currency\n\xff\xfe,x,BTC\n", "l.csv"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_junk_gives_a_clear_error_never_a_crash(junk: bytes):
    with contextlib.suppress(CointrailError):  # a clear error is fine; any other exception fails
        parse_labels(from_bytes(junk, "junk.csv"), "csv")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=12), max_size=8))
def test_random_rows_under_a_good_header_are_labels_or_rejections(rows: list[list[str]]):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["address", "label", "currency", "category", "confidence"])
    writer.writerows(rows)
    try:
        result = read(out.getvalue())
    except CointrailError:
        return  # e.g. a NUL character, which the csv module refuses: reported as not valid CSV
    nonblank = [r for r in rows if any(cell.strip() for cell in r)]
    assert len(result.labels) + len(result.rejected) <= len(nonblank)
    assert all(entry.where.startswith("line ") for entry in result.rejected)
