"""A real ``anvil`` Ethereum node on loopback, for the tests, the benchmarks and the demo (issue 16).

anvil comes from the npm package ``@foundry-rs/anvil`` that ``scripts/evm-tools.sh`` installs into
``evm-tools/node_modules``; its binary is the per-platform package's ``bin/anvil`` (started directly, not through
npm's node wrapper, so that stopping the process stops the node). ``$COINTRAIL_ANVIL`` or an ``anvil`` on PATH are
used when set or present. :func:`place_contract` puts runtime bytecode at a fixed address (``anvil_setCode``), as
the token contracts are placed at the real mainnet addresses of USDT and USDC.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from cointrail.addresses.codecs import keccak256
from cointrail.chains.ethereum import abi, rlp
from cointrail.errors import ExternalServiceError
from cointrail.simulation.node import free_port

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "evm-tools" / "node_modules" / "@foundry-rs"
COMPILED = Path(__file__).with_name("evm_contracts") / "compiled.json"
USDT_MAINNET = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
USDC_MAINNET = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


class AnvilMissing(ExternalServiceError):
    """No anvil binary: run scripts/evm-tools.sh (exit code 3: an outside program is missing)."""


def anvil_binary() -> str | None:
    """The anvil program to start, or None when none is installed."""
    if os.environ.get("COINTRAIL_ANVIL"):
        return os.environ["COINTRAIL_ANVIL"]
    for candidate in sorted(TOOLS.glob("anvil-*/bin/anvil")):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("anvil")


def contracts() -> dict[str, Any]:
    """The committed compiled test contracts (abi, creation and runtime bytecode by name)."""
    return json.loads(COMPILED.read_text())["contracts"]


class Anvil:
    """One anvil process on a free loopback port; :meth:`rpc` calls it, :meth:`stop` ends it."""

    def __init__(self, *, accounts: int = 10, chain_id: int = 31337, balance_eth: int = 10_000):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.args = ["--host", "127.0.0.1", "--port", str(self.port), "--accounts", str(accounts),
                     "--chain-id", str(chain_id), "--balance", str(balance_eth), "--silent",
                     "--no-mining", "--order", "fifo"]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None
        self._client = httpx.Client(timeout=60)
        self._ids = 0

    def start(self, timeout: float = 30) -> Anvil:
        binary = anvil_binary()
        if binary is None:
            raise AnvilMissing("anvil is not installed: run scripts/evm-tools.sh (it fetches it from npm)")
        self.process = subprocess.Popen([binary, *self.args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ExternalServiceError(f"anvil exited: {self.process.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
            try:
                self.rpc("eth_chainId")
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise ExternalServiceError(f"anvil did not answer on {self.url} within {timeout} s")

    def rpc(self, method: str, *params: Any) -> Any:
        self._ids += 1
        answer = self._client.post(self.url, json={"jsonrpc": "2.0", "id": self._ids, "method": method,
                                                   "params": list(params)}).json()  # fmt: skip
        if "error" in answer:
            raise ExternalServiceError(f"anvil {method}: {answer['error'].get('message')}")
        return answer["result"]

    def accounts(self) -> list[str]:
        return [a.lower() for a in self.rpc("eth_accounts")]

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", hex(blocks))

    def mine_all(self) -> None:
        """Mine blocks until no transaction is pending (a full block leaves the rest for the next)."""
        self.mine()
        while int(self.rpc("txpool_status")["pending"], 16):
            self.mine()

    def height(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
        self._client.close()

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def place_contract(node: Anvil, address: str, runtime: str, storage: dict[int, int] | None = None) -> None:
    """Put ``runtime`` bytecode at ``address`` and set its storage slots (no constructor runs)."""
    node.rpc("anvil_setCode", address, runtime)
    for slot, value in (storage or {}).items():
        node.rpc("anvil_setStorageAt", address, "0x" + slot.to_bytes(32, "big").hex(),
                 "0x" + value.to_bytes(32, "big").hex())


def place_usdt(node: Anvil, owner: str) -> str:
    """The project's USDT-like token (6 decimals, blacklist) at USDT's mainnet address, owned by ``owner``."""
    place_contract(node, USDT_MAINNET, contracts()["TetherLike"]["runtime"], {0: int(owner, 16)})
    return USDT_MAINNET.lower()


def send(node: Anvil, sender: str, to: str | None, value: int = 0, data: str = "0x", gas: int = 200_000,
         gas_price: int | None = None) -> str:  # fmt: skip
    """Send a transaction from one of the node's unlocked accounts; returns its hash (mined later).

    The gas limit is given, not estimated: anvil estimates against the last mined state, where a transaction that
    depends on one still pending fails and would be given the whole block's gas. With ``gas_price`` the
    transaction is a legacy one (type 0) whose fee is exactly gas used x that price."""
    tx: dict[str, str] = {"from": sender, "value": hex(value), "input": data, "gas": hex(gas)}
    if gas_price is not None:
        tx["gasPrice"] = hex(gas_price)
    if to is not None:
        tx["to"] = to
    return str(node.rpc("eth_sendTransaction", tx))


def place_usdc(node: Anvil, owner: str) -> str:
    """The project's USDC-like token (6 decimals, Blacklisted events) at USDC's mainnet address, owned by ``owner``."""
    place_contract(node, USDC_MAINNET, contracts()["FiatTokenLike"]["runtime"], {0: int(owner, 16)})
    return USDC_MAINNET.lower()


def deploy(node: Anvil, sender: str, name: str, *args: str | int, mine: bool = True, gas: int = 3_000_000) -> str:
    """Deploy a compiled test contract with constructor ``args`` (addresses or integers); returns its address
    (computed from the sender's next nonce). With ``mine`` its block is mined now."""
    code = contracts()[name]["bytecode"] + "".join(abi.word(a).hex() for a in args)
    address = created_address(sender, int(node.rpc("eth_getTransactionCount", sender, "pending"), 16))
    send(node, sender, None, data=code, gas=gas)
    if mine:
        node.mine()
    return address


def created_address(sender: str, nonce: int) -> str:
    """The address a contract created by ``sender`` at ``nonce`` gets: keccak(rlp([sender, nonce]))[12:]."""
    return "0x" + keccak256(rlp.encode([bytes.fromhex(sender[2:]), rlp.uint(nonce)]))[12:].hex()
