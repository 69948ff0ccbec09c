"""extract_addresses on plain text, HTML, JavaScript and JSON: what it finds, where, and what it must not."""

from __future__ import annotations

import base64
import hashlib
import json
import mmap
from pathlib import Path

import pytest
from extraction_makers import all_kinds, cashaddr, evm, monero, p2pkh, segwit

from cointrail import Finding, extract_addresses, parse_address


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.address for f in findings]
    return findings[0]


@pytest.mark.parametrize("address", all_kinds(7))
def test_each_kind_is_found_at_its_byte_offset(address: str) -> None:
    before = "Café ☕ — payez ici : "  # multi-byte characters before the address
    found = only(extract_addresses(f"{before}{address}. Merci !"))
    assert found.offset == len(before.encode("utf-8"))
    assert found.length == len(address)
    assert found.input == address
    info = parse_address(address)
    assert found.address == info.normalized
    assert list(found.chains) == info.chains and found.type == info.type
    assert found.tricks == ()


def test_bytes_and_str_give_the_same_offsets() -> None:
    text = f"€€€ {p2pkh(2)} ünïcödé {segwit(2)}"
    from_text = [(f.address, f.offset) for f in extract_addresses(text)]
    from_bytes = [(f.address, f.offset) for f in extract_addresses(text.encode("utf-8"))]
    assert from_text == from_bytes and len(from_text) == 2


def test_wrong_encoding_does_not_crash_and_keeps_byte_offsets() -> None:
    address = p2pkh(3)
    data = b"\xff\xfe latin-1 caf\xe9 \x80\x81 " + address.encode() + b" \xc3"
    found = only(extract_addresses(data))
    assert data[found.offset:found.offset + found.length] == address.encode()
    assert "\n" not in found.context


def test_monero_from_public_vectors(shared_data: Path) -> None:
    vectors = json.loads((shared_data / "monero" / "monero_address_vectors.json").read_text())
    mainnet = vectors["networks"]["mainnet"]
    text = f"xmr: {mainnet['address']} / {mainnet['integrated_address']} bad: {mainnet['invalid_address_checksum']}"
    found = extract_addresses(text)
    assert [f.address for f in found] == [mainnet["address"], mainnet["integrated_address"]]
    assert all(f.private and f.chains == ("monero",) for f in found)
    assert any("cannot be traced" in note for note in found[0].notes)


def test_eip55_vectors_in_json(shared_data: Path) -> None:
    vectors = json.loads((shared_data / "eip55" / "eip55_vectors.json").read_text())
    addresses = [v if isinstance(v, str) else v.get("address") for v in _flatten(vectors)]
    addresses = [a for a in addresses if a and parse_address(a).valid][:5]
    document = json.dumps({"wallets": addresses})
    assert [f.address for f in extract_addresses(document)] == addresses


def _flatten(value: object) -> list[object]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    if isinstance(value, list):
        return [x for v in value for x in _flatten(v)]
    return [value]


def test_html_attributes_scripts_and_json_are_searched() -> None:
    a, b, c = p2pkh(4), evm(4), segwit(4, "ltc")
    page = (
        f'<html><body data-wallet="{a}"><script>var pay = "{b}";</script>'
        f'<script type="application/json">{{"ltc":"{c}"}}</script></body></html>'
    )
    assert [f.address for f in extract_addresses(page)] == [a, b, c]


def test_uppercase_bech32_is_normalised_to_lowercase() -> None:
    address = segwit(5)
    found = only(extract_addresses(f"QR: {address.upper()}"))
    assert found.address == address and found.input == address.upper()


def test_unchecksummed_evm_is_found_with_its_note() -> None:
    address = evm(6).lower()
    found = only(extract_addresses(f"to {address}"))
    assert any("checksum" in note for note in found.notes)


def test_prefixless_cashaddr_gets_its_prefix() -> None:
    full = cashaddr(8)
    found = only(extract_addresses(f"BCH {full.split(':')[1]}"))
    assert found.address == full


@pytest.mark.parametrize(
    "decoy",
    [
        hashlib.sha256(b"tx").hexdigest(),                       # a transaction id
        "0x" + hashlib.sha256(b"tx").hexdigest(),               # an Ethereum tx hash: 64 hex, never 40
        hashlib.sha256(b"x").hexdigest()[:40] + "deadbeef",     # 48 hex
        "x" + p2pkh(9),                                         # an address inside a longer token
        p2pkh(9) + "Zz",
        evm(9) + "00",
        p2pkh(9)[:-1] + ("a" if p2pkh(9)[-1] != "a" else "b"),  # broken checksum
        segwit(9)[:-1] + ("q" if segwit(9)[-1] != "q" else "p"),
        "1" + "A" * 33,                                         # base58 word without checksum
        "veryLongJavaScriptIdentifierNameForTheWidget",
        "--bs-gradient-background-image-linear-vertical",
        base64.b64encode(bytes(range(256)) * 4).decode(),
    ],
)
def test_look_alikes_are_not_reported(decoy: str) -> None:
    assert extract_addresses(f"<p>ref: {decoy} ok</p>\n<style>.{decoy} {{ color: red }}</style>") == []


def test_forty_hex_inside_a_txid_is_not_an_evm_address() -> None:
    address_hex = evm(10)[2:].lower()
    txid = "0x" + address_hex + "ab" * 12
    assert extract_addresses(txid) == []


def test_same_address_twice_gives_two_findings_and_no_duplicates() -> None:
    address = p2pkh(11)
    found = extract_addresses(f"{address}\n{address}")
    assert [f.offset for f in found] == [0, len(address) + 1]


def test_context_is_one_short_line() -> None:
    address = p2pkh(12)
    found = only(extract_addresses("line one\n" * 50 + f"\tpay\tto:\n{address}\n" + "tail\n" * 50))
    assert "\n" not in found.context and "\t" not in found.context
    assert address in found.context and len(found.context) < len(address) + 100


def test_finding_dict_has_stable_fields() -> None:
    found = only(extract_addresses(p2pkh(13)))
    assert list(found.to_dict()) == [
        "address", "input", "offset", "length", "chains", "network", "type", "private", "confidence",
        "context", "uri", "scheme", "role", "amount", "amount_unit", "label", "message", "token_contract",
        "tricks", "notes",
    ]
    json.dumps(found.to_dict())


def test_monero_made_here() -> None:
    found = only(extract_addresses(f"donate: {monero(14)}"))
    assert found.private and found.type == "standard"


def test_memory_mapped_file_gives_the_same_findings(tmp_path: Path) -> None:
    data = f"Zahlung an {p2pkh(15)} oder {segwit(15)}.".encode()
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert extract_addresses(mapped) == extract_addresses(data)


def test_address_in_a_percent_encoded_link() -> None:
    address = p2pkh(16)
    text = f'<img src="https://qr.example/chart?chl=bitcoin%3A{address}%3Famount%3D0.1">'
    found = only(extract_addresses(text))
    assert found.address == address and found.offset == text.index(address)
