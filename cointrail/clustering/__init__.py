"""Clustering: group addresses into wallets, with the evidence for every link.

The public API, used by the CLI and the tests alike:

* :func:`build_clusters` — build or update the clusters of a ledger store;
* :func:`show_cluster` — one address's cluster: size, totals, labels, red flags, why a member is in it;
* :func:`export_clusters` — every address with its cluster id, to CSV or Parquet;
* :func:`parse_heuristics`, :data:`HEURISTIC_NAMES`, :data:`DEFAULT_HEURISTICS`.

See docs/clustering.md for the method and docs/accuracy.md for measured error rates.
"""

from cointrail.clustering.build import build_clusters
from cointrail.clustering.export import export_clusters
from cointrail.clustering.heuristics import DEFAULT_HEURISTICS, HEURISTIC_NAMES, parse_heuristics
from cointrail.clustering.summary import show_cluster

__all__ = ["DEFAULT_HEURISTICS", "HEURISTIC_NAMES", "build_clusters", "export_clusters", "parse_heuristics",
           "show_cluster"]  # fmt: skip
