"""GraphML export of the flow graph, written by networkx (reads back in Gephi, yEd, Maltego, networkx)."""

from __future__ import annotations

import networkx as nx

from cointrail.facts.document import ReportFacts
from cointrail.report.graph import flow_graph


def export_graphml(facts: ReportFacts) -> str:
    """Nodes: the site, paying wallets, services; edges: one per transaction, with txid, time and amount."""
    graph = flow_graph(facts.payers, facts.findings["flows"])
    graph.graph.update(case=facts.case.name, currency=facts.symbol, tool=facts.provenance.tool,
                       generated_utc=facts.generated_utc)  # fmt: skip
    return "\n".join(nx.generate_graphml(graph)) + "\n"
