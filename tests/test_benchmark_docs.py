"""Benchmarks each replace only their own marked section of docs/benchmarks.md."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from doc_sections import replace_section  # noqa: E402


def test_a_section_is_added_then_replaced_leaving_the_others_alone(tmp_path):
    doc = tmp_path / "benchmarks.md"
    replace_section("one", "first figures\n", doc)
    replace_section("two", "other figures\n", doc)
    replace_section("one", "new figures\n", doc)
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "new figures" in text and "first figures" not in text and "other figures" in text
    assert text.count("<!-- one:start -->") == 1 and text.index("one:start") < text.index("two:start")


def test_a_new_page_gets_a_title_from_its_name(tmp_path):
    replace_section("payers", "figures\n", tmp_path / "accuracy.md")
    expected = "# Accuracy\n\n<!-- payers:start -->\nfigures\n<!-- payers:end -->\n"
    assert (tmp_path / "accuracy.md").read_text() == expected
