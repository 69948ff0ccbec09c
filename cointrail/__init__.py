"""cointrail: follow the money in child-exploitation and trafficking cases.

The public Python API. The CLI, the web app and the report writer are thin
layers over what is exported here, so a notebook user can do everything they do::

    import cointrail
    info = cointrail.parse_address("ltc1q...")
    findings = cointrail.extract_addresses(open("page.html", "rb").read())
"""

from __future__ import annotations

__version__ = "0.1.0"

from cointrail.addresses import AddressInfo, Candidate, parse_address  # noqa: E402
from cointrail.errors import CointrailError  # noqa: E402
from cointrail.extraction import Finding, extract_addresses  # noqa: E402

__all__ = [
    "AddressInfo",
    "Candidate",
    "CointrailError",
    "Finding",
    "__version__",
    "extract_addresses",
    "parse_address",
]
