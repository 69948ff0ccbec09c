"""Internal value transfers from a node's traces, in both styles anvil, geth and erigon serve (issue 16).

A transfer inside a failed frame moved nothing, and neither did anything a failed frame called: a frame's failure
is propagated to every call nested in it (GraphSense does the same). A reverted transaction fails all its frames.
The top frame is the transaction itself (its value is in the transaction's row), so only nested frames are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cointrail.chains.ethereum.hashes import hexint


@dataclass(frozen=True)
class InternalTransfer:
    tx_hash: str
    trace_address: tuple[int, ...]  # the frame's path from the top call (parity's traceAddress)
    sender: str
    receiver: str
    value: int
    kind: str  # call, create, selfdestruct
    failed: bool


def _parity_frame(frame: dict[str, Any]) -> tuple[str, str, int, str] | None:
    action, result = frame["action"], frame.get("result") or {}
    if frame["type"] == "call" and action.get("callType", "call") in ("call", "callcode"):
        return action["from"], action["to"], hexint(action.get("value")), "call"
    if frame["type"] == "create":
        return action["from"], result.get("address") or "", hexint(action.get("value")), "create"
    if frame["type"] in ("suicide", "selfdestruct"):
        return action["address"], action["refundAddress"], hexint(action.get("balance")), "selfdestruct"
    return None  # delegatecall and staticcall move no value of their own


def from_parity(frames: list[dict[str, Any]]) -> list[InternalTransfer]:
    """Nested value transfers from ``trace_block``'s flat frames (each names its path in ``traceAddress``)."""
    failed: set[tuple[str, tuple[int, ...]]] = set()
    found = []
    for frame in frames:
        if frame.get("transactionHash") is None:
            continue  # block and uncle rewards (pre-merge) are not transfers between accounts
        tx, path = frame["transactionHash"], tuple(frame["traceAddress"])
        # frames come parents first, so a failed ancestor is already known
        broken = "error" in frame or any((tx, path[:i]) in failed for i in range(len(path)))
        if broken:
            failed.add((tx, path))
        moved = _parity_frame(frame)
        if path and moved is not None and moved[2] > 0:
            found.append(InternalTransfer(tx, path, moved[0].lower(), moved[1].lower(), moved[2], moved[3], broken))
    return found


def _walk_geth(tx: str, frame: dict[str, Any], path: tuple[int, ...], broken: bool) -> Iterator[InternalTransfer]:
    broken = broken or bool(frame.get("error"))
    kind = frame.get("type", "CALL").upper()
    value = hexint(frame.get("value"))
    if path and value > 0 and kind in ("CALL", "CALLCODE", "CREATE", "CREATE2", "SELFDESTRUCT"):
        word = {"CREATE2": "create", "CALLCODE": "call"}.get(kind, kind.lower())
        yield InternalTransfer(tx, path, frame["from"].lower(), str(frame.get("to") or "").lower(), value, word, broken)
    for i, child in enumerate(frame.get("calls") or []):
        yield from _walk_geth(tx, child, (*path, i), broken)


def from_geth(traces: list[dict[str, Any]]) -> list[InternalTransfer]:
    """Nested value transfers from ``debug_traceBlockByNumber`` with ``callTracer`` (one nested tree per tx)."""
    return [t for entry in traces for t in _walk_geth(entry["txHash"], entry["result"], (), False)]
