"""Every exchange with a light source in the case's WARC evidence; replayed offline with the same answers; tampering
caught by the record digests, and when digests are forged too, by the txid, merkle and proof-of-work checks."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from electrumx_server import ElectrumX
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from cointrail.cases import Case, create_case
from cointrail.cases.verify import verify_case
from cointrail.chains.bitcoin.sources.archive import Replay, case_archive
from cointrail.chains.bitcoin.sources.electrum import ElectrumServer, ElectrumSource
from cointrail.chains.bitcoin.sources.esplora import EsploraSource
from cointrail.chains.bitcoin.sources.light import ProofError
from cointrail.errors import IntegrityError
from cointrail.simulation.esplora_standin import Standin

pytestmark = [pytest.mark.node, pytest.mark.slow]
Change = Callable[[str, bytes], bytes]  # (the request's method or path, the response payload) -> new payload


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return create_case("light-case", root=tmp_path / "cases", operator="Test Operator")


def crawl(source: ElectrumSource | EsploraSource, addresses: list[str]) -> list[Any]:
    """What a small crawl would ask: the network check, histories, transactions proven (two an address: ElectrumX
    takes about a second for each merkle branch here)."""
    source.check_network()
    answers: list[Any] = []
    for address in addresses:
        with source.session() as session:
            history = session.history(address)
            answers += [history] + [session.transaction(e.txid, e.height) for e in history.entries[:2]]
    return answers


def electrum_crawl(electrumx: ElectrumX, case: Case, addresses: list[str]) -> tuple[Path, list[Any]]:
    server = ElectrumServer.parse(f"tcp://127.0.0.1:{electrumx.tcp}")
    with case_archive(case, server.uri, "litecoin", "regtest", None) as archive:
        answers = crawl(ElectrumSource(server, "litecoin", "regtest", recorder=archive.recorder), addresses)
    assert archive.path is not None
    return archive.path, answers


def replayed_electrum(path: Path, port: int) -> ElectrumSource:
    """A source over the archive alone (a replaying source opens no socket; the Esplora test shows it)."""
    return ElectrumSource(ElectrumServer.parse(f"tcp://127.0.0.1:{port}"), "litecoin", "regtest",
                          replay=Replay.read(path))  # fmt: skip


def test_electrum_exchanges_are_case_evidence_and_replay_offline(electrumx: ElectrumX, case: Case,
                                                                  sample_addresses: list[str]) -> None:  # fmt: skip
    path, answers = electrum_crawl(electrumx, case, sample_addresses[:2])
    assert path.parent == case.folder / "evidence" and verify_case(case, record=False).intact
    assert [e["action"] for e in case.log.entries()][-1] == "light-source.warc"
    uri = f"electrum+tcp://127.0.0.1:{electrumx.tcp}"
    with open(path, "rb") as stream:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                   for r in ArchiveIterator(stream)]  # fmt: skip
    exchanged = [(kind, payload) for kind, target, payload in records if target == uri]
    assert exchanged and all(payload.endswith(b"\n") and json.loads(payload) for _, payload in exchanged)
    assert json.loads(exchanged[0][1])["method"] == "server.version"
    # a transaction's bytes and its merkle branch go in one write (ElectrumX 2.0 holds a short answer up to 1 s for
    # more to pad it with): their request records share the time they were sent
    with open(path, "rb") as stream:
        sent = [(json.loads(r.content_stream().read())["method"], r.rec_headers.get_header("WARC-Date"))
                for r in ArchiveIterator(stream) if r.rec_type == "request"]  # fmt: skip
    pairs = [(a, b) for (a, when), (b, then) in zip(sent, sent[1:], strict=False) if when == then]
    assert ("blockchain.transaction.get", "blockchain.transaction.get_merkle") in pairs
    assert crawl(replayed_electrum(path, electrumx.tcp), sample_addresses[:2]) == answers


def test_esplora_exchanges_replay_offline(standin: Standin, case: Case, sample_addresses: list[str]) -> None:
    with case_archive(case, standin.url, "litecoin", "regtest", None) as archive:
        answers = crawl(EsploraSource(standin.url, "litecoin", "regtest", recorder=archive.recorder),
                        sample_addresses[:2])  # fmt: skip
    assert archive.path is not None and archive.recorder.written == len(standin.requests)
    asked = len(standin.requests)
    offline = EsploraSource(standin.url, "litecoin", "regtest", replay=Replay.read(archive.path))
    assert crawl(offline, sample_addresses[:2]) == answers
    assert len(standin.requests) == asked  # the replay asked the server nothing


def rewrite(path: Path, target: Path, change: Change, forge_digests: bool = True) -> int:
    """Copy a WARC with some response payloads changed; digests recomputed (forged) or kept (then they fail).

    Returns how many payloads the change altered.
    """
    asked: dict[str, str] = {}
    changed = 0
    with open(path, "rb") as stream, open(target, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        for record in ArchiveIterator(stream):
            headers = dict(record.rec_headers.headers)
            body = record.raw_stream.read()
            head = record.http_headers.to_bytes() if record.http_headers else b""
            if record.rec_type == "request":
                asked[headers["WARC-Record-ID"]] = _what(headers["WARC-Target-URI"], head + body)
            elif record.rec_type == "response" and headers.get("WARC-Concurrent-To") in asked:
                new = change(asked[headers["WARC-Concurrent-To"]], body)
                changed += new != body
                body = new
            keep = {k: v for k, v in headers.items() if k not in ("WARC-Type", "Content-Length", "WARC-Target-URI")
                    and (not forge_digests or "Digest" not in k)}  # fmt: skip
            payload = head + body
            writer.write_record(writer.create_warc_record(
                headers.get("WARC-Target-URI", ""), record.rec_type, payload=io.BytesIO(payload), length=len(payload),
                warc_content_type=headers.get("Content-Type", ""), warc_headers_dict=keep))  # fmt: skip
    return changed


def _what(uri: str, request: bytes) -> str:
    if uri.startswith("electrum+"):
        return str(json.loads(request)["method"])
    return uri


def flip(text: bytes, at: int) -> bytes:
    """One hex digit changed at ``at``."""
    return text[:at] + (b"1" if text[at : at + 1] != b"1" else b"2") + text[at + 1 :]


def electrum_change(method: str, mutate: Callable[[Any], Any]) -> Change:
    def change(asked: str, payload: bytes) -> bytes:
        if asked != method:
            return payload
        message = json.loads(payload)
        message["result"] = mutate(message["result"])
        return json.dumps(message).encode() + b"\n"

    return change


def _bits_exponent(result: dict[str, Any]) -> dict[str, Any]:
    headers = list(result["headers"])
    headers[5] = headers[5][:150] + "10" + headers[5][152:]  # height 5's target exponent 0x20 -> 0x10
    return {**result, "headers": headers}


@pytest.mark.parametrize(("method", "mutate", "failure"), [
    ("blockchain.transaction.get", lambda raw: flip(raw.encode(), 20).decode(), "the txid check fails"),
    ("blockchain.transaction.get_merkle", lambda m: {**m, "merkle": [flip(m["merkle"][0].encode(), 7).decode()]
                                                     + m["merkle"][1:]}, "the merkle check fails"),
    ("blockchain.block.headers", _bits_exponent, "height 5 that its scrypt hash is above the target"),
])  # fmt: skip
def test_a_forged_electrum_answer_fails_its_proof(electrumx: ElectrumX, case: Case, sample_addresses: list[str],
                                                  tmp_path: Path, method: str, mutate: Callable[[Any], Any],
                                                  failure: str) -> None:  # fmt: skip
    path, _ = electrum_crawl(electrumx, case, sample_addresses[:1])
    forged = tmp_path / "forged.warc.gz"
    assert rewrite(path, forged, electrum_change(method, mutate)) >= 1
    with pytest.raises(ProofError, match=f"electrum\\+tcp://127.0.0.1:\\d+ sent .*{failure}"):
        crawl(replayed_electrum(forged, electrumx.tcp), sample_addresses[:1])
    kept = tmp_path / "kept-digests.warc.gz"
    rewrite(path, kept, electrum_change(method, mutate), forge_digests=False)
    with pytest.raises(IntegrityError, match="digest of a response record for electrum"):
        Replay.read(kept)


def test_a_flipped_byte_in_the_file_is_caught(electrumx: ElectrumX, case: Case, sample_addresses: list[str],
                                              tmp_path: Path) -> None:  # fmt: skip
    path, _ = electrum_crawl(electrumx, case, sample_addresses[:1])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / "damaged.warc.gz"
    damaged.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="damaged|digest"):
        Replay.read(damaged)


@pytest.mark.parametrize(("suffix", "at", "failure"), [
    ("/hex", 30, "the txid check fails"),
    ("/merkleblock-proof", 200, "the merkle check fails"),
])  # fmt: skip
def test_a_forged_esplora_answer_fails_its_proof(standin: Standin, case: Case, sample_addresses: list[str],
                                                 tmp_path: Path, suffix: str, at: int, failure: str) -> None:
    with case_archive(case, standin.url, "litecoin", "regtest", None) as archive:
        crawl(EsploraSource(standin.url, "litecoin", "regtest", recorder=archive.recorder), sample_addresses[:1])
    assert archive.path is not None
    forged = tmp_path / "forged.warc.gz"

    def change(url: str, payload: bytes) -> bytes:
        return flip(payload, at) if url.endswith(suffix) else payload

    assert rewrite(archive.path, forged, change) >= 1
    offline = EsploraSource(standin.url, "litecoin", "regtest", replay=Replay.read(forged))
    with pytest.raises(ProofError, match=f"{standin.url} sent .*{failure}"):
        crawl(offline, sample_addresses[:1])
