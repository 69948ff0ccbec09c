"""A real ``litecoind -regtest`` node on loopback, for the demo, the tests and the benchmarks.

:class:`RegtestNode` starts Debian's litecoind on free loopback ports in a
data directory of its own and stops it cleanly. Raw-transaction helpers pay to
scripts that have no address (P2PK, bare multisig) and to OP_RETURN.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from cointrail.amounts import unit_of
from cointrail.errors import ExternalServiceError

LITECOIND = "litecoind"
MWEB_HEIGHT = 432  # Litecoin regtest: MWEB activates here (chainparams.cpp)
COIN = Decimal(unit_of("litecoin").base)  # litoshis in one LTC, from the one chain table (cointrail.chains)


class LitecoindMissing(ExternalServiceError):
    """The ``litecoind`` program is not on PATH (exit code 3: an outside program is missing)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def litecoind_available() -> bool:
    return shutil.which(LITECOIND) is not None


class RegtestNode:
    """One litecoind -regtest process; ``rpc()`` calls it, ``stop()`` ends it."""

    def __init__(self, datadir: Path):
        self.datadir = Path(datadir)
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.rpc_port = free_port()
        self.p2p_port = free_port()
        self.url = f"http://127.0.0.1:{self.rpc_port}/"
        self.cookie = self.datadir / "regtest" / ".cookie"
        self.blocks_dir = self.datadir / "regtest" / "blocks"
        self.process: subprocess.Popen[bytes] | None = None
        self._client: httpx.Client | None = None

    def start(self, timeout: float = 60) -> RegtestNode:
        """Start litecoind and wait until it answers RPC; raises :class:`LitecoindMissing` without it."""
        if not litecoind_available():
            raise LitecoindMissing(
                "litecoind is not installed: run ./scripts/demo, which installs it, or apt-get install litecoind")
        args = [
            LITECOIND, "-regtest", f"-datadir={self.datadir}", f"-port={self.p2p_port}",
            f"-rpcport={self.rpc_port}", "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-listen=0",
            "-server", "-txindex", "-fallbackfee=0.0001", "-printtoconsole=0", "-dnsseed=0", "-discover=0",
            "-acceptnonstdtxn=1", "-rpcthreads=16", "-rpcworkqueue=64",
            # A small key pool: each new wallet otherwise makes (and writes) 1,000 keys first, 2.5 s a wallet;
            # it tops itself up as addresses are asked for.
            "-keypool=10",
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.datadir / "regtest" / "debug.log"
                raise RuntimeError(f"litecoind exited with {self.process.returncode}; see {log}")
            if self.cookie.exists():
                try:
                    self.rpc("getblockchaininfo")
                    return self
                except (httpx.HTTPError, RuntimeError):
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"litecoind did not answer RPC within {timeout} s")

    def _http(self) -> httpx.Client:
        if self._client is None:
            user, _, password = self.cookie.read_text().strip().partition(":")
            self._client = httpx.Client(auth=(user, password), timeout=120)
        return self._client

    def rpc(self, method: str, *params: Any, wallet: str | None = None) -> Any:
        url = f"{self.url}wallet/{wallet}" if wallet else self.url
        payload = {"jsonrpc": "1.0", "id": 0, "method": method, "params": list(params)}
        # Amounts go as decimal strings (the node accepts them): exact, unlike floats.
        answer = self._http().post(url, content=json.dumps(payload, default=str))
        body = answer.json(parse_float=Decimal)
        if body.get("error"):
            raise RuntimeError(f"{method}{params}: {body['error']}")
        return body["result"]

    def rpc_batch(self, calls: list[tuple[Any, ...]]) -> list[Any]:
        """The results of ``calls`` (each a method and its parameters), asked in one JSON-RPC batch, in order."""
        if not calls:
            return []
        payload = [{"jsonrpc": "1.0", "id": n, "method": method, "params": list(params)}
                   for n, (method, *params) in enumerate(calls)]  # fmt: skip
        answers = self._http().post(self.url, content=json.dumps(payload, default=str)).json(parse_float=Decimal)
        results: list[Any] = [None] * len(calls)
        for answer in answers:
            if answer.get("error"):
                raise RuntimeError(f"{calls[answer['id']]}: {answer['error']}")
            results[answer["id"]] = answer["result"]
        return results

    def mine(self, blocks: int, address: str | None = None) -> list[str]:
        address = address or self.rpc("getnewaddress", wallet="miner")
        return self.rpc("generatetoaddress", blocks, address)

    def height(self) -> int:
        return self.rpc("getblockcount")

    def flush(self) -> None:
        """Make the node write its block files to disk (gettxoutsetinfo forces a flush)."""
        self.rpc("gettxoutsetinfo")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.rpc("stop")
            self.process.wait(timeout=60)
        except (httpx.HTTPError, RuntimeError, subprocess.TimeoutExpired):
            self.process.terminate()
            self.process.wait(timeout=30)
        if self._client is not None:
            self._client.close()
            self._client = None


def _raw_output_tx(script_hex: str, value_sats: int) -> str:
    """An unsigned, input-less transaction paying ``value_sats`` to an arbitrary script (for fundrawtransaction)."""
    script = bytes.fromhex(script_hex)
    body = value_sats.to_bytes(8, "little") + bytes([len(script)]) + script
    return (b"\x02\x00\x00\x00" + b"\x00" + b"\x01" + body + b"\x00\x00\x00\x00").hex()


def send_to_script(node: RegtestNode, wallet: str, script_hex: str, value_sats: int) -> str:
    funded = node.rpc("fundrawtransaction", _raw_output_tx(script_hex, value_sats), wallet=wallet)
    signed = node.rpc("signrawtransactionwithwallet", funded["hex"], wallet=wallet)
    return node.rpc("sendrawtransaction", signed["hex"])


def send_op_return(node: RegtestNode, wallet: str, data: bytes) -> str:
    raw = node.rpc("createrawtransaction", [], [{"data": data.hex()}])
    funded = node.rpc("fundrawtransaction", raw, wallet=wallet)
    signed = node.rpc("signrawtransactionwithwallet", funded["hex"], wallet=wallet)
    return node.rpc("sendrawtransaction", signed["hex"])
