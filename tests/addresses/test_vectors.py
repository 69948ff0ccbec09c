"""Public test vectors (../shared/data): every one must pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cointrail.addresses import address_for_script, codecs, parse_address
from cointrail.addresses.account import eip55_checksum
from cointrail.addresses.model import AddressDecodeError

CORE_NETWORKS = {"main": "mainnet", "test": "testnet", "testnet4": "testnet", "signet": "signet", "regtest": "regtest"}


def load(shared_data: Path, relative: str):
    return json.loads((shared_data / relative).read_text())


def bitcoin_candidates(info, network):
    return [c for c in info.candidates if c.chain == "bitcoin" and c.network == network]


def test_bitcoin_core_key_io_valid(shared_data):
    vectors = [v for v in load(shared_data, "bitcoin-core/key_io_valid.json") if not v[2]["isPrivkey"]]
    assert len(vectors) == 54
    for address, script_hex, meta in vectors:
        network = CORE_NETWORKS[meta["chain"]]
        spellings = [address, address.swapcase()] if meta.get("tryCaseFlip") else [address]
        for spelling in spellings:
            info = parse_address(spelling)
            matches = bitcoin_candidates(info, network)
            assert matches, f"{spelling} not recognised on bitcoin {network}: {info.reason}"
            assert matches[0].script_pubkey == script_hex
        assert address_for_script(bytes.fromhex(script_hex), "bitcoin", network) == address


def test_bitcoin_core_key_io_invalid(shared_data):
    vectors = load(shared_data, "bitcoin-core/key_io_invalid.json")
    for (text,) in vectors:
        info = parse_address(text)
        assert not any(c.chain == "bitcoin" for c in info.candidates), text


def test_base58_encode_decode(shared_data):
    for hex_data, encoded in load(shared_data, "bitcoin-core/base58_encode_decode.json"):
        assert codecs.base58_encode(bytes.fromhex(hex_data)) == encoded
        assert codecs.base58_decode(encoded) == bytes.fromhex(hex_data)


@pytest.mark.parametrize("name,encoding", [("bip173", codecs.BECH32), ("bip350", codecs.BECH32M)])
def test_bech32_strings(shared_data, name, encoding):
    vectors = load(shared_data, f"bech32/{name}_vectors.json")
    valid_key = "valid_bech32" if encoding == codecs.BECH32 else "valid_bech32m"
    for text in vectors[valid_key]:
        assert codecs.bech32_decode_long(text)[2] == encoding, text
    for case in vectors["invalid_" + valid_key.split("_")[1]]:
        with pytest.raises(AddressDecodeError):
            hrp, _, found = codecs.bech32_decode_long(case["string"])
            # a string valid in the other encoding is invalid in this one
            if found != encoding:
                raise AddressDecodeError("other encoding")


def test_bip350_segwit_addresses(shared_data):
    vectors = load(shared_data, "bech32/bip350_vectors.json")
    for case in vectors["valid_segwit_addresses"]:
        info = parse_address(case["address"])
        assert info.valid, (case, info.reason)
        assert info.script_pubkey == case["scriptPubKey"]
        assert info.normalized == case["address"].lower()
    for case in vectors["invalid_segwit_addresses"]:
        assert not parse_address(case["address"]).valid, case


def test_bip173_v0_addresses_and_v1_under_bip350(shared_data):
    vectors = load(shared_data, "bech32/bip173_vectors.json")
    for case in vectors["valid_segwit_addresses"]:
        info = parse_address(case["address"])
        is_v0 = case["scriptPubKey"].startswith("00")
        # BIP 350 made v1+ addresses with a Bech32 (not Bech32m) checksum invalid.
        assert info.valid is is_v0, case
        if is_v0:
            assert info.script_pubkey == case["scriptPubKey"]
    for case in vectors["invalid_segwit_addresses"]:
        assert not parse_address(case["address"]).valid, case


def test_bip341_taproot_addresses(shared_data):
    for case in load(shared_data, "bitcoin-core/bip341_wallet_vectors.json")["scriptPubKey"]:
        expected = case["expected"]
        script = bytes.fromhex(expected["scriptPubKey"])
        assert address_for_script(script, "bitcoin", "mainnet") == expected["bip350Address"]
        info = parse_address(expected["bip350Address"])
        assert info.type == "p2tr" and info.script_pubkey == expected["scriptPubKey"]


def test_cashaddr_legacy_translation(shared_data):
    for pair in load(shared_data, "cashaddr/cashaddr_vectors.json")["legacy_translation"]:
        legacy, cash = parse_address(pair["legacy"]), parse_address(pair["cashaddr"])
        assert cash.chains == ["bitcoin-cash"]
        assert cash.script_pubkey == legacy.script_pubkey
        assert pair["legacy"] in cash.candidates[0].also_written
        without_prefix = parse_address(pair["cashaddr"].split(":")[1])
        assert without_prefix.normalized == pair["cashaddr"]
        assert parse_address(pair["cashaddr"].upper()).normalized == pair["cashaddr"]


def test_cashaddr_codec_larger_vectors(shared_data):
    for case in load(shared_data, "cashaddr/cashaddr_vectors.json")["larger_test_vectors"]:
        prefix, kind, digest = codecs.cashaddr_decode(case["cashaddr"], "bitcoincash")
        expected = (case["cashaddr"].split(":")[0], case["type"], bytes.fromhex(case["payload_hex"]))
        assert (prefix, kind, digest) == expected
        assert codecs.cashaddr_encode(prefix, kind, digest) == case["cashaddr"]


def test_dogecoin_base58(shared_data):
    for address, hash_hex, meta in load(shared_data, "dogecoin/base58_keys_valid.json"):
        if meta["isPrivkey"]:
            continue
        info = parse_address(address)
        doge = [c for c in info.candidates if c.chain == "dogecoin"]
        assert doge, (address, info.reason)
        kind = "p2pkh" if meta["addrType"] == "pubkey" else "p2sh"
        assert doge[0].type == kind
        assert hash_hex in doge[0].script_pubkey
        assert (doge[0].network == "mainnet") is not meta["isTestnet"]


def test_eip55(shared_data):
    vectors = load(shared_data, "eip55/eip55_vectors.json")
    for group in ("all_caps", "all_lower", "normal"):
        for address in vectors[group]:
            assert eip55_checksum(address[2:]) == address
            assert parse_address(address).valid
            assert parse_address(address.lower()).normalized == address
    for address in vectors["normal"]:
        flipped = address[:2] + address[2:].swapcase()
        assert not parse_address(flipped).valid


def test_monero(shared_data):
    vectors = load(shared_data, "monero/monero_address_vectors.json")
    for network, case in vectors["networks"].items():
        for key, kind in (("address", "standard"), ("integrated_address", "integrated"), ("subaddress", "subaddress")):
            info = parse_address(case[key])
            assert info.valid and info.private, (case[key], info.reason)
            assert (info.network, info.type) == (network, kind)
        for key in ("invalid_address_checksum", "invalid_integrated_address_checksum"):
            if key in case:
                assert not parse_address(case[key]).valid
    for case in vectors["other_invalid"]:
        assert not any(c.chain == "monero" for c in parse_address(case["address"]).candidates), case
    for group in load(shared_data, "monero/mainnet-subaddrs.json"):
        for address in group:
            info = parse_address(address)
            assert info.type in ("standard", "subaddress") and info.network == "mainnet"


def test_tron(shared_data):
    vectors = load(shared_data, "tron/tron_address_vectors.json")
    for case in vectors["valid"]:
        assert parse_address(case["address"]).chains == ["tron"]
    for case in vectors["invalid"]:
        assert "tron" not in parse_address(case["address"]).chains, case


OFAC_CHAINS = {"XBT": "bitcoin", "LTC": "litecoin", "ETH": "ethereum", "XMR": "monero", "ZEC": "zcash",
               "TRX": "tron", "BCH": "bitcoin-cash", "DASH": "dash", "USDT": None, "USDC": "ethereum",
               "ETC": "ethereum-classic", "ARB": "arbitrum", "BSC": "bnb-smart-chain", "BSV": "bitcoin-sv",
               "BTG": "bitcoin-gold", "XVG": "verge", "XRP": "xrp"}
# Mistakes in the OFAC list itself, found by validating it: a Monero "address" that is a
# 64-hex transaction id, and a Tron address filed under XBT (Bitcoin).
OFAC_LIST_MISTAKES = {("XMR", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"),
                      ("XBT", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")}


def test_ofac_list_addresses(shared_data):
    """Real addresses from the OFAC list: all recognised, except the list's known mistakes."""
    wrong = set()
    for currency, chain in OFAC_CHAINS.items():
        for address in load(shared_data, f"ofac-addresses/sanctioned_addresses_{currency}.json"):
            info = parse_address(address)
            if not info.valid or (chain and chain not in info.chains):
                wrong.add((currency, address))
    assert wrong == OFAC_LIST_MISTAKES
