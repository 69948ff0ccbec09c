"""The harness's session: every command run in a terminal on the demo case and on mainnet blocks, jobs in parallel.

A job is a sequence of commands that depend on each other (ingest, then cluster build on what it wrote); jobs
run side by side, each command in its own pseudo-terminal. Commands that write a ledger store or a case folder
are in one job per file, so no two processes write the same file (DuckDB would refuse, as it does for people).
``--json`` answers to compare with come from the same commands run in-process afterwards.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptyrun import ForkServer, Screen

from cointrail.capture import served_directory
from cointrail.cases import open_case
from cointrail.cases.site import captured_site_addresses
from cointrail.cli import main
from cointrail.simulation.node import free_port
from cointrail.store.duckdb.store import LedgerStore

OPERATOR = "A. Investigator"
GENESIS_COINBASE = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
GENESIS_ADDRESS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # its output pays the bare key (P2PK) of this address


def json_answer(*args: str) -> Any:
    """What ``cointrail ARGS --json`` prints, run in-process (the machine's view, to compare the text with)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*args, "--json"])
    assert code == 0, f"cointrail {' '.join(args)} --json exited {code}"
    return json.loads(out.getvalue())


@dataclass
class Session:
    """The screens of every command, by name, with the exit codes each may end with, and the facts used."""

    tmp: Path
    forks: ForkServer
    facts: dict[str, Any] = field(default_factory=dict)
    screens: dict[str, Screen] = field(default_factory=dict)
    allowed: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def run(self, name: str, *args: str, ok: tuple[int, ...] = (0,), **options: Any) -> Screen:
        """Run a command in a terminal (through the fork server: see forkserver.py)."""
        screen = self.forks.run(*args, **options)
        self.screens[name], self.allowed[name] = screen, ok
        return screen

    def run_jobs(self, jobs: list[Callable[[Session], None]]) -> None:
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="terminal") as pool:
            for done in [pool.submit(job, self) for job in jobs]:
                done.result()


def demo_facts(demo: Any, tmp: Path) -> dict[str, Any]:
    """Addresses and transactions of the demo case to ask about, found through the JSON answers."""
    selection = captured_site_addresses(open_case(demo.name, demo.cases_dir), "litecoin", "regtest")
    db = str(demo.db)
    site = selection.addresses[0]
    info = json_answer("address-info", site, "--db", db)
    cluster = json_answer("cluster", "show", site, "--db", db)
    empty = tmp / "empty.duckdb"
    for store in (empty, tmp / "labels.duckdb"):  # bound to a chain, with no block yet
        LedgerStore.open(store, "litecoin", "regtest").close()
    return {"db": db, "case": demo.name, "cases": str(demo.cases_dir), "site": site,
            "payment": info["first_seen"]["txid"],
            "coinbase": json_answer("block", "1", "--db", db)["txids"][0], "member": cluster["members"][-1],
            "left_out": [item["address"] for item in selection.left_out], "fresh": str(tmp / "fresh.duckdb"),
            "empty": str(empty), "labels": str(tmp / "labels.duckdb"), "failed": str(tmp / "failed.duckdb"),
            "port": free_port(), "workdir": str(demo.workdir), "node_blocks": str(demo.node_blocks)}  # fmt: skip


def ledger_job(s: Session) -> None:
    f = s.facts
    s.run("address-info", "address-info", f["site"], "--db", f["db"])
    s.run("tx coinbase", "tx", f["coinbase"], "--db", f["db"])
    s.run("tx", "tx", f["payment"], "--db", f["db"])
    s.run("block", "block", "1", "--db", f["db"])
    s.run("labels list", "labels", "list", "--db", f["db"])


def analysis_job(s: Session) -> None:
    f = s.facts
    s.run("cluster show", "cluster", "show", f["site"], "--db", f["db"], "--why", f["member"])
    s.run("cluster export", "cluster", "export", "--db", f["db"], "--csv", str(s.tmp / "clusters.csv"))
    s.run("trace", "trace", f["site"], "--db", f["db"])
    s.run("trace backward", "trace", f["payment"], "--db", f["db"], "--direction", "backward", "--hops", "2",
          "--model", "fifo")  # fmt: skip


def case_job(s: Session) -> None:
    """Everything that reads or writes the demo case folder, one after another."""
    f = s.facts
    case = ("--case", f["case"], "--cases-dir", f["cases"])
    s.run("payers --case", "payers", "--db", f["db"], *case)
    s.run("payers --site", "payers", "--db", f["db"], "--site", f["site"])
    s.run("report", "report", *case, "--db", f["db"], "--no-pdf", "--out", str(s.tmp / "report"))
    s.run("request-pack", "request-pack", *case, "--out", str(s.tmp / "requests"))
    s.run("export", "export", *case, "--format", "stix", "--out", str(s.tmp / "case.stix.json"))
    s.run("verify", "verify", *case)
    s.run("case show", "case", "show", f["case"], "--cases-dir", f["cases"])


def fresh_store_job(s: Session) -> None:
    """A new store from the demo node's block files, then the commands that write a store, on it."""
    f, db = s.facts, s.facts["fresh"]
    s.run("ingest --blocks", "ingest", "--chain", "litecoin", "--network", "regtest", "--blocks", f["node_blocks"],
          "--db", db)  # fmt: skip
    s.run("cluster build", "cluster", "build", "--db", db)
    s.run("store index", "store", "index", "--db", db)
    s.run("prices import", "prices", "import", str(Path(f["workdir"]) / "demo-ltc-usd.csv"), "--db", db)
    s.run("labels import", "labels", "import", str(Path(f["workdir"]) / "demo-exchanges.tagpack.yaml"), "--db", db)
    parquet = str(s.tmp / "parquet")
    s.run("store export", "store", "export", "--db", db, "--parquet", parquet)
    s.run("store import", "store", "import", "--db", str(s.tmp / "imported.duckdb"), "--parquet", parquet)


def capture_job(s: Session) -> None:
    """A new case opened by a named investigator, a capture in it without --operator, a WARC imported."""
    f = s.facts
    where = ("--cases-dir", str(s.tmp / "cases"))
    s.run("case new", "case", "new", "second", "--operator", OPERATOR, *where)
    with served_directory(Path(f["workdir"]) / "sample-site") as (url, _):
        s.run("capture", "capture", url + "index.html", "--case", "second", *where)
    [warc] = sorted((s.tmp / "cases" / "second" / "evidence").rglob("*.warc.gz"))
    s.run("import-warc", "import-warc", str(warc), "--case", "second", *where)
    s.run("label add", "label", "add", f["site"], "--label", "payment page of the site", "--category",
          "child_sexual_abuse", "--case", "second", *where)  # fmt: skip
    s.run("label rebuild", "label", "rebuild", "--case", "second", *where, "--db", f["labels"])
    s.run("case list", "case", "list", *where)


def empty_store_job(s: Session) -> None:
    """A first ingest from a node that is not there, and every question asked of a store without blocks."""
    f = s.facts
    s.run("ingest unreachable", "ingest", "--chain", "litecoin", "--network", "regtest", "--rpc",
          f"http://127.0.0.1:{f['port']}", "--rpc-user", "u", "--rpc-password", "p", "--db", f["failed"], ok=(3,))
    s.run("address-info after failed ingest", "address-info", f["site"], "--db", f["failed"], ok=(2,))
    empty = ("--db", f["empty"])
    for name, args in {"address-info": (f["site"],), "tx": (f["payment"],), "block": ("0",),
                       "cluster show": ("cluster", "show", f["site"]), "trace": (f["site"],),
                       "payers": ("--site", f["site"])}.items():  # fmt: skip
        command = args if name == "cluster show" else (name, *args)
        s.run(f"{name} on an empty store", *command, *empty, ok=(2,))


def misc_job(s: Session) -> None:
    f = s.facts
    s.run("address", "address", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    s.run("extract", "extract", str(Path(f["workdir"]) / "sample-site" / "index.html"))
    s.run("labels check", "labels", "check", str(Path(f["workdir"]) / "demo-exchanges.tagpack.yaml"))
    s.run("help", "--help")
    s.run("serve", "serve", "--cases-dir", f["cases"], "--case", f["case"], "--port", "0", stop_when="(Ctrl-C",
          ok=(0, 130), timeout=60)  # fmt: skip


def mainnet_job(blocks: Path | None) -> Callable[[Session], None]:
    """The real Bitcoin mainnet blocks 0 and 1: ingested from block files, then read back."""
    def job(s: Session) -> None:
        if blocks is None:
            return
        db = str(s.tmp / "mainnet.duckdb")
        s.run("mainnet ingest", "ingest", "--chain", "bitcoin", "--network", "mainnet", "--blocks", str(blocks),
              "--db", db)  # fmt: skip
        s.run("mainnet block 0", "block", "0", "--db", db)
        s.run("mainnet tx genesis coinbase", "tx", GENESIS_COINBASE, "--db", db)
        s.run("mainnet address-info", "address-info", GENESIS_ADDRESS, "--db", db, ok=(0, 1))
        s.run("mainnet cluster build", "cluster", "build", "--db", db)
    return job


JOBS = [fresh_store_job, case_job, ledger_job, analysis_job, capture_job, empty_store_job, misc_job]
