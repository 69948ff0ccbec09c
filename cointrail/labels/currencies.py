"""Currency codes of label sources, the chains they mean, and address validation against them.

Sources name currencies by ticker (GraphSense: ``BTC``, ``ETH``, ``USDT``;
OFAC: ``XBT``, ``BSC``, ``ARB``). A label is only kept when its address parses
(:func:`cointrail.addresses.parse_address`) as an address of one of the chains
its ticker can live on: a Tron address listed under ``XBT`` is a mistake in
the source and is rejected with that reason, never kept silently.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from cointrail.addresses import parse_address
from cointrail.addresses.parse import base58_readings
from cointrail.chains import EVM_CHAINS

# Tokens live on several chains: Tether on every EVM chain, on Tron (TRC-20) and on
# Bitcoin through the Omni layer (the OFAC list has Omni USDT addresses); USDC on
# the EVM chains and, until 2024, on Tron.
_TOKEN_CHAINS: dict[str, tuple[str, ...]] = {
    "USDT": (*EVM_CHAINS, "tron", "bitcoin"),
    "USDC": (*EVM_CHAINS, "tron"),
}

CURRENCY_CHAINS: dict[str, tuple[str, ...]] = {
    "BTC": ("bitcoin",),
    "XBT": ("bitcoin",),  # OFAC writes Bitcoin as XBT (ISO 4217 style)
    "LTC": ("litecoin",),
    "BCH": ("bitcoin-cash",),
    "BSV": ("bitcoin-sv",),
    "BTG": ("bitcoin-gold",),
    "DOGE": ("dogecoin",),
    "DASH": ("dash",),
    "XVG": ("verge",),
    "XMR": ("monero",),
    "ZEC": ("zcash",),
    "XRP": ("xrp",),
    "TRX": ("tron",),
    "ETH": ("ethereum",),
    "ETC": ("ethereum-classic",),
    "ARB": ("arbitrum",),
    "BSC": ("bnb-smart-chain",),  # OFAC's code for BNB Smart Chain
    "BNB": ("bnb-smart-chain",),
    "MATIC": ("polygon",),
    "POL": ("polygon",),
    "AVAX": ("avalanche-c",),
    "OP": ("optimism",),
    **_TOKEN_CHAINS,
}

_HEX64 = re.compile(r"(0x)?[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class CheckedAddress:
    """An address that is valid for a currency: canonical spelling, chains, network."""

    address: str
    chains: tuple[str, ...]
    network: str


class AddressRejected(ValueError):
    """An address is not valid for the currency it is listed under; the message says why."""


def chains_for(currency: str) -> tuple[str, ...]:
    """The chains a currency code can live on; raises :class:`AddressRejected` if unknown."""
    chains = CURRENCY_CHAINS.get(currency.strip().upper())
    if chains is None:
        raise AddressRejected(
            f"cointrail does not know the currency code {currency!r}, so it cannot check the address "
            "(docs/labels.md lists the codes it knows)"
        )
    return chains


def _not_an_address_reason(text: str, parser_reason: str | None) -> str:
    if _HEX64.fullmatch(text.strip()):
        return "it is 64 hexadecimal digits: a transaction id or a key, not an address"
    return f"not a valid address: {parser_reason or 'unrecognised'}"


def check_address(text: str, currency: str) -> CheckedAddress:
    """Validate ``text`` as an address of ``currency``; raise :class:`AddressRejected` with the reason."""
    fast = base58_readings(text, chains_for(currency))
    if fast is not None:  # a legacy address: checksum and version checked, other spellings not computed
        return CheckedAddress(text.strip(), *fast)
    return _full_check(text, currency)


@functools.lru_cache(maxsize=65_536)  # label files repeat addresses (one per currency, per entity)
def _full_check(text: str, currency: str) -> CheckedAddress:
    allowed = chains_for(currency)
    info = parse_address(text)
    if not info.valid:
        raise AddressRejected(_not_an_address_reason(text, info.reason))
    matching = [c for c in info.candidates if c.chain in allowed]
    if not matching:
        raise AddressRejected(
            f"a valid {'/'.join(info.chains)} address, but listed under {currency.upper()} "
            f"({'/'.join(allowed)}): the source has the currency wrong"
        )
    chains = tuple(dict.fromkeys(c.chain for c in matching))
    network = "|".join(dict.fromkeys(c.network for c in matching))
    return CheckedAddress(matching[0].normalized, chains, network)
