"""Every valid address in the public vectors is found in text, and exactly where it is.

This guards the cheap shape filter: it must never turn away a real address.
"""

from __future__ import annotations

import json
from pathlib import Path

from cointrail import extract_addresses, parse_address


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _vector_addresses(root: Path) -> list[str]:
    files = [
        "bitcoin-core/key_io_valid.json", "bech32/bip173_vectors.json", "bech32/bip350_vectors.json",
        "cashaddr/cashaddr_vectors.json", "tron/tron_address_vectors.json", "dogecoin/base58_keys_valid.json",
        "eip55/eip55_vectors.json", "monero/monero_address_vectors.json",
        *(f"ofac-addresses/{p.name}" for p in sorted((root / "ofac-addresses").glob("*.json"))),
    ]
    found: dict[str, None] = {}
    for name in files:
        for text in _strings(json.loads((root / name).read_text())):
            if 25 <= len(text) <= 130 and ":" not in text and parse_address(text).valid:
                found.setdefault(text)
    return list(found)


def test_every_valid_vector_address_is_found(shared_data: Path) -> None:
    addresses = _vector_addresses(shared_data)
    assert len(addresses) > 500
    document = "".join(f"<li>wallet: {a}</li>\n" for a in addresses).encode()
    found = {(f.offset, f.address) for f in extract_addresses(document)}
    offset, missing = 0, []
    for address in addresses:
        offset = document.index(address.encode(), offset)
        if (offset, parse_address(address).normalized) not in found:
            missing.append(address)
    assert missing == []


def test_ofac_xmr_transaction_id_is_not_an_address(shared_data: Path) -> None:
    # The OFAC list has an "XMR" entry that is a transaction id (see FIELD_NOTES.md).
    entries = json.loads((shared_data / "ofac-addresses" / "sanctioned_addresses_XMR.json").read_text())
    txids = [e for e in entries if len(e) == 64]
    assert txids, "the OFAC XMR list no longer holds the transaction id this test is about"
    findings = extract_addresses("\n".join(entries))
    assert sorted(f.address for f in findings) == sorted(e for e in entries if e not in txids)
