"""Addresses hidden by invisible characters, markup and line breaks; and false joins that must not happen."""

from __future__ import annotations

import pytest
from extraction_makers import evm, monero, p2pkh, segwit

from cointrail import extract_addresses


def split3(address: str, glue: str) -> str:
    third = len(address) // 3
    return address[:third] + glue + address[third:2 * third] + glue + address[2 * third:]


@pytest.mark.parametrize(
    ("glue", "trick"),
    [
        ("\u200b", "zero-width characters inside"),
        ("\u200c\u200d", "zero-width characters inside"),
        ("\u2060", "zero-width characters inside"),
        ("\ufeff", "zero-width characters inside"),
        ("&#8203;", "zero-width characters inside"),
        ("&#x200B;", "zero-width characters inside"),
        ("&ZeroWidthSpace;", "zero-width characters inside"),
        ("\\u200b", "zero-width characters inside"),
        ("\u00ad", "soft hyphen inside"),
        ("&shy;", "soft hyphen inside"),
        ("\n        ", "split by a line break"),
        ("\r\n", "split by a line break"),
        ("<span>", "split by HTML markup"),
        ('</span><span class="x">', "split by HTML markup"),
        ("<!-- cut -->", "split by HTML markup"),
        ("<wbr>", "split by HTML markup"),
        ("=\n", "split by a quoted-printable line break"),
    ],
)
@pytest.mark.parametrize("address", [p2pkh(1), segwit(1), evm(1)])
def test_split_address_is_found_with_its_trick(address: str, glue: str, trick: str) -> None:
    written = split3(address, glue)
    text = f"<p>Pay: {written}.</p>"
    found = extract_addresses(text)
    assert [f.address for f in found] == [address]
    assert found[0].tricks == (trick,)
    assert found[0].input == written
    assert found[0].offset == len(text[:text.index(written)].encode("utf-8"))
    assert found[0].length == len(written.encode("utf-8"))
    assert found[0].confidence == "high"


def test_every_character_separated_by_zero_width_spaces() -> None:
    address = p2pkh(2)
    found = extract_addresses("to: " + "\u200b".join(address))
    assert [f.address for f in found] == [address]
    assert "[ZWSP]" in found[0].context


def test_long_monero_split_by_a_line_break() -> None:
    address = monero(3)
    found = extract_addresses(f"XMR:\n  {address[:60]}\n  {address[60:]}\n")
    assert [f.address for f in found] == [address] and found[0].tricks == ("split by a line break",)


def test_mixed_tricks_are_all_named() -> None:
    address = p2pkh(4)
    found = extract_addresses(f"{address[:10]}<b>{address[10:20]}</b>&shy;{address[20:]}")
    assert set(found[0].tricks) == {"split by HTML markup", "soft hyphen inside"}


def test_lowercase_evm_joined_by_markup_is_not_reported() -> None:
    # no checksum in lower-case hex: any hex split by markup could be "joined" into an address
    address = evm(5).lower()
    assert extract_addresses(f"{address[:20]}<span>{address[20:]}</span>") == []


def test_lowercase_evm_joined_by_zero_width_is_low_confidence() -> None:
    address = evm(6).lower()
    found = extract_addresses(f"{address[:20]}\u200b{address[20:]}")
    assert [f.confidence for f in found] == ["low"]


def test_adjacent_addresses_in_cells_are_not_joined() -> None:
    a, b = p2pkh(7), p2pkh(8)
    found = extract_addresses(f"<span>{a}</span><span>{b}</span>\n{a}\n{b}")
    assert [f.address for f in found] == [a, b, a, b]
    assert all(f.tricks == () for f in found)


def test_words_around_a_split_address_are_not_glued_on() -> None:
    address = segwit(9)
    found = extract_addresses(f"Send<b>{address[:12]}</b>{address[12:]}<i>now</i>")
    assert [f.address for f in found] == [address]
    assert found[0].input.startswith(address[:12])


def test_hex_pieces_split_by_markup_are_not_an_address() -> None:
    txid = "ab" * 32
    assert extract_addresses(f"0x{txid[:20]}<span>{txid[20:40]}</span>{txid[40:]}") == []


def test_block_markup_does_not_join() -> None:
    # pieces in separate table cells are laid out apart: not one address
    address = p2pkh(10)
    assert extract_addresses(f"<td>{address[:15]}</td><td>{address[15:]}</td>") == []


def test_address_in_a_tag_attribute_inside_a_chain_is_found() -> None:
    address = p2pkh(11)
    found = extract_addresses(f'text<a href="bitcoin:{address}?amount=1">more</a>words')
    assert [f.address for f in found] == [address] and found[0].amount == "1"
