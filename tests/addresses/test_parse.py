"""Behaviour of address parsing beyond the public vectors."""

from __future__ import annotations

import os

from cointrail.addresses import address_for_script, classify_script, codecs, parse_address
from cointrail.addresses.script import p2pkh_script, p2sh_script, witness_script

KEY_HASH = bytes(range(20))


def mweb_address(hrp: str = "ltcmweb", size: int = 66) -> str:
    data = [0] + codecs.convert_bits(os.urandom(size), 8, 5, True)
    return codecs.bech32_encode(hrp, data, codecs.BECH32)


def test_litecoin_formats_share_one_script():
    legacy_p2sh = address_for_script(p2sh_script(KEY_HASH), "bitcoin", "mainnet")  # 3…
    new_p2sh = address_for_script(p2sh_script(KEY_HASH), "litecoin", "mainnet")  # M…
    assert legacy_p2sh.startswith("3") and new_p2sh.startswith("M")
    info = parse_address(legacy_p2sh)
    assert info.chains == ["bitcoin", "litecoin", "bitcoin-cash", "bitcoin-sv"]
    litecoin = next(c for c in info.candidates if c.chain == "litecoin")
    assert new_p2sh in litecoin.also_written
    assert parse_address(new_p2sh).script_pubkey == info.script_pubkey
    assert any("several chains" in note for note in info.notes)


def test_litecoin_regtest_addresses():
    segwit = address_for_script(witness_script(0, KEY_HASH), "litecoin", "regtest")
    assert segwit.startswith("rltc1q")
    info = parse_address(segwit)
    assert (info.chains, info.network, info.type) == (["litecoin"], "regtest", "p2wpkh")
    legacy = parse_address(address_for_script(p2pkh_script(KEY_HASH), "litecoin", "regtest"))
    assert legacy.network == "testnet|signet|regtest" and "litecoin" in legacy.chains
    q_p2sh = address_for_script(p2sh_script(KEY_HASH), "litecoin", "testnet")
    assert q_p2sh.startswith("Q") and parse_address(q_p2sh).chains == ["litecoin"]


def test_mweb_is_recognised_and_private():
    info = parse_address(mweb_address())
    assert info.valid and info.private and info.type == "mweb" and info.script_pubkey is None
    assert any("MWEB" in note for note in info.notes)
    assert parse_address(mweb_address("tmweb")).network == "testnet|regtest"
    assert not parse_address(mweb_address(size=65)).valid


def test_zcash_transparent_and_shielded():
    t1 = codecs.base58check_encode(b"\x1c\xb8" + KEY_HASH)
    assert t1.startswith("t1")
    info = parse_address(t1)
    assert info.chains == ["zcash"] and not info.private and info.script_pubkey == p2pkh_script(KEY_HASH).hex()
    sapling = codecs.bech32_encode("zs", codecs.convert_bits(bytes(43), 8, 5, True), codecs.BECH32)
    shielded = parse_address(sapling)
    assert shielded.private and shielded.type == "sapling"
    assert any("shielded" in note for note in shielded.notes)


def test_monero_is_flagged_with_plain_words():
    body = bytes([18]) + bytes(64)
    address = codecs.monero_base58_encode(body + codecs.keccak256(body)[:4])
    info = parse_address(address)
    assert info.private and "cannot be traced" in info.notes[0]


def test_evm_checksum_states():
    lower = "0x" + "ab" * 20
    info = parse_address(lower)
    assert info.valid and not info.checksummed and "ethereum" in info.chains
    assert any("no EIP-55 checksum" in note for note in info.notes)
    checksummed = info.normalized
    assert parse_address(checksummed).checksummed
    wrong = checksummed[:2] + checksummed[2:].swapcase()
    assert "EIP-55" in parse_address(wrong).reason


def test_reasons_are_plain_sentences():
    cases = {
        "": "empty",
        "hello world": "shape",
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3": "checksum",  # last character changed
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5": "checksum",
        "bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4": "mixes upper and lower case",
        "0x12345": "40 hexadecimal digits",
        "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320": "shape",
    }
    for text, words in cases.items():
        info = parse_address(text)
        assert not info.valid and words in info.reason, (text, info.reason)


def test_input_is_trimmed_but_kept():
    info = parse_address("  bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\n")
    assert info.valid and info.input.startswith("  ")


def test_classify_script_covers_non_address_outputs():
    assert classify_script(bytes([0x6A, 4]) + b"data")[0] == "nulldata"
    assert classify_script(bytes([33]) + bytes(33) + bytes([0xAC]))[0] == "p2pk"
    assert classify_script(b"\x01\x02")[0] == "nonstandard"
    assert address_for_script(bytes([0x6A]), "bitcoin", "mainnet") is None


def test_bitcoin_cash_scripts_render_as_cashaddr():
    address = address_for_script(p2pkh_script(KEY_HASH), "bitcoin-cash", "mainnet")
    assert address.startswith("bitcoincash:q")
    p2sh32 = address_for_script(p2sh_script(bytes(32)), "bitcoin-cash", "mainnet")
    assert parse_address(p2sh32).script_pubkey == p2sh_script(bytes(32)).hex()
