"""An Esplora-shaped HTTP server backed by a regtest node's RPC: the one server-side stand-in (issue 15).

No Esplora can be installed here (none on PyPI, Debian or npm), so this serves the few routes cointrail asks from
the real node: raw transactions (``getrawtransaction``), BIP 37 merkle blocks (``gettxoutproof``), headers
(``getblockheader``) and, from one pass over ``getblock … 2`` at start, the address index Esplora keeps. It lives
in the package, beside the node, because the demo (:mod:`cointrail.demo.light`) crawls it as well as the tests;
it serves on loopback only, and only what a real Esplora would answer: cointrail proves every answer all the same.
Its awkward cases are switches for the tests: ``repeat_page`` (the second page of a history is the first again),
``throttle_every`` (every n-th request answered 429 with no Retry-After, as Esplora does), ``truncate_at``
(histories end early while ``/address/:a`` still counts them all).
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cointrail.simulation.node import RegtestNode

PAGE = 25


def _dsha(data: bytes) -> bytes:
    return sha256(sha256(data).digest()).digest()


def merkle_branch(txids: list[str], index: int) -> list[str]:
    """The branch of txid ``index`` in a block's txids (display hex in and out), as Electrum and Esplora send it."""
    level, branch = [bytes.fromhex(t)[::-1] for t in txids], []
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        branch.append(level[index ^ 1][::-1].hex())
        level = [_dsha(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        index //= 2
    return branch


@dataclass
class Standin:
    """The index and the switches of the stand-in; ``requests`` counts what it was asked, by path.

    The index is what Esplora's own indexer keeps: each address's history, who spends each output, and each
    transaction's bytes and block, read in one pass at start (:meth:`index`; again after new blocks). Answers come
    from it where it holds them (a transaction mined since falls back to the node), so a request costs the node
    nothing but the merkle block it builds (``gettxoutproof``) and the tip.
    """

    node: RegtestNode
    history: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    # Each output script's history by Esplora's REST script hash (its SHA-256, hex): a script with no address too.
    scripts: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    spends: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    repeat_page: bool = False
    throttle_every: int | None = None
    truncate_at: int | None = None
    requests: list[str] = field(default_factory=list)
    url: str = ""
    hashes: list[str] = field(default_factory=list)  # block hash by height
    raw: dict[str, str] = field(default_factory=dict)  # txid -> hex
    placed: dict[str, tuple[int, int]] = field(default_factory=dict)  # txid -> (height, output count)
    txids: dict[str, list[str]] = field(default_factory=dict)  # block hash -> its txids in order

    def index(self, batch: int = 64) -> None:
        """Read the node's whole chain (``getblock … 2``, in JSON-RPC batches) into the index, replacing it."""
        for kept in (self.history, self.scripts, self.spends, self.raw, self.placed, self.txids):
            kept.clear()
        tip = self.node.height()
        self.hashes = self.node.rpc_batch([("getblockhash", h) for h in range(tip + 1)])
        owners: dict[tuple[str, int], tuple[str | None, str]] = {}
        for first in range(0, tip + 1, batch):
            blocks = self.node.rpc_batch([("getblock", h, 2) for h in self.hashes[first : first + batch]])
            for block in blocks:
                self._take(block, owners)

    def _take(self, block: dict[str, Any], owners: dict[tuple[str, int], tuple[str | None, str]]) -> None:
        height = block["height"]
        self.txids[block["hash"]] = [tx["txid"] for tx in block["tx"]]
        for tx in block["tx"]:
            self.raw[tx["txid"]], self.placed[tx["txid"]] = tx["hex"], (height, len(tx["vout"]))
            touched: list[tuple[str | None, str]] = []  # (address, script hash) of each script it pays or spends
            for vin, txin in enumerate(tx["vin"]):
                if "txid" in txin:
                    self.spends[(txin["txid"], txin["vout"])] = (tx["txid"], vin)
                    touched.append(owners.get((txin["txid"], txin["vout"]), (None, "")))
            for out in tx["vout"]:
                spk = out["scriptPubKey"]
                address = spk.get("address") or (spk.get("addresses") or [None])[0]
                owners[(tx["txid"], out["n"])] = owner = (address, sha256(bytes.fromhex(spk["hex"])).hexdigest())
                touched.append(owner)
            for address, hashed in dict.fromkeys(touched):
                if address:
                    self.history[address].append((height, tx["txid"]))
                if hashed:
                    self.scripts[hashed].append((height, tx["txid"]))

    def route(self, path: str) -> tuple[int, str, bytes]:
        self.requests.append(path)
        if self.throttle_every and len(self.requests) % self.throttle_every == 0:
            return 429, "text/plain", b"Too Many Requests"
        for pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match:
                return handler(*match.groups())
        return 404, "text/plain", b"Not Found"

    def _routes(self) -> list[tuple[str, Callable[..., tuple[int, str, bytes]]]]:
        return [
            (r"/blocks/tip/height", lambda: _text(str(self.node.height()))),
            (r"/address/(\w+)", self._address),
            (r"/address/(\w+)/txs/chain(?:/(\w+))?", self._page),
            (r"/scripthash/([0-9a-f]{64})", lambda h: self._address(h, self.scripts)),
            (r"/scripthash/([0-9a-f]{64})/txs/chain(?:/(\w+))?", lambda h, last: self._page(h, last, self.scripts)),
            (r"/tx/(\w+)/hex", lambda t: _text(self.raw.get(t) or self.node.rpc("getrawtransaction", t))),
            (r"/tx/(\w+)/status", self._status),
            (r"/tx/(\w+)/merkleblock-proof", self._merkleblock),
            (r"/tx/(\w+)/merkle-proof", self._merkle_proof),
            (r"/tx/(\w+)/outspends", self._outspends),
            (r"/block-height/(\d+)", lambda h: _text(self._hash_at(int(h)))),
            (r"/block/(\w+)/header", lambda b: _text(self.node.rpc("getblockheader", b, False))),
        ]

    def _hash_at(self, height: int) -> str:
        return self.hashes[height] if height < len(self.hashes) else str(self.node.rpc("getblockhash", height))

    def _newest_first(self, address: str, index: dict[str, list[tuple[int, str]]]) -> list[tuple[int, str]]:
        listed = sorted(index.get(address, []), key=lambda item: -item[0])
        return listed[: self.truncate_at] if self.truncate_at is not None else listed

    def _address(self, address: str, index: dict[str, list[tuple[int, str]]] | None = None) -> tuple[int, str, bytes]:
        count = len((self.history if index is None else index).get(address, []))
        return _json({"address": address, "chain_stats": {"tx_count": count}, "mempool_stats": {"tx_count": 0}})

    def _page(self, address: str, last: str | None,
              index: dict[str, list[tuple[int, str]]] | None = None) -> tuple[int, str, bytes]:  # fmt: skip
        listed = self._newest_first(address, self.history if index is None else index)
        start = 0 if last is None else next(i for i, (_, t) in enumerate(listed) if t == last) + 1
        if self.repeat_page and start:
            start = 0  # a server that loops: the next page is the first again
        page = listed[start : start + PAGE]
        return _json([{"txid": t, "status": {"confirmed": True, "block_height": h, "block_hash": self._hash_at(h)}}
                      for h, t in page])  # fmt: skip

    def _block_of(self, txid: str) -> tuple[int, str, list[str]]:
        """(height, hash, txids) of the block holding ``txid``."""
        if txid in self.placed:
            height = self.placed[txid][0]
            return height, self.hashes[height], self.txids[self.hashes[height]]
        block = self.node.rpc("getblock", self.node.rpc("getrawtransaction", txid, True)["blockhash"])
        return block["height"], block["hash"], block["tx"]

    def _merkleblock(self, txid: str) -> tuple[int, str, bytes]:
        # Its block named: without it the node looked the transaction up first, 55 ms a proof (the demo's crawl).
        known = (self.hashes[self.placed[txid][0]],) if txid in self.placed else ()
        return _text(self.node.rpc("gettxoutproof", [txid], *known))

    def _status(self, txid: str) -> tuple[int, str, bytes]:
        height, block_hash, _ = self._block_of(txid)
        return _json({"confirmed": True, "block_height": height, "block_hash": block_hash})

    def _merkle_proof(self, txid: str) -> tuple[int, str, bytes]:
        height, _, txids = self._block_of(txid)
        pos = txids.index(txid)
        return _json({"block_height": height, "merkle": merkle_branch(txids, pos), "pos": pos})

    def _outspends(self, txid: str) -> tuple[int, str, bytes]:
        outputs = self.placed[txid][1] if txid in self.placed else \
            len(self.node.rpc("getrawtransaction", txid, True)["vout"])  # fmt: skip
        answer = []
        for n in range(outputs):
            spender = self.spends.get((txid, n))
            answer.append({"spent": True, "txid": spender[0], "vin": spender[1]} if spender else {"spent": False})
        return _json(answer)


def _text(value: str) -> tuple[int, str, bytes]:
    return 200, "text/plain", value.encode()


def _json(value: Any) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(value).encode()


@contextmanager
def running(node: RegtestNode) -> Iterator[Standin]:
    """Index the node's chain and serve it on a free loopback port while the block runs."""
    standin = Standin(node)
    standin.index()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The head and the body go out in two writes; with Nagle's algorithm on, the body waited for the client's
        # delayed ACK of the head, 40 ms an answer on Linux (measured: 150 requests of the demo's crawl, 7.1 s).
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            status, kind, body = standin.route(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    # Polled every 50 ms for the shutdown, not every 0.5 s: stopping the server waited for the poll.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
