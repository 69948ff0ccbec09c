"""Fiat values that rest on a stablecoin's stated peg (a price file's rows whose source begins with ``peg``).

A peg is an assumption the user's price file makes, not a market price: every text that gives such a value says
so, with the coin, the price and the source the file named.
"""

from __future__ import annotations

from typing import Any


def pegs(fiats: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The stated pegs the values rest on, each once: coin, fiat currency, price and source."""
    found = {(f["coin"], f["currency"], f["price"], f["source"]) for f in fiats if f and f.get("peg")}
    return [{"coin": c, "currency": fiat, "price": p, "source": s} for c, fiat, p, s in sorted(found)]


def peg_note(stated: list[dict[str, Any]]) -> str:
    """A sentence saying which values rest on a stablecoin's stated peg, not a market price ("" when none)."""
    if not stated:
        return ""
    each = "; ".join(f"{p['coin']} at {p['price']:g} {p['currency']} ({p['source']})" for p in stated)
    return (f"Stablecoin amounts are valued at their peg, as the imported price file states it: {each}. That is an "
            "assumption, not a market price: a stablecoin can trade below its peg.")  # fmt: skip
