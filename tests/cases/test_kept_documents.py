"""Documents kept in a case (cointrail.cases.kept): a saved graph and an analysis result are written once, listed
from the custody log, and read back only while their file still matches the SHA-256 the log recorded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cointrail.cases import create_case
from cointrail.errors import IntegrityError, NotInStoreError
from cointrail.graph import latest_graph, save_graph, saved_graphs
from cointrail.web.results import keep_result, kept_results, read_result

GRAPH = {"title": "t", "nodes": [{"id": "cluster:1", "caption": "a"}, {"id": "cluster:2", "caption": "b"}],
         "edges": [{"id": "e", "source": "cluster:1", "target": "cluster:2", "amount": 5}]}  # fmt: skip


def test_graphs_and_results_are_kept_listed_and_read_back_checked(tmp_path: Path) -> None:
    case = create_case("kept", root=tmp_path, operator="Ana")
    assert latest_graph(case) is None and kept_results(case, "trace") == []
    first, second = save_graph(case, GRAPH), save_graph(case, {**GRAPH, "title": "again"})
    assert [g["sha256"] for g in saved_graphs(case)] == [first["sha256"], second["sha256"]]  # oldest first
    latest = latest_graph(case)
    assert latest is not None and latest["title"] == "again" and latest["evidence"]["seq"] == second["log_seq"]
    written = (case.folder / second["path"]).read_bytes()
    assert hashlib.sha256(written).hexdigest() == second["sha256"] and written.startswith(b'{\n  "case"')
    results = [keep_result(case, "trace", {"hops": n}, {"n": n}, 1.234) for n in (1, 2)]
    assert [r["sha256"] for r in kept_results(case, "trace")] == [r["sha256"] for r in results[::-1]]  # newest first
    assert kept_results(case, "payers") == []
    found = read_result(case, results[0]["sha256"].upper())
    assert found["result"] == {"n": 1} and found["seconds"] == 1.23 and found["operator"] == "Ana"
    assert found["evidence"] == {"seq": results[0]["log_seq"], "path": results[0]["path"],
                                 "sha256": results[0]["sha256"]}  # fmt: skip
    assert (case.folder / results[0]["path"]).read_bytes() == json.dumps(
        {k: v for k, v in found.items() if k != "evidence"}, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    with pytest.raises(NotInStoreError, match="keeps no analysis result"):
        read_result(case, first["sha256"])  # a graph is no analysis result
    for path in (second["path"], results[0]["path"]):  # changed after it was logged: refused, never shown
        (case.folder / path).chmod(0o644)
        (case.folder / path).write_bytes(b"{}\n")
    with pytest.raises(IntegrityError, match=r"saved graph .* no longer matches the SHA-256 in the custody log"):
        latest_graph(case)
    with pytest.raises(IntegrityError, match=r"analysis result .* no longer matches the SHA-256 .*cointrail verify"):
        read_result(case, results[0]["sha256"])
    assert read_result(case, results[1]["sha256"])["result"] == {"n": 2}
