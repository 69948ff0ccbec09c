"""Property tests: found where planted, never a crash, invisible characters do not hide an address."""

from __future__ import annotations

from extraction_makers import all_kinds
from hypothesis import given, settings
from hypothesis import strategies as st

from cointrail import extract_addresses, parse_address

ADDRESSES = [a for seed in range(1, 4) for a in all_kinds(seed)]
DELIMITERS = st.sampled_from([" ", "\n", "\t", '"', "'", ",", ";", ":", "(", ")", "<br>", "/", "=", "|", "\u00a0", "é"])
FILLER = st.text(max_size=60)


def _embed(before: str, address: str, after: str, left: str, right: str) -> tuple[str, int]:
    prefix = before + left
    return prefix + address + right + after, len(prefix.encode("utf-8", "surrogatepass"))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ADDRESSES), FILLER, FILLER, DELIMITERS, DELIMITERS)
def test_any_valid_address_in_random_text_is_found_at_its_byte_offset(
    address: str, before: str, after: str, left: str, right: str
) -> None:
    text, offset = _embed(before, address, after, left, right)
    normalized = parse_address(address).normalized
    found = {(f.offset, f.address) for f in extract_addresses(text)}
    assert (offset, normalized) in found


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=3000), st.text(max_size=2000)))
def test_random_input_never_crashes_and_every_finding_validates(data: bytes | str) -> None:
    for finding in extract_addresses(data):
        assert parse_address(finding.address).valid
        assert finding.length > 0 and finding.offset >= 0


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(ADDRESSES),
    st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=5),
    st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "&#8203;", "&zwj;"]),
)
def test_zero_width_characters_inside_do_not_hide_an_address(address: str, cuts: list[int], mark: str) -> None:
    positions = sorted({1 + cut % (len(address) - 1) for cut in cuts})
    written = "".join(
        address[a:b] + (mark if b < len(address) else "")
        for a, b in zip([0, *positions], [*positions, len(address)], strict=True)
    )
    found = extract_addresses(f"pay to: {written} now")
    assert [f.address for f in found] == [parse_address(address).normalized]
    assert found[0].tricks == ("zero-width characters inside",)
    assert found[0].input == written and found[0].offset == len(b"pay to: ")
