"""``cointrail ingest --electrum/--esplora``: the crawl around seed addresses into a sparse store (issue 15)."""

from __future__ import annotations

from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

from cointrail.chains.bitcoin.sources.electrum import ElectrumServer, ElectrumSource
from cointrail.chains.bitcoin.sources.esplora import EsploraSource
from cointrail.chains.bitcoin.sources.wire import Proxy
from cointrail.cli.ledger_cmds import StderrProgressBar
from cointrail.errors import InputError
from cointrail.ingest.light import archived_crawl
from cointrail.ingest.pipeline import store_for_ingest
from cointrail.wording import counted


class CrawlProgressBar(StderrProgressBar):
    """Seeds done and transactions fetched, on standard error."""

    def __init__(self) -> None:
        super().__init__(TextColumn("[bold]crawl[/] {task.description}"), BarColumn(bar_width=20), MofNCompleteColumn(),
                         TextColumn("seeds, {task.fields[txs]} transactions fetched"))  # fmt: skip

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and self._task is not None:  # every seed walked: the bar says n/n, not n-1/n
            self._bar.update(self._task, completed=self._bar.tasks[0].total)
        super().__exit__(*exc)

    def seed(self, index: int, seeds: int, address: str) -> None:
        # The address shortened: in full (34-62 characters) on an 80-column terminal it squeezed the bar and the
        # seed count out of the line, which read "crawl ADDRESS seeds, N transactions fetched".
        short = address if len(address) <= 20 else f"{address[:10]}…{address[-6:]}"
        if self._task is None:
            self._task = self._bar.add_task(short, total=seeds, txs=0)
        self._bar.update(self._task, completed=index, description=short)

    def fetched(self, transactions: int) -> None:
        self._txs += transactions
        self._bar.update(self._task, txs=self._txs)


def _seeds(chain: str, network: str, around: tuple[str, ...], case: Any) -> tuple[list[str], Any]:
    """The seed addresses (``--around`` first, then the case's captured ones of this chain and network) and the
    case's selection (None without ``--case``), which says which captured addresses were left out and why."""
    from cointrail.cases.site import captured_site_addresses

    selection = captured_site_addresses(case, chain, network) if case else None
    seeds = list(dict.fromkeys([*around, *(selection.addresses if selection else [])]))
    if seeds:
        return seeds, selection
    if selection is not None:
        note = selection.note()
        raise InputError(f"the case {case.name} holds no captured {chain} {network} address to crawl around"
                         + (f" ({note.rstrip('.')})" if note else "")
                         + ": capture the site first (cointrail capture URL --case), or give --around ADDRESS")
    raise InputError("give the addresses to crawl around: --around ADDRESS (repeatable) or --case CASE")


def run_crawl(chain: str, network: str, electrum: str | None, esplora: str | None, proxy: str | None,
              around: tuple[str, ...], case_name: str | None, cases_dir: str | None, hops: int, max_txs: int,
              db: str) -> dict[str, Any]:  # fmt: skip
    """Crawl around the seeds from the light server into the sparse store ``db``; the report as plain data."""
    from cointrail.cases import open_case

    if electrum and esplora:
        raise InputError("give one light server: --electrum or --esplora")
    case = open_case(case_name, cases_dir) if case_name else None
    seeds, selection = _seeds(chain, network, around, case)
    through = Proxy.parse(proxy) if proxy else None
    source: Any = (ElectrumSource(ElectrumServer.parse(electrum), chain, network, proxy=through) if electrum
                   else EsploraSource(str(esplora), chain, network, proxy=through))  # fmt: skip
    with store_for_ingest(db, chain, network) as store, CrawlProgressBar() as bar:
        report = archived_crawl(store, source, seeds, case=case, db=db, proxy=proxy, hops=hops, max_txs=max_txs,
                                progress=bar)  # fmt: skip
    found = report.to_dict()
    if case is not None and selection is not None:  # which captured addresses were the seeds; which left out, why
        found["from_case"] = {"case": case.name, **selection.to_dict()}
    return found


def render_crawl(report: dict[str, Any]) -> str:
    lines = [f"Crawled {counted(len(report['seeds']), 'seed address', 'seed addresses')} of {report['chain']} "
             f"{report['network']} from "
             f"{report['source']} ({report['hops']} hops back and forward, one session per seed) in "
             f"{report['seconds']:.1f} s: {report['fetched']} transactions fetched and proven (txid, merkle proof, "
             f"proof of work), {report['already_stored']} already in the store, {report['requests']} requests."]
    note = (report.get("from_case") or {}).get("note")
    if note:
        lines.append(f"  From the case {report['from_case']['case']}: {note}")
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
