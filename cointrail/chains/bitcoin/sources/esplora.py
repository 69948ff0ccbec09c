"""An Esplora REST client (Blockstream's and mempool.space's explorers, their self-hosted and .onion instances).

What is asked, over httpx (through ``socks5h://`` for Tor, each session with its own SOCKS credentials):

- ``/address/:a`` for how many transactions the server counts; ``/address/:a/txs/chain`` and then
  ``/address/:a/txs/chain/:last_seen_txid`` for the confirmed history, 25 a page, newest first; a page that
  repeats one already seen ends the listing (some servers loop) and the history is marked truncated;
- ``/tx/:txid/hex`` for the raw bytes, ``/tx/:txid/status`` for the block, ``/tx/:txid/merkleblock-proof`` (a
  BIP 37 merkle block, header included) or ``/tx/:txid/merkle-proof`` (a branch, as Electrum's) for the proof;
- ``/block-height/:h`` and ``/block/:hash/header`` for headers; ``/tx/:txid/outspends`` for who spends what.

A ``429 Too Many Requests`` (Esplora sends it without ``Retry-After``) is asked again after an exponential
back-off, requests to a host are spaced by the :class:`~.pacing.Pacer`, and every exchange is archived
(:mod:`.archive`) before its answer is proven (:mod:`.proving`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from cointrail import wording
from cointrail.capture.decode import decode_body
from cointrail.capture.fetch import Exchange, request_head, response_head
from cointrail.cases.custody import utc_now
from cointrail.chains.bitcoin.model import BlockHeader, Transaction, display_hash, internal_hash
from cointrail.chains.bitcoin.sources.archive import Recorder, Replay, ReplayTransport
from cointrail.chains.bitcoin.sources.light import (
    Budget,
    History,
    HistoryEntry,
    Outspend,
    ProofError,
    ProvenTransaction,
    SourceError,
    address_script,
)
from cointrail.chains.bitcoin.sources.pacing import Pacer
from cointrail.chains.bitcoin.sources.proving import Prover
from cointrail.chains.bitcoin.sources.wire import Proxy
from cointrail.errors import InputError
from cointrail.tls import tls_setting

PAGE = 25  # confirmed transactions per page of /address/:a/txs/chain (Esplora's fixed page size)
MAX_BODY = 32 << 20
TOO_MANY_REQUESTS = 429
PROOFS = ("merkleblock-proof", "merkle-proof")


def _base(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"the Esplora URL {url!r} is not understood: use e.g. https://blockstream.info/api")
    if parts.username or parts.password:
        raise InputError("give the Esplora URL without credentials: they would be archived with every request")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


@dataclass
class EsploraSource:
    """An Esplora server for one chain and network, with what every session shares: budget, pace, archive, proofs.

    ``proof`` picks the merkle proof asked for: ``merkleblock-proof`` (one request, the header inside) or
    ``merkle-proof`` (a branch, and the header asked separately).
    """

    url: str
    chain: str
    network: str
    proxy: Proxy | None = None
    recorder: Recorder = field(default_factory=Recorder)
    budget: Budget = field(default_factory=Budget)
    pacer: Pacer = field(default_factory=Pacer)
    timeout: float = 30.0
    replay: Replay | None = None
    proof: str = "merkleblock-proof"
    verify_tls: bool = True
    prover: Prover = field(init=False)

    def __post_init__(self) -> None:
        self.url = _base(self.url)
        if self.proof not in PROOFS:
            raise InputError(f"unknown Esplora proof {self.proof!r}: use one of {', '.join(PROOFS)}")
        self.prover = Prover(self.name, self.chain, self.network)

    @property
    def name(self) -> str:
        return self.url

    def session(self) -> EsploraSession:
        """A new HTTP client with a new identity (fresh SOCKS credentials through the proxy)."""
        return EsploraSession(self)

    def check_network(self) -> None:
        """Refuse a server of another chain or network: its genesis header must be this network's."""
        with self.session() as session:
            session.header(0)


class EsploraSession:
    """One HTTP client towards the server; every answer proven (see :mod:`.proving`)."""

    def __init__(self, source: EsploraSource) -> None:
        self.source = source
        if source.replay is not None:
            transport: httpx.BaseTransport = ReplayTransport(source.replay)
        else:
            proxy = source.proxy.url_with(Proxy.identity()) if source.proxy else None
            transport = httpx.HTTPTransport(proxy=proxy, verify=tls_setting(source.verify_tls))
        # No proxy from the environment (the archive would not show it); no compression asked, so the archived
        # bodies are the answers themselves.
        self.client = httpx.Client(transport=transport, timeout=source.timeout, trust_env=False,
                                   headers={"Accept-Encoding": "identity", "User-Agent": "Mozilla/5.0"})  # fmt: skip

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> EsploraSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str) -> bytes:
        """The body of ``GET base + path``; a 429 is asked again after a back-off, other failures raise."""
        delays = self.source.pacer.delays()
        while True:
            status, body = self._get(path)
            if status != TOO_MANY_REQUESTS:
                break
            delay = next(delays, None)
            if delay is None or self.source.replay is not None:
                raise SourceError(f"{self.source.name} kept answering 429 Too Many Requests to {path}; gave up "
                                  f"after {self.source.pacer.retries} retries (slow down with a longer interval)")
            self.source.pacer.pause(delay)
        if status != 200:
            text = body[:200].decode("utf-8", "replace")
            raise SourceError(f"{self.source.name} answered GET {path} with HTTP {status}: {text}")
        return body

    def _get(self, path: str) -> tuple[int, bytes]:
        self.source.budget.spend(self.source.name, path.split("/")[1] if "/" in path else path)
        url = self.source.url + path
        self.source.pacer.wait_turn(urlsplit(url).netloc)
        exchange = Exchange(url=url, started_utc=utc_now())
        request = self.client.build_request("GET", url)
        exchange.request_head = request_head(request)
        try:
            response = self.client.send(request, stream=True)
            try:
                raw = b"".join(response.iter_raw())
            finally:
                response.close()
        except httpx.HTTPError as error:
            exchange.error = str(error)
            self.source.recorder.http(exchange)
            raise SourceError(f"GET {url} failed: {error}") from None
        exchange.status, exchange.response_head, exchange.body = response.status_code, response_head(response), raw
        exchange.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
        self.source.recorder.http(exchange)
        return response.status_code, decode_body(raw, response.headers.get("content-encoding"), MAX_BODY).data

    def json(self, path: str) -> Any:
        try:
            return json.loads(self.get(path))
        except ValueError:
            raise SourceError(f"{self.source.name} answered GET {path} with something that is not JSON") from None

    # --- what the crawl asks ---

    def tip_height(self) -> int:
        return int(self.get("/blocks/tip/height"))

    def history(self, address: str, limit: int | None = None) -> History:
        """An address's confirmed transactions, oldest first, paged by the last txid seen; truncation said why."""
        script = address_script(address, self.source.chain, self.source.network)
        return self._listing(f"/address/{address}", script, address, limit)

    def script_history(self, script: bytes, limit: int | None = None) -> History:
        """An output script's confirmed transactions, as :meth:`history` lists an address's; Esplora's REST
        script hash is the script's SHA-256 as it is (Electrum's is byte-reversed: Blockstream/esplora#460)."""
        return self._listing(f"/scripthash/{sha256(script).hexdigest()}", script, "", limit)

    def _listing(self, base: str, script: bytes, address: str, limit: int | None) -> History:
        tip = self.tip_height()
        stats = self.json(base)
        counted = int(stats.get("chain_stats", {}).get("tx_count", 0))
        listed: list[dict[str, Any]] = []
        seen: set[str] = set()
        truncated: str | None = None
        path = f"{base}/txs/chain"
        while True:
            page = self.json(path)
            fresh = [tx for tx in page if tx["txid"] not in seen]
            if page and not fresh:
                truncated = f"the server repeated a page after {wording.counted(len(listed), 'transaction')}"
                break
            listed += fresh
            seen.update(tx["txid"] for tx in fresh)
            if limit is not None and len(listed) >= limit:
                if len(listed) > limit or counted > limit:
                    truncated = f"more than {wording.counted(limit, 'transaction')} (the limit per address)"
                listed = listed[:limit]
                break
            if len(page) < PAGE:
                break
            path = f"{base}/txs/chain/{page[-1]['txid']}"
        if truncated is None and len(listed) < counted:
            truncated = f"the server listed {len(listed)} of the {counted} transactions it counts"
        entries = tuple(HistoryEntry(internal_hash(tx["txid"]), int(tx["status"].get("block_height") or 0))
                        for tx in reversed(listed))  # fmt: skip
        return History(address, script, entries, tip, truncated is None, truncated, counted)

    def raw_transaction(self, txid: bytes) -> tuple[Transaction, bytes]:
        """A transaction's bytes, parsed, their txid recomputed and checked."""
        raw = bytes.fromhex(self.get(f"/tx/{display_hash(txid)}/hex").decode("ascii").strip())
        return self.source.prover.transaction(txid, raw), raw

    def transaction(self, txid: bytes, height: int | None = None, vout: int | None = None) -> ProvenTransaction:
        """A transaction proven: txid from its bytes, then (when confirmed) its merkle proof to a checked header.

        ``vout`` is not needed (Esplora places a transaction by its txid); it is there for the one interface."""
        tx, raw = self.raw_transaction(txid)
        announced = None
        if height is None:
            status = self.json(f"/tx/{display_hash(txid)}/status")
            height = int(status.get("block_height") or 0) if status.get("confirmed") else 0
            announced = internal_hash(status["block_hash"]) if status.get("block_hash") else None
        if height <= 0:
            return ProvenTransaction(tx, raw)
        if self.source.proof == "merkleblock-proof":
            merkleblock = bytes.fromhex(self.get(f"/tx/{display_hash(txid)}/merkleblock-proof").decode().strip())
            proven = self.source.prover.placed_by_tree(tx, raw, height, merkleblock)
            assert proven.header is not None
            if announced is not None and proven.header.hash != announced:
                raise ProofError(f"{self.source.name} placed transaction {display_hash(txid)} in block "
                                 f"{display_hash(announced)} but proved it in block "
                                 f"{display_hash(proven.header.hash)}")  # fmt: skip
            return proven
        proof = self.json(f"/tx/{display_hash(txid)}/merkle-proof")
        if int(proof["block_height"]) != height:
            raise ProofError(f"{self.source.name} sent a merkle proof of transaction {display_hash(txid)} for height "
                             f"{proof['block_height']}, not {height}: the merkle check fails")  # fmt: skip
        self.header(height)
        branch = [internal_hash(node) for node in proof["merkle"]]
        return self.source.prover.placed(tx, raw, height, branch, int(proof["pos"]))

    def header(self, height: int) -> BlockHeader:
        """The checked header at ``height`` (its hash asked by height, then its bytes by hash)."""
        known = self.source.prover.chain.headers.get(height)
        if known is not None:
            return known
        block_hash = self.get(f"/block-height/{height}").decode("ascii").strip()
        raw = bytes.fromhex(self.get(f"/block/{block_hash}/header").decode("ascii").strip())
        return self.source.prover.chain.add(height, raw, announced=internal_hash(block_hash))

    def outspends(self, tx: Transaction) -> list[Outspend]:
        """Who spends each output, as the server says; a spender is its word until that transaction is proven."""
        answer = self.json(f"/tx/{display_hash(tx.txid)}/outspends")
        if len(answer) != len(tx.outputs):
            raise SourceError(f"{self.source.name} gave {len(answer)} outspends for the {len(tx.outputs)} outputs "
                              f"of transaction {display_hash(tx.txid)}")  # fmt: skip
        return [Outspend(vout, internal_hash(s["txid"]) if s.get("spent") else None, s.get("vin"))
                for vout, s in enumerate(answer)]  # fmt: skip
