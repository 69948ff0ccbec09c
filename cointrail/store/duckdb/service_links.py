"""What joins the wallets of one service: its remaining coin passing from one of its wallets to the next.

An exchange that sweeps its whole balance to a fresh address and pays its withdrawals' change to fresh addresses
leaves one wallet per stretch of its history to the multi-input heuristic: the coin a withdrawal keeps is spent by
the next withdrawal or sweep, whose inputs are another wallet. This reads those steps, with what each needs to be
judged (cointrail.services.joins decides); read inside :func:`service_reads.prepared`.
"""

from __future__ import annotations

from typing import Any

from cointrail.chains.bitcoin.model import display_hash
from cointrail.store.duckdb.store import LedgerStore

# Transactions a service's own coin moves in: paid from one wallet, a batch (3 or more outputs), a ``pair`` (one
# payment and its change: an exchange paying one withdrawal from its float, issue 17's families) or everything to
# one address (a sweep of several coins; a ``move`` of one coin, which joins only where the coin was already the
# service's: anyone sending a whole coin makes one). Never a CoinJoin or a possibly collaborative transaction
# (their inputs have several owners), nor one paid from a wallet that received block rewards: a miner's payouts
# into services look like a service's coin moving on (it joined two exchanges when tried, docs/accuracy.md).
_SHAPED = """
CREATE OR REPLACE TEMP TABLE svc_shaped AS
SELECT t.tx_id, t.cluster_id,
       CASE WHEN x.output_count >= 3 THEN 'batch' WHEN x.output_count = 2 THEN 'pair' WHEN t.n = 1 THEN 'move'
            ELSE 'all_to_one' END AS shape,
       (SELECT sum(q.value) FROM outputs q WHERE q.tx_id = t.tx_id) AS total
FROM svc_tx_in t JOIN transactions x USING (tx_id)
WHERE t.clusters = 1 {flagged}
  AND t.cluster_id NOT IN (SELECT c.cluster_id FROM outputs o JOIN transactions cb USING (tx_id)
                           JOIN svc_cluster c USING (address_id) WHERE cb.is_coinbase)
"""

# A step: an output of one shaped transaction spent by a shaped transaction of another wallet. From a batch, kept
# only where it is the change the batch keeps: its one output spent so (two would be coins paid to two services:
# which one is its own is not known), its largest (what a hot wallet keeps is its balance, larger than what it
# pays), at an address used for nothing else (a change address is used once; a deposit address is paid again and
# again), and no output returns to the paying wallet (then that one is its change, and this one a payment). From
# everything-to-one, its one output, wherever paid (a hot wallet's address is often used again and again). The
# onward rule counts only spends by transactions other than pairs (as before pairs were read); a step into a pair
# is kept where it is the only output spent onward at all; and a batch's coin larger than all its other outputs
# together is its change even where customers spend their payments in batches or sweeps of their own (a Tx0). From
# a pair, its larger output, under the batch's rules (used once, nothing back to the paying wallet).
_STEPS = """
WITH onward AS (
  SELECT a.tx_id AS a_tx, a.cluster_id AS a_wallet, a.shape AS a_shape, b.tx_id AS b_tx, b.cluster_id AS b_wallet,
         b.shape AS b_shape, o.address_id, o.value
  FROM svc_shaped a JOIN outputs o ON o.tx_id = a.tx_id JOIN svc_shaped b ON b.tx_id = o.spent_by_tx_id
  QUALIFY a.shape = 'pair' AND o.value = max(o.value) OVER (PARTITION BY a.tx_id)
       OR b.shape <> 'pair' AND count(*) FILTER (WHERE b.shape <> 'pair') OVER (PARTITION BY a.tx_id) = 1
       OR count(*) OVER (PARTITION BY a.tx_id) = 1
       OR a.shape = 'batch' AND 2 * o.value > a.total
), paid AS (
  SELECT s.a_tx, max(p.value) AS largest, list(DISTINCT c.cluster_id) AS wallets,
         bool_or(c.cluster_id = s.a_wallet) AS back
  FROM onward s JOIN outputs p ON p.tx_id = s.a_tx JOIN svc_cluster c ON c.address_id = p.address_id
  GROUP BY s.a_tx
), used AS (
  SELECT u.address_id, count(*) AS n FROM outputs u WHERE u.address_id IN (SELECT address_id FROM onward)
  GROUP BY u.address_id
)
SELECT s.a_wallet, s.b_wallet, s.a_shape, s.b_shape, xa.txid, xb.txid, xb.block_height, p.wallets, u.n = 1
FROM onward s JOIN paid p USING (a_tx) JOIN used u USING (address_id)
JOIN transactions xa ON xa.tx_id = s.a_tx JOIN transactions xb ON xb.tx_id = s.b_tx
WHERE s.a_wallet <> s.b_wallet
  AND (s.a_shape NOT IN ('batch', 'pair') OR s.value = p.largest AND u.n = 1 AND NOT p.back)
ORDER BY xb.block_height, xb.position, xa.block_height, xa.position
"""


# The last step of a service's coin, not spent yet: a sweep or a move's one output, unspent, at an address used for
# nothing else, in another wallet (the multi-input heuristic cannot join a coin that has not been spent: an
# exchange's current hot wallet, what a public label most often names). Joined only where the coins it moves are the
# service's own (cointrail.services.joins), as a sweep into a sweep.
_UNSPENT = """
SELECT a.cluster_id, c.cluster_id, a.shape, x.txid, x.block_height
FROM svc_shaped a JOIN transactions x USING (tx_id) JOIN outputs o ON o.tx_id = a.tx_id
JOIN svc_cluster c ON c.address_id = o.address_id
WHERE a.shape <> 'batch' AND x.output_count = 1 AND o.spent_by_tx_id IS NULL AND c.cluster_id <> a.cluster_id
  AND (SELECT count(*) FROM outputs u WHERE u.address_id = o.address_id) = 1
ORDER BY x.block_height, x.position
"""


def _flagged(store: LedgerStore) -> str:
    tables = [t for t in ("coinjoins", "collaborative_txs") if store.has_table(t)]
    return "".join(f" AND t.tx_id NOT IN (SELECT tx_id FROM {t})" for t in tables)


def coin_steps(store: LedgerStore) -> list[dict[str, Any]]:
    """Every step of a coin from one wallet's shaped transaction to another's (see ``_STEPS``): the two wallets,
    the shapes (``batch``, ``all_to_one``, ``move``), the two txids, the height of the spending one, the wallets
    the first one paid (the second's included), and whether the coin's address was used only for it; then each
    sweep or move whose coin is not spent yet, in another wallet (``_UNSPENT``: to shape ``unspent``, no second
    txid, the height its own). Read inside :func:`service_reads.prepared`, per cluster."""
    store.con.execute(_SHAPED.format(flagged=_flagged(store)))
    try:
        rows, unspent = store.rows(_STEPS), store.rows(_UNSPENT)
    finally:
        store.con.execute("DROP TABLE IF EXISTS svc_shaped")
    steps = [{"from": int(a), "to": int(b), "from_shape": sa, "to_shape": sb, "from_txid": display_hash(ta),
              "to_txid": display_hash(tb), "height": int(h), "paid": [int(w) for w in paid], "used_once": bool(once)}
             for a, b, sa, sb, ta, tb, h, paid, once in rows]  # fmt: skip
    # After every spent step: a coin not spent yet is the end of the service's history read so far.
    return steps + [{"from": int(a), "to": int(b), "from_shape": sa, "to_shape": "unspent",
                     "from_txid": display_hash(ta), "to_txid": None, "height": int(h), "paid": [int(b)],
                     "used_once": True} for a, b, sa, ta, h in unspent]  # fmt: skip
