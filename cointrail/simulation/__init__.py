"""A simulated economy on a real ``litecoind -regtest`` node, where who owns every address is known.

* :class:`RegtestNode` (:mod:`~cointrail.simulation.node`): the node, on loopback.
* :class:`Economy` (:mod:`~cointrail.simulation.economy`): the investigation's
  ground-truth scenario (exchanges, a subscription site and its customers,
  CoinJoins, a peel chain), played round by round.
* :func:`build_economy` (:mod:`~cointrail.simulation.trading`): a smaller trading
  economy for ingest tests; :mod:`~cointrail.simulation.oracle`: the node's own
  totals, to compare a ledger store with.
* :func:`build_bulk_chain` (:mod:`~cointrail.simulation.bulk_chain`): tens of
  thousands of transactions in seconds, mined with ``generateblock``, for ingest
  benchmarks.
* :func:`~cointrail.simulation.block_files.generate_chain`: a synthetic Bitcoin Core
  blocks directory of a million transactions or more, written without a node, whose
  scripts say which wallet made them (the raw-file ingest and clustering benchmarks).

``cointrail demo`` plays the scenario; the tests and benchmarks use it too.
"""

from cointrail.simulation.bulk_chain import build_bulk_chain
from cointrail.simulation.economy import Economy, scenario_node
from cointrail.simulation.node import LitecoindMissing, RegtestNode, litecoind_available
from cointrail.simulation.trading import build_economy

__all__ = [
    "Economy",
    "LitecoindMissing",
    "RegtestNode",
    "build_bulk_chain",
    "build_economy",
    "litecoind_available",
    "scenario_node",
]
