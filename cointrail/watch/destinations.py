"""Where a watched address's money went: each output of the spending transaction named, with its reason.

In order of what an investigator must act on first:

- a **labelled service** (an exchange, a custodial wallet…): its label, source and confidence; for one that keeps
  customer records (legal process can be served there) a ready freeze request goes with the alert;
- an **unnamed exchange-like service** (``services detect`` recognised its wallet by behaviour, no label names
  it): a lead, never a named exchange, and no freeze request can be addressed to it;
- a **CoinJoin** (the whole transaction is one, by the rule that says so): the trail is broken there;
- **back to a watched address** (change, or a move inside the watched wallet);
- a **fresh address**, first seen in this transaction's block, or an address **seen before** (with its height).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.amounts import Amount
from cointrail.chains.bitcoin.model import display_hash
from cointrail.domain import WatchedOutput, WatchedTx
from cointrail.heuristics.joinbase import CoinJoinDetection
from cointrail.times import utc_iso
from cointrail.tracing.services import ServiceHit, Services

SERVICE, LEAD, COINJOIN, WATCHED, FRESH, SEEN = "service", "lead", "coinjoin", "watched", "fresh", "seen before"


@dataclass(frozen=True)
class Destination:
    """One output of a spend, named."""

    output: WatchedOutput
    kind: str
    words: str
    service: ServiceHit | None = None

    @property
    def freezable(self) -> bool:
        """A labelled business that keeps customer records: legal process (a freeze request) can be served."""
        return self.service is not None and self.service.legal_process

    def to_json(self, chain: str) -> dict[str, Any]:
        out = self.output
        return {"vout": out.vout, "address": out.address, "value": out.value,
                "value_text": str(Amount(out.value, chain)), "kind": self.kind, "words": self.words,
                "service": self.service.to_dict() if self.service else None}  # fmt: skip


def name_outputs(tx: WatchedTx, watched: set[int], services: Services,
                 coinjoin: CoinJoinDetection | None, chain: str) -> list[Destination]:  # fmt: skip
    """Each output of ``tx`` (a spend by a watched address) with where it went, in output order."""
    services.labels({o.address_id for o in tx.outputs})
    return [_named(o, tx, watched, services, coinjoin, chain) for o in tx.outputs]


def _named(out: WatchedOutput, tx: WatchedTx, watched: set[int], services: Services,
           coinjoin: CoinJoinDetection | None, chain: str) -> Destination:  # fmt: skip
    amount = Amount(out.value, chain)
    where = out.address or f"a script with no address (output {out.vout})"
    hit = services.service(out.address_id)
    if hit is not None and not hit.detected:
        how = ("in a wallet services detect found to be one exchange with a wallet labelled" if hit.joined_by
               else "its wallet is labelled" if hit.via_cluster else "labelled")  # fmt: skip
        return Destination(out, SERVICE, f"{amount} into {hit.service} ({hit.category}): {where} is {how} "
                                         f"'{hit.label}' by {hit.source}", hit)  # fmt: skip
    if hit is not None:
        return Destination(out, LEAD, f"{amount} into {hit.service}: a lead, no label names it "
                                      f"(behaviour score {hit.confidence_value} of 100)", hit)  # fmt: skip
    if coinjoin is not None:
        return Destination(out, COINJOIN, f"{amount} to {where}, an output of a CoinJoin ({coinjoin.rule}): "
                                          "who received what cannot be told from the chain")  # fmt: skip
    if out.address_id in watched:
        return Destination(out, WATCHED, f"{amount} back to {where}, a watched address")
    if out.first_height == tx.height:
        return Destination(out, FRESH, f"{amount} to {where}, a fresh address (first seen in this block)")
    return Destination(out, SEEN, f"{amount} to {where}, an address first seen at height {out.first_height}")


def freeze_request(dest: Destination, tx: WatchedTx, case: str, chain: str) -> dict[str, Any]:
    """A ready request to the exchange: freeze and preserve the deposit, with what identifies it."""
    assert dest.service is not None
    amount, txid, when = str(Amount(dest.output.value, chain)), display_hash(tx.txid), utc_iso(tx.time)
    text = (
        f"URGENT — request to freeze and preserve funds ({case}).\n"
        f"To: {dest.service.service}, law-enforcement response team.\n"
        f"On {when}, {amount} was deposited to {dest.output.address}, which we attribute to your service "
        f"({dest.service.label}, source {dest.service.source}"
        + (", on another address of your service's wallets as their transactions show" if dest.service.joined_by
           else "") + f"), in transaction {txid}, output {dest.output.vout}, "
        f"block {tx.height}.\n"
        "The funds are connected to an ongoing investigation of child sexual exploitation or human trafficking. "
        "Please freeze the credited funds pending legal process, preserve the account's records (identity, logins "
        "with IP addresses, deposits and withdrawals, linked accounts), and do not notify the account holder. "
        "Formal legal process follows; reply to confirm the freeze and the account reference."
    )
    return {"exchange": dest.service.service, "deposit_address": dest.output.address, "txid": txid,
            "vout": dest.output.vout, "amount": dest.output.value, "amount_text": amount, "block_time": when,
            "height": tx.height, "text": text}  # fmt: skip
