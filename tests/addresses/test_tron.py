"""Tron's address codec (issue 16): Base58Check T… <-> 41-hex, on Tron's own USDT contract address."""

import pytest

from cointrail.addresses.account import tron_from_hex, tron_to_hex
from cointrail.addresses.model import AddressDecodeError

# Tron's USDT (TRC-20) contract, as tronscan.org shows it in both forms.
USDT_TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
USDT_TRON_HEX = "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"


def test_tron_address_both_ways():
    assert tron_to_hex(USDT_TRON) == USDT_TRON_HEX
    assert tron_from_hex(USDT_TRON_HEX) == USDT_TRON
    assert tron_from_hex("0x" + USDT_TRON_HEX[2:]) == USDT_TRON  # the EVM-style spelling of the same account


def test_tron_codec_refuses_damage():
    with pytest.raises(AddressDecodeError):
        tron_to_hex(USDT_TRON[:-1] + "u")  # checksum broken
    with pytest.raises(AddressDecodeError):
        tron_from_hex("42" + USDT_TRON_HEX[2:])
