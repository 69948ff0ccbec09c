"""The report's summary says when the site was paid in words: one day, or the first and the last."""

from __future__ import annotations

from cointrail.facts.summary import _span


def test_payments_of_one_day_are_on_that_day_and_others_between_the_first_and_the_last() -> None:
    assert _span(["2026-12-04", "2026-12-04"]) == ", on 2026-12-04"
    assert _span(["2026-12-04", "2026-11-30", "2026-12-01"]) == ", between 2026-11-30 and 2026-12-04"
    assert _span([]) == ""
