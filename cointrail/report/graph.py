"""The flow graph of a case: exchanges → payers → site → exchanges, as a networkx graph and as an SVG picture.

The picture is drawn here as plain SVG rather than with Graphviz: the layout is
fixed (four columns, one per role), so a layout engine adds nothing, and plain
SVG needs no system package, renders the same in a browser and in WeasyPrint,
and keeps the demo working on a bare install.
"""

from __future__ import annotations

from html import escape
from typing import Any

import networkx as nx

from cointrail.facts.findings import edge_into
from cointrail.wording import counted

MAX_ROWS = 12
BOX_W, BOX_H, ROW_H, TOP = 190, 40, 52, 46
COLUMNS = (("Exchanges that funded payers", 10), ("Payers (paying wallets)", 250),
           ("The site", 490), ("Where the site's money went", 730))  # fmt: skip


def _payer_node(payer: dict[str, Any]) -> str:
    cluster = payer.get("payer_cluster_id")
    return f"cluster:{cluster}" if cluster is not None else f"address:{payer['payer_addresses'][0]}"


def _payer_of(payers: dict[str, Any], payment: dict[str, Any]) -> dict[str, Any] | None:
    """The payer group a payment belongs to: same cluster, or same addresses when unclustered."""
    cluster = payment.get("payer_cluster_id")
    for payer in payers.get("payers", []):
        if payer.get("payer_cluster_id") == cluster and (
                cluster is not None or payer["payer_addresses"] == payment["payer_addresses"]):
            return dict(payer)
    return None


def _service(graph: nx.MultiDiGraph, name: str, category: str | None, address: str | None) -> str:
    """Add (or extend) the node of a service, keeping each of its addresses once; return its id."""
    node = f"service:{name}"
    if node not in graph:
        graph.add_node(node, kind="service", label=name, category=category or "", addresses="")
    known = graph.nodes[node]["addresses"].split()
    if address and address not in known:
        graph.nodes[node]["addresses"] = " ".join(sorted([*known, address]))
    return node


def _asset(row: dict[str, Any]) -> dict[str, Any]:
    """An account chain's edge names its asset and decimals (the exports write its amount in them); none else."""
    return {"asset": row["asset"], "decimals": row["decimals"]} if row.get("asset") else {}


def flow_graph(payers: dict[str, Any] | None, flows: list[dict[str, Any]]) -> nx.MultiDiGraph:
    """Nodes: the site, paying wallets, services; edges: one per transaction, in the direction money moved."""
    graph = nx.MultiDiGraph()
    graph.add_node("site", kind="site", label="the site",
                   addresses=" ".join((payers or {}).get("site", {}).get("addresses", [])))  # fmt: skip
    for payer in (payers or {}).get("payers", []):
        node = _payer_node(payer)
        total_coin = payer.get("total_text") or payer["total_coin"]  # an account's row names its asset
        if node in graph:  # an account that paid in a second asset: one payer, both totals
            data = graph.nodes[node]
            data.update(payments=data["payments"] + payer["payments"], total_coin=f"{data['total_coin']}, {total_coin}")
        else:
            graph.add_node(node, kind="payer", label=node, addresses=" ".join(payer["payer_addresses"]),
                           payments=payer["payments"], total=payer["total"], total_coin=total_coin)
        for trail in payer.get("funding", []):
            service = _service(graph, trail["service"], trail.get("category"), trail.get("service_address"))
            # A service below the confidence to be named "funded by" is drawn and exported as a possibility.
            possible = trail.get("status", "funded_by") != "funded_by"
            graph.add_edge(service, node, kind="funding", txid=trail["withdrawal_txid"], amount=trail["amount"],
                           time=trail.get("time") or 0, confidence=trail.get("confidence") or 0.0, possible=possible,
                           **_asset(trail))
    for payment in (payers or {}).get("payments", []):
        payer = _payer_of(payers or {}, payment)
        if payer is not None:
            graph.add_edge(_payer_node(payer), "site", kind="payment", txid=payment["txid"],
                           amount=payment["amount"], time=payment["time"], address=payment["address"],
                           **_asset(payment))
    for out in (payers or {}).get("cash_outs", []):  # an account-chain site into exchange deposit addresses
        service = _service(graph, out["exchange"], "exchange", out["deposit_address"])
        graph.add_edge("site", service, kind="cash-out", txid=out["txid"], amount=out["amount"],
                       address=out["deposit_address"], time=out.get("time") or 0, **_asset(out))
    for flow in flows:
        for end in flow.get("ends", []):
            if end.get("reason") == "service" and end.get("service"):
                service = _service(graph, end["service"], end.get("category"), end["address"])
                time = edge_into(flow, end["address"], end.get("txid")).get("time") or 0
                graph.add_edge("site", service, kind="cash-out", txid=end.get("txid") or "", amount=end["taint"],
                               address=end["address"], time=time)
    return graph


def _columns(graph: nx.MultiDiGraph) -> list[list[tuple[str, str]]]:
    """(node, caption) per column, biggest first, with the overflow summed up in a last row."""
    def caption(node: str) -> str:
        data = graph.nodes[node]
        if data["kind"] == "payer":
            return f"{counted(data['payments'], 'payment')}, {data['total_coin']}"
        return data.get("category") or ""

    funders = sorted({u for u, _, d in graph.edges(data=True) if d["kind"] == "funding"})
    payers = sorted((n for n, d in graph.nodes(data=True) if d["kind"] == "payer"),
                    key=lambda n: -graph.nodes[n]["total"])  # fmt: skip
    cashouts = sorted({v for _, v, d in graph.edges(data=True) if d["kind"] == "cash-out"})
    columns = [[(n, caption(n)) for n in group] for group in (funders, payers, ["site"], cashouts)]
    for index, column in enumerate(columns):
        if len(column) > MAX_ROWS:
            columns[index] = column[: MAX_ROWS - 1] + [("", f"… and {len(column) - MAX_ROWS + 1} more")]
    return columns


def _box(x: int, y: int, title: str, caption: str, kind: str) -> str:
    fill = {"site": "#fde2e1", "payer": "#e8eefc", "service": "#e3f4e1"}.get(kind, "#eeeeee")
    return (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="#555"/>'
            f'<text x="{x + 8}" y="{y + 16}" font-size="11" font-weight="bold">{escape(title[:30])}</text>'
            f'<text x="{x + 8}" y="{y + 31}" font-size="10">{escape(caption[:34])}</text>')  # fmt: skip


def _arrow(a: tuple[int, int], b: tuple[int, int], possible: bool = False) -> str:
    (x1, y1), (x2, y2) = a, b
    middle = (x1 + x2) // 2
    dash = ' stroke-dasharray="4,3"' if possible else ""  # a possibility only: dashed
    return (f'<path d="M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}" fill="none" stroke="#888" '
            f'stroke-width="1.2"{dash} marker-end="url(#arrow)"/>')


def flow_svg(graph: nx.MultiDiGraph) -> str:
    """The graph drawn as an SVG document: one column per role, an arrow per pair of nodes that moved money."""
    columns = _columns(graph)
    height = TOP + ROW_H * max(1, *(len(c) for c in columns)) + 10
    anchor: dict[tuple[str, int], tuple[int, int]] = {}
    parts = ['<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>']
    for index, ((heading, x), column) in enumerate(zip(COLUMNS, columns, strict=True)):
        parts.append(f'<text x="{x}" y="20" font-size="12" font-weight="bold">{escape(heading)}</text>')
        for row, (node, caption) in enumerate(column):
            y = TOP + row * ROW_H
            title = graph.nodes[node]["label"] if node else "others"
            parts.append(_box(x, y, title, caption, graph.nodes[node]["kind"] if node else ""))
            anchor[(node, index)] = (x, y + BOX_H // 2)
    for u, v in sorted({(u, v) for u, v in graph.edges()}):
        edges = list(graph.get_edge_data(u, v).values())
        kind = edges[0]["kind"]
        possible = all(e.get("possible") for e in edges)
        source_col, target_col = {"funding": (0, 1), "payment": (1, 2), "cash-out": (2, 3)}[kind]
        if (u, source_col) in anchor and (v, target_col) in anchor:
            (x1, y1), (x2, y2) = anchor[(u, source_col)], anchor[(v, target_col)]
            parts.append(_arrow((x1 + BOX_W, y1), (x2, y2), possible))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="930" height="{height}" viewBox="0 0 930 {height}" '
            f'font-family="DejaVu Sans, sans-serif">{"".join(parts)}</svg>')
