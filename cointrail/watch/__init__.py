"""Watch and alert: know the moment a watched address or wallet moves money, above all into an exchange.

Funds that reach an exchange can be frozen if someone asks in time. A case keeps its watches
(:mod:`cointrail.watch.watchlist`: ``watch add``, ``list``, ``remove``, each a custody-log entry);
``cointrail watch run`` (:mod:`cointrail.watch.run`) follows a node's tip, ingests each new block into the case's
store, and raises an alert (:mod:`cointrail.watch.alerts`) when a watched address receives or spends, naming where
the money went (:mod:`cointrail.watch.destinations`: a labelled or detected exchange, a CoinJoin, a fresh address,
the hop count) with a ready freeze request for an exchange. Alerts are write-once evidence in the case, raised
exactly once (an alert's id is its transaction and block, so a restart finds it already kept), withdrawn with a
follow-up when a reorg removes their block, and delivered by webhook and e-mail from an outbox
(:mod:`cointrail.watch.deliver`). What is followed: a node or a light server (:mod:`cointrail.watch.follow`), or on
Ethereum a node around the watched accounts (:mod:`cointrail.watch.account_run`,
:mod:`cointrail.watch.account_scan`: USDT and USDC come with their issuer's freeze request).
"""

from cointrail.watch.alerts import Alert, case_alerts
from cointrail.watch.watchlist import Watch, add_watch, case_watches, remove_watch

__all__ = ["Alert", "Watch", "add_watch", "case_alerts", "case_watches", "remove_watch"]
