"""The real test chain (issue 16): anvil from npm, the USDT-like token at USDT's mainnet address, hashes recomputed."""

import json
import shutil
import subprocess

import pytest

from cointrail.chains.ethereum import abi, hashes, tokens
from cointrail.simulation import anvil as chain

pytestmark = [pytest.mark.anvil]
needs_anvil = pytest.mark.skipif(chain.anvil_binary() is None, reason="anvil missing: run scripts/evm-tools.sh")


@needs_anvil
def test_usdt_like_token_at_the_mainnet_address_and_hashes_recomputed():
    with chain.Anvil(accounts=3) as node:
        issuer, alice, bob = node.accounts()
        usdt = chain.place_usdt(node, issuer)
        chain.send(node, issuer, usdt, data=abi.call_data("issue(uint256)", 1_000_000_000))
        chain.send(node, issuer, usdt, data=abi.call_data("transfer(address,uint256)", alice, 25_000_000))
        chain.send(node, issuer, usdt, data=abi.call_data("addBlackList(address)", bob))
        chain.send(node, alice, bob, value=10**18)
        node.mine()
        answer = node.rpc("eth_call", {"to": usdt, "data": abi.call_data("decimals()")}, "latest")
        assert int(answer, 16) == 6
        block = node.rpc("eth_getBlockByNumber", "0x1", True)
        assert hashes.block_hash(block).hex() == block["hash"][2:]
        assert all(hashes.transaction_hash(tx).hex() == tx["hash"][2:] for tx in block["transactions"])
        logs = [log for r in node.rpc("eth_getBlockReceipts", "0x1") for log in r["logs"]]
        assert [tokens.decode_issuer_action(log) for log in logs if tokens.decode_transfer(log) is None] == [
            ("Issue", None, 1_000_000_000), ("AddedBlackList", bob, None)]
        assert [tokens.decode_transfer(log) for log in logs if tokens.decode_transfer(log)] == [
            (issuer, alice, 25_000_000)]


SOLC = chain.ROOT / "evm-tools" / "node_modules" / "solc"


@pytest.mark.skipif(not SOLC.exists() or shutil.which("node") is None, reason="solc-js missing: scripts/evm-tools.sh")
def test_committed_bytecode_is_what_the_sources_compile_to(tmp_path):
    script = chain.COMPILED.with_name("compile.js")
    subprocess.run(["node", str(script), str(tmp_path / "compiled.json")], check=True, timeout=120)
    assert json.loads((tmp_path / "compiled.json").read_text()) == json.loads(chain.COMPILED.read_text())
