"""Wallets are not people: what a count of paying wallets says about the number of paying people.

The clustering joins a person's addresses into wallets, but never all of them: a person who pays from two
wallets (or whose addresses the heuristics could not join) counts twice. Every place that counts payers (the
CLI, the web, the report) says so in the same words, with the ratio measured on the ground-truth scenarios
(issue 12). The figure lives here and only here; docs/accuracy.md publishes how it was measured.
"""

from __future__ import annotations

# Paying wallets (the payer groups `payers` lists) per paying person, all ground-truth scenarios pooled, measured by
# benchmarks/accuracy.py on the code of issue 12 (887 groups for 179 people, 9 families x 2 seeds, since the PayJoin
# rule flags every payment of a PayJoin's shape: 805 before); published in docs/accuracy.md, "Wallets are not
# people" (tests/tracing/test_funded_by.py checks the two agree).
PAYING_WALLETS_PER_PERSON = 4.96
# The same figure scenario by scenario ("payer groups per person" in docs/accuracy.md, after issue 12): highest
# where payers paid with mixed coins. Quoted so that nobody reads the pooled figure as a conversion factor.
PER_SCENARIO_RANGE = (3.3, 7.2)
MEASURED_WHERE = "docs/accuracy.md, 'Wallets are not people'"


def people_note(wallets: int) -> str:
    """The plain-words caveat for a count of paying wallets.

    It gives no estimate of the number of people: the ratio varied from scenario to scenario by a factor of almost
    three, so dividing by it would put a made-up number of suspects in a report.
    """
    low, high = PER_SCENARIO_RANGE
    these = ("This is 1 paying wallet, not necessarily 1 person" if wallets == 1
             else f"These are {wallets:,} paying wallets, not {wallets:,} people")
    return (f"{these}: one person can hold several wallets, and "
            "cointrail cannot always see that two wallets are one person's. On the ground-truth scenarios cointrail "
            f"listed {PAYING_WALLETS_PER_PERSON:.1f} paying wallets per paying person ({low:.1f} to {high:.1f} from "
            f"scenario to scenario, highest where payers had mixed their money; {MEASURED_WHERE}), so there may be "
            "far fewer people than wallets; the ratio varies from case to case and is no way to count the people.")
