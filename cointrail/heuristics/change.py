"""Change-address heuristics: which output of a payment went back to the payer.

A typical payment has two outputs: the payee's, and the change the payer's
wallet sends back to itself. Naming the change output links it to the inputs'
wallet. Each heuristic here is named, switchable, and states its reason; they
follow the literature collected in FIELD_NOTES.md (Meiklejohn et al., "A
Fistful of Bitcoins", 2013; BlockSci's change heuristics, Kalodner et al.
2020). Only two-output transactions are considered, and a heuristic names a
change output only when exactly one output fits it: ambiguity means no link.

Every heuristic uses only what was known when the transaction was mined (no
look-ahead at later spends), so incremental clustering equals a full run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Output types a wallet sends change to; OP_RETURN, P2PK and bare multisig are never change.
SPENDABLE_TYPES = ("p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr")


@dataclass(frozen=True)
class PaymentView:
    """Two-output payments, one row each: what the change heuristics look at.

    ``out_*`` arrays have shape (n, 2), one column per output in vout order.
    ``in_type`` is the inputs' common script type code, or -1 when they differ.
    """

    tx_id: np.ndarray
    in_address: np.ndarray  # smallest input address: the wallet's representative
    in_type: np.ndarray
    in_min_value: np.ndarray
    out_address: np.ndarray
    out_value: np.ndarray
    out_type: np.ndarray
    out_fresh: np.ndarray  # bool: the address is paid here for the first time


def _exactly_one(flags: np.ndarray) -> np.ndarray:
    """Index (0/1) of the one True column per row, or -1 where zero or two are True."""
    return np.where(flags[:, 0] != flags[:, 1], np.where(flags[:, 0], 0, 1), -1)


def address_type_match(view: PaymentView) -> np.ndarray:
    """Change has the inputs' address type when the payment's address does not (BlockSci "address type")."""
    return _exactly_one((view.out_type == view.in_type[:, None]) & (view.in_type[:, None] >= 0))


def fresh_one_time_change(view: PaymentView) -> np.ndarray:
    """Change goes to a new address while the payee's address was used before (Meiklejohn et al. 2013)."""
    return _exactly_one(view.out_fresh)


def round_payment_amount(view: PaymentView, unit: int = 100_000) -> np.ndarray:
    """People pay round amounts; the output that is not round is the change (BlockSci "power of ten").

    ``unit`` is the roundness asked of the payment, in base units (default 0.001 coin).
    """
    return _exactly_one(view.out_value % unit != 0)


def optimal_change(view: PaymentView) -> np.ndarray:
    """Change is smaller than every input, else a wallet would have left one out (BlockSci "optimal change")."""
    return _exactly_one(view.out_value < view.in_min_value[:, None])


@dataclass(frozen=True)
class ChangeHeuristic:
    """A named change heuristic with the reason it gives, in words, for each link."""

    name: str
    pick: Callable[[PaymentView], np.ndarray]
    reason: str


CHANGE_HEURISTICS: dict[str, ChangeHeuristic] = {
    h.name: h
    for h in (
        ChangeHeuristic("change-address-type", address_type_match,
                        "it is the only output of the same address type as the inputs"),
        ChangeHeuristic("change-fresh", fresh_one_time_change,
                        "it is the only output paid to a brand-new address, while the other address had been "
                        "used before"),
        ChangeHeuristic("change-round-amount", round_payment_amount,
                        "the other output is a round amount, as payments usually are, and this one is not"),
        ChangeHeuristic("change-optimal", optimal_change,
                        "it is smaller than every input, so the payment needed all of them and this is what "
                        "was left over"),
    )
}  # fmt: skip


def change_links(view: PaymentView, heuristic: ChangeHeuristic) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Links (input address, change address, tx_id) that ``heuristic`` finds in ``view``."""
    pick = heuristic.pick(view)
    rows = np.flatnonzero(pick >= 0)
    change = view.out_address[rows, pick[rows]]
    return view.in_address[rows], change, view.tx_id[rows]
