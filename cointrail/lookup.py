"""Finding what an investigator types or follows: a search of the case's ledger store, and a transaction page.

:func:`search` reads one line of text the way an investigator means it: a wallet's number (``cluster:12``, ``12``),
a transaction id (64 hex digits), an address (any spelling the store knows, or a public key in hex), else the text
of a label or its actor (``Demo Exchange``); each answer names the page it opens. :func:`transaction_page` is a
transaction with the names labels give its addresses, which of them are the site's, and what the clustering found
of it (a CoinJoin). Both are asked through :class:`cointrail.investigation.Investigation`; the SQL they need is in
:mod:`cointrail.store.duckdb`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cointrail.errors import InputError, NotInStoreError
from cointrail.model import Search, SearchHit, TransactionPage
from cointrail.wording import counted

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cointrail.investigation import Investigation

LABEL_HITS = 50  # labels listed for one search; an exchange's TagPack may label thousands of addresses
WALLETS_LISTED = 10  # the wallets of the labelled addresses found, most of them first
WALLET = re.compile(r"^(?:cluster:|wallet\s*)?(\d{1,18})$", re.IGNORECASE)
TXID = re.compile(r"^[0-9a-fA-F]{64}$")


def search(inv: Investigation, text: str) -> Search:
    """What ``text`` names in the store, best first: a wallet, a transaction, an address, then labels."""
    query = text.strip()
    if not query:
        return Search(query, (), ("nothing was typed",))
    hits: list[SearchHit] = []
    tried: list[str] = []
    for step in (_wallet, _transaction, _address):
        hit, words = step(inv, query)
        tried += [words] if words else []
        hits += [hit] if hit else []
    labels, more = _labels(inv, query)
    tried.append(f"no label's text or actor contains {query!r}" if not labels else "")
    return Search(query, tuple(hits + _wallets_of(inv, labels) + labels), tuple(t for t in tried if t), more)


def _wallet(inv: Investigation, query: str) -> tuple[SearchHit | None, str | None]:
    match = WALLET.match(query)
    if match is None:
        return None, None
    number = int(match.group(1))
    try:
        node = inv.graph_node(f"cluster:{number}")
    except (InputError, NotInStoreError, KeyError):
        return None, f"no wallet is numbered {number}"
    return SearchHit("wallet", str(number), f"wallet {number}: {node.caption}"), None


def _transaction(inv: Investigation, query: str) -> tuple[SearchHit | None, str | None]:
    if not TXID.match(query):
        return None, None
    try:
        tx = inv.transaction(query)
    except NotInStoreError:
        return None, "no transaction of the store has this id"
    words = (f"transaction in block {tx.block_height}, {counted(len(tx.inputs), 'input')}, "
             f"{counted(len(tx.outputs), 'output')}")
    return SearchHit("transaction", tx.txid, words), None


def _address(inv: Investigation, query: str) -> tuple[SearchHit | None, str | None]:
    from cointrail.store.duckdb.address_find import find_address_row

    try:
        _, name, _, kind, _ = find_address_row(inv.store, query)
    except NotInStoreError:
        return None, f"the address {query} never appears in the store's blocks"
    except InputError:  # not an address of this chain at all: a label's text, most likely
        return None, None
    if name is None:  # a script with no address form
        return None, None
    return SearchHit("address", name, f"{kind} address {name}"), None


def _labels(inv: Investigation, query: str) -> tuple[list[SearchHit], bool]:
    from cointrail.store.duckdb.label_table import matching_labels

    rows = matching_labels(inv.store, query, LABEL_HITS + 1)
    hits: dict[str, SearchHit] = {}
    for address, label, actor, category in rows[:LABEL_HITS]:
        named = f"{actor} ({label})" if actor and actor != label else label
        hits.setdefault(address, SearchHit("label", address, f"{named}{f', {category}' if category else ''}: "
                                                            f"{address}"))  # fmt: skip
    return list(hits.values()), len(rows) > LABEL_HITS


def _wallets_of(inv: Investigation, labels: list[SearchHit]) -> list[SearchHit]:
    """The wallets the labelled addresses found belong to, first: an exchange's many labelled addresses are most
    often one or two wallets, which is what an investigator asks about."""
    reads = inv.store.cluster_reads()
    if not labels or not reads.has_clusters():
        return []
    held: dict[int, int] = {}
    for hit in labels:
        address_id = reads.address_id(hit.key)
        try:
            cluster = reads.cluster_of(address_id) if address_id is not None else None
        except LookupError:  # ingested after the last cluster build: in no wallet yet
            cluster = None
        if cluster is not None:
            held[cluster] = held.get(cluster, 0) + 1
    from cointrail.graph.nodes import cluster_sizes, describe_clusters

    most = dict(sorted(held.items(), key=lambda item: -item[1])[:WALLETS_LISTED])
    sizes = cluster_sizes(inv.store, set(most))
    several = {c for c in most if sizes[c] > 1}  # a wallet of one address is its address, listed already
    nodes = describe_clusters(inv.store, several, sizes=sizes) if several else {}  # one batch, not one per wallet
    return [SearchHit("wallet", str(c), f"{nodes[c]['caption']}, holding {n} of the labelled addresses")
            for c, n in most.items() if c in nodes]


def transaction_page(inv: Investigation, txid: str) -> TransactionPage:
    """The transaction ``txid`` with its addresses named by their labels, the site's marked, and its CoinJoin."""
    from cointrail.store.duckdb.queries import tx_coinjoin

    tx = inv.transaction(txid)
    addresses = {i.address for i in tx.inputs if i.address} | {o.address for o in tx.outputs if o.address}
    site = set(inv.site().addresses) if inv.case is not None else set()
    return TransactionPage(tx, _names(inv, addresses), tuple(sorted(addresses & site)), tx_coinjoin(inv.store, tx.txid))


def _names(inv: Investigation, addresses: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each labelled address's names, as ``who (category)``, once each, most confident first."""
    from cointrail.store.duckdb.label_table import labels_of

    named = {}
    for address, rows in labels_of(inv.store, addresses).items():
        words = [f"{actor or label}{f' ({category})' if category else ''}" for label, actor, category in rows]
        named[address] = tuple(dict.fromkeys(words))
    return named
