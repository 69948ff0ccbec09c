"""Walk the transaction graph hop by hop, forward or backward, carrying the taint of the chosen model.

Each hop is one batch: the frontier (the coins followed, with their taint)
goes to the store in one query for the transactions that spent (forward) or
made (backward) them, and those come back with all their inputs and outputs
(:class:`cointrail.store.interface.TraceReads`). The taint is then split by the model
(:mod:`cointrail.tracing.taint`). A trail stops at a labelled service, a
CoinJoin (unless asked to go through: issue 12), MWEB, the hop limit, the value threshold or the time window, or
where the money was never spent (forward) or was mined (backward).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from cointrail.domain import Coin, TxView
from cointrail.store.interface import TracingStore
from cointrail.tracing.services import Services
from cointrail.tracing.taint import Taint, backward, forward

# A followed coin and the origin it is followed for: one walk can follow many start sets at once (the payers of
# a site, each traced back separately) with the same queries per hop. A single trace has the one origin 0.
Key = tuple[int, Coin]
# What a hop does to one transaction for one origin: (tx, its traced coins, hop, origin) -> coins to follow next.
Step = Callable[[TxView, dict[Coin, Taint], int, int], dict[Coin, Taint]]


@dataclass(frozen=True)
class Limits:
    """How far a trace goes: hops, the smallest taint followed, the time window (Unix seconds), and whether it
    goes on through CoinJoins (by default a trail ends there: who owns what beyond a mix is ambiguous)."""

    hops: int = 3
    min_value: int = 0
    since: int | None = None
    until: int | None = None
    through_coinjoins: bool = False

    def outside(self, time: int) -> bool:
        return (self.since is not None and time < self.since) or (self.until is not None and time > self.until)


@dataclass
class RawEdge:
    source: int
    target: int
    tx: TxView
    hop: int
    amount: int
    taint: int


@dataclass
class RawEnd:
    address_id: int
    tx: TxView | None
    hop: int
    taint: int
    reason: str
    coin: Coin | None = None
    origin: int = 0


@dataclass
class Walk:
    """The state and the findings of one walk (the raw material of a :class:`TraceResult`)."""

    store: TracingStore
    model: str
    direction: str
    limits: Limits
    services: Services
    edges: list[RawEdge] = field(default_factory=list)
    ends: list[RawEnd] = field(default_factory=list)
    reached: dict[int, tuple[int, int]] = field(default_factory=dict)  # address_id -> (first hop, taint)
    # (origin, coin) -> (the coin it came from, forward, or went to, backward; the transaction between them)
    parents: dict[Key, tuple[Coin, TxView]] = field(default_factory=dict)
    coin_address: dict[Coin, int] = field(default_factory=dict)
    taint_of: dict[Key, int] = field(default_factory=dict)  # traced base units that reached each coin
    _seen_poison: set[Key] = field(default_factory=set)
    # CoinJoins a trail went through (only with Limits.through_coinjoins): tx_id -> (transaction, first hop).
    passages: dict[int, tuple[TxView, int]] = field(default_factory=dict)
    on_hop: Callable[[int, int], None] | None = None  # called with (hop done, hops) for a progress bar

    def run(self, start: dict[Key, Taint]) -> None:
        frontier = start
        for hop in range(1, self.limits.hops + 1):
            if not frontier:
                return
            frontier = self._forward_hop(frontier, hop) if self.direction == "forward" else self._backward_hop(
                frontier, hop)  # fmt: skip
            if self.on_hop:
                self.on_hop(hop, self.limits.hops)
        spent = self.store.trace_reads().spenders({c for _, c in frontier}) if self.direction == "forward" else {}
        unknown = self._spending_unknown(frontier, spent) if self.direction == "forward" else set()
        for (origin, coin), taint in frontier.items():
            # Forward, money that never moved on ends as unspent even at the hop limit: the trail is complete.
            reason = "hop_limit"
            if self.direction == "forward" and spent.get(coin) is None:
                reason = "not_fetched" if coin in unknown else "unspent"
            end = RawEnd(self.coin_address[coin], None, self.limits.hops, taint.amount, reason, coin, origin)
            self.ends.append(end)

    def _spending_unknown(self, frontier: dict[Key, Taint], spent: dict[Coin, int | None]) -> set[Coin]:
        """The frontier's coins without a spender whose spending the store does not know (a sparse store)."""
        return self.store.trace_reads().spending_unknown({c for _, c in frontier if spent.get(c) is None})

    def _reach(self, address_id: int, hop: int, amount: int) -> None:
        first, total = self.reached.get(address_id, (hop, 0))
        self.reached[address_id] = (min(first, hop), total + amount)

    # -- forward ---------------------------------------------------------------
    def _forward_hop(self, frontier: dict[Key, Taint], hop: int) -> dict[Key, Taint]:
        spent = self.store.trace_reads().spenders({c for _, c in frontier})
        unknown = self._spending_unknown(frontier, spent)
        by_tx: dict[int, dict[int, dict[Coin, Taint]]] = defaultdict(lambda: defaultdict(dict))
        for (origin, coin), taint in frontier.items():
            if (spender := spent.get(coin)) is None:
                reason = "not_fetched" if coin in unknown else "unspent"
                end = RawEnd(self.coin_address[coin], None, hop - 1, taint.amount, reason, coin, origin)
                self.ends.append(end)
            else:
                by_tx[spender][origin][coin] = taint
        txs = self.store.trace_reads().transactions(set(by_tx))
        self.services.labels({o[1] for tx in txs.values() for o in tx.outputs})
        return self._collect(by_tx, txs, hop, self._forward_tx)

    def _collect(self, by_tx: dict[int, dict[int, dict[Coin, Taint]]], txs: dict[int, TxView], hop: int,
                 step: Step) -> dict[Key, Taint]:  # fmt: skip
        """Run ``step`` on every transaction of the hop for every origin; the taint of the coins to follow next."""
        following: dict[Key, Taint] = defaultdict(lambda: Taint(0))
        for tx_id, per_origin in sorted(by_tx.items()):
            for origin, tainted in sorted(per_origin.items()):
                for coin, taint in step(txs[tx_id], tainted, hop, origin).items():
                    following[(origin, coin)] = following[(origin, coin)] + taint
        return dict(following)

    def _blocked(self, tx: TxView, hop: int) -> str | None:
        if tx.coinjoin:
            if not self.limits.through_coinjoins:
                return "coinjoin"
            self.passages.setdefault(tx.tx_id, (tx, hop))
        if tx.has_mweb or any(o[4].startswith("mweb") for o in tx.outputs):
            return "mweb"
        return "time_window" if self.limits.outside(tx.time) else None

    def _end_all(self, tx: TxView, tainted: dict[Coin, Taint], hop: int, origin: int, reason: str) -> dict[Coin, Taint]:
        for coin, taint in tainted.items():
            self.ends.append(RawEnd(self.coin_address[coin], tx, hop, taint.amount, reason, coin, origin))
        return {}

    def _forward_tx(self, tx: TxView, tainted: dict[Coin, Taint], hop: int, origin: int) -> dict[Coin, Taint]:
        if reason := self._blocked(tx, hop):
            return self._end_all(tx, tainted, hop, origin, reason)
        in_taint = [tainted.get(coin) if coin else None for _, coin, _, _ in tx.inputs]
        out_taint = forward(self.model, [i[3] for i in tx.inputs], [o[2] for o in tx.outputs], in_taint)
        sources = _shares({i[2]: t.amount for i, t in zip(tx.inputs, in_taint, strict=True) if t and i[2] is not None})
        best = max(tainted, key=lambda c: tainted[c].amount)
        following: dict[Coin, Taint] = {}
        for (vout, address_id, value, _, _), got in zip(tx.outputs, out_taint, strict=True):
            coin = (tx.tx_id, vout)
            if got is None or not self._fresh((origin, coin)):
                continue
            self._note(origin, coin, address_id, best, tx, got.amount)
            self._edges(sources, address_id, tx, hop, value, got.amount, from_inputs=True)
            self._reach(address_id, hop, got.amount)
            if reason := self._stop(address_id, got.amount):
                self.ends.append(RawEnd(address_id, tx, hop, got.amount, reason, coin, origin))
            else:
                following[coin] = got
        return following

    def _note(self, origin: int, coin: Coin, address_id: int, parent: Coin, tx: TxView, amount: int) -> None:
        """Remember where a coin is, how it was reached and how much of it is traced (for trails and ends)."""
        self.coin_address[coin] = address_id
        self.parents.setdefault((origin, coin), (parent, tx))
        self.taint_of[(origin, coin)] = self.taint_of.get((origin, coin), 0) + amount

    def _fresh(self, coin: Key) -> bool:
        """Poison taints a coin once: a second tainted input adds nothing to an already poisoned coin."""
        if self.model != "poison":
            return True
        if coin in self._seen_poison:
            return False
        self._seen_poison.add(coin)
        return True

    def _stop(self, address_id: int, amount: int) -> str | None:
        if self.services.service(address_id):
            return "service"
        return "threshold" if amount < self.limits.min_value else None

    def _edges(self, sources: dict[int, float], other: int, tx: TxView, hop: int, amount: int, taint: int,
               from_inputs: bool) -> None:  # fmt: skip
        for address_id, share in sources.items():
            part = int(taint * share)
            if part:
                pair = (address_id, other) if from_inputs else (other, address_id)
                self.edges.append(RawEdge(pair[0], pair[1], tx, hop, amount, part))

    # -- backward --------------------------------------------------------------
    def _backward_hop(self, frontier: dict[Key, Taint], hop: int) -> dict[Key, Taint]:
        by_tx: dict[int, dict[int, dict[Coin, Taint]]] = defaultdict(lambda: defaultdict(dict))
        for (origin, coin), taint in frontier.items():
            by_tx[coin[0]][origin][coin] = taint
        txs = self.store.trace_reads().transactions(set(by_tx))
        self.services.labels({i[2] for tx in txs.values() for i in tx.inputs if i[2] is not None})
        return self._collect(by_tx, txs, hop, self._backward_tx)

    def _backward_tx(self, tx: TxView, tainted: dict[Coin, Taint], hop: int, origin: int) -> dict[Coin, Taint]:
        if reason := "origin" if tx.is_coinbase else self._blocked(tx, hop):
            return self._end_all(tx, tainted, hop, origin, reason)
        out_taint = [tainted.get((tx.tx_id, o[0])) for o in tx.outputs]
        in_taint = backward(self.model, _input_values(tx), [o[2] for o in tx.outputs], out_taint)
        targets = _shares({o[1]: t.amount for o, t in zip(tx.outputs, out_taint, strict=True) if t})
        best = max(tainted, key=lambda c: tainted[c].amount)
        following: dict[Coin, Taint] = {}
        for (_, spent, address_id, value), got in zip(tx.inputs, in_taint, strict=True):
            if got is not None and spent is None:  # a sparse store without this input's funding transaction
                self.ends.append(RawEnd(self.coin_address[best], tx, hop, got.amount, "not_fetched", best, origin))
                continue
            if got is None or spent is None or address_id is None or not self._fresh((origin, spent)):
                continue
            self._note(origin, spent, address_id, best, tx, got.amount)
            self._edges(targets, address_id, tx, hop, value, got.amount, from_inputs=False)
            self._reach(address_id, hop, got.amount)
            if reason := self._stop(address_id, got.amount):
                self.ends.append(RawEnd(address_id, tx, hop, got.amount, reason, spent, origin))
            else:
                following[spent] = got
        return following

    def trail(self, coin: Coin, origin: int = 0) -> list[tuple[Coin, TxView]]:
        """The chain of (coin, transaction) from the start of ``origin`` to ``coin``, start side first."""
        path: list[tuple[Coin, TxView]] = []
        while (origin, coin) in self.parents:
            parent, tx = self.parents[(origin, coin)]
            path.append((coin, tx))
            coin = parent
        return path[::-1]


def _input_values(tx: TxView) -> list[int]:
    """The inputs' values, those of inputs whose funding transaction a sparse store did not fetch estimated.

    Their value is unknown; the outputs less the known inputs (the fee left out) is shared among them, so the
    taint model still gives them their part, which ends there as not fetched, rather than handing it to the
    known inputs (or, with no input known, losing the trail without a word).
    """
    values = [i[3] for i in tx.inputs]
    missing = [k for k, i in enumerate(tx.inputs) if i[1] is None]
    if missing:
        gap = max(0, tx.output_total - sum(values))
        for n, k in enumerate(missing):
            values[k] = gap // len(missing) + (1 if n < gap % len(missing) else 0)
    return values


def _shares(amounts: dict[int, int]) -> dict[int, float]:
    total = sum(amounts.values())
    return {k: v / total for k, v in amounts.items()} if total else {}
