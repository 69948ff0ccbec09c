"""The node's own view of its chain: the ground truth a ledger store is compared with.

:func:`node_address_totals` computes, from the node's ``getblock`` verbosity 2
JSON, what every script received and sent; :func:`node_balances` asks the
node's UTXO set.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cointrail.simulation.node import COIN, RegtestNode


def node_address_totals(node: RegtestNode) -> dict[str, dict[str, Any]]:
    """Per scriptPubKey (hex), from the node's getblock verbosity 2: received, sent, address, and
    ``tx_count``, ``first_seen`` and ``last_seen`` (``txid``, ``height``, ``time``) as address-info gives them.

    Inputs are resolved by the walk itself, since Litecoin 0.21 has no
    getblock verbosity 3 (prevout data).
    """
    spent: dict[tuple[str, int], tuple[str, int]] = {}
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: {"received": 0, "sent": 0, "address": None})
    for height in range(node.height() + 1):
        block = node.rpc("getblock", node.rpc("getblockhash", height), 2)
        for tx in block["tx"]:
            touched = set()
            for vin in tx["vin"]:
                if "coinbase" not in vin:
                    script, value = spent.pop((vin["txid"], vin["vout"]))
                    totals[script]["sent"] += value
                    touched.add(script)
            for vout in tx["vout"]:
                spk = vout["scriptPubKey"]
                value = int(vout["value"] * COIN)
                spent[(tx["txid"], vout["n"])] = (spk["hex"], value)
                entry = totals[spk["hex"]]
                entry["received"] += value
                touched.add(spk["hex"])
                names = spk.get("addresses") or ([spk["address"]] if "address" in spk else [])
                # 0.21 also lists the P2PKH address of a P2PK or bare multisig key: not the output's own
                if len(names) == 1 and spk.get("type") not in ("pubkey", "multisig"):
                    entry["address"] = names[0]
            _seen_in(totals, touched, {"txid": tx["txid"], "height": height, "time": block["time"]})
    return dict(totals)


def _seen_in(totals: dict[str, dict[str, Any]], scripts: set[str], place: dict[str, Any]) -> None:
    """Count one more transaction for each of ``scripts``; the walk goes in chain order."""
    for script in scripts:
        entry = totals[script]
        entry["tx_count"] = entry.get("tx_count", 0) + 1
        entry.setdefault("first_seen", place)
        entry["last_seen"] = place


def node_balances(node: RegtestNode, addresses: list[str]) -> dict[str, int]:
    """Balance per address from the node's UTXO set (scantxoutset), in base units."""
    result = node.rpc("scantxoutset", "start", [f"addr({a})" for a in addresses])
    balances: dict[str, int] = defaultdict(int)
    by_script = {node.rpc("validateaddress", a)["scriptPubKey"]: a for a in addresses}
    for utxo in result["unspents"]:
        balances[by_script[utxo["scriptPubKey"]]] += int(utxo["amount"] * COIN)
    return dict(balances)
