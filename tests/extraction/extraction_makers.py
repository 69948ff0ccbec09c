"""Addresses made by the tests themselves with cointrail's own encoders."""

from __future__ import annotations

import random

from cointrail.addresses import codecs
from cointrail.addresses.account import eip55_checksum


def p2pkh(seed: int = 1, version: int = 0x00) -> str:
    return codecs.base58check_encode(bytes([version]) + random.Random(seed).randbytes(20))


def segwit(seed: int = 1, hrp: str = "bc", version: int = 0, size: int = 20) -> str:
    program = random.Random(seed).randbytes(size)
    data = [version] + codecs.convert_bits(program, 8, 5, True)
    return codecs.bech32_encode(hrp, data, codecs.BECH32 if version == 0 else codecs.BECH32M)


def evm(seed: int = 1) -> str:
    return eip55_checksum(random.Random(seed).randbytes(20).hex())


def cashaddr(seed: int = 1, prefix: str = "bitcoincash") -> str:
    return codecs.cashaddr_encode(prefix, 0, random.Random(seed).randbytes(20))


def tron(seed: int = 1) -> str:
    return codecs.base58check_encode(b"\x41" + random.Random(seed).randbytes(20))


def monero(seed: int = 1) -> str:
    body = bytes([18]) + random.Random(seed).randbytes(64)
    return codecs.monero_base58_encode(body + codecs.keccak256(body)[:4])


def all_kinds(seed: int = 1) -> list[str]:
    """One address of each family, all valid."""
    return [
        p2pkh(seed), p2pkh(seed, 0x05), p2pkh(seed, 0x30), p2pkh(seed, 0x1E),
        segwit(seed), segwit(seed, version=1, size=32), segwit(seed, "ltc"), segwit(seed, "tb"),
        evm(seed), cashaddr(seed).split(":")[1], tron(seed), monero(seed),
    ]
