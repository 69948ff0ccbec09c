"""The multi-input (co-spend) heuristic: the inputs of one transaction belong to one wallet.

Every input needs its owner's signature, so whoever made the transaction
controlled every address it spends from (Nakamoto 2008, §10; Meiklejohn et al.
2013). CoinJoins break the rule on purpose and are excluded by the caller.
"""

from __future__ import annotations

import numpy as np

NAME = "multi-input"


def co_spend_links(tx_id: np.ndarray, address_id: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Links (a, b, tx_id) joining each input address of a transaction to the address of its first input.

    ``tx_id`` and ``address_id`` are parallel arrays, one row per input, in
    transaction order (the store gives them so; otherwise they are sorted here).
    A star per transaction is enough: it connects the same addresses as every
    pair. Repeated addresses give repeated links, which the merge ignores.
    """
    if len(tx_id) > 1 and bool((tx_id[1:] < tx_id[:-1]).any()):
        order = np.argsort(tx_id, kind="stable")
        tx_id, address_id = tx_id[order], address_id[order]
    first = np.ones(len(tx_id), bool)
    np.not_equal(tx_id[1:], tx_id[:-1], out=first[1:])
    hub = address_id[np.flatnonzero(first)][np.cumsum(first) - 1]  # each input's first-input address
    spoke = address_id != hub
    return (hub[spoke].astype(np.int64, copy=False), address_id[spoke].astype(np.int64, copy=False),
            tx_id[spoke].astype(np.int64, copy=False))  # fmt: skip
