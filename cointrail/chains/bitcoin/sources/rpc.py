"""A node's JSON-RPC as a source of blocks, over a client for Bitcoin Core family nodes (Bitcoin, Litecoin,
Dogecoin, Bitcoin Cash).

:class:`RpcSource` is the :class:`~cointrail.chains.bitcoin.sources.interface.BlockSource` over a node:
raw blocks fetched in parallel (:class:`RpcBlockFetcher`), each checked against the hash the node announced.
The client offers only what ingestion needs: single and batched calls over one pooled httpx
client that worker threads share. Every failure becomes an
:class:`~cointrail.errors.ExternalServiceError` saying which node and what to
do; credentials never appear in messages.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from cointrail.chains.bitcoin.model import HEADER_SIZE, RawBlock, SourcedBlock, display_hash, internal_hash
from cointrail.chains.bitcoin.rawblock import parse_block
from cointrail.chains.bitcoin.sources.interface import parsed
from cointrail.errors import ExternalServiceError, InputError
from cointrail.tls import verified_context

# Node errors that mean "try again shortly" (RPC_IN_WARMUP).
RPC_IN_WARMUP = -28


def read_cookie(path: str | Path) -> tuple[str, str]:
    """User and password from a node's ``.cookie`` file (``__cookie__:<hex>``)."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except OSError as error:
        raise InputError(f"cannot read the node's cookie file {path}: {error.strerror}") from error
    user, sep, password = text.partition(":")
    if not sep:
        raise InputError(f"{path} is not a node cookie file (expected 'user:password' on one line)")
    return user, password


class RpcError(ExternalServiceError):
    """The node answered a call with an error object."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class NodeRpc:
    """JSON-RPC to one node; safe to share between threads."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None, *, timeout: float = 60, connections: int = 8):
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InputError(f"{url!r} is not a node RPC URL (expected e.g. http://127.0.0.1:9332)")
        if auth is None and parsed.username:
            auth = (parsed.username, parsed.password or "")
        self.url = str(parsed.copy_with(username=None, password=None))
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.Client(auth=auth, timeout=timeout, limits=limits, verify=verified_context())

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> NodeRpc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, *params: Any) -> Any:
        """One call; returns its ``result`` or raises :class:`RpcError`."""
        answer = self._post({"jsonrpc": "1.0", "id": 0, "method": method, "params": list(params)}, method)
        if not isinstance(answer, dict) or "result" not in answer:
            raise self._broken(method, "an answer without a result")
        return self._result(answer, method)

    def batch(self, method: str, params_list: list[list[Any]]) -> list[Any]:
        """The same method called with each parameter list, in one HTTP request."""
        if not params_list:
            return []
        payload = [{"jsonrpc": "1.0", "id": i, "method": method, "params": p} for i, p in enumerate(params_list)]
        answers = self._post(payload, method)
        if not isinstance(answers, list) or len(answers) != len(payload):
            raise self._broken(method, "a batch answer of the wrong shape")
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        return [self._result(by_id.get(i, {}), method) for i in range(len(payload))]

    def _post(self, payload: Any, method: str) -> Any:
        try:
            response = self._client.post(self.url, json=payload)
        except httpx.TimeoutException as error:
            raise ExternalServiceError(
                f"the node at {self.url} did not answer {method} in time: it may be busy; "
                "try again, or lower --concurrency"
            ) from error
        except httpx.HTTPError as error:
            raise ExternalServiceError(
                f"cannot reach the node at {self.url} ({type(error).__name__}): is it running with -server, "
                "and are the host and RPC port right?"
            ) from error
        return self._decode(response, method)

    def _decode(self, response: httpx.Response, method: str) -> Any:
        if response.status_code in (401, 403):
            raise ExternalServiceError(
                f"the node at {self.url} refused the credentials (HTTP {response.status_code}): check --cookie "
                "or --rpc-user/--rpc-password, and the node's rpcallowip"
            )
        try:
            return response.json()
        except ValueError:
            raise self._broken(method, f"HTTP {response.status_code} without JSON") from None

    def _result(self, answer: dict[str, Any], method: str) -> Any:
        error = answer.get("error")
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            text = error.get("message") if isinstance(error, dict) else str(error)
            if code == RPC_IN_WARMUP:
                raise RpcError(f"the node at {self.url} is still starting ({text}); try again in a minute", code)
            raise RpcError(f"the node at {self.url} answered {method} with error {code}: {text}", code)
        if "result" not in answer:
            raise self._broken(method, "an answer without a result")
        return answer["result"]

    def _broken(self, method: str, what: str) -> ExternalServiceError:
        return ExternalServiceError(
            f"the node at {self.url} sent {what} to {method}: is this URL a Bitcoin-family node's RPC port?"
        )


def connect(url: str, cookie: str | Path | None = None, user: str | None = None, password: str | None = None,
            *, connections: int = 8) -> NodeRpc:  # fmt: skip
    """A client for ``url`` with a cookie file, a user and password, or credentials in the URL."""
    if cookie and user:
        raise InputError("give either --cookie or --rpc-user/--rpc-password, not both")
    auth = read_cookie(cookie) if cookie else (user, password or "") if user else None
    return NodeRpc(url, auth, connections=connections)


# The node's name for each network (getblockchaininfo "chain").
NODE_NETWORK_NAMES = {"main": "mainnet", "test": "testnet", "regtest": "regtest", "signet": "signet"}


class RpcBlockFetcher:
    """Raw blocks of a height range from a node, fetched in parallel, yielded in order.

    Each task asks for the hashes of a chunk of heights, then their raw bytes,
    with two batched requests; at most ``2 x concurrency`` chunks are in flight,
    which bounds memory however far behind the consumer is.
    """

    def __init__(self, rpc: NodeRpc, concurrency: int = 4, chunk: int = 8):
        self.rpc = rpc
        self.concurrency = max(1, concurrency)
        self.chunk = max(1, chunk)

    def _fetch_chunk(self, start: int, stop: int) -> list[tuple[int, bytes, bytes]]:
        heights = list(range(start, stop))
        hashes = self.rpc.batch("getblockhash", [[h] for h in heights])
        raws = self.rpc.batch("getblock", [[h, 0] for h in hashes])
        try:
            return [(h, internal_hash(x), bytes.fromhex(r)) for h, x, r in zip(heights, hashes, raws, strict=True)]
        except (TypeError, ValueError):
            raise ExternalServiceError(
                f"the node at {self.rpc.url} sent a block hash or raw block that is not hex "
                f"(heights {start} to {stop - 1}): is it a Bitcoin-family node?"
            ) from None

    def fetch(self, first: int, last: int) -> Iterator[tuple[int, bytes, bytes]]:
        """(height, hash announced by the node, raw block) for ``first..last`` inclusive."""
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="cointrail-rpc") as pool:
            pending: deque[Future[list[tuple[int, bytes, bytes]]]] = deque()
            starts = iter(range(first, last + 1, self.chunk))
            try:
                for start in starts:
                    pending.append(pool.submit(self._fetch_chunk, start, min(start + self.chunk, last + 1)))
                    if len(pending) >= 2 * self.concurrency:
                        yield from pending.popleft().result()
                while pending:
                    yield from pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()


class RpcSource:
    """Blocks of the node's best chain, parsed and checked against the hash it announced."""

    def __init__(self, rpc: NodeRpc, concurrency: int = 4):
        self.rpc = rpc
        self.name = rpc.url
        self.fetcher = RpcBlockFetcher(rpc, concurrency)

    def check_network(self, chain: str, network: str) -> None:
        info = self.rpc.call("getblockchaininfo")
        node_network = NODE_NETWORK_NAMES.get(str(info.get("chain")), str(info.get("chain")))
        if node_network != network:
            raise InputError(f"the node at {self.rpc.url} runs {node_network}, but the store is for {chain} {network}")

    def tip_height(self) -> int:
        return int(self.rpc.call("getblockcount"))

    def hashes(self, heights: list[int]) -> list[bytes]:
        return [internal_hash(h) for h in self.rpc.batch("getblockhash", [[h] for h in heights])]

    def raw_blocks(self, first: int, last: int) -> Iterator[RawBlock]:
        """The raw blocks, each checked against the hash the node announced for its height."""
        for height, announced, raw in self.fetcher.fetch(first, last):
            where = f"getblock at height {height} from {self.rpc.url}"
            if len(raw) < HEADER_SIZE:
                parse_block(raw, height=height, where=where)  # raises: it says how the block is cut short
            block = RawBlock(height, raw, self.rpc.url, where)
            if block.hash != announced:
                raise ExternalServiceError(
                    f"the node at {self.rpc.url} announced block {display_hash(announced)} at height {height} "
                    f"but sent block {display_hash(block.hash)}"
                )
            yield block

    def blocks(self, first: int, last: int) -> Iterator[SourcedBlock]:
        """The blocks, parsed into value objects (ingestion reads :meth:`raw_blocks`)."""
        return parsed(self.raw_blocks(first, last))
