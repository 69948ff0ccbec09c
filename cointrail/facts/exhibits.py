"""The report's transaction exhibits (issue 18): every txid the findings rest on, numbered, with its block height
and time from the ledger, a link to the block explorer the user chose (the ``explorer`` setting), and the command
that re-checks it on any node of the chain."""

from __future__ import annotations

from typing import Any

from cointrail.investigation import Investigation
from cointrail.store.duckdb.store import NotInStoreError

NODE_CLIS = {"bitcoin": "bitcoin-cli", "litecoin": "litecoin-cli"}


# Any Ethereum node (or Tron's Ethereum-style JSON-RPC) answers these two: the transaction, then its status and logs.
ACCOUNT_RECHECK = "JSON-RPC eth_getTransactionByHash and eth_getTransactionReceipt [\"{txid}\"] on any node"


def _row(n: int, txid: str, investigation: Investigation | None, explorer: str | None,
         cli: str) -> dict[str, Any]:  # fmt: skip
    height = time = block = None
    if investigation is not None and investigation.accounts is not None:  # an account-chain store (issue 16)
        found = investigation.accounts.transaction_block(txid)
        if found is not None:
            height, time, block = found["number"], found["time"], found["hash"]
        return {"exhibit": f"T{n}", "txid": txid, "height": height, "time": time, "block_hash": block,
                "link": explorer.replace("{txid}", txid) if explorer else None,
                "recheck": ACCOUNT_RECHECK.format(txid=txid)}  # fmt: skip
    if investigation is not None:
        try:
            tx = investigation.transaction(txid)
            height, time, block = tx.block_height, tx.time, tx.block_hash
        except NotInStoreError:  # a txid given by hand that the store does not hold: listed without its block
            pass
    return {"exhibit": f"T{n}", "txid": txid, "height": height, "time": time, "block_hash": block,
            "link": explorer.replace("{txid}", txid) if explorer else None,
            "recheck": f"{cli} getrawtransaction {txid} true"}  # fmt: skip


def transaction_exhibits(investigation: Investigation | None, txids: list[str], chain: str | None,
                         explorer: str | None) -> list[dict[str, Any]]:  # fmt: skip
    """One numbered exhibit per txid (T1, T2, …), in the findings' order."""
    cli = NODE_CLIS.get(chain or "", "bitcoin-cli")
    return [_row(n, txid, investigation, explorer, cli) for n, txid in enumerate(txids, 1)]
