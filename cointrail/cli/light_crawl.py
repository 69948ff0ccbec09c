"""``cointrail ingest --electrum/--esplora``: the crawl around seed addresses into a sparse store (issue 15)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from cointrail.chains.bitcoin.sources.archive import CaseArchive, case_archive, store_archive
from cointrail.chains.bitcoin.sources.electrum import ElectrumServer, ElectrumSource
from cointrail.chains.bitcoin.sources.esplora import EsploraSource
from cointrail.chains.bitcoin.sources.wire import Proxy
from cointrail.cli.output import stderr_is_terminal
from cointrail.errors import InputError
from cointrail.ingest.crawl import crawl
from cointrail.ingest.pipeline import store_for_ingest


class CrawlProgressBar:
    """Seeds done and transactions fetched, on standard error."""

    def __init__(self) -> None:
        self._bar = Progress(TextColumn("[bold]crawl[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("seeds, {task.fields[txs]} transactions fetched"),
                             console=Console(stderr=True), disable=not stderr_is_terminal())  # fmt: skip
        self._task: Any = None
        self._txs = 0

    def __enter__(self) -> CrawlProgressBar:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def seed(self, index: int, seeds: int, address: str) -> None:
        if self._task is None:
            self._task = self._bar.add_task(address, total=seeds, txs=0)
        self._bar.update(self._task, completed=index, description=address)

    def fetched(self, transactions: int) -> None:
        self._txs += transactions
        self._bar.update(self._task, txs=self._txs)


def _seeds(chain: str, network: str, around: tuple[str, ...], case: Any) -> list[str]:
    from cointrail.cases.site import captured_site_addresses

    seeds = list(around) + (captured_site_addresses(case, chain, network).addresses if case else [])
    if not seeds:
        raise InputError("give the addresses to crawl around: --around ADDRESS (repeatable) or --case CASE")
    return list(dict.fromkeys(seeds))


@contextlib.contextmanager
def _archive(case: Any, db: str, name: str, chain: str, network: str, proxy: str | None) -> Iterator[CaseArchive]:
    if case is not None:
        with case_archive(case, name, chain, network, proxy) as archive:
            yield archive
    else:
        with store_archive(Path(db), name, chain, network, proxy) as archive:
            yield archive


def run_crawl(chain: str, network: str, electrum: str | None, esplora: str | None, proxy: str | None,
              around: tuple[str, ...], case_name: str | None, cases_dir: str | None, hops: int, max_txs: int,
              db: str) -> dict[str, Any]:  # fmt: skip
    """Crawl around the seeds from the light server into the sparse store ``db``; the report as plain data."""
    from cointrail.cases import open_case

    if electrum and esplora:
        raise InputError("give one light server: --electrum or --esplora")
    case = open_case(case_name, cases_dir) if case_name else None
    seeds = _seeds(chain, network, around, case)
    through = Proxy.parse(proxy) if proxy else None
    source: Any = (ElectrumSource(ElectrumServer.parse(electrum), chain, network, proxy=through) if electrum
                   else EsploraSource(str(esplora), chain, network, proxy=through))  # fmt: skip
    with store_for_ingest(db, chain, network) as store, _archive(case, db, source.name, chain, network,
                                                                  proxy) as archive:  # fmt: skip
        source.recorder = archive.recorder
        try:
            with CrawlProgressBar() as bar:
                report = crawl(store, source, seeds, hops=hops, max_txs=max_txs, progress=bar)
        finally:
            source.recorder = type(archive.recorder)()
    report.archives.append({"path": str(archive.path), "sha256": archive.sha256,
                            "in": "case evidence" if case else "beside the store"})  # fmt: skip
    return report.to_dict()


def render_crawl(report: dict[str, Any]) -> str:
    lines = [f"Crawled {len(report['seeds'])} seed address(es) of {report['chain']} {report['network']} from "
             f"{report['source']} ({report['hops']} hops back and forward, one session per seed) in "
             f"{report['seconds']:.1f} s: {report['fetched']} transactions fetched and proven (txid, merkle proof, "
             f"proof of work), {report['already_stored']} already in the store, {report['requests']} requests."]
    for address, cover in report["addresses"].items():
        lines.append(f"  {address}: history {cover['words']}.")
    if report["left_out"]:
        lines.append(f"  Left out ({len(report['left_out'])}):")
        lines.extend(f"    {item['kind']} {item['id']}: {item['why']}" for item in report["left_out"][:20])
        if len(report["left_out"]) > 20:
            lines.append(f"    ... and {len(report['left_out']) - 20} more (--json lists them all)")
    for archive in report["archives"]:
        lines.append(f"  Every request and answer is archived in {archive['path']} ({archive['in']}), "
                     f"SHA-256 {archive['sha256']}.")
    return "\n".join(lines)
