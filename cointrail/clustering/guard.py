"""The supercluster check: a link that would join two clusters that are each already large is held back.

A false merge points at an innocent person (issue 12). On independently made
Litecoin economies, undetected CoinJoins merged 8 owners into one "wallet" of
92 addresses; every such merge at some point joins two clusters that were each
large and separate. Two large wallets of one owner do get joined too (a wallet
that grew in two parts spends from both), so such a link is not thrown away:
it is held back from the default clustering, recorded in ``held_links``,
shown as "probable false merge, not applied" with its transaction, and an
investigator who has checked the transaction can apply it
(``cointrail cluster apply-link TXID --case CASE``), which the case's custody
log records.
"""

from __future__ import annotations

import hashlib

import numpy as np

from cointrail.heuristics.coinjoin import COLLABORATIVE_RULES, DEFAULT_RULES

# Both sides at least this many addresses. Measured on the tuning seeds (seed 1) of the eight families told to
# the detection work (docs/clustering.md): of all merges of one owner's parts, the smaller side never held more
# than 5 addresses; the false wallet of issue 12 held 92 addresses of 8 owners, about 11 each, so parts of that
# size were probably joined (not measured: its chain is not ours). 10 leaves twice the largest true merge seen.
# Services grow by sweeping fresh deposit addresses, one small side at a time, so they are rarely held back.
HOLD_AT = 10

DETECTION_VERSION = "6"  # bump when the rules change: stored runs are then rebuilt from scratch


def detection_fingerprint(applied: np.ndarray, hold_at: int = HOLD_AT) -> str:
    """What, besides the heuristics, decides the clusters: the rules, the check's threshold, applied links.

    A build whose fingerprint differs from the last run's starts again from the
    first block, so an incremental build always equals a full one.
    """
    rules = ",".join(rule.name for rule in (*DEFAULT_RULES, *COLLABORATIVE_RULES))
    applied_hash = hashlib.sha256(np.asarray(applied, np.int64).tobytes()).hexdigest()[:16]
    return f"v{DETECTION_VERSION};rules={rules};hold_at={hold_at};applied={applied_hash}"
