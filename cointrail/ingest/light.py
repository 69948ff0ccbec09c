"""A crawl from a light server (Electrum, Esplora) with every request and answer archived (issue 15).

``cointrail ingest --electrum/--esplora`` and the demo's no-node leg both run :func:`archived_crawl`: the archive is
WARC evidence in the case, custody-logged, when there is a case, else a file beside the store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cointrail.cases import Case
from cointrail.chains.bitcoin.sources.archive import CaseArchive, case_archive, store_archive
from cointrail.ingest.crawl import CrawlProgress, CrawlReport, crawl
from cointrail.store.duckdb.store import LedgerStore

__all__ = ["archived_crawl", "light_archive"]


@contextlib.contextmanager
def light_archive(case: Case | None, db: str | Path, source: str, chain: str, network: str,
                  proxy: str | None) -> Iterator[CaseArchive]:  # fmt: skip
    """Where a light source's requests and answers are archived: the case's evidence, else beside the store ``db``."""
    if case is not None:
        with case_archive(case, source, chain, network, proxy) as archive:
            yield archive
    else:
        with store_archive(Path(db), source, chain, network, proxy) as archive:
            yield archive


def archived_crawl(store: LedgerStore, source: Any, seeds: Sequence[str], *, case: Case | None, db: str | Path,
                   proxy: str | None = None, hops: int = 2, max_txs: int | None = 500,
                   progress: CrawlProgress | None = None) -> CrawlReport:  # fmt: skip
    """Crawl ``hops`` around ``seeds`` from the light ``source`` into the sparse ``store`` (:func:`crawl`), every
    request and answer archived (:func:`light_archive`); the report's ``archives`` names the archive (its path, its
    SHA-256, where it is kept)."""
    with light_archive(case, db, source.name, store.chain, store.network, proxy) as archive:
        source.recorder = archive.recorder
        try:
            report = crawl(store, source, seeds, hops=hops, max_txs=max_txs, progress=progress)
        finally:  # the source records nothing more once its archive is closed
            source.recorder = type(archive.recorder)()
    report.archives.append({"path": str(archive.path), "sha256": archive.sha256,
                            "in": "case evidence" if case else "beside the store"})  # fmt: skip
    return report
