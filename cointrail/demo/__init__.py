"""The demo investigation: the whole workflow on a private test chain and a harmless sample site.

:func:`run_demo` starts a real ``litecoind -regtest`` node, plays a small economy on it (exchanges, a fictitious
subscription site and its customers, a CoinJoin, a cash-out), writes the site's payment page with the site's real
addresses, serves it on loopback and captures it into a fresh case, ingests the chain into the case's store,
clusters it, imports the exchanges' labels, reads the same case again without a full node
(:mod:`cointrail.demo.light`: a crawl from an Esplora server into a sparse store, its payers set against the full
store's), finds the site's payers and the exchanges that funded them, writes the report and the request packs,
follows the site's payments in ether and USDT on a private anvil chain (:mod:`cointrail.demo.ethereum`), verifies
the case and shows that tampering with a copy is caught. Each step returns plain data; ``cointrail demo`` renders it.
"""

from cointrail.demo.investigation import run_demo
from cointrail.demo.page import SITE

__all__ = ["SITE", "run_demo"]
