"""Wallets of one service joined through its own coin moving on: what the multi-input heuristic cannot see.

An exchange that sweeps its whole balance to a fresh address and keeps its withdrawals' change at fresh addresses
is split by the multi-input heuristic into one wallet per stretch of its history, each too small to look like an
exchange. Its remaining coin still passes from one wallet to the next: a withdrawal's change is spent by the next
withdrawal or sweep. Such a step (cointrail.store.duckdb.service_links) joins two wallets here, for services
detection only: clustering itself never merges through it (clustering precision comes first, issue 17).

A step is taken only where it cannot be read another way: one owner on each side, no CoinJoin or possibly
collaborative transaction, no miner; from a batch, only the one coin of it that moves on, its largest, at an
address used once (its change). Two more rules keep two services apart, a service being known where a label names
it or where a wallet behaves like one on its own: a step from a transaction that also pays a known service is not
taken (the coin moving on may be a payment to a second one), and two groups known to be two services are never
joined (a payment from one exchange to another looks like a step): two labelled with different names, or two that
each behave like a service on their own. A labelled wallet may join one that behaves like a service: where the
label knows only the hot wallet, the service is then named all through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Groups:
    """Wallets joined into services: each wallet's service (its smallest wallet id) and the steps that joined."""

    parent: dict[int, int] = field(default_factory=dict)
    steps: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # Steps refused because labels name the two sides as two services: the behaviour says one, the labels two (a
    # conflict to show). Each: the two wallets, the names each side's labels give, and the step.
    refused: list[dict[str, Any]] = field(default_factory=list)

    def root(self, wallet: int) -> int:
        while self.parent.get(wallet, wallet) != wallet:
            wallet = self.parent[wallet]
        return wallet

    def services(self) -> dict[int, int]:
        """Each joined wallet's service id (wallets joined to none are left out)."""
        return {w: self.root(w) for w in self.parent}

    def members(self) -> dict[int, list[int]]:
        """The wallets of each service, its own id first."""
        found: dict[int, list[int]] = {}
        for wallet, service in sorted(self.services().items()):
            found.setdefault(service, []).append(wallet)
        return found


# From a batch, a step is its change (cointrail.store.duckdb.service_links) and may join whatever spends it; from a
# pair (one payment and its change) likewise into a batch or a pair, never into a sweep or a move: a customer's
# deposit of most of a coin, swept by the exchange, looks the same, and joining it would make the customer part of
# the exchange (a pair is never the service's own coin either, for the same reason). From
# everything-to-one: a sweep spent by a batch joins (the hot wallet paying withdrawals); anything else only where
# the coins it moves are the service's own (it spends a change, or what such a move moved) and onto an address
# used once. Never from a sweep of other coins into a sweep: that is also a site's cash-out into an exchange
# deposit address, swept by the exchange (the Welcome to Video pattern), and joining the two would make the site
# part of the exchange; nor from a move of one coin that was not the service's (anyone can send a whole coin). A
# sweep or move whose coin is not spent yet (``unspent``) joins as a sweep into a sweep: only the service's own.
def _takes(step: dict[str, Any], known: Mapping[int, frozenset[str]], own: set[str]) -> bool:
    """Whether a step may join (the rules above), given the transactions known to move the service's own coins
    (``own``); never from a transaction that also pays a known service (the coin moving on may be paid to a
    second one)."""
    if any(w in known for w in step["paid"] if w != step["to"]):
        return False
    if step["from_shape"] == "batch" or (step["from_shape"], step["to_shape"]) == ("all_to_one", "batch"):
        return True
    if step["from_shape"] == "pair" and step["to_shape"] in ("batch", "pair"):
        return True
    return step["from_txid"] in own and (step["to_shape"] == "batch" or step["used_once"])


def _own_moves(steps: list[dict[str, Any]], known: Mapping[int, frozenset[str]]) -> set[str]:
    """The sweeps and moves that spend a service's own coin: a batch's change, or what such a one moved on."""
    own: set[str] = set()
    while True:
        found = {s["to_txid"] for s in steps if s["to_shape"] not in ("batch", "pair", "unspent")
                 and _takes(s, known, own)}  # fmt: skip
        found -= own
        if not found:
            return own
        own |= found


def _apart(one: frozenset[str], other: frozenset[str]) -> bool:
    """Whether two groups are known to be two services: labelled with different names (the same names only are an
    exchange's hot and cold wallets), or each holding a wallet that behaves like a service on its own (``#id``).
    A labelled group and a group known only by its behaviour may be one service: a public label knows an
    exchange's hot wallet, not the stretch of its history that looks like an exchange by itself."""
    names = [_labelled(one), _labelled(other)]
    if names[0] and names[1]:
        return names[0] != names[1]
    return any(n.startswith("#") for n in one) and any(n.startswith("#") for n in other)


def _labelled(names: frozenset[str]) -> set[str]:
    return {n for n in names if not n.startswith("#")}


def join_wallets(steps: list[dict[str, Any]], known: Mapping[int, frozenset[str]]) -> Groups:
    """Wallets joined by ``steps`` (in chain order), never two groups known to be two services. ``known``: the
    services' names for the wallets labelled as one, ``#id`` for those that behave like one on their own."""
    own = _own_moves(steps, known)
    groups = Groups()
    names: dict[int, frozenset[str]] = {}
    for step in steps:
        if not _takes(step, known, own):
            continue
        a, b = groups.root(step["from"]), groups.root(step["to"])
        name_a, name_b = names.get(a, known.get(a, frozenset())), names.get(b, known.get(b, frozenset()))
        if a == b or _apart(name_a, name_b):
            if a != b and all(n for n in (_labelled(name_a), _labelled(name_b))):
                groups.refused.append({"wallets": (a, b), "names": (sorted(_labelled(name_a)),
                                       sorted(_labelled(name_b))), "step": step})  # fmt: skip
            continue
        low, high = sorted((a, b))
        groups.parent.update({low: low, high: low})
        names[low] = name_a | name_b
        groups.steps[low] = groups.steps.pop(low, []) + groups.steps.pop(high, []) + [step]
    return groups
