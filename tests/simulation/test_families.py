"""The benchmark's families: seeds split into tuning and held out, and WabiSabi's denominations (no node needed)."""

from __future__ import annotations

from decimal import Decimal

from cointrail.simulation.collab import COIN, decompose, standard_denominations
from cointrail.simulation.families import FAMILIES


def test_every_family_has_held_out_seeds_and_one_family_is_held_out_whole():
    for family in FAMILIES.values():
        assert family.held_out and not set(family.tuning) & set(family.held_out)
    hidden = [f.name for f in FAMILIES.values() if not f.told]
    assert hidden == ["remix-mixed-scripts"] and not FAMILIES["remix-mixed-scripts"].tuning


def test_standard_denominations_are_base_unit_powers_and_the_1_2_5_series():
    units = {int(d * COIN) for d in standard_denominations()}
    assert {2**20, 3**12, 2 * 3**10, 10**6, 2 * 10**6, 5 * 10**6} <= units
    assert min(units) >= 5_000 and 6_000 not in units


def test_decompose_takes_the_largest_that_fit_with_repeats():
    parts = decompose(Decimal("2.5"), [Decimal(1), Decimal("0.2")], 8)
    assert parts == [Decimal(1), Decimal(1), Decimal("0.2"), Decimal("0.2")]
    assert len(decompose(Decimal(100), [Decimal(1)], 3)) == 3
