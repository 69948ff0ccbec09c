"""What a light source is: a server that indexes a chain (Electrum, Esplora) and answers for one address at a time.

Unlike a block source (:mod:`.interface`), a light source never sends whole blocks: it sends an address's history,
a transaction's raw bytes, a merkle branch and block headers, and each of those is proven here
(:mod:`.proving`) before anything believes it. That an address's history is *complete* cannot be proven: a
:class:`History` says how far it goes (the server's tip, or where it was cut short, and why).

The crawl (``cointrail ingest --electrum/--esplora``) reads through :class:`LightSource` and
:class:`LightSession` only. A session is one connection with one identity towards the server (through Tor, its
own circuit): the crawl opens one per seed address, so that a server's operator cannot link a case's addresses
by seeing them asked together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from cointrail.addresses.parse import parse_address
from cointrail.chains.bitcoin.model import BlockHeader, Transaction
from cointrail.errors import ExternalServiceError, InputError, IntegrityError

if TYPE_CHECKING:
    from cointrail.chains.bitcoin.sources.proving import Prover


class SourceError(ExternalServiceError):
    """A light source failed or answered what cannot be used (the message names the server)."""


class BudgetExhausted(SourceError):
    """The crawl asked the server more often than its request budget allows."""


class ProofError(IntegrityError):
    """What a server sent does not prove what it claims (a txid, a merkle branch, a proof of work, a header link)."""


@dataclass(frozen=True)
class HistoryEntry:
    """One transaction of an address's history: its txid (internal order) and height (0: in the mempool)."""

    txid: bytes
    height: int


@dataclass(frozen=True)
class History:
    """An address's transactions as a server listed them, with how far the listing goes.

    ``complete`` is the server's word, not a proof: True when it listed everything it knew at ``tip_height``;
    False with ``truncated`` saying why (a limit of ours, the server's "history too large", a page that
    repeated, fewer transactions than the server counted).
    """

    address: str
    script_pubkey: bytes
    entries: tuple[HistoryEntry, ...]
    tip_height: int
    complete: bool
    truncated: str | None = None
    server_count: int | None = None  # transactions the server said the address has, where it says


@dataclass(frozen=True)
class ProvenTransaction:
    """A transaction whose bytes hash to its txid, placed in a block by a merkle proof to a checked header.

    ``height``, ``header`` and ``position`` are None for a transaction still in the mempool (bytes proven only).
    """

    tx: Transaction
    raw: bytes
    height: int | None = None
    header: BlockHeader | None = None
    position: int | None = None

    @property
    def confirmed(self) -> bool:
        return self.header is not None


@dataclass(frozen=True)
class Outspend:
    """Who spends one output: the spending txid (internal order) and input index, or None while unspent."""

    vout: int
    spender: bytes | None = None
    vin: int | None = None


@dataclass
class Budget:
    """At most ``limit`` requests to a server in a crawl (None: no limit); counted over all sessions."""

    limit: int | None = None
    used: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def spend(self, server: str, method: str) -> None:
        if self.limit is not None and self.used >= self.limit:
            raise BudgetExhausted(f"the request budget of {self.limit} requests to {server} is spent "
                                  f"(raise it, or crawl fewer addresses or hops)")  # fmt: skip
        self.used += 1
        self.by_method[method] = self.by_method.get(method, 0) + 1


class LightSession(Protocol):
    """One connection to a light source with one identity; every answer is proven before it is returned."""

    def tip_height(self) -> int: ...

    def history(self, address: str, limit: int | None = None) -> History: ...

    # The history of an output script with no address (P2PK, bare multisig): ``address`` is "" in what it returns.
    def script_history(self, script: bytes, limit: int | None = None) -> History: ...

    def transaction(self, txid: bytes, height: int | None = None, vout: int | None = None) -> ProvenTransaction: ...

    def header(self, height: int) -> BlockHeader: ...

    def outspends(self, tx: Transaction) -> Sequence[Outspend] | None: ...

    def close(self) -> None: ...

    def __enter__(self) -> LightSession: ...

    def __exit__(self, *exc: object) -> None: ...


class LightSource(Protocol):
    """A server that indexes a chain: where sessions come from, and what it is (for the store's provenance)."""

    @property
    def name(self) -> str: ...  # the server's address without credentials: electrum+tcp://host:port, https://host/api

    chain: str
    network: str
    budget: Budget
    prover: Prover  # what every session's answers are proven by, the headers checked so far with it

    def session(self) -> LightSession: ...

    def check_network(self) -> None: ...


def address_script(address: str, chain: str, network: str) -> bytes:
    """The output script an address stands for on ``chain`` ``network``; InputError when it is not one there."""
    info = parse_address(address)
    for candidate in info.candidates:
        if candidate.chain == chain and network in candidate.network.split("|") and candidate.script_pubkey:
            return bytes.fromhex(candidate.script_pubkey)
    raise InputError(f"{address!r} is not a {chain} {network} address with an output script")

