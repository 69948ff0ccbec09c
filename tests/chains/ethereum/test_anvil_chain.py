"""The real test chain (issue 16): anvil from npm, the USDT-like token at USDT's mainnet address, hashes recomputed."""

import hashlib
import json
import shutil
import subprocess

import pytest
from Crypto.Hash import RIPEMD160

from cointrail.addresses.codecs import base58check_encode
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


# anvil's first development account (its published mnemonic's first key)
DEV_KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@needs_anvil
def test_sender_keys_recovered_and_the_same_keys_bitcoin_and_litecoin_addresses(tmp_path, capsys):
    from embit import ec, script
    from embit.networks import NETWORKS

    from cointrail.chains.ethereum import keys
    from cointrail.cli import main

    with chain.Anvil(accounts=2) as node:
        first, second = node.accounts()
        chain.send(node, first, second, 10**18)  # EIP-1559
        chain.send(node, first, second, 10**18, gas_price=3 * 10**9)  # legacy, EIP-155
        node.rpc("eth_sendTransaction", {"from": first, "to": second, "value": hex(10**18), "type": "0x1",
                                         "gasPrice": hex(3 * 10**9), "accessList": [  # EIP-2930
                                             {"address": second, "storageKeys": ["0x" + "00" * 31 + "01"]}]})
        node.mine()
        block = node.rpc("eth_getBlockByNumber", "0x1", True)
        assert sorted(tx["type"] for tx in block["transactions"]) == ["0x0", "0x1", "0x2"]
        assert all(hashes.transaction_hash(tx).hex() == tx["hash"][2:] for tx in block["transactions"])
        db = tmp_path / "eth.duckdb"
        assert main(["ingest", "--chain", "ethereum", "--network", "devnet", "--rpc", node.url, "--db", str(db)]) == 0
        capsys.readouterr()
        assert main(["address-info", first, "--db", str(db), "--json"]) == 0
    public = ec.PrivateKey(bytes.fromhex(DEV_KEY)).get_public_key()
    assert {keys.public_key(tx) for tx in block["transactions"]} == {public.sec()}
    same = json.loads(capsys.readouterr().out)["same_key"]
    assert same["public_key"] == public.sec().hex()
    found = {(a["chain"], a["type"]): a["address"] for a in same["addresses"]}
    assert found[("bitcoin", "p2wpkh")] == script.p2wpkh(public).address(NETWORKS["main"])
    assert found[("bitcoin", "p2pkh")] == script.p2pkh(public).address(NETWORKS["main"])
    key_hash = RIPEMD160.new(hashlib.sha256(public.sec()).digest()).digest()
    assert found[("litecoin", "p2pkh")] == base58check_encode(bytes([0x30]) + key_hash)  # Litecoin's L… prefix
    forged = dict(block["transactions"][0], **{"from": second})
    with pytest.raises(keys.SignatureError):
        keys.public_key(forged)
