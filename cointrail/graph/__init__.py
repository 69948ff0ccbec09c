"""The flow graph an investigator explores: wallets and addresses, and the money between them.

* :func:`expand` — one hop forward (where the money went) or backward (where it came from) from a
  wallet (``cluster:<id>``) or an address (``address:<text>``), one edge per counterparty wallet
  weighted by the amount, the smallest counterparties summed up in one node when there are many;
* :func:`describe` — what a node is: its wallet, size, labels with their sources, and its role
  (exchange, mixer, site, sanctioned) for the picture;
* :func:`trace_graph` — a finished trace drawn as wallets and the traced money between them;
* :func:`save_graph`, :func:`latest_graph` — a graph as the investigator arranged and annotated it,
  kept in the case as write-once evidence and logged.

The web workspace (``cointrail serve``) draws what these return; see docs/web.md.
"""

from cointrail.graph.from_trace import trace_graph
from cointrail.graph.neighbourhood import DEFAULT_LIMIT, expand
from cointrail.graph.nodes import ROLES, describe, node_id, parse_node, role_of
from cointrail.graph.saved import GRAPH_FORMAT, latest_graph, save_graph, saved_graphs

__all__ = ["DEFAULT_LIMIT", "GRAPH_FORMAT", "ROLES", "describe", "expand", "latest_graph", "node_id", "parse_node",
           "role_of", "save_graph", "saved_graphs", "trace_graph"]  # fmt: skip
