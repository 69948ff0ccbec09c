"""Assemble the change heuristics' view of two-output payments from the ledger's arrays."""

from __future__ import annotations

import numpy as np

from cointrail.heuristics.change import SPENDABLE_TYPES, PaymentView
from cointrail.store.interface import SpendingInputs, TxOutputs

_TYPE_CODES = {name: code for code, name in enumerate(SPENDABLE_TYPES)}


def _type_codes(types: np.ndarray) -> np.ndarray:
    """Script types as small integers; -1 for types that are never change (OP_RETURN, P2PK, …)."""
    names, inverse = np.unique(types.astype(str), return_inverse=True)
    table = np.array([_TYPE_CODES.get(name, -1) for name in names], np.int64)  # one entry per distinct type
    return table[inverse] if len(types) else np.empty(0, np.int64)


def _per_tx_inputs(inputs: SpendingInputs) -> dict[str, np.ndarray]:
    """Per spending transaction: smallest input address, common input type (or -1), smallest input value."""
    tx = inputs.tx_id
    starts = np.flatnonzero(np.r_[True, tx[1:] != tx[:-1]]) if len(tx) else np.empty(0, np.int64)
    codes = _type_codes(inputs.script_type)
    lo_type, hi_type = np.minimum.reduceat(codes, starts), np.maximum.reduceat(codes, starts)
    return {
        "tx_id": tx[starts],
        "address": np.minimum.reduceat(inputs.address_id, starts),
        "type": np.where(lo_type == hi_type, lo_type, -1),
        "min_value": np.minimum.reduceat(inputs.value, starts),
    }


def payment_view(inputs: SpendingInputs, outputs: TxOutputs, excluded: np.ndarray) -> PaymentView:
    """Two-output payments with spendable outputs, excluding CoinJoins and transactions paying an input address.

    A transaction that pays back to one of its own input addresses shows its
    change plainly; guessing there could only name the payee as change.
    """
    if len(inputs.tx_id) == 0 or len(outputs.tx_id) == 0:
        return _empty_view()
    per_tx = _per_tx_inputs(inputs)
    out_tx = outputs.tx_id.reshape(-1, 2)[:, 0]
    out_type = _type_codes(outputs.script_type).reshape(-1, 2)
    out_address = outputs.address_id.reshape(-1, 2)
    span = np.int64(max(int(inputs.address_id.max()), int(outputs.address_id.max())) + 1)
    reused = np.isin(outputs.tx_id * span + outputs.address_id, inputs.tx_id * span + inputs.address_id)
    keep = np.isin(out_tx, per_tx["tx_id"]) & ~np.isin(out_tx, excluded)
    keep &= (out_type >= 0).all(axis=1) & ~reused.reshape(-1, 2).any(axis=1)
    keep &= out_address[:, 0] != out_address[:, 1]
    row = np.searchsorted(per_tx["tx_id"], out_tx[keep])
    return PaymentView(
        tx_id=out_tx[keep],
        in_address=per_tx["address"][row],
        in_type=per_tx["type"][row],
        in_min_value=per_tx["min_value"][row],
        out_address=out_address[keep],
        out_value=outputs.value.reshape(-1, 2)[keep],
        out_type=out_type[keep],
        out_fresh=(outputs.first_tx_id == outputs.tx_id).reshape(-1, 2)[keep],
    )


def _empty_view() -> PaymentView:
    one, two = np.empty(0, np.int64), np.empty((0, 2), np.int64)
    return PaymentView(one, one, one, one, two, two, two, np.empty((0, 2), bool))
