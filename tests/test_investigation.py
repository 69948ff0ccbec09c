"""The engine on the demo's regtest case: the notebook example of docs/api.md runs, and every surface that asks
the same question (the CLI, the demo, the Python API) gets the one answer the engine gives."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from cointrail.cli import main
from cointrail.clustering import show_cluster
from cointrail.investigation import Investigation
from cointrail.labels.store import list_labels
from cointrail.model import AddressActivity, Wallet
from cointrail.simulation import litecoind_available
from cointrail.store.duckdb.queries import address_info, block, transaction

pytestmark = [pytest.mark.slow, pytest.mark.node]
API_DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo investigation, run once: a captured case with its clustered, labelled regtest ledger store."""
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh)")
    from cointrail.demo import run_demo

    result: dict[str, Any] = run_demo(tmp_path_factory.mktemp("engine-demo"))
    return result


def _example() -> str:
    [code] = re.findall(r"```python\n(.*?)```", API_DOC.read_text(encoding="utf-8"), re.S)
    return code


def test_the_notebook_example_of_the_api_doc_runs_on_a_real_case(demo: dict[str, Any]) -> None:
    code = _example().replace('"op-nightjar"', repr(demo["capture"]["case"]))
    out = io.StringIO()
    before = os.getcwd()
    os.chdir(demo["workdir"])  # the example names the cases folder as a notebook beside it would
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(API_DOC), "exec"), {})  # noqa: S102 - the documented example, run as written
    finally:
        os.chdir(before)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("litecoin regtest [")
    count = len(demo["payers"]["payers"])
    payers = lines[1 : 1 + count]
    assert count and all(re.fullmatch(r"\d+ [\d.,]+ LTC .+", line) for line in payers), payers
    assert not all(line.endswith(" None") for line in payers)  # the demo's payers were funded by its exchanges
    assert re.search(r"transaction [0-9a-f]{64} \(block \d+\)", lines[-2]), lines[-2]  # why, with its transaction
    assert "'by_reason'" in lines[-1]


def test_payers_from_the_case_is_one_answer_for_the_cli_the_demo_and_the_api(
    demo: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    case, cases = demo["capture"]["case"], str(Path(demo["workdir"]) / "cases")
    with Investigation.open(case, cases_dir=cases) as inv:
        answer = inv.payers().to_json()
        db = str(inv.store.path)
    assert main(["payers", "--db", db, "--case", case, "--cases-dir", cases, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == answer
    assert demo["payers"] == answer
    assert sorted(answer["site"]["from_case"]["addresses"]) == answer["site"]["addresses"]  # every one was paid


def test_typed_results_give_exactly_the_json_of_the_analysis(demo: dict[str, Any]) -> None:
    case, cases = demo["capture"]["case"], str(Path(demo["workdir"]) / "cases")
    with Investigation.open(case, cases_dir=cases) as inv:
        found = inv.payers()
        payer = found.payers[0].payer_addresses[0]
        assert found.payments and all(p.payer_cluster_id in {w.payer_cluster_id for w in found.payers}
                                      for p in found.payments)  # fmt: skip
        member = show_cluster(inv.store, payer)["members"][-1]
        info, wallet = inv.address(payer), inv.wallet(payer, why=member)
        assert isinstance(info, AddressActivity) and isinstance(wallet, Wallet)
        assert info.to_json() == address_info(inv.store, payer)
        assert wallet.to_json() == show_cluster(inv.store, payer, member)
        assert inv.why(payer, member) == wallet.why and wallet.why is not None and wallet.why.in_cluster
        assert str(inv.amount(info.received)).endswith(" LTC")
        paid = found.payments[0]
        assert inv.transaction(paid.txid).to_json() == transaction(inv.store, paid.txid)
        assert inv.block(paid.height).to_json() == block(inv.store, paid.height)
        assert paid.txid in inv.block(paid.height).txids
        labels = inv.labels()
        assert labels and [label.to_json() for label in labels] == list_labels(inv.store)
        assert {label.category for label in labels} >= {"exchange"}


def test_a_question_without_its_store_or_case_says_what_is_missing(tmp_path: Path) -> None:
    from cointrail.cases import create_case
    from cointrail.errors import InputError

    case = create_case("no-store", tmp_path, operator="tester")
    with Investigation.open(case) as inv, pytest.raises(InputError, match="needs a ledger store"):
        inv.address("anything")
    with pytest.raises(InputError, match="needs a case"):
        Investigation().site()


def test_the_graph_answers_are_typed_and_give_exactly_the_json_of_the_graph(demo: dict[str, Any]) -> None:
    """Each graph answer is a typed value whose ``to_json()`` is the graph's own JSON, byte for byte (key order too:
    the workspace's API returns it)."""
    from cointrail.graph import describe, expand, trace_graph
    from cointrail.model import GraphHop, GraphNode, TraceGraph

    def same(typed: Any, plain: dict[str, Any]) -> bool:
        return json.dumps(typed.to_json()) == json.dumps(plain)

    case, cases = demo["capture"]["case"], str(Path(demo["workdir"]) / "cases")
    with Investigation.open(case, cases_dir=cases) as inv:
        site = inv.site_group()
        assert isinstance(site, GraphNode) and site.kind == "site" and site.wallets and site.captured
        assert [w.id for w in site.wallets] == list(site.members) == [n.id for n in inv.site_nodes()]
        assert inv.graph_node("site:captured") == site and same(GraphNode.from_json(site.to_json()), site.to_json())
        wallet = max(site.wallets, key=lambda w: w.size)
        assert wallet.role == "site" and wallet.captured and wallet.caption.startswith("the site: ")
        # A backward hop from the site's wallet reaches its payers, none of them the site: nothing is marked.
        for limit in (20, 1):  # 1: the rest summed up, with its edge
            hop = inv.graph_hop(wallet.id, "backward", limit)
            assert isinstance(hop, GraphHop) and same(hop, expand(inv.store, wallet.id, "backward", limit))
        assert hop.summary is not None and hop.summary.kind == "summary" and hop.summary_edge is not None
        address = f"address:{wallet.address}"
        assert same(inv.graph_node(address), describe(inv.store, address)) and inv.graph_node(address).wallet
        whole = inv.graph_hop("site:captured", "backward").to_json()
        assert same(GraphHop.from_json(whole), whole) and whole["origin"]["kind"] == "site"
        assert "wallets" not in whole["origin"]  # the origin names its wallets by id only
        traced = inv.trace(wallet.id, hops=3, model="fifo").to_json()
        drawn = inv.graph_of_trace(traced)
        assert isinstance(drawn, TraceGraph) and drawn.edges and same(drawn, trace_graph(inv.store, traced))
        page = inv.wallet_page(cluster_id=wallet.cluster_id)
        assert page is not None and isinstance(page.node, GraphNode) and page.node == wallet
        # The site's wallets, read together, are the nodes each address's own describe() gives, in the site's order.
        expected: dict[str, dict[str, Any]] = {}
        for address in inv.site().addresses:
            item = describe(inv.store, f"address:{address}")
            expected.setdefault(item["wallet"], describe(inv.store, item["wallet"]) if item["size"] > 1 else item)
        plain = lambda n: {k: v for k, v in n.to_json().items() if k not in ("role", "captured", "reason", "caption")}  # noqa: E731
        assert [plain(n) for n in inv.site_nodes()] == [plain(GraphNode.from_json(w)) for w in expected.values()]
        assert any(w["kind"] == "address" for w in expected.values()) and inv.site_wallets().keys() == {
            n.cluster_id for n in inv.site_nodes()}  # fmt: skip


def test_the_site_is_read_once_and_a_new_capture_is_seen(demo: dict[str, Any], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """An investigation kept open (a notebook's) reads the captures once, until the case logs a new one."""
    import shutil

    from cointrail.capture import capture_url, served_directory
    from cointrail.cases import open_case

    source = Path(demo["workdir"]) / "cases" / demo["capture"]["case"]
    shutil.copytree(source, tmp_path / "cases" / source.name, ignore=shutil.ignore_patterns("work"))
    case = open_case(source.name, tmp_path / "cases")
    reads = []
    read_site = Investigation._read_site
    monkeypatch.setattr(Investigation, "_read_site", lambda self: reads.append(1) or read_site(self))
    with Investigation.open(demo["capture"]["case"], cases_dir=str(source.parent)) as opened:
        inv = Investigation(opened.store, case)
        first, group = inv.site(), inv.site_group()
        first.addresses.clear()  # an answer of its own: the next is whole
        site = inv.site().addresses
        assert site and inv.site().addresses == site and group.size == len(site)
        assert len(reads) == 1  # four answers, one reading of the captures
        (new,) = opened.store.one("SELECT address FROM addresses WHERE address LIKE 'rltc1%' AND address NOT IN "
                                  f"({', '.join('?' * len(site))}) ORDER BY address_id LIMIT 1", site)  # type: ignore[misc]
        (tmp_path / "page").mkdir()
        (tmp_path / "page" / "index.html").write_text(f"<html><body><p>Also pay {new}</p></body></html>")
        with served_directory(tmp_path / "page") as (url, _):
            capture_url(case, url)
        assert inv.site().addresses == [*site, new] and inv.site_group().size == len(site) + 1
        assert len(reads) == 2  # read again once, for the capture the log gained


def test_graph_edges_are_typed_and_keep_each_graphs_order_of_fields(demo: dict[str, Any],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A hop's edges, its summary edge and a trace graph's edges are GraphEdges whose ``to_json()`` is the graph's
    own JSON byte for byte, their fields in different orders, also on an edge listing only its newest transactions
    (``older``: one listed here, so that the demo's edges of several transactions carry older ones)."""
    from cointrail.graph import trace_graph
    from cointrail.graph.site_node import expand_site
    from cointrail.model import EdgeTransaction, FiatTotal, GraphEdge, GraphHop, OlderTransaction, TraceGraph

    monkeypatch.setattr("cointrail.graph.neighbourhood.MAX_ITEMS", 1)
    case, cases = demo["capture"]["case"], str(Path(demo["workdir"]) / "cases")
    with Investigation.open(case, cases_dir=cases) as inv:
        site = inv.site_group()
        edges, older = [], []
        for limit in (20, 1):  # 1: the rest summed up, with its edge
            plain = expand_site(inv.store, site.to_json(), "backward", limit)
            hop = GraphHop.from_json(plain)
            assert all(isinstance(e, GraphEdge) and e.kind == "hop" for e in hop.edges)
            assert all(isinstance(i, EdgeTransaction) for e in hop.edges for i in e.items or ())
            assert all(isinstance(e.fiat, FiatTotal) for e in hop.edges)  # the demo prices every day
            assert all(isinstance(o, OlderTransaction) for e in hop.edges for o in e.older or ())
            older += [o for e in hop.edges for o in e.older or ()]
            assert json.dumps(hop.to_json()) == json.dumps(plain)
            edges += plain["edges"]
        assert hop.summary_edge is not None and hop.summary_edge.items is None
        assert "fiat" not in hop.summary_edge.to_json()
        wallet = max(site.wallets or (), key=lambda w: w.size)
        traced = trace_graph(inv.store, inv.trace(wallet.id, hops=3, model="fifo").to_json())
        drawn = TraceGraph.from_json(traced)
        assert drawn.edges and all(e.kind == "trace" for e in drawn.edges)
        assert json.dumps(drawn.to_json()) == json.dumps(traced)
    assert any("older" in e for e in edges), "no edge of the demo carries older transactions"
    assert older and all(o.currency == "USD" and o.value is not None for o in older)
    assert list(edges[0]) != list(traced["edges"][0])  # the two graphs' orders differ: both are kept


def test_the_report_facts_and_the_exports_are_the_engines_and_a_kept_report_needs_no_store(
    demo: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The report's facts and the exports are engine questions; the exports and request packs of a case that keeps
    a report are written from it without opening the store, so another process may hold the store meanwhile."""
    import subprocess
    import sys

    from cointrail.cases import open_case
    from cointrail.facts.collect import FACTS_FORMAT
    from cointrail.facts.kept import latest_facts

    case, cases = demo["capture"]["case"], str(Path(demo["workdir"]) / "cases")
    with Investigation.open(case, cases_dir=cases) as inv:
        fresh = inv.report_facts(hops=2)
        db = inv.store.path
    assert fresh.format == FACTS_FORMAT and fresh.provenance.parameters["hops"] == 2
    assert len(fresh.findings["payers"]["payments"]) == len(demo["payers"]["payments"])
    hold = ("import sys, time\nfrom cointrail.store.duckdb.store import LedgerStore\n"
            "store = LedgerStore.open(sys.argv[1])\nprint('held', flush=True)\ntime.sleep(60)")
    with subprocess.Popen([sys.executable, "-c", hold, str(db)], stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"  # a writer holds it
            with Investigation.open(case, cases_dir=cases, lazy=True) as inv:
                kept = inv.report_facts(latest=True)
                text = inv.export("csv", latest=True)
            assert kept == latest_facts(open_case(case, cases)) and kept.generated_utc != fresh.generated_utc
            assert main(["export", "--case", case, "--cases-dir", cases, "--format", "csv"]) == 0
            assert capsys.readouterr().out == text and text.count("\n") > len(demo["payers"]["payments"])
        finally:
            holder.kill()


def test_a_kept_report_whose_facts_were_edited_is_refused_not_exported(demo: dict[str, Any], tmp_path: Path) -> None:
    """The exports and request packs sent to authorities are written from the kept report's facts: a facts file that
    no longer matches the custody log's SHA-256 is refused with what to run, never sent on."""
    import shutil

    from cointrail.errors import IntegrityError
    from cointrail.facts.kept import FACTS_ACTION

    source = Path(demo["workdir"]) / "cases" / demo["capture"]["case"]
    shutil.copytree(source, tmp_path / source.name, ignore=shutil.ignore_patterns("work"))
    with Investigation.open(source.name, cases_dir=str(tmp_path), lazy=True) as inv:
        assert inv.report_facts(latest=True).format  # as kept, it is read
        entry = [e for e in inv._case().log.entries() if e["action"] == FACTS_ACTION][-1]
    facts = tmp_path / source.name / entry["object"]
    facts.chmod(0o644)
    facts.write_text(facts.read_text().replace('"payments"', '"payments" ', 1))
    with Investigation.open(source.name, cases_dir=str(tmp_path), lazy=True) as inv:
        with pytest.raises(IntegrityError, match="no longer matches the SHA-256 in the custody log"):
            inv.report_facts(latest=True)
        with pytest.raises(IntegrityError, match="cointrail verify"):
            inv.export("csv", latest=True)


def test_the_facts_questions_agree_on_collecting_now_unless_asked_for_the_kept_report() -> None:
    """report_facts, request_pack_facts and export take ``latest`` the same way: False (collect now) by default; the
    CLI without --db and the report page ask for the kept report (latest=True) themselves."""
    import inspect

    defaults = {name: inspect.signature(getattr(Investigation, name)).parameters["latest"].default
                for name in ("report_facts", "request_pack_facts", "export")}  # fmt: skip
    assert defaults == {"report_facts": False, "request_pack_facts": False, "export": False}
