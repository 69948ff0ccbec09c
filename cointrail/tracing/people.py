"""Wallets are not people: what a count of paying wallets says about the number of paying people.

The clustering joins a person's addresses into wallets, but never all of them: a person who pays from two
wallets (or whose addresses the heuristics could not join) counts twice. Every place that counts payers (the
CLI, the web, the report) says so in the same words, with the ratio measured on the ground-truth scenarios
(issue 12). The figure lives here and only here; docs/accuracy.md publishes how it was measured.
"""

from __future__ import annotations

# Paying wallets (the payer groups `payers` lists) per paying person, all ground-truth scenarios pooled, measured by
# benchmarks/accuracy.py on the code of issue 12 (805 groups for 179 people, 9 families x 2 seeds); published in
# docs/accuracy.md, "Wallets are not people" (tests/tracing/test_funded_by.py checks the two agree).
PAYING_WALLETS_PER_PERSON = 4.50
MEASURED_WHERE = "docs/accuracy.md, 'Wallets are not people'"


def people_note(wallets: int) -> str:
    """The plain-words caveat for a count of paying wallets."""
    people = max(1, round(wallets / PAYING_WALLETS_PER_PERSON)) if wallets else 0
    return (f"These are {wallets} paying wallet(s), not {wallets} people: one person can hold several wallets, and "
            "cointrail cannot always see that two wallets are one person's. On the ground-truth scenarios cointrail "
            f"listed {PAYING_WALLETS_PER_PERSON:.1f} paying wallets per paying person ({MEASURED_WHERE}); at that "
            f"ratio {wallets} wallet(s) would be about {people} {'person' if people == 1 else 'people'}, but it varies "
            "from case to case.")
