"""The benchmarks' shared harness: each benchmark replaces only its own marked section of docs/benchmarks.md,
steps and baselines alternate, a quick run writes nothing, and every benchmark uses the harness."""

from __future__ import annotations

import ast
import importlib
import os
from pathlib import Path

from benchmarks import harness
from benchmarks.harness import replace_section

BENCHMARKS = Path(harness.__file__).parent


def test_a_section_is_added_then_replaced_leaving_the_others_alone(tmp_path):
    doc = tmp_path / "benchmarks.md"
    replace_section("one", "first figures\n", doc)
    replace_section("two", "other figures\n", doc)
    replace_section("one", "new figures\n", doc)
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "new figures" in text and "first figures" not in text and "other figures" in text
    assert text.count("<!-- one:start -->") == 1 and text.index("one:start") < text.index("two:start")
    assert "<!-- one:end -->\n\n<!-- two:start -->" in text  # a replaced section keeps the blank line after it
    assert harness.read_section("one", doc) == "\nnew figures\n"


def test_a_new_page_gets_a_title_from_its_name(tmp_path):
    replace_section("payers", "figures\n", tmp_path / "accuracy.md")
    expected = "# Accuracy\n\n<!-- payers:start -->\nfigures\n<!-- payers:end -->\n"
    assert (tmp_path / "accuracy.md").read_text() == expected


def test_steps_alternate_round_by_round_and_warm_up_rounds_are_not_kept():
    calls: list[str] = []
    runs = harness.alternate({"new": lambda: calls.append("new"), "old": lambda: calls.append("old")}, 3, warm_up=1)
    assert calls == ["new", "old"] * 4
    assert [len(kept) for kept in runs.values()] == [3, 3]


def test_a_shuffled_alternation_changes_the_order_between_rounds_but_runs_each_step_once_a_round():
    calls: list[str] = []
    harness.alternate({name: lambda n=name: calls.append(n) for name in "abcd"}, 20, shuffle=1)
    rounds = [calls[i : i + 4] for i in range(0, len(calls), 4)]
    assert all(sorted(r) == list("abcd") for r in rounds) and len({tuple(r) for r in rounds}) > 1


def test_the_clock_counts_the_cpu_of_the_process_and_of_its_children_and_a_watched_process():
    spin = "import time; t = time.process_time(); exec('while time.process_time() - t < 0.3: pass')"
    took, _ = harness.timed(lambda: harness.python_child(spin))
    assert took.cpu >= 0.3 and took.wall >= 0.3
    whole = harness.run_process(["python3", "-c", spin])
    assert whole.cpu >= 0.3 and whole.peak_mb and whole.peak_mb > 1
    took, _ = harness.timed(lambda: sum(range(10**6)), watch=[os.getpid()])
    assert took.watched_cpu > 0


def test_a_whole_process_peak_is_its_own_not_the_size_of_the_benchmark_that_started_it():
    held = bytearray(400 << 20)  # written, so resident: the benchmark is 400 MB larger than its child
    small = harness.run_process(["python3", "-c", "pass"])
    big = harness.run_process(["python3", "-c", "x = bytearray(200 << 20)"])
    assert held and small.peak_mb is not None and big.peak_mb is not None
    assert small.peak_mb < 100 and 200 < big.peak_mb < 300


def test_quick_sets_its_small_sizes_unless_given_and_writes_nothing():
    parser = harness.arguments("A benchmark.", quick={"transactions": 1_000})
    parser.add_argument("--transactions", type=int, default=1_000_000)
    assert harness.parse(parser, []).transactions == 1_000_000
    assert not harness.parse(parser, []).no_write
    quick = harness.parse(parser, ["--quick"])
    assert quick.transactions == 1_000 and quick.no_write
    assert harness.parse(parser, ["--quick", "--transactions", "5000"]).transactions == 5_000


def test_the_header_names_the_benchmark_date_commit_and_machine():
    line = harness.machine("raw_ingest.py")
    assert line.startswith("`benchmarks/raw_ingest.py`, run 20") and " UTC on commit " in line
    assert f"{os.cpu_count()} cores" in line and "GB of memory" in line and "Python" in line


def test_every_benchmark_uses_the_harness_and_none_keeps_a_clock_or_a_section_writer_of_its_own():
    for path in sorted(BENCHMARKS.glob("*.py")):
        if path.name in ("__init__.py", "harness.py", "accuracy_render.py"):
            continue
        text = path.read_text()
        imports = {node.module for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ImportFrom)}
        assert imports & {"benchmarks", "benchmarks.harness"} or path.name == "merge_sides.py", path.name
        # The accuracy benchmarks write several sections of docs/accuracy.md through replace_section itself.
        own = ["time.perf_counter(", "time.process_time(", "time.monotonic(", "getrusage(", "wait4(", "sys.path",
               "getloadavg(", *([] if path.name.startswith("accuracy") else ["replace_section("])]  # fmt: skip
        assert [word for word in own if word in text] == [], path.name


def test_every_benchmark_imports_and_those_with_sizes_offer_a_quick_run():
    # No test runs the benchmarks: this one at least catches an import that a move of the code broke.
    for path in sorted(BENCHMARKS.glob("*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        if path.stem in ("__init__", "harness", "accuracy_render"):
            continue
        assert callable(getattr(module, "main", None)), path.name
        sized = path.stem not in ("merge_sides", "accuracy", "accuracy_heuristics")  # they size by --families, --seeds
        assert ("quick=" in path.read_text()) == sized, path.name
