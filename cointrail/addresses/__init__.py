"""Address intelligence: recognise, validate and normalise the addresses of a case.

:func:`parse_address` is the entry point; the modules below it are one per
encoding family (``utxo``, ``account``, ``privacy``), the text codecs
(``codecs``) and output scripts (``script``).
"""

from cointrail.addresses.model import AddressDecodeError, AddressInfo, Candidate
from cointrail.addresses.parse import parse_address
from cointrail.addresses.script import address_for_script, classify_script

__all__ = [
    "AddressDecodeError",
    "AddressInfo",
    "Candidate",
    "address_for_script",
    "classify_script",
    "parse_address",
]
