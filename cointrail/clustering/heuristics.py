"""The clustering heuristics by name, and the links they find in a range of blocks.

Names are what users type (``--heuristics multi-input,change-fresh``) and what
every recorded link says made it. The default set is chosen by measured
precision (docs/accuracy.md): a false merge can point at an innocent person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pyarrow as pa

from cointrail.clustering.payments import payment_view
from cointrail.domain import CoinJoinFinding, FoundSet, Links  # declared there: the store keeps them
from cointrail.errors import InputError
from cointrail.heuristics import multi_input
from cointrail.heuristics.change import CHANGE_HEURISTICS, change_links
from cointrail.heuristics.coinjoin import (
    COINJOIN,
    COLLABORATIVE_RULES,
    DEFAULT_RULES,
    POSSIBLY_COLLABORATIVE,
    CoinJoinDetection,
    CoinJoinRule,
    EqualOutputRule,
    PayJoinRule,
    ResolvedTransaction,
    detect_coinjoin,
    detect_collaborative,
)
from cointrail.heuristics.collaborative import payjoin_reasons
from cointrail.store.interface import LedgerArrays

HEURISTIC_NAMES: tuple[str, ...] = (multi_input.NAME, *CHANGE_HEURISTICS)
CODES: dict[str, int] = {name: code for code, name in enumerate(HEURISTIC_NAMES)}

# Chosen by measured precision on the ground-truth scenarios (docs/accuracy.md): a change heuristic joins
# the multi-input heuristic only if it made no false link on any seed, over at least 100 links in all,
# and the set together made no false merge. change-address-type (87% of its links right) and
# change-fresh (too few links to judge) stay opt-in.
DEFAULT_HEURISTICS: tuple[str, ...] = (multi_input.NAME, "change-round-amount", "change-optimal")

# The CoinJoin prefilter: the fewest equal outputs any rule needs, and Wasabi 2's input count.
MIN_EQUAL_OUTPUTS = EqualOutputRule().min_equal_outputs
MIN_COINJOIN_INPUTS = 50


def parse_heuristics(text: str | None) -> tuple[str, ...]:
    """Heuristic names from a comma-separated list (``None`` or ``"default"``: the default set)."""
    if text is None or text.strip() == "default":
        return DEFAULT_HEURISTICS
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in CODES]
    if unknown or not names:
        raise InputError(
            f"unknown heuristic {', '.join(unknown) or '(none given)'}; choose from {', '.join(HEURISTIC_NAMES)}"
        )
    return tuple(sorted(names, key=CODES.__getitem__))


COINJOIN_RULES = DEFAULT_RULES


def rules_for(chain: str | None) -> tuple[tuple[CoinJoinRule, ...], tuple[CoinJoinRule, ...]]:
    """The CoinJoin and collaborative rules, saying amounts in ``chain``'s coin (LTC on Litecoin; BTC if None)."""
    chain = chain or "bitcoin"
    return (tuple(replace(r, chain=chain) for r in COINJOIN_RULES),  # type: ignore[type-var]
            tuple(replace(r, chain=chain) for r in COLLABORATIVE_RULES))  # type: ignore[type-var]  # fmt: skip


Detector = Callable[[ResolvedTransaction], CoinJoinDetection | None]


def _on_candidates(source: LedgerArrays, lo: int, hi: int, detect: Detector) -> list[CoinJoinFinding]:
    """``detect`` on each candidate the store prefilters in SQL for blocks ``lo``..``hi``."""
    found = []
    for tx_id, rtx in source.coinjoin_candidates(lo, hi, MIN_EQUAL_OUTPUTS, MIN_COINJOIN_INPUTS):
        detection = detect(rtx)
        if detection is not None:
            found.append(CoinJoinFinding(tx_id, detection.rule, detection.evidence, detection.kind,
                                         detection.participants))  # fmt: skip
    return found


def find_detections(source: LedgerArrays, lo: int, hi: int,
                    chain: str | None = None) -> tuple[list[CoinJoinFinding], list[CoinJoinFinding]]:  # fmt: skip
    """(CoinJoins, possibly-collaborative transactions) in blocks ``lo``..``hi``: candidates prefiltered by the
    store in SQL, then every rule on each candidate (:func:`find_detection_sets`, the PayJoins as objects)."""
    coinjoins, others, payjoins = find_detection_sets(source, lo, hi, chain)
    flagged = others + (payjoins.findings() if payjoins is not None else [])
    return coinjoins, sorted(flagged, key=lambda f: f.tx_id)


def find_detection_sets(source: LedgerArrays, lo: int, hi: int, chain: str | None = None, *, payjoins: bool = True
                        ) -> tuple[list[CoinJoinFinding], list[CoinJoinFinding], FoundSet | None]:  # fmt: skip
    """(CoinJoins, other possibly-collaborative transactions, the PayJoin-like payments as one set) in blocks
    ``lo``..``hi``. The PayJoins stay columns (a chain has some 10^5): their words are rendered when written.
    Without ``payjoins`` the set is not looked for (None): a build finds it once for all its blocks
    (:func:`find_payjoins`)."""
    rules, collaborative = rules_for(chain)
    found = _on_candidates(source, lo, hi, lambda rtx: detect_collaborative(rtx, rules, collaborative))
    coinjoins = [f for f in found if f.kind == COINJOIN]
    others = [f for f in found if f.kind != COINJOIN]
    return coinjoins, others, _payjoins(source, lo, hi, collaborative) if payjoins else None


def find_payjoins(source: LedgerArrays, lo: int, hi: int, chain: str | None = None) -> FoundSet | None:
    """The PayJoin-like payments of blocks ``lo``..``hi`` as one set (None without a PayJoin rule), in one query:
    on the 1M chain one query over the whole chain cost 1.1-1.2 s of CPU against 1.75-1.86 s for 20 ranges (each
    range joins the whole ``addresses`` table again)."""
    return _payjoins(source, lo, hi, rules_for(chain)[1])


def _payjoins(source: LedgerArrays, lo: int, hi: int, rules: tuple[CoinJoinRule, ...]) -> FoundSet | None:
    """The PayJoin rule, set-based in the store: two-output payments are too many to read one by one. Each
    payment's reason is chosen here, as :meth:`PayJoinRule.detect` chooses it."""
    rule = next((r for r in rules if isinstance(r, PayJoinRule)), None)
    if rule is None:
        return None
    signs = source.payjoin_signs(lo, hi, rule.max_inputs)
    column = lambda name: signs.column(name).to_numpy(zero_copy_only=False)  # noqa: E731
    reasons = payjoin_reasons(column("out_smallest"), column("smallest"), column("paired"))
    facts = pa.table({"tx_id": signs.column("tx_id").cast(pa.int64()), "reason": reasons,
                      "inputs": signs.column("n"), "scripts": signs.column("scripts"), "kinds": signs.column("kinds"),
                      "smaller": signs.column("out_smallest"), "larger": signs.column("out_largest"),
                      "smallest_input": signs.column("smallest")})  # fmt: skip
    return FoundSet(rule.name, POSSIBLY_COLLABORATIVE, 2, facts, rule.words())


def find_coinjoins(source: LedgerArrays, lo: int, hi: int, chain: str | None = None) -> list[CoinJoinFinding]:
    """CoinJoins in blocks ``lo``..``hi`` (possibly-collaborative transactions left out, so the set-based
    PayJoin check, which finds only those, is not run)."""
    rules, _ = rules_for(chain)
    return _on_candidates(source, lo, hi, lambda rtx: detect_coinjoin(rtx, rules))


def find_links(source: LedgerArrays, lo: int, hi: int, heuristics: tuple[str, ...],
               coinjoins: list[CoinJoinFinding], sets: tuple[FoundSet, ...] = ()) -> Links:  # fmt: skip
    """Every link the chosen heuristics find in blocks ``lo``..``hi``, in chain order, the transactions of
    ``coinjoins`` and of ``sets`` (CoinJoins, possibly collaborative ones) excluded."""
    chosen = [CHANGE_HEURISTICS[name] for name in heuristics if name in CHANGE_HEURISTICS]
    inputs = source.spending_inputs(lo, hi, types=bool(chosen))  # only the change heuristics read the types
    excluded = np.unique(np.concatenate([np.array([c.tx_id for c in coinjoins], np.int64),
                                         *(_within(s.tx_ids(), inputs.tx_id) for s in sets)]))  # fmt: skip
    parts = []
    if multi_input.NAME in heuristics:
        keep = ~np.isin(inputs.tx_id, excluded)
        a, b, tx = multi_input.co_spend_links(inputs.tx_id[keep], inputs.address_id[keep])
        parts.append(Links(a, b, tx, np.full(len(a), CODES[multi_input.NAME], np.int8)))
    if chosen:
        view = payment_view(inputs, source.payment_outputs(lo, hi), excluded)
        changes = []
        for heuristic in chosen:
            a, b, tx = change_links(view, heuristic)
            changes.append(Links(a, b, tx, np.full(len(a), CODES[heuristic.name], np.int8)))
        parts.append(_agreed(Links.concat(changes)))
    return Links.concat(parts).in_chain_order()


def _within(sorted_ids: np.ndarray, tx_ids: np.ndarray) -> np.ndarray:
    """The part of ``sorted_ids`` between the least and the greatest of ``tx_ids`` (the transactions of a range):
    a set found for a whole build is read range by range without sorting all of it again each time."""
    if len(tx_ids) == 0:
        return sorted_ids[:0]
    first, last = np.searchsorted(sorted_ids, [tx_ids.min(), tx_ids.max()], side="left")
    return sorted_ids[first : last + 1]


def _agreed(changes: Links) -> Links:
    """The change links of transactions where the chosen change heuristics name the same output.

    Two heuristics naming different outputs of one payment cannot both be
    right (a wallet that spent both coins of a reused address pays a round
    amount smaller than each input: "optimal change" and "round amount" then
    disagree); unsure, no change link is made there (issue 12: lose recall,
    never precision).
    """
    if len(changes) == 0:
        return changes
    pairs = np.unique(np.stack([changes.tx_id, changes.b]), axis=1)
    tx, count = np.unique(pairs[0], return_counts=True)
    return changes.take(np.flatnonzero(~np.isin(changes.tx_id, tx[count > 1])))
