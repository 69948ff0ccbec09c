"""An Ethereum node's JSON-RPC as a source (issue 16): blocks, receipts, logs and traces over httpx.

Blocks come with full transactions (``eth_getBlockByNumber``), receipts with ``eth_getBlockReceipts`` (one call a
block), internal transfers from parity ``trace_block`` or geth ``debug_traceBlockByNumber`` with ``callTracer``.
``eth_getLogs`` over a block range is asked in windows that halve when the node refuses one as too large (nodes cap
results or ranges, each in its own words), down to a single block. Every block is verified
(:mod:`cointrail.chains.ethereum.verify`) before it is returned.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from cointrail.chains.ethereum import traces, verify
from cointrail.chains.ethereum.model import SourcedEvmBlock
from cointrail.chains.ethereum.tokens import (
    BLACKLISTED,
    ISSUER_EVENTS,
    TRANSFER,
    UNBLACKLISTED,
    decode_issuer_action,
)
from cointrail.errors import ExternalServiceError
from cointrail.tls import verified_context

TRACE_STYLES = ("parity", "geth")

# Blocks asked for ahead while the ones already answered are verified and stored: the node works on the next
# requests while this process recomputes hashes and recovers keys.
FETCH_AHEAD = 2
# Calls in one JSON-RPC batch: public gateways cap batches (often at 100 to 1,000 calls).
BATCH_CALLS = 100


class EvmRpcError(ExternalServiceError):
    """The node answered a call with an error."""

    def __init__(self, method: str, error: dict[str, Any]):
        self.method, self.code = method, error.get("code")
        super().__init__(f"the Ethereum node refused {method}: {error.get('message')}")


@dataclass(frozen=True)
class RawEvmBlock:
    """Block ``number`` exactly as the node answered: the block with full transactions, its receipts, its traces.
    Nothing checked yet (:meth:`EvmRpcSource.verified` does that)."""

    number: int
    block: dict[str, Any] | None
    receipts: list[dict[str, Any]]
    traces: Any


@dataclass(frozen=True)
class NodeHead:
    """What :meth:`EvmRpcSource.head` asks at once. ``finalized``: None before the merge, or on a node that does not
    know the tag."""

    tip: int
    finalized: int | None
    client_version: str
    chain_id: int


class EvmRpcSource:
    """One node, by URL. ``trace_style`` is ``parity`` (trace_block) or ``geth`` (callTracer).

    Safe to call from several threads: each has its own HTTP connection. :meth:`fetch_blocks` asks ahead on
    :data:`FETCH_AHEAD` threads of its own and closes their connections when done, so a long ``watch run``, which
    ingests at every new tip, does not gather connections."""

    def __init__(self, url: str, *, trace_style: str = "parity", timeout: float = 120):
        if trace_style not in TRACE_STYLES:
            raise ValueError(f"trace style {trace_style!r}: one of {TRACE_STYLES}")
        self.url, self.trace_style, self._timeout = url, trace_style, timeout
        self._clients: dict[int, httpx.Client] = {}  # by thread
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    @property
    def _client(self) -> httpx.Client:
        thread = threading.get_ident()
        with self._lock:
            client = self._clients.get(thread)
            if client is None:
                client = self._clients[thread] = httpx.Client(timeout=self._timeout, verify=verified_context())
        return client

    def _close_clients(self, threads: Sequence[int] | None = None) -> None:
        """Close the connections of ``threads`` (all when not given)."""
        with self._lock:
            gone = [self._clients.pop(t) for t in (list(self._clients) if threads is None else threads)
                    if t in self._clients]  # fmt: skip
        for client in gone:
            client.close()

    def close(self) -> None:
        self._close_clients()

    def __enter__(self) -> EvmRpcSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, body: Any) -> Any:
        try:
            response = self._client.post(self.url, json=body)
        except httpx.TransportError as error:
            raise ExternalServiceError(f"the Ethereum node at {self.url} cannot be reached: {error}") from error
        try:
            return response.json()
        except ValueError as error:  # a gateway's or a proxy's page (an HTML 401/403/429), not a JSON-RPC answer
            start = " ".join(response.text[:120].split())
            raise ExternalServiceError(
                f"the Ethereum node at {self.url} answered HTTP {response.status_code} with something that is not "
                f"JSON-RPC ({start!r}): check that this is the provider's JSON-RPC address (--rpc), with its API key "
                "if it needs one, or wait and try again if it limits requests"
            ) from error

    def call(self, method: str, *params: Any) -> Any:
        answer = self._post({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)})
        if "error" in answer:
            raise EvmRpcError(method, answer["error"])
        return answer["result"]

    def call_batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several calls in one request (a JSON-RPC batch): each one's result, in the order given, or the
        :class:`EvmRpcError` the node answered it with (returned, not raised). A node that refuses batches (some
        gateways do, some with one error for the request, some with an error for each call) is asked each call on
        its own."""
        ids = [next(self._ids) for _ in calls]
        answers = self._post([{"jsonrpc": "2.0", "id": i, "method": method, "params": list(params)}
                              for i, (method, params) in zip(ids, calls, strict=True)])  # fmt: skip
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)} if isinstance(answers, list) else {}
        if set(by_id) != set(ids) or all("error" in a for a in by_id.values()):
            by_id = {}
            for i, (method, params) in zip(ids, calls, strict=True):
                by_id[i] = self._post({"jsonrpc": "2.0", "id": i, "method": method, "params": list(params)})
        return [EvmRpcError(method, by_id[i]["error"]) if "error" in by_id[i] else by_id[i]["result"]
                for i, (method, _) in zip(ids, calls, strict=True)]  # fmt: skip

    def head(self) -> NodeHead:
        """The tip, the finalized block, the client's version and the chain id, in one request (the ingest's four
        questions besides the blocks: one round trip, not four)."""
        asked = [("eth_blockNumber", ()), ("eth_getBlockByNumber", ("finalized", False)), ("web3_clientVersion", ()),
                 ("eth_chainId", ())]  # fmt: skip
        tip, final, client, chain = self.call_batch(asked)
        for answer in (tip, client, chain):
            if isinstance(answer, EvmRpcError):
                raise answer
        finalized = None if isinstance(final, EvmRpcError) or not final else int(final["number"], 16)
        return NodeHead(int(tip, 16), finalized, str(client), int(chain, 16))

    def chain_id(self) -> int:
        return int(self.call("eth_chainId"), 16)

    def client_version(self) -> str:
        return str(self.call("web3_clientVersion"))

    def tip(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def block_hash(self, number: int) -> str | None:
        block = self.call("eth_getBlockByNumber", hex(number), False)
        return str(block["hash"]) if block else None

    def _traces(self, number: int) -> Any:
        if self.trace_style == "parity":
            return self.call("trace_block", hex(number))
        return self.call("debug_traceBlockByNumber", hex(number), {"tracer": "callTracer"})

    def _internal(self, answer: Any) -> list[traces.InternalTransfer]:
        return traces.from_parity(answer) if self.trace_style == "parity" else traces.from_geth(answer)

    def internal_transfers(self, number: int) -> list[traces.InternalTransfer]:
        return self._internal(self._traces(number))

    def fetch_block(self, number: int) -> RawEvmBlock:
        """Block ``number``, its receipts and its traces as the node answers them: the requests alone, no checks."""
        block = self.call("eth_getBlockByNumber", hex(number), True)
        if block is None:
            return RawEvmBlock(number, None, [], None)
        return RawEvmBlock(number, block, self.call("eth_getBlockReceipts", hex(number)), self._traces(number))

    def fetch_blocks(self, numbers: Sequence[int]) -> Iterator[RawEvmBlock]:
        """:meth:`fetch_block` of each of ``numbers``, in order, :data:`FETCH_AHEAD` asked at a time; the requests
        not yet sent are dropped when the caller stops early (a refused block, a node gone)."""
        workers: list[int] = []
        pool = ThreadPoolExecutor(FETCH_AHEAD, thread_name_prefix="evm-fetch",
                                  initializer=lambda: workers.append(threading.get_ident()))  # fmt: skip
        try:
            yield from pool.map(self.fetch_block, numbers)
        finally:
            pool.shutdown(cancel_futures=True)
            self._close_clients(workers)

    def verified(self, raw: RawEvmBlock) -> SourcedEvmBlock:
        """``raw`` with its hashes recomputed and its senders' keys recovered; refused if anything disagrees."""
        if raw.block is None:
            raise ExternalServiceError(f"the node has no block {raw.number} (beyond its tip, or pruned history)")
        senders = verify.check_block(raw.block)
        verify.check_receipts(raw.block, raw.receipts)
        return SourcedEvmBlock(raw.block, raw.receipts, self._internal(raw.traces), self.url, self.trace_style,
                               hash_recomputed=True, tx_hashes_recomputed=True, keys=senders)  # fmt: skip

    def block(self, number: int) -> SourcedEvmBlock:
        """Block ``number`` with its receipts and internal transfers, hashes verified."""
        return self.verified(self.fetch_block(number))

    def logs(self, start: int, end: int, address: str | list[str] | None = None,
             topics: list[Any] | None = None) -> list[dict[str, Any]]:  # fmt: skip
        """``eth_getLogs`` over blocks ``start``..``end``, in windows halved each time the node refuses one."""
        found: list[dict[str, Any]] = []
        pending = [(start, end)]
        while pending:
            low, high = pending.pop()
            query: dict[str, Any] = {"fromBlock": hex(low), "toBlock": hex(high)}
            if address is not None:
                query["address"] = address
            if topics is not None:
                query["topics"] = topics
            try:
                found.extend(self.call("eth_getLogs", query))
            except EvmRpcError:
                if low == high:
                    raise
                middle = (low + high) // 2
                pending += [(middle + 1, high), (low, middle)]  # the lower half is asked first
        return sorted(found, key=lambda log: (int(log["blockNumber"], 16), int(log["logIndex"], 16)))

    def _trace_filter(self, start: int, end: int, side: str, addresses: list[str]) -> list[dict[str, Any]]:
        try:
            return list(self.call("trace_filter", {"fromBlock": hex(start), "toBlock": hex(end), side: addresses}))
        except EvmRpcError as error:
            raise ExternalServiceError(
                f"the node at {self.url} cannot say which blocks moved an address's ether (trace_filter: {error}); "
                "case-scoped ingest needs a node with the trace module (Erigon, Reth, Nethermind, anvil): give a "
                "block range instead (--from-block, --to-block), or use such a node") from error

    def blocks_touching(self, addresses: list[str], start: int, end: int, tokens: list[str]) -> set[int]:
        """Blocks in ``start``..``end`` where an address sent or received ether (``trace_filter``, which includes
        plain transfers as top-level frames) or a listed token (Transfer logs naming it), or where a token's issuer
        acted on it (blacklisted it, destroyed its funds: those events name the account in their data, so all of
        them, rare as they are, are asked for and matched here)."""
        found: set[int] = set()
        for frame in self._trace_filter(start, end, "fromAddress", addresses) + self._trace_filter(
                start, end, "toAddress", addresses):  # fmt: skip
            found.add(int(frame["blockNumber"]) if isinstance(frame["blockNumber"], int)
                      else int(frame["blockNumber"], 16))  # fmt: skip
        padded = ["0x" + a.removeprefix("0x").lower().rjust(64, "0") for a in addresses]
        for topics in ([TRANSFER, padded], [TRANSFER, None, padded]):
            found.update(int(log["blockNumber"], 16) for log in self.logs(start, end, tokens, topics))
        wanted = set(addresses)
        for log in self.logs(start, end, tokens, [[*ISSUER_EVENTS, BLACKLISTED, UNBLACKLISTED]]):
            action = decode_issuer_action(log)
            if action is not None and action[1] in wanted:
                found.add(int(log["blockNumber"], 16))
        return found

    def token_logs(self, addresses: list[str], start: int, end: int, tokens: list[str]) -> list[dict[str, Any]]:
        """The listed tokens' Transfer logs naming an address as sender or receiver, and their issuers' actions on
        it, in ``start``..``end`` (for a chain whose blocks cannot be verified here: Tron)."""
        padded = ["0x" + a.removeprefix("0x").lower().rjust(64, "0") for a in addresses]
        found = {}
        for topics in ([TRANSFER, padded], [TRANSFER, None, padded]):
            for log in self.logs(start, end, tokens, topics):
                found[(log["transactionHash"], log["logIndex"])] = log
        wanted = set(addresses)
        for log in self.logs(start, end, tokens, [[*ISSUER_EVENTS, BLACKLISTED, UNBLACKLISTED]]):
            action = decode_issuer_action(log)
            if action is not None and action[1] in wanted:
                found[(log["transactionHash"], log["logIndex"])] = log
        return sorted(found.values(), key=lambda log: (int(log["blockNumber"], 16), int(log["logIndex"], 16)))

    def times_and_senders(self, numbers: Sequence[int], tx_hashes: Sequence[str],
                          per_batch: int = BATCH_CALLS) -> tuple[dict[int, int], dict[str, str]]:  # fmt: skip
        """Each block's time and each transaction's sender (lower case), asked in JSON-RPC batches of at most
        ``per_batch`` calls (call by call where the node refuses batches): what token logs read on their own (Tron)
        need besides the logs, in a round trip or a few, not one for each block and each transaction."""
        calls: list[tuple[str, Sequence[Any]]] = [("eth_getBlockByNumber", (hex(n), False)) for n in numbers]
        calls += [("eth_getTransactionByHash", (h,)) for h in tx_hashes]
        answers: list[Any] = []
        for i in range(0, len(calls), per_batch):
            answers += self.call_batch(calls[i : i + per_batch])
        for answer in answers:
            if isinstance(answer, EvmRpcError):
                raise answer
            if answer is None:
                raise ExternalServiceError(f"the node at {self.url} lost a block or transaction its logs name "
                                           "(a reorg, or pruned history): read the range again")  # fmt: skip
        times = {n: int(a["timestamp"], 16) for n, a in zip(numbers, answers[: len(numbers)], strict=True)}
        senders = {h: str(a["from"]).lower() for h, a in zip(tx_hashes, answers[len(numbers) :], strict=True)}
        return times, senders
