"""Clusters over integer address ids, in compiled code, with a spanning forest of evidence.

There is no Python loop per link: the links are NumPy arrays, and one pass of
a union–find compiled with Numba (:mod:`cointrail.clustering.unionfind`) keeps,
in chain order, each link that joins two clusters: Kruskal's algorithm with
the links' chain order as their weights. SciPy's ``minimum_spanning_tree`` and
``connected_components`` give the same result (:func:`merge_with_scipy`, the
tests' reference) at about a third of the speed, since they sort again.

A cluster's id is its smallest address id, so the same chain and the same
heuristics always give the same ids. :func:`merge` adds new links to an
existing assignment: every existing cluster is one node, and only the new
links between clusters are looked at. The recorded forest is the minimum
spanning forest by chain order, which is unique, so adding blocks one batch at
a time records exactly the links a full run records.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from cointrail.clustering.unionfind import guarded_forest, spanning_forest
from cointrail.domain import Held, Links  # declared there: the store keeps them


def identity(count: int) -> np.ndarray:
    """The assignment where every address is its own cluster."""
    return np.arange(count, dtype=np.int64)


def _first_of_each_label(labels: np.ndarray, count: int) -> np.ndarray:
    """The smallest node of each component (nodes are numbered by id, so the first one seen)."""
    seen_max = np.maximum.accumulate(labels)
    first = np.flatnonzero(np.r_[True, labels[1:] > seen_max[:-1]])
    # SciPy numbers components in the order it meets their smallest node; check rather than trust it.
    if len(first) == count and bool((labels[first] == np.arange(count)).all()):
        return first
    return np.unique(labels, return_index=True)[1]


def _graph(u: np.ndarray, v: np.ndarray, count: int) -> csr_matrix:
    """A sparse graph with one entry per link, weighted by its rank (1, 2, … in chain order).

    Built directly in CSR form so that repeated links stay separate entries:
    summing them, as a COO conversion does, would garble their ranks.
    """
    order = np.argsort(u, kind="stable")
    index = np.int32 if count < 2**31 - 1 else np.int64
    indptr = np.zeros(count + 1, index)
    np.cumsum(np.bincount(u, minlength=count), out=indptr[1:])
    return csr_matrix((order.astype(np.float64) + 1.0, v[order].astype(index), indptr), shape=(count, count))


def merge(cluster: np.ndarray, links: Links, count: int) -> tuple[np.ndarray, Links]:
    """Apply ``links`` (in chain order) to ``cluster``; return the new assignment and the links kept as evidence.

    ``cluster`` maps each known address id to its cluster id (its cluster's
    smallest address id); it is extended to ``count`` addresses. Existing
    clusters are the graph's nodes (a cluster id is an address id, so the
    graph has ``count`` nodes); only links between two clusters matter.
    """
    cluster, useful, nodes, u, v = _contract(cluster, links, count)
    if len(useful) == 0:
        return cluster, links.take(useful)
    kept, root = spanning_forest(u, v, len(nodes))
    return _relabel(cluster, nodes, root, count), links.take(useful[kept])


def _contract(cluster: np.ndarray, links: Links,
              count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(``cluster`` extended to ``count`` addresses, the links between two clusters, the clusters they touch,
    each such link's two ends as union–find node numbers)."""
    cluster = np.concatenate([cluster, np.arange(len(cluster), count, dtype=np.int64)])
    ca, cb = cluster[links.a], cluster[links.b]
    useful = np.flatnonzero(ca != cb)
    if len(useful) == 0:
        return cluster, useful, useful, useful, useful
    u, v = ca[useful], cb[useful]
    # Only clusters that some link touches become union–find nodes, numbered in id order. A mark
    # array and a running count do this in linear time, where np.unique would sort.
    touched = np.zeros(count, bool)
    touched[u] = touched[v] = True
    nodes = np.flatnonzero(touched)
    number = np.cumsum(touched) - 1
    return cluster, useful, nodes, number[u], number[v]


def _relabel(cluster: np.ndarray, nodes: np.ndarray, root: np.ndarray, count: int) -> np.ndarray:
    """``cluster`` after the union–find pass: each touched cluster takes its root's id."""
    remap = np.arange(count, dtype=np.int64)
    remap[nodes] = nodes[root]
    return remap[cluster]


def merge_guarded(cluster: np.ndarray, links: Links, count: int, hold_at: int,
                  exempt_tx: np.ndarray | None = None) -> tuple[np.ndarray, Links, Held]:  # fmt: skip
    """:func:`merge`, holding back every link that would join two clusters of at least ``hold_at`` addresses each.

    The check runs inside the compiled pass, in chain order, on the sizes the
    clusters have at that moment; so it is deterministic, and adding blocks in
    batches holds back exactly the links a full run holds back. Links of the
    transactions in ``exempt_tx`` (applied by an investigator) are never held.
    """
    cluster, useful, nodes, u, v = _contract(cluster, links, count)
    if len(useful) == 0:
        empty = links.take(useful)
        return cluster, empty, Held(empty, useful, useful)
    size = np.bincount(cluster, minlength=count)[nodes]  # a node is a whole existing cluster
    exempt = np.isin(links.tx_id[useful], exempt_tx) if exempt_tx is not None and len(exempt_tx) else \
        np.zeros(len(useful), bool)  # fmt: skip
    kept, held, size_a, size_b, root = guarded_forest(u, v, size, exempt, hold_at)
    return (_relabel(cluster, nodes, root, count), links.take(useful[kept]),
            Held(links.take(useful[held]), size_a[held], size_b[held]))  # fmt: skip


def merge_with_scipy(cluster: np.ndarray, links: Links, count: int) -> tuple[np.ndarray, Links]:
    """:func:`merge` by SciPy's Kruskal and connected components: the reference the tests compare with."""
    cluster = np.concatenate([cluster, np.arange(len(cluster), count, dtype=np.int64)])
    ca, cb = cluster[links.a], cluster[links.b]
    useful = np.flatnonzero(ca != cb)
    if len(useful) == 0:
        return cluster, links.take(useful)
    forest = minimum_spanning_tree(_graph(ca[useful], cb[useful], count))
    kept = useful[np.sort(forest.data.astype(np.int64) - 1)]
    components, labels = connected_components(forest, directed=False)
    leader = _first_of_each_label(labels, components)
    return leader[labels][cluster], links.take(kept)
