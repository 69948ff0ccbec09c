"""Kruskal's spanning forest over links already in chain order: a union–find compiled with Numba.

The links arrive sorted by rank (their chain order), so Kruskal's algorithm
needs no sort: one pass keeps each link that joins two different clusters.
The loop is compiled to machine code by Numba (written by hand because no
library offers a union–find that keeps a given edge order). Roots are always
the smaller id, so every root is its cluster's smallest address id.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _find(parent: np.ndarray, x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        parent[x], x = root, parent[x]
    return root


@numba.njit(cache=True, nogil=True)
def _forest(parent: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    kept = np.zeros(len(u), np.bool_)
    for i in range(len(u)):
        a, b = _find(parent, u[i]), _find(parent, v[i])
        if a != b:
            if a < b:
                parent[b] = a
            else:
                parent[a] = b
            kept[i] = True
    return kept


@numba.njit(cache=True, nogil=True)
def _guarded_forest(parent: np.ndarray, size: np.ndarray, u: np.ndarray, v: np.ndarray, exempt: np.ndarray,
                    hold_at: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Kruskal's pass that holds back each link joining two clusters both of at least ``hold_at`` addresses."""
    kept = np.zeros(len(u), np.bool_)
    held = np.zeros(len(u), np.bool_)
    size_a = np.zeros(len(u), np.int64)
    size_b = np.zeros(len(u), np.int64)
    for i in range(len(u)):
        a, b = _find(parent, u[i]), _find(parent, v[i])
        if a == b:
            continue
        if size[a] >= hold_at and size[b] >= hold_at and not exempt[i]:
            held[i], size_a[i], size_b[i] = True, size[a], size[b]
            continue
        if a < b:
            parent[b], size[a] = a, size[a] + size[b]
        else:
            parent[a], size[b] = b, size[a] + size[b]
        kept[i] = True
    return kept, held, size_a, size_b


@numba.njit(cache=True, nogil=True)
def _flatten(parent: np.ndarray) -> None:
    for x in range(len(parent)):
        parent[x] = _find(parent, x)


def spanning_forest(u: np.ndarray, v: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, root): which links (in the given order) join two clusters, and each node's smallest-id root."""
    parent = np.arange(count, dtype=np.int64)
    kept = _forest(parent, u.astype(np.int64), v.astype(np.int64))
    _flatten(parent)
    return kept, parent


def guarded_forest(u: np.ndarray, v: np.ndarray, size: np.ndarray, exempt: np.ndarray,
                   hold_at: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(kept, held, size_a, size_b, root): :func:`spanning_forest` with the supercluster check.

    ``size`` is each node's address count; a link whose two clusters both hold
    at least ``hold_at`` addresses is held back (``held``, with both sizes),
    unless ``exempt`` says an investigator applied it.
    """
    parent = np.arange(len(size), dtype=np.int64)
    kept, held, size_a, size_b = _guarded_forest(parent, size.astype(np.int64), u.astype(np.int64),
                                                 v.astype(np.int64), exempt.astype(np.bool_), hold_at)  # fmt: skip
    _flatten(parent)
    return kept, held, size_a, size_b, parent
