"""A fuzzing pass over what hostile sites and files feed cointrail (issue 22): never a crash, only clear errors.

Hypothesis mutates small valid inputs — a captured page, a WARC, label files, a custody log — and each reader
must either give its answer or raise one of cointrail's own errors. ``max_examples`` is kept modest so the whole
file runs in seconds; a failure prints the input that caused it.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cointrail.capture.importer import _search
from cointrail.capture.limits import CaptureLimits
from cointrail.capture.page_places import hidden_places
from cointrail.capture.text_view import _parse, warc_pages
from cointrail.cases import create_case
from cointrail.errors import CointrailError
from cointrail.extraction import extract_addresses
from cointrail.labels import IMPORTERS, from_bytes, parse_labels

ADDRESS = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
PAGE = (f'<html><head><meta charset="utf-8"><script>var w = "{ADDRESS}";</script></head><body>'
        f'<p>Pay {ADDRESS}</p><a href="bitcoin:{ADDRESS}?amount=0.1">pay</a><div data-w="{ADDRESS}"></div>'
        "</body></html>")  # fmt: skip
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few bytes flipped, a piece cut out, something inserted, or cut short."""
    data = bytearray(original)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32) | st.sampled_from([b"<", b'"', b"\x00", b"\r\n"]))
        else:
            del data[at:]
    return bytes(data)


@FUZZ
@given(mutated(PAGE.encode()))
def test_extraction_and_the_page_places_never_crash_on_a_mangled_page(page: bytes) -> None:
    for finding in extract_addresses(page):
        assert finding.address and 0 <= finding.offset < len(page)
    root = _parse(page.decode("utf-8", "replace"))
    if root is not None:
        places, left_out = hidden_places(root)
        assert left_out >= 0 and all(p["where"] for p in places)


def _warc(gz: bool) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for uri, body in (("http://x/pay", PAGE.encode()), ("http://x/faq", f"ask {ADDRESS}".encode())):
        head = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", length=len(body), payload=io.BytesIO(body),
                                                      http_headers=head))  # fmt: skip
    return out.getvalue()


WARCS = {gz: _warc(gz) for gz in (False, True)}  # made once: record ids and dates differ each time


@FUZZ
@given(st.booleans().flatmap(lambda gz: st.tuples(st.just(gz), mutated(WARCS[gz]))))
def test_the_warc_importer_and_text_view_never_crash_on_a_mangled_warc(case: tuple[bool, bytes]) -> None:
    gz, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("f.warc.gz" if gz else "f.warc")
        path.write_bytes(data)
        rows, counts, problems = _search(path, CaptureLimits())
        assert counts["searched"] <= counts["records"] and all(isinstance(p, str) for p in problems)
        problems = []
        pages, _ = warc_pages(path, [ADDRESS], problems)
        assert all(isinstance(p.pieces, list) for p in pages)


TAGPACK = (b"title: t\ncreator: c\ndescription: d\nis_public: true\nlastmod: 2024-01-01\n"
           b"label: exchange x\nsource: https://x.example\ncurrency: BTC\nconfidence: web_crawl\ncategory: exchange\n"
           b"tags:\n  - address: " + ADDRESS.encode() + b"\n  - address: 1notanaddress\n")  # fmt: skip
SDN_XML = (b'<?xml version="1.0"?><sdnList><publshInformation><Publish_Date>01/02/2024</Publish_Date>'
           b"</publshInformation><sdnEntry><uid>1</uid><lastName>X</lastName><idList><id><idType>Digital Currency "
           b"Address - XBT</idType><idNumber>" + ADDRESS.encode() + b"</idNumber></id></idList></sdnEntry></sdnList>")
SDN_CSV = b'1,"X",-0- ,"CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Digital Currency Address - XBT ' + \
    ADDRESS.encode() + b';"\n'
LABEL_CSV = b"address,label,currency,category\n" + ADDRESS.encode() + b",x,BTC,exchange\n1nope,y,BTC,\n"
SAMPLES = {"tagpack": TAGPACK, "ofac-xml": SDN_XML, "ofac-csv": SDN_CSV, "csv": LABEL_CSV,
           "ofac-advanced": SDN_XML}  # fmt: skip


@FUZZ
@given(st.sampled_from(sorted(IMPORTERS)).flatmap(lambda name: st.tuples(st.just(name), mutated(SAMPLES[name]))))
def test_the_label_importers_give_labels_or_a_clear_error(case: tuple[str, bytes]) -> None:
    name, data = case
    with contextlib.suppress(CointrailError):  # a clear error is fine; any other exception fails
        result = parse_labels(from_bytes(data, f"fuzz.{'yaml' if name == 'tagpack' else 'xml'}"), name)
        assert all(label.address for label in result.labels)


@FUZZ
@given(st.lists(st.binary(max_size=200) | st.sampled_from([b"[" * 5000, b'{"seq": 1}', b"\xff\xfe",
                                                           json.dumps({"seq": "\udcff"}).encode()]), max_size=4),
       st.integers(0, 3))  # fmt: skip
def test_the_custody_log_reader_reports_damage_never_crashes(lines: list[bytes], at: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        case = create_case("fuzz", root=folder, operator="Fuzzer")
        case.add_evidence(b"x\n", ".txt", "test.add")
        good = case.log.path.read_bytes().splitlines(keepends=True)
        good[at % len(good):at % len(good)] = [line.replace(b"\n", b" ") + b"\n" for line in lines]
        case.log.path.write_bytes(b"".join(good))
        report = case.log.check()
        assert report.intact == (not lines) or report.problems


def test_the_samples_themselves_are_read() -> None:
    assert {a.address for a in extract_addresses(PAGE.encode())} == {ADDRESS}
    assert parse_labels(from_bytes(LABEL_CSV, "l.csv"), "csv").labels
    assert parse_labels(from_bytes(TAGPACK, "t.yaml"), "tagpack").labels
    assert gzip.decompress(_warc(True)).startswith(b"WARC/")
