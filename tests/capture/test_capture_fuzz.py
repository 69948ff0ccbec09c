"""Property tests of the capture's parsers against arbitrary input (issue 22): they answer, they never raise.

What a hostile site controls — the body's bytes, its Content-Type and Content-Encoding, the links on its pages,
the addresses it redirects to — goes through these functions before anything else looks at it.
"""

from __future__ import annotations

import json
import zlib
from encodings.aliases import aliases

from hypothesis import given, settings
from hypothesis import strategies as st

from cointrail.capture.decode import TEXT_CHARSETS, charset_of, decode_body, searchable, text_of
from cointrail.capture.findings import RECORD_KEYS, _finding_line, read_findings, to_jsonl
from cointrail.capture.links import page_links
from cointrail.capture.netpolicy import private_target

# Every codec name and alias Python knows (base64, rot13, idna, utf-7 … among them), and arbitrary text.
LABELS = st.one_of(st.sampled_from(sorted(set(aliases) | set(aliases.values()) | {"rot13", "hex", "base64"})),
                   st.text(max_size=30))
CONTENT_TYPES = st.one_of(st.none(), st.builds("text/html; charset={}".format, LABELS), st.text(max_size=60))
BODIES = st.one_of(st.binary(max_size=2000),
                   st.builds(lambda label, rest: f'<meta charset="{label}">'.encode("utf-8", "replace") + rest,
                             LABELS, st.binary(max_size=500)))


@settings(max_examples=100, deadline=None)
@given(BODIES, CONTENT_TYPES)
def test_decoding_answers_for_any_body_and_content_type(body: bytes, content_type: str | None) -> None:
    charset, _ = charset_of(content_type, body)
    assert charset in TEXT_CHARSETS or charset in ("utf-8", "utf-16")
    text, _, problems = text_of(body, content_type)
    assert isinstance(text, str) and all(isinstance(p, str) for p in problems)
    data, basis = searchable(body, content_type)
    assert isinstance(data, bytes) and basis


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([None, "gzip", "deflate", "x-gzip", "br", "identity", "ZSTD", ""]),
       st.booleans())
def test_content_decoding_is_bounded_and_never_raises(raw: bytes, encoding: str | None, compress: bool) -> None:
    if compress:
        raw = zlib.compress(raw)
    decoded = decode_body(raw, encoding, 1000)
    assert len(decoded.data) <= 1000


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000), st.sampled_from(["http://127.0.0.1:8000/a/", "https://example.onion/", "http://x/"]))
def test_link_parsing_answers_for_any_text(html: str, base: str) -> None:
    links = page_links(html, base)
    assert all(url.startswith(("http://", "https://")) for url in links.pages + links.scripts + links.images)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.booleans())
def test_the_address_policy_answers_for_any_url(url: str, proxied: bool) -> None:
    # proxied=True never resolves names, so any text is safe to try here without touching a resolver
    answer = private_target("http://" + url, "http://203.0.113.9/", proxied=True)
    assert answer is None or isinstance(answer, str)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "address": st.text(min_size=1, max_size=50), "offset": st.integers(0, 10**9), "length": st.integers(1, 100),
    "chains": st.lists(st.text(max_size=10), max_size=3), "network": st.text(max_size=10), "type": st.text(max_size=10),
    "private": st.booleans(), "confidence": st.text(max_size=10), "context": st.text(max_size=400),
    "source": st.sampled_from(["http-response", "qr-code"]), "warc_record_id": st.sampled_from(["<urn:a>", "<urn:b>"]),
    "target_uri": st.text(max_size=30), "amount": st.one_of(st.none(), st.text(max_size=10)),
}), max_size=20))
def test_the_findings_file_gives_back_what_was_written(rows: list[dict[str, object]]) -> None:
    for row in rows:
        row.update({"warc_file": "evidence/x.warc.gz", "warc_sha256": "0" * 64, "warc_record_type": "response",
                    "payload_sha256": "1" * 64, "offset_basis": "bytes of the decoded payload"})
    back = read_findings(to_jsonl(rows).decode("utf-8"))  # type: ignore[arg-type]
    assert len(back) == len(rows)
    for row, again in zip(rows, back, strict=True):
        expected = {**_finding_line(row), **{key: row[key] for key in RECORD_KEYS}}  # type: ignore[arg-type]
        assert {key: again.get(key) for key in expected} == expected
    assert all(json.loads(line) for line in to_jsonl(rows).decode("utf-8").splitlines())  # type: ignore[arg-type]
