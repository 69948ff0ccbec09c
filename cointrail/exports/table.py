"""CSV export: one row per transaction of the findings, with who paid whom, when and how much."""

from __future__ import annotations

import csv
import io

from cointrail.facts.assets import row_currency, row_fixed
from cointrail.facts.document import ReportFacts
from cointrail.facts.findings import utc_text
from cointrail.report.graph import flow_graph

COLUMNS = ("kind", "from", "from_kind", "from_addresses", "to", "to_kind", "to_addresses", "txid", "time_utc",
           "amount", "currency", "site_address", "certainty")  # fmt: skip


def export_csv(facts: ReportFacts) -> str:
    """Edges of the flow graph (payments, funding withdrawals, cash-outs), oldest first."""
    graph = flow_graph(facts.payers, facts.findings["flows"])
    currency, chain = facts.symbol, facts.chain
    rows = []
    for u, v, data in graph.edges(data=True):
        a, b = graph.nodes[u], graph.nodes[v]
        rows.append({"kind": data["kind"], "from": a["label"], "from_kind": a["kind"],
                     "from_addresses": a.get("addresses", ""), "to": b["label"], "to_kind": b["kind"],
                     "to_addresses": b.get("addresses", ""), "txid": data["txid"],
                     "time_utc": utc_text(data.get("time")) or "", "amount": row_fixed(data, "amount", chain),
                     "currency": row_currency(data, currency),
                     "site_address": data.get("address", "") if data["kind"] == "payment" else "",
                     "certainty": "possibly" if data.get("possible") else "",
                     "_time": data.get("time") or 0})  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["_time"], r["kind"], r["txid"])))
    return buffer.getvalue()
