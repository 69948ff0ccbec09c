"""Property tests: encode/decode round trips, and mutated addresses are rejected."""

from __future__ import annotations

from embit import bech32 as embit_bech32
from hypothesis import assume, given
from hypothesis import strategies as st

from cointrail.addresses import address_for_script, codecs, parse_address
from cointrail.addresses.account import eip55_checksum
from cointrail.addresses.script import p2pkh_script, p2sh_script, witness_script
from cointrail.chains import UTXO_NETWORKS

hashes20 = st.binary(min_size=20, max_size=20)
networks = st.sampled_from(UTXO_NETWORKS)
segwit_networks = st.sampled_from([n for n in UTXO_NETWORKS if n.bech32_hrp])


@st.composite
def witness_programs(draw):
    version = draw(st.integers(0, 16))
    size = draw(st.sampled_from([20, 32])) if version == 0 else draw(st.integers(2, 40))
    return version, draw(st.binary(min_size=size, max_size=size))


@st.composite
def valid_addresses(draw) -> str:
    """A valid address of a checksummed encoding, made by cointrail's encoders."""
    kind = draw(st.sampled_from(["legacy", "segwit", "cashaddr", "monero", "tron", "evm"]))
    if kind == "legacy":
        params, digest = draw(networks), draw(hashes20)
        make = draw(st.sampled_from([p2pkh_script, p2sh_script]))
        return address_for_script(make(digest), params.chain, params.network) or ""
    if kind == "segwit":
        params, (version, program) = draw(segwit_networks), draw(witness_programs())
        return address_for_script(witness_script(version, program), params.chain, params.network) or ""
    if kind == "cashaddr":
        return codecs.cashaddr_encode("bitcoincash", draw(st.integers(0, 1)), draw(hashes20))
    if kind == "tron":
        return codecs.base58check_encode(b"\x41" + draw(hashes20))
    if kind == "evm":
        return eip55_checksum(draw(hashes20).hex())
    body = bytes([draw(st.sampled_from([18, 42, 53, 63, 24, 36]))]) + draw(st.binary(min_size=64, max_size=64))
    return codecs.monero_base58_encode(body + codecs.keccak256(body)[:4])


@given(networks, hashes20, st.sampled_from([p2pkh_script, p2sh_script]))
def test_legacy_round_trip(params, digest, make_script):
    script = make_script(digest)
    address = address_for_script(script, params.chain, params.network)
    info = parse_address(address)
    assert any(c.chain == params.chain and c.network == params.network and c.script_pubkey == script.hex()
               for c in info.candidates)


@given(segwit_networks, witness_programs())
def test_segwit_round_trip(params, program):
    script = witness_script(*program)
    address = address_for_script(script, params.chain, params.network)
    assert parse_address(address).script_pubkey == script.hex()
    assert parse_address(address.upper()).normalized == address


@given(st.sampled_from(["bitcoincash", "bchtest", "bchreg"]), st.integers(0, 3),
       st.sampled_from([20, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_cashaddr_round_trip(prefix, kind, digest):
    address = codecs.cashaddr_encode(prefix, kind, digest)
    assert codecs.cashaddr_decode(address, "bitcoincash") == (prefix, kind, digest)
    info = parse_address(address)
    assert info.valid and info.normalized == address


@given(st.binary(max_size=200))
def test_monero_base58_round_trip(data):
    assert codecs.monero_base58_decode(codecs.monero_base58_encode(data)) == data


@given(hashes20)
def test_evm_round_trip(digest):
    address = eip55_checksum(digest.hex())
    for spelling in (address, address.lower(), "0x" + address[2:].upper()):
        assert parse_address(spelling).normalized == address


def _mutations(address: str, position: int, replacement: str) -> list[str]:
    i = position % len(address)
    substituted = address[:i] + replacement + address[i + 1:]
    deleted = address[:i] + address[i + 1:]
    inserted = address[:i] + replacement + address[i:]
    j = min(i + 1, len(address) - 1)
    swapped = address[:i] + address[j] + address[i + 1:j] + address[i] + address[j + 1:] if j > i else address
    return [m for m in (substituted, deleted, inserted, swapped) if m != address]


@given(valid_addresses(), st.integers(0, 200), st.sampled_from(codecs.BASE58_ALPHABET + codecs.BECH32_CHARSET))
def test_mutations_are_rejected(address, position, replacement):
    assume(address)
    assert parse_address(address).valid
    for mutated in _mutations(address, position, replacement):
        if mutated.lower() == address.lower() and address.startswith("0x") is False:
            continue  # a case change of a case-insensitive encoding is the same address
        info = parse_address(mutated)
        if address.startswith("0x"):
            # Only the EIP-55 casing guards an EVM address: a change that keeps
            # 40 hex digits in an unchecksummed spelling cannot be detected.
            digits = mutated[2:]
            assume(digits != digits.lower() and digits != digits.upper())
        assert not info.valid, (address, mutated, info.candidates)


@given(st.text(max_size=120))
def test_any_text_gives_an_answer_not_an_exception(text):
    info = parse_address(text)
    assert info.valid or info.reason
    info.to_dict()


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10),
       st.lists(st.integers(0, 31), max_size=60), st.sampled_from([codecs.BECH32, codecs.BECH32M]))
def test_bech32_checksum_agrees_with_embit(hrp, data, encoding):
    """The table-driven checksum gives exactly the reference implementation's strings."""
    spec = embit_bech32.Encoding.BECH32M if encoding == codecs.BECH32M else embit_bech32.Encoding.BECH32
    assert codecs.bech32_encode(hrp, data, encoding) == embit_bech32.bech32_encode(spec, hrp, data)


@given(st.binary(max_size=80))
def test_bytes_to_5bit_agrees_with_the_reference_regrouping(data):
    assert codecs.bytes_to_5bit(data) == embit_bech32.convertbits(list(data), 8, 5, True)
