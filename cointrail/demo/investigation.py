"""The steps of the demo investigation, each returning plain data, each timed."""

from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cointrail.addresses import parse_address
from cointrail.capture import CaptureOptions, capture_url, served_directory
from cointrail.cases import Case, create_case, open_case, verify_case
from cointrail.demo import light, scenario
from cointrail.demo.ethereum import ethereum_leg
from cointrail.demo.page import write_site
from cointrail.exports.write import write_exports
from cointrail.investigation import Investigation, case_store
from cointrail.report import make_report, request_packs, write_request_packs
from cointrail.simulation import Economy, scenario_node

DEMO_OPERATOR = "demo investigator"

Progress = Callable[[str], None]


class Steps:
    """The seconds each step took, in order (``--json`` shows them)."""

    def __init__(self, say: Progress):
        self.say = say
        self.timings: list[dict[str, Any]] = []

    @contextmanager
    def step(self, name: str, message: str) -> Iterator[None]:
        self.say(message)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings.append({"step": name, "seconds": round(time.perf_counter() - started, 2)})


def _capture(workdir: Path, site: Path, say: Progress) -> dict[str, Any]:
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    case = create_case(f"demo-{stamp}", root=workdir / "cases", operator=DEMO_OPERATOR)
    with served_directory(site) as (url, _):
        say(f"Serving the fictitious sample site at {url} (loopback only).")
        # Media are fetched here only to show QR decoding on a page we made ourselves.
        summary = capture_url(case, url + "index.html", CaptureOptions(depth=1, include_media=True), progress=say)
    return {"case": case.name, "case_folder": str(case.folder), "summary": summary}


def _check_addresses(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [parse_address(item["address"]).to_dict() for item in summary["addresses"]]


def _tamper_test(case_folder: Path, workdir: Path) -> dict[str, Any]:
    """Flip one byte of the WARC in a copy of the case and show that verify catches it."""
    copy = workdir / "tampered-copy"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(case_folder, copy / case_folder.name)
    for path in (copy / case_folder.name).rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    warc = next((copy / case_folder.name / "evidence").rglob("*.warc.gz"))
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    report = verify_case(open_case(case_folder.name, root=copy, operator=DEMO_OPERATOR))
    return {"tampered_file": warc.name, "caught": not report.intact, "report": report.to_dict()}


def _chain(steps: Steps, root: Path, result: dict[str, Any]) -> tuple[Economy, Case]:
    """Run the node: play the economy, capture the site it made, ingest, cluster and label, crawl it as a light
    source (:mod:`cointrail.demo.light`); stop the node."""
    if (root / "node").exists():  # a previous run's chain: the scenario starts from the genesis block
        shutil.rmtree(root / "node")
    node = scenario_node(root / "node")
    with steps.step("start node", "Starting a private Litecoin node (regtest: a test chain on this machine)."):
        node.start()
    try:
        with steps.step("play economy", "Playing a small economy: exchanges, a subscription site and its "
                                        "customers, a CoinJoin, a cash-out."):  # fmt: skip
            economy = scenario.play(node)
        with steps.step("write site", "Writing the sample site's page with the site's real payment addresses."):
            site = write_site(root / "sample-site", scenario.site_addresses(economy))
        with steps.step("capture", "Capturing the site into a new case, as evidence."):
            result["capture"] = _capture(root, site, steps.say)
        case = open_case(result["capture"]["case"], root=root / "cases", operator=DEMO_OPERATOR)
        db = case_store(case)
        with steps.step("ingest", "Reading the node's whole chain into the case's ledger store."):
            result["ingest"] = scenario.ingest_chain(node, db)
        with steps.step("cluster", "Grouping addresses into wallets (clusters)."):
            result["clusters"] = scenario.cluster(db)
        with steps.step("label exchanges", "Importing the exchanges' labels (a TagPack), kept in the case."):
            result["labels"] = scenario.label_exchanges(economy, case, db, root)
        with steps.step("prices", "Importing daily LTC/USD prices (made up for the demo) to give amounts in dollars."):
            result["prices"] = scenario.import_prices(db, root)
        with steps.step("watch", "Watching the site's addresses; the operator cashes out; the next block's alert."):
            result["watch"] = scenario.watch_cash_out(economy, case, db)
        result["light"] = light.crawl_leg(steps, node, case, root, root / scenario.TAGPACK)  # needs the node
    finally:
        with steps.step("stop node", "Stopping the node."):
            node.stop()
    return economy, case


def _findings(steps: Steps, case: Case, result: dict[str, Any]) -> None:
    """Checks, payers (on the full store and on the crawled one), the report and the request packs, from the case."""
    with steps.step("check addresses", "Checking every address found against its currency's rules."):
        result["address_checks"] = _check_addresses(result["capture"]["summary"])
    db = case_store(case)
    with (steps.step("payers", "Finding who paid the site, and the exchange that funded each payer."),
          Investigation.open(case, db) as investigation):  # fmt: skip
        result["payers"] = investigation.payers().to_json()
    result["light"].update(light.payers_leg(steps, case, result["light"], result["payers"]))
    with steps.step("report", "Writing the report (HTML, and PDF where pango is installed)."):
        result["report"] = make_report(case, db)
    with (steps.step("request packs", "Writing a request pack for each exchange to contact."),
          Investigation.open(case, db, lazy=True) as investigation):  # fmt: skip
        facts = investigation.report_facts(latest=True)  # the report's, just written
        result["request_packs"] = write_request_packs(case, request_packs(facts))
    with steps.step("reports", "Writing the reports for NCMEC, an FIU (goAML) and a SAR filer; nothing is sent."):
        result["reports"] = write_exports(case, facts, Path(result["workdir"]) / "reports")


def _verify(steps: Steps, case: Case, result: dict[str, Any]) -> None:
    with steps.step("verify", "Verifying the case: re-hashing every evidence file and the custody log."):
        result["verification"] = verify_case(case).to_dict()


def run_demo(workdir: str | Path | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Run the demo investigation in ``workdir`` (a new temporary folder if None).

    Needs Debian's ``litecoind`` (:class:`~cointrail.simulation.LitecoindMissing` otherwise). The Ethereum leg
    needs ``anvil`` (``scripts/evm-tools.sh``); without it ``result["ethereum"]`` says so and the rest runs.
    """
    steps = Steps(progress or (lambda message: None))
    started = time.perf_counter()
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="cointrail-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"workdir": str(root)}
    economy, case = _chain(steps, root, result)
    _findings(steps, case, result)
    result["ethereum"] = ethereum_leg(steps, case, root)  # after the Litecoin findings; its labels are evidence too
    _verify(steps, case, result)
    with steps.step("tamper test", "Tampering with a copy of the case to show that verification catches it."):
        result["tamper_test"] = _tamper_test(case.folder, root)
    result["scenario"] = scenario.truth(economy)
    result["timings"] = {"steps": steps.timings, "total_seconds": round(time.perf_counter() - started, 2)}
    return result
