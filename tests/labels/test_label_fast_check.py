"""The label importers' fast address check gives exactly what the full parser gives (issue 22: bulk imports).

``check_address`` reads Base58Check P2PKH/P2SH addresses through
``base58_readings`` without computing their other spellings; these tests hold
it to the result of the full :func:`parse_address` path on many strings: every
version byte, broken checksums, other shapes, every currency code.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cointrail.addresses import parse_address
from cointrail.addresses.codecs import base58check_encode
from cointrail.cases.custody import canonical_json
from cointrail.errors import InputError
from cointrail.labels import load_labels
from cointrail.labels.currencies import CURRENCY_CHAINS, AddressRejected, CheckedAddress, chains_for, check_address
from cointrail.labels.model import Label, confidence_named
from cointrail.labels.store import label_sha256


def full_check(text: str, currency: str) -> CheckedAddress:
    """check_address as it was before the fast path: every reading from parse_address."""
    allowed = chains_for(currency)
    info = parse_address(text)
    if not info.valid:
        raise AddressRejected("invalid")
    matching = [c for c in info.candidates if c.chain in allowed]
    if not matching:
        raise AddressRejected("wrong currency")
    chains = tuple(dict.fromkeys(c.chain for c in matching))
    return CheckedAddress(matching[0].normalized, chains, "|".join(dict.fromkeys(c.network for c in matching)))


def outcome(check: object, text: str, currency: str) -> object:
    try:
        return check(text, currency)  # type: ignore[operator]
    except AddressRejected:
        return "rejected"


def strings() -> list[str]:
    rng = random.Random(22)
    found = []
    for version in range(256):
        for size in (20, 19, 21):
            digest = hashlib.sha256(bytes([version, size])).digest()[:size]
            good = base58check_encode(bytes([version]) + digest)
            found += [good, f"  {good} ", good[:-1] + ("2" if good[-1] != "2" else "3")]
    found += [base58check_encode(bytes(rng.randrange(256) for _ in range(n))) for n in (1, 5, 22, 26, 33, 40)]
    found += ["bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "ltc1qg82wjgd5v7q0u6hpj3dflwwa0t5jq7xqv8mpjl",
              "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "0x52908400098527886E0F7030069857D2E4169EE7",
              "r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59", "TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMW", "", "1", "bc1", "r"]
    return found


@pytest.mark.parametrize("currency", sorted(CURRENCY_CHAINS))
def test_the_fast_check_agrees_with_the_full_parser(currency: str) -> None:
    for text in strings():
        assert outcome(check_address, text, currency) == outcome(full_check, text, currency), (text, currency)


def test_a_broken_checksum_is_still_rejected_with_its_reason() -> None:
    good = base58check_encode(b"\x00" + bytes(20))
    with pytest.raises(AddressRejected, match="checksum does not match"):
        check_address(good[:-1] + ("2" if good[-1] != "2" else "3"), "BTC")


def test_label_sha256_is_the_sha256_of_the_canonical_json() -> None:
    label = Label(address="1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", chains=("bitcoin",), currency="BTC",
                  network="mainnet", label="Zürich \u2028 \"quoted\"", source="s", source_sha256="0" * 64,
                  confidence=confidence_named("unknown"), importer="csv", notes=("ä", "\x00"))  # fmt: skip
    assert label_sha256(label) == hashlib.sha256(canonical_json(label.to_dict())).hexdigest()


def test_label_sha256_of_every_published_label_is_that_of_the_canonical_json(shared_data: Path) -> None:
    files = sorted((shared_data / "tagpacks").glob("*.yaml")) + sorted((shared_data / "ofac-addresses").glob("*.json"))
    labels = [label for path in files for label in _readable(path)]
    assert len(labels) > 50
    for label in labels:
        assert label_sha256(label) == hashlib.sha256(canonical_json(label.to_dict())).hexdigest(), label


def _readable(path: Path) -> tuple[Label, ...]:
    try:
        return load_labels(path).labels
    except InputError:  # the schema and other files that are not label files
        return ()


printable = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(label=printable, actor=st.none() | printable, notes=st.lists(printable, max_size=3), definer=st.booleans())
def test_label_sha256_is_the_canonical_json_for_any_text(label: str, actor: str | None, notes: list[str],
                                                         definer: bool) -> None:  # fmt: skip
    made = Label(address="1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", chains=("bitcoin",), currency="BTC", network="mainnet",
                 label=label, source=label, source_sha256="0" * 64, confidence=confidence_named("web_crawl"),
                 importer="csv", actor=actor, is_cluster_definer=definer, notes=tuple(notes))  # fmt: skip
    assert label_sha256(made) == hashlib.sha256(canonical_json(made.to_dict())).hexdigest()
    # canonical_json's encoder made once writes what json.dumps with the same settings writes
    spelled = json.dumps(made.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert canonical_json(made.to_dict()) == spelled
