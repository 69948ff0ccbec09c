"""An Electrum protocol client (ElectrumX, Fulcrum, electrs): histories, raw transactions, merkle proofs, headers.

The protocol is JSON-RPC 2.0, one JSON object per line, over TCP or TLS (``tcp://HOST:PORT``, ``ssl://HOST:PORT``).
A session first negotiates the version with ``server.version`` over the range 1.4-1.7; from 1.7 an address's
history is asked by its output script (``blockchain.scriptpubkey.get_history``), before by the script hash
(``blockchain.scripthash.get_history``: SHA-256 of the script, byte-reversed, in hex).

Requests go one at a time, never in JSON-RPC batches: a batch of a case's addresses links them for the server's
operator. Every line sent and received is archived (:mod:`.archive`), and every answer is proven
(:mod:`.proving`) before it is returned. A session built on a :class:`~.archive.Replay` answers from an archive
instead of the network, proven the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cointrail.cases.custody import utc_now
from cointrail.chains.bitcoin.model import BlockHeader, Transaction, display_hash, internal_hash
from cointrail.chains.bitcoin.sources.archive import Recorder, Replay
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
from cointrail.chains.bitcoin.sources.wire import Proxy, TlsPolicy, open_socket
from cointrail.errors import InputError
from cointrail.wording import counted

PROTOCOL_MIN, PROTOCOL_MAX = "1.4", "1.7"
SCRIPTPUBKEY_METHODS = (1, 7)  # the version that asks by output script instead of script hash
# Sent as the client's name in server.version: empty, so the server is not told that an investigator's tool asks.
CLIENT_NAME = ""
HEADERS_CHUNK = 2016  # headers asked at once: ElectrumX's most, and one difficulty period of Bitcoin
HISTORY_TOO_LARGE = 10_001  # ElectrumX's error code for a history longer than it will send
BUSY_CODES = (-101, -102)  # ElectrumX: excessive resource usage, server busy (asked again after a back-off)
METHOD_NOT_FOUND = -32601  # JSON-RPC; ElectrumX passes its node's on inside a "daemon error"
MAX_LINE = 64 << 20
TOGETHER = 8  # requests sent in one write at most (ElectrumX runs 10 of a session's requests at once)


class HistoryTooLarge(SourceError):
    """The server will not send an address's whole history (ElectrumX: "history too large")."""


class Unsupported(SourceError):
    """The server (or the node behind it) does not know the method (JSON-RPC -32601)."""


class _Retry(SourceError):
    """Internal: the server is busy or the connection dropped; ask again after a back-off."""


@dataclass(frozen=True)
class ElectrumServer:
    """Where an Electrum server listens, from ``tcp://HOST:PORT`` or ``ssl://HOST:PORT``."""

    host: str
    port: int
    tls: bool

    @classmethod
    def parse(cls, url: str) -> ElectrumServer:
        parts = urlsplit(url if "://" in url else f"tcp://{url}")
        if parts.scheme not in ("tcp", "ssl", "tls") or not parts.hostname or not parts.port:
            raise InputError(f"the Electrum server {url!r} is not understood: use tcp://HOST:PORT or ssl://HOST:PORT")
        return cls(parts.hostname, parts.port, parts.scheme != "tcp")

    @property
    def uri(self) -> str:
        """The target URI of its records in the archive."""
        return f"electrum+{'ssl' if self.tls else 'tcp'}://{self.host}:{self.port}"


def script_hash(script: bytes) -> str:
    """The Electrum script hash of an output script: its SHA-256, byte-reversed, in hex."""
    return hashlib.sha256(script).digest()[::-1].hex()


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in str(text).split("."))


class _Live:
    """One socket to the server: a line out, lines in until the one answering it."""

    def __init__(self, source: ElectrumSource, identity: tuple[str, str] | None) -> None:
        server = source.server
        tls = source.tls if server.tls else None
        self.sock, self.certificate = open_socket(server.host, server.port, source.timeout, tls=tls,
                                                  proxy=source.proxy, identity=identity)  # fmt: skip
        self.reader = self.sock.makefile("rb")
        self.source = source

    def exchange(self, lines: Sequence[bytes], request_ids: Sequence[int]) -> list[_Answer]:
        """The request lines sent in one write; their answers, in the order asked, whatever order they came."""
        answers: dict[int, _Answer] = {}
        try:
            self.sock.sendall(b"".join(lines))
            while len(answers) < len(request_ids):
                line = self.reader.readline(MAX_LINE)
                if not line.endswith(b"\n"):
                    raise _Retry(f"{self.source.name} closed the connection or sent a line cut short")
                answer = _Answer.parse(line)
                got = answer.id
                if got in request_ids and got not in answers:
                    answers[got] = answer
                else:
                    self.source.recorder.pushed(self.source.name, answer.line)  # a notification (a new block)
            return [answers[i] for i in request_ids]
        except TimeoutError as error:
            raise _Retry(f"{self.source.name} did not answer within {self.source.timeout:.0f} s") from error
        except OSError as error:
            raise _Retry(f"the connection to {self.source.name} failed: {error}") from error

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


class _Archived:
    """Answers from an archive instead of a socket."""

    def __init__(self, replay: Replay, uri: str) -> None:
        self.replay, self.uri, self.certificate = replay, uri, None

    def exchange(self, lines: Sequence[bytes], request_ids: Sequence[int]) -> list[_Answer]:
        return [_Answer.parse(self.replay.electrum_answer(self.uri, line)) for line in lines]

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class _Answer:
    """One line the server sent, exactly as it came (for the archive), and its JSON, parsed once: the id that
    matches it to its request, and the result or error read from it."""

    line: bytes
    message: Any
    is_json: bool = True

    @classmethod
    def parse(cls, line: bytes) -> _Answer:
        try:
            return cls(line, json.loads(line))
        except ValueError:
            return cls(line, None, False)

    @property
    def id(self) -> Any:
        return self.message.get("id") if isinstance(self.message, dict) else None


@dataclass
class ElectrumSource:
    """An Electrum server for one chain and network, with what every session shares: budget, pace, archive, proofs.

    ``proxy`` (``socks5h://…``) gives each session its own SOCKS credentials, so through Tor its own circuit.
    ``replay`` serves an archive instead of the network (then nothing is recorded again).
    """

    server: ElectrumServer
    chain: str
    network: str
    proxy: Proxy | None = None
    tls: TlsPolicy = field(default_factory=TlsPolicy)
    recorder: Recorder = field(default_factory=Recorder)
    budget: Budget = field(default_factory=Budget)
    pacer: Pacer = field(default_factory=Pacer)
    timeout: float = 30.0
    replay: Replay | None = None
    versions: tuple[str, str] = (PROTOCOL_MIN, PROTOCOL_MAX)  # the range offered in server.version
    prover: Prover = field(init=False)

    def __post_init__(self) -> None:
        self.prover = Prover(self.name, self.chain, self.network)

    @property
    def name(self) -> str:
        return self.server.uri

    def session(self) -> ElectrumSession:
        """A new connection with a new identity (fresh SOCKS credentials), its protocol version negotiated."""
        return ElectrumSession(self)

    def check_network(self) -> None:
        """Refuse a server of another chain or network: its genesis header must be this network's."""
        with self.session() as session:
            self.prover.chain.add(0, bytes.fromhex(session.call("blockchain.block.header", 0)))


class ElectrumSession:
    """One negotiated connection; every answer proven (see :mod:`.proving`)."""

    def __init__(self, source: ElectrumSource) -> None:
        self.source = source
        self.identity = Proxy.identity() if source.proxy else None
        self.next_id = 0
        self.connection: _Live | _Archived = self._connect()
        try:
            self.software, self.protocol = self._negotiate()
        except BaseException:
            self.connection.close()
            raise
        self._tip: int | None = None

    def _connect(self) -> _Live | _Archived:
        if self.source.replay is not None:
            return _Archived(self.source.replay, self.source.name)
        return _Live(self.source, self.identity)

    def _negotiate(self) -> tuple[str, tuple[int, ...]]:
        low, high = self.source.versions
        ((software, version),) = self._ask([("server.version", (CLIENT_NAME, [low, high]))])
        protocol = _version(version)
        if not _version(low) <= protocol <= _version(high):
            raise SourceError(f"{self.source.name} chose protocol version {version}, outside {low}-{high}")
        return str(software), protocol

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> ElectrumSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, *params: Any) -> Any:
        """One request, answered; a busy server or a dropped connection is asked again after a back-off."""
        return self.call_together((method, params))[0]

    def call_together(self, *calls: tuple[str, Sequence[Any]]) -> list[Any]:
        """Requests about one thing (a transaction and its merkle branch; its outputs) sent in one write, their
        results in order; asked again together as :meth:`call` asks one.

        Never several addresses: what one session asks is already linked, and these name one transaction. They
        go together because ElectrumX 2.0 holds an answer shorter than 1,024 bytes up to 1 s for more to pad it
        with: asked one at a time, each small answer waited that second.
        """
        delays = self.source.pacer.delays()
        while True:
            try:
                return self._ask(calls)
            except _Retry as error:
                delay = next(delays, None)
                if delay is None or self.source.replay is not None:
                    raise SourceError(f"{error}; gave up after {self.source.pacer.retries} retries") from None
                self.source.pacer.pause(delay)
                self.connection.close()
                self.connection = self._connect()
                self._negotiate_again(calls[0][0])

    def _negotiate_again(self, method: str) -> None:
        if method != "server.version":
            self.software, self.protocol = self._negotiate()

    def _ask(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        lines, ids = [], []
        for method, params in calls:
            self.source.budget.spend(self.source.name, method)
            self.source.pacer.wait_turn(self.source.server.host)
            self.next_id += 1
            ids.append(self.next_id)
            lines.append(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)},
                                    separators=(",", ":")).encode() + b"\n")  # fmt: skip
        started = utc_now()
        try:
            answers = self.connection.exchange(lines, ids)
        except _Retry:
            for line in lines:
                self.source.recorder.electrum(self.source.name, line, None, started)
            raise
        answered = utc_now()
        for line, answer in zip(lines, answers, strict=True):
            self.source.recorder.electrum(self.source.name, line, answer.line, started, answered)
        return [self._result(method, answer) for (method, _), answer in zip(calls, answers, strict=True)]

    def _result(self, method: str, answer: _Answer) -> Any:
        message = answer.message
        if not answer.is_json:
            raise SourceError(f"{self.source.name} answered {method} with a line that is not JSON")
        error = message.get("error") if isinstance(message, dict) else None
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            text = error.get("message", error) if isinstance(error, dict) else error
            if code == HISTORY_TOO_LARGE:
                raise HistoryTooLarge(f"{self.source.name} will not send the whole history ({text})")
            if code == METHOD_NOT_FOUND or str(METHOD_NOT_FOUND) in str(text):
                raise Unsupported(f"{self.source.name} cannot answer {method} ({text})")
            if code in BUSY_CODES:
                raise _Retry(f"{self.source.name} refused {method} as too costly ({text})")
            raise SourceError(f"{self.source.name} answered {method} with an error: {text}")
        if not isinstance(message, dict) or "result" not in message:
            raise SourceError(f"{self.source.name} answered {method} without a result")
        return message["result"]

    # --- what the crawl asks ---

    def tip_height(self) -> int:
        """The server's best height (its tip header is checked and kept)."""
        if self._tip is None:
            tip = self.call("blockchain.headers.subscribe")
            self._tip = int(tip["height"])
            self.source.prover.chain.add(self._tip, bytes.fromhex(tip["hex"]))
        return self._tip

    def history(self, address: str, limit: int | None = None) -> History:
        """An address's transactions, oldest first as the server orders them; cut at ``limit`` and said so."""
        return self.script_history(address_script(address, self.source.chain, self.source.network), limit, address)

    def script_history(self, script: bytes, limit: int | None = None, address: str = "") -> History:
        """An output script's transactions, as :meth:`history` lists an address's (ElectrumX indexes every script,
        those with no address too: a P2PK, a bare multisig)."""
        tip = self.tip_height()
        try:
            listed = self._history(script)
        except HistoryTooLarge as error:
            return History(address, script, (), tip, False, str(error))
        entries = tuple(HistoryEntry(internal_hash(item["tx_hash"]), max(int(item["height"]), 0)) for item in listed)
        if limit is not None and len(entries) > limit:
            over = f"more than {counted(limit, 'transaction')} (the limit per address)"
            return History(address, script, entries[:limit], tip, False, over, len(entries))
        return History(address, script, entries, tip, True, None, len(entries))

    def _history(self, script: bytes) -> list[dict[str, Any]]:
        if self.protocol >= SCRIPTPUBKEY_METHODS:
            return list(self.call("blockchain.scriptpubkey.get_history", script.hex())["history"])
        return list(self.call("blockchain.scripthash.get_history", script_hash(script)))

    def raw_transaction(self, txid: bytes) -> tuple[Transaction, bytes]:
        """A transaction's bytes, parsed, their txid recomputed and checked."""
        raw = bytes.fromhex(self.call("blockchain.transaction.get", display_hash(txid)))
        return self.source.prover.transaction(txid, raw), raw

    def transaction(self, txid: bytes, height: int | None = None, vout: int | None = None) -> ProvenTransaction:
        """A transaction proven: txid from its bytes, then (when confirmed) its merkle branch to a checked header.

        Without ``height`` it is found in the history of its output ``vout``'s script (the crawl gives the one
        an input spends: a payer's address, with a short history) or of its first output script; a transaction
        still in the mempool (height 0) is proven by its bytes only.
        """
        if height is not None and height > 0:  # its block known: the bytes and the branch asked together
            self.header(height)
            hexed, proof = self.call_together(("blockchain.transaction.get", (display_hash(txid),)),
                                              ("blockchain.transaction.get_merkle", (display_hash(txid), height)))
            raw = bytes.fromhex(hexed)
            tx = self.source.prover.transaction(txid, raw)
        else:
            tx, raw = self.raw_transaction(txid)
            height = self._height_of(tx, vout) if height is None else height
            if height <= 0:
                return ProvenTransaction(tx, raw)
            self.header(height)
            proof = self.call("blockchain.transaction.get_merkle", display_hash(txid), height)
        if int(proof.get("block_height", height)) != height:
            raise ProofError(f"{self.source.name} sent a merkle proof of transaction {display_hash(txid)} for height "
                             f"{proof.get('block_height')}, not {height}: the merkle check fails")  # fmt: skip
        branch = [internal_hash(node) for node in proof["merkle"]]
        return self.source.prover.placed(tx, raw, height, branch, int(proof["pos"]))

    def _height_of(self, tx: Transaction, vout: int | None = None) -> int:
        scripts = [o.script_pubkey for o in tx.outputs if o.script_pubkey[:1] != b"\x6a"]
        if vout is not None and vout < len(tx.outputs):
            scripts = [tx.outputs[vout].script_pubkey]
        script = scripts[0] if scripts else None
        if script is None:
            raise SourceError(f"transaction {display_hash(tx.txid)} pays no script to find its block by")
        for item in self._history(script):
            if internal_hash(item["tx_hash"]) == tx.txid:
                return max(int(item["height"]), 0)
        raise SourceError(f"{self.source.name} does not list transaction {display_hash(tx.txid)} in the history "
                          "of the script it pays")  # fmt: skip

    def header(self, height: int) -> BlockHeader:
        """The checked header at ``height``, with the headers of its 2016-block chunk (so they link)."""
        known = self.source.prover.chain.headers.get(height)
        if known is not None:
            return known
        start = height - height % HEADERS_CHUNK
        count = min(HEADERS_CHUNK, self.tip_height() - start + 1)
        for offset, raw in enumerate(self._headers(start, max(count, height - start + 1))):
            self.source.prover.chain.add(start + offset, raw)
        header = self.source.prover.chain.headers.get(height)
        if header is None:
            raise SourceError(f"{self.source.name} sent no header for height {height}")
        return header

    def _headers(self, start: int, count: int) -> Sequence[bytes]:
        answer = self.call("blockchain.block.headers", start, count)
        if "headers" in answer:  # 1.6 and later: a list
            return [bytes.fromhex(h) for h in answer["headers"]]
        data = bytes.fromhex(answer["hex"])  # before 1.6: one string of concatenated 80-byte headers
        return [data[i : i + 80] for i in range(0, len(data), 80)]

    def outspends(self, tx: Transaction) -> list[Outspend] | None:
        """Who spends each output, as the server says (protocol 1.7's ``blockchain.outpoint.get_status``).

        None when the server cannot say: before 1.7, or an ElectrumX over a node without
        ``gettxspendingprevout`` (Bitcoin Core before 24, Litecoin Core 0.21). A spender is the server's word
        until its transaction is proven; without one, spends are found in the histories of the output scripts.
        """
        if self.protocol < SCRIPTPUBKEY_METHODS:
            return None
        asked = [("blockchain.outpoint.get_status", (display_hash(tx.txid), vout, output.script_pubkey.hex()))
                 for vout, output in enumerate(tx.outputs)]  # fmt: skip
        statuses: list[Any] = []
        try:
            for first in range(0, len(asked), TOGETHER):  # a few at a time: a server limits what runs at once
                statuses += self.call_together(*asked[first : first + TOGETHER])
        except Unsupported:
            return None
        return [Outspend(vout, internal_hash(s["spender_txhash"]) if s.get("spender_txhash") else None)
                for vout, s in enumerate(statuses)]  # fmt: skip
