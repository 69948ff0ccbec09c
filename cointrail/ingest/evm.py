"""Ethereum ingest (issue 16): a node's blocks, verified, into the account-model store, with coverage recorded.

Two modes. A block range fetches every block in it. Case-scoped (the default an investigation should use, since
whole-chain traces take days on any node) asks the node which blocks in a window touched the case's addresses --
``trace_filter`` for ether, ``eth_getLogs`` on the listed tokens for tokens -- and fetches only those. Coverage rows
say what was fetched, from which node and client: a report must tell "not fetched" from "no payments". Blocks read
before the node's finalized block caught up with them are checked again by every later ingest and read again if
their hash changed (a reorg).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cointrail.chains.ethereum.sources.rpc import EvmRpcSource
from cointrail.chains.ethereum.tokens import TOKENS
from cointrail.errors import InputError
from cointrail.store.duckdb.account import AccountStore, Coverage


@dataclass(frozen=True)
class EvmIngestReport:
    chain: str
    network: str
    mode: str
    from_block: int
    to_block: int
    addresses: tuple[str, ...]
    blocks_fetched: int
    blocks_new: int
    node: str
    client_version: str
    seconds: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _fetch(store: AccountStore, source: EvmRpcSource, numbers: Sequence[int], finalized: int | None,
           coverage: Coverage, batch: int = 200) -> int:  # fmt: skip
    """Fetch, verify and store the blocks of ``numbers`` not stored yet, ``batch`` to a transaction; the last one
    also marks the blocks up to ``finalized`` final and records ``coverage``."""
    new = 0
    stored = store.stored_numbers(min(numbers), max(numbers)) if numbers else set()
    wanted = [n for n in numbers if n not in stored]
    starts = range(0, len(wanted), batch) or [0]  # no block to read still records the coverage
    for i in starts:  # verified and stored while the next blocks are asked for
        last = i == starts[-1]
        new += store.append((source.verified(raw) for raw in source.fetch_blocks(wanted[i : i + batch])),
                            finalized=finalized if last else None, coverage=coverage if last else None)  # fmt: skip
    return new


def _reorged(store: AccountStore, source: EvmRpcSource, tip: int) -> list[int]:
    """Stored blocks that were not final when read and whose hash the node now gives differently (a reorg): their
    rows are removed, and their numbers returned to be read again. A block the node no longer has is removed too."""
    changed = [n for n, stored in sorted(store.unfinal_blocks().items()) if source.block_hash(n) != stored]
    if changed:
        store.drop_blocks(changed)
    return [n for n in changed if n <= tip]


def ingest_evm(store: AccountStore, source: EvmRpcSource, *, start: int | None = None, end: int | None = None,
               around: Sequence[str] = ()) -> EvmIngestReport:  # fmt: skip
    """Fetch blocks ``start``..``end`` (the tip when not given), all of them or only those touching ``around``."""
    began = time.monotonic()
    head = source.head()  # the finalized block as of now: blocks read after it and below it are final all the same
    tip = head.tip
    low, high = start if start is not None else 0, min(end if end is not None else tip, tip)
    if low > high:
        raise InputError(f"no blocks to read: from {low} to {high} (the node's tip is {tip})")
    addresses = sorted({a.lower() for a in around})
    replaced = _reorged(store, source, tip)
    if addresses:
        listed = [t.address for t in TOKENS if t.chain == store.chain]
        numbers = sorted(source.blocks_touching(addresses, low, high, listed) | set(replaced))
    else:
        numbers = sorted(set(range(low, high + 1)) | set(replaced))
    mode = "addresses" if addresses else "range"
    coverage = Coverage(mode, low, high, addresses, len(numbers), source.url, head.client_version, head.chain_id,
                        source.trace_style)  # fmt: skip
    new = _fetch(store, source, numbers, head.finalized, coverage)
    return EvmIngestReport(store.chain, store.network, mode, low, high, tuple(addresses), len(numbers), new,
                           source.url, head.client_version, time.monotonic() - began)  # fmt: skip


def ingest_token_logs(store: AccountStore, source: EvmRpcSource, around: Sequence[str], *, start: int | None = None,
                      end: int | None = None) -> EvmIngestReport:  # fmt: skip
    """Tron's TRC-20 (issue 16): the listed tokens' logs naming ``around`` (0x form), read through Tron's
    Ethereum-style JSON-RPC, which gives no receipts by block and no traces, and whose transaction ids are not the
    keccak of anything it gives: nothing is verified, and the coverage row says so."""
    began = time.monotonic()
    head = source.head()  # the tip, client version and chain id in one request (Tron's finalized tag unused)
    tip = head.tip
    low, high = start if start is not None else 0, min(end if end is not None else tip, tip)
    addresses = sorted({a.lower() for a in around})
    listed = [t.address for t in TOKENS if t.chain == store.chain]
    logs = source.token_logs(addresses, low, high, listed)
    times, senders = source.times_and_senders(sorted({int(log["blockNumber"], 16) for log in logs}),
                                              sorted({log["transactionHash"] for log in logs}))  # fmt: skip
    new = store.append_logs(logs, times, senders)
    store.add_coverage(Coverage("addresses", low, high, addresses, len(times), source.url, head.client_version,
                                head.chain_id, "none", logs_only=True))  # fmt: skip
    return EvmIngestReport(store.chain, store.network, "addresses", low, high, tuple(addresses), len(times), new,
                           source.url, head.client_version, time.monotonic() - began)  # fmt: skip


@dataclass(frozen=True)
class Widening:
    """What :func:`ingest_until_payers_traced` did: the rounds of ingest around dead ends, the blocks fetched,
    and the payers' answer at the end (``AccountPayersResult``)."""

    rounds: int
    blocks: int
    payers: Any


def ingest_until_payers_traced(db: str | Path, source: EvmRpcSource, sites: Sequence[str], *,
                               max_rounds: int = 3) -> Widening:  # fmt: skip
    """Ask for the payers of ``sites`` in the case-scoped store ``db``; while some trail stops at an account the
    store has not fetched (``AccountFunding.not_fetched``), ingest around those accounts and ask again, at most
    ``max_rounds`` times. What an investigator does by hand with ``ingest --around``, one hop of funding per round.
    """
    from cointrail.investigation import Investigation  # the engine reads the store this module writes

    rounds = blocks = 0
    while True:
        with Investigation.open(db=db) as investigation:
            found = investigation.account_payers(list(sites))
        missing = found.not_fetched()
        if not missing or rounds >= max_rounds:
            return Widening(rounds, blocks, found)
        rounds += 1
        with AccountStore.open(db) as store:
            blocks += ingest_evm(store, source, around=missing).blocks_fetched
