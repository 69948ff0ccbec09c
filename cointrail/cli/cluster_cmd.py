"""``cointrail cluster``: group addresses into wallets, show a cluster and why, export the assignment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cointrail.amounts import format_amount
from cointrail.cases import open_case
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.labels_cmd import attribution_lines
from cointrail.cli.ledger_cmds import open_store
from cointrail.cli.output import emit, json_option, stderr_is_terminal
from cointrail.clustering import HEURISTIC_NAMES, build_clusters, export_clusters, parse_heuristics
from cointrail.clustering.apply import apply_link
from cointrail.errors import EXIT_OK
from cointrail.investigation import Investigation
from cointrail.store.duckdb.store import LedgerStore, existing_store
from cointrail.wording import counted

db_option = click.option("--db", "db", required=True, type=click.Path(dir_okay=False, path_type=Path),
                         help="The ledger store (a DuckDB file made by 'cointrail ingest').")  # fmt: skip


class _Bar:
    """A rich progress bar on standard error, over block heights."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task: Any = None
        self.first = 0

    def start(self, first_height: int, last_height: int) -> None:
        self.first = first_height
        # The "links" column reads this field on every refresh, also before the first advance (issue 13).
        self.task = self.progress.add_task("clustering blocks", total=max(1, last_height - first_height + 1), links=0)

    def advance(self, through_height: int, links: int) -> None:
        self.progress.update(self.task, completed=through_height - self.first + 1, links=links)


@contextmanager
def _progress_bar() -> Iterator[_Bar | None]:
    if not stderr_is_terminal():
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} blocks"),
               TextColumn("{task.fields[links]} links", style="dim"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield _Bar(progress)


def _coins(value: int, chain: str | None = None) -> str:
    """Base units in the chain's coin (``0.25 LTC``), through :mod:`cointrail.amounts` like every text view."""
    return format_amount(int(value), chain)


def render_build(summary: dict[str, Any]) -> str:
    """Plain text for a build summary."""
    store = f"{summary['chain']} {summary['network']} blocks"
    what = (f"Clustered {store} {summary['from_height']}–{summary['through_height']}"
            if summary["from_height"] <= summary["through_height"] else  # a run with no new block reads 129–128
            f"Nothing new to cluster: {store} through {summary['through_height']} were clustered already")  # fmt: skip
    lines = [
        f"{what} ({summary['mode']} run {summary['run']}) with: {', '.join(summary['heuristics'])}.",
        f"{summary['addresses']:,} addresses in {summary['clusters']:,} clusters; "
        f"{summary['addresses_in_multi_address_clusters']:,} addresses share a cluster with another.",
        "Links recorded: " + (", ".join(f"{n:,} {h}" for h, n in summary["links_by_heuristic"].items() if n)
                              or "none (no two addresses were found to belong together)"),
        f"CoinJoins found and never merged: {summary['coinjoins_total']:,}; possibly collaborative (PayJoin-like, "
        f"small joins), not merged either: {summary.get('collaborative_total', 0):,}.",
        f"Links held back by the supercluster check (probable false merges, not applied): "
        f"{counted(summary.get('held_links', 0), 'transaction')}; applied by an investigator: "
        f"{summary.get('applied_links', 0):,}.",
        "Largest clusters: " + "; ".join(f"{c['size']:,} addresses ({c['first_address']})"
                                         for c in summary["largest_clusters"]),
    ]  # fmt: skip
    lines += [f"RED FLAG: {flag['message']}" for flag in summary["red_flags"]]
    return "\n".join(lines)


def render_show(item: dict[str, Any], chain: str | None = None) -> str:
    """Plain text for one cluster, amounts in the chain's coin."""
    totals = item["totals"]
    lines = [
        f"{item['address']} is in cluster {item['cluster_id']} of {counted(item['size'], 'address', 'addresses')} "
        f"(heuristics: {', '.join(item['heuristics'])}).",
        f"  received {_coins(totals['received'], chain)}, sent {_coins(totals['sent'], chain)}, "
        f"balance {_coins(totals['balance'], chain)} "
        f"({totals['outputs']:,} payments in, {totals['inputs']:,} spends).",
    ]  # fmt: skip
    if item["links_by_heuristic"]:
        lines.append("  links: " + ", ".join(f"{n:,} {h}" for h, n in sorted(item["links_by_heuristic"].items())))
    lines.append("  members: " + ", ".join(item["members"]) + (" …" if item["size"] > len(item["members"]) else ""))
    lines += attribution_lines(item["attribution"])
    lines += [f"  RED FLAG: {flag['message']}" for flag in item["red_flags"]]
    if "why" in item:
        why = item["why"]
        lines.append(f"Why {why['member']} is in this cluster:" if why["in_cluster"] else why["explanation"])
        lines += [f"  {n}. {step['explanation']}" for n, step in enumerate(why["steps"], 1)]
    return "\n".join(lines)


@click.group("cluster")
def command() -> None:
    """Group addresses into wallets (clusters), with the evidence for every link."""


@command.command("build")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path),
              help="The ledger store (a DuckDB file made by 'cointrail ingest'); the local engine.")  # fmt: skip
@click.option(
    "--heuristics",
    default=None,
    metavar="NAMES",
    help=f"Comma-separated heuristics (default: the measured default set). Known: {', '.join(HEURISTIC_NAMES)}.",
)
@click.option("--full", is_flag=True, help="Rebuild from the first block instead of adding new blocks only.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
              help="local: DuckDB and the compiled union–find; spark: Apache Spark over a Parquet export.")  # fmt: skip
@click.option("--parquet", type=click.Path(file_okay=False, path_type=Path),
              help="The export to cluster (--engine spark; made by 'cointrail store export').")  # fmt: skip
@click.option("--master", default=None, metavar="URL",
              help="Spark's master (local[2], spark://HOST:7077, yarn…); default local[*], or spark-submit's.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where --engine spark writes the cluster tables as Parquet (default PARQUET/clusters).")
@json_option
def build_command(db: Path | None, heuristics: str | None, full: bool, engine: str, parquet: Path | None,
                  master: str | None, out: Path | None, as_json: bool) -> int:  # fmt: skip
    """Build or update the clusters of the ledger store DB (or, with --engine spark, of a Parquet export)."""
    chosen = parse_heuristics(heuristics)
    if engine == "spark":
        emit(_build_on_spark(parquet, chosen, master, out), as_json, render_spark_build)
        return EXIT_OK
    if db is None:
        raise click.UsageError("--db is required (or --engine spark with --parquet)")
    existing_store(db)
    with open_store(db, read_only=False) as store, _progress_bar() as bar:
        summary = build_clusters(store, chosen, full=full, progress=bar)
    emit(summary, as_json, render_build)
    return EXIT_OK


def _build_on_spark(parquet: Path | None, heuristics: tuple[str, ...], master: str | None,
                    out: Path | None) -> dict[str, Any]:  # fmt: skip
    if parquet is None:
        raise click.UsageError("--engine spark reads a Parquet export: give --parquet DIR")
    from cointrail.engines.spark.session import DEFAULT_MASTER, require_runtime, under_spark_submit

    require_runtime()
    from cointrail.engines.spark.build import build_on_spark  # imports PySpark: only when asked for

    default = None if under_spark_submit() else DEFAULT_MASTER  # spark-submit's --master stays in force
    return build_on_spark(parquet, heuristics, master=master or default, out=out)


def render_spark_build(summary: dict[str, Any]) -> str:
    links = ", ".join(f"{h} {n:,}" for h, n in summary["links_by_heuristic"].items() if n)
    return (f"Clustered {summary['addresses']:,} addresses into {summary['clusters']:,} wallets on Spark "
            f"({summary['master']}, {summary['seconds']} s), blocks 0-{summary['through_height']:,}.\n"
            f"Links kept as evidence: {links or 'none'}; {summary['coinjoins_total']:,} CoinJoins and "
            f"{summary['collaborative_total']:,} possibly collaborative transactions never merged through; "
            f"{summary['held_links']:,} links held back.\nWritten to {summary['out']}.")


@command.command("show")
@click.argument("address")
@db_option
@click.option(
    "--why", "why", metavar="MEMBER", default=None, help="Explain, link by link, why MEMBER is in the cluster."
)
@click.option("--members", default=20, show_default=True, help="How many member addresses to list.")
@json_option
def show_command(address: str, db: Path, why: str | None, members: int, as_json: bool) -> int:
    """Show the cluster of ADDRESS: size, totals, labels, red flags, and why a member is in it."""
    with open_store(db) as store:
        chain = store.chain
        result = Investigation(store).wallet(address, why=why, members=members).to_json()
    emit(result, as_json, lambda item: render_show(item, chain))
    return EXIT_OK


@command.command("export")
@db_option
@click.option("--csv", "csv", type=click.Path(dir_okay=False, path_type=Path), help="Write a CSV file.")
@click.option("--parquet", type=click.Path(dir_okay=False, path_type=Path), help="Write a Parquet file.")
@json_option
def export_command(db: Path, csv: Path | None, parquet: Path | None, as_json: bool) -> int:
    """Write every address of DB with its cluster id to CSV and/or Parquet."""
    with LedgerStore.open(db, read_only=True) as store:
        result = export_clusters(store, csv, parquet)
    emit(result, as_json, lambda r: f"Wrote {r['addresses']:,} addresses with their cluster ids to "
                                     + " and ".join(r["files"].values()) + ".")  # fmt: skip
    return EXIT_OK


def render_applied(result: dict[str, Any]) -> str:
    joined = "; ".join(f"clusters {h['clusters'][0]} and {h['clusters'][1]} ({h['sizes'][1]:,} and {h['sizes'][0]:,} "
                       "addresses)" for h in result["held"])  # fmt: skip
    return (f"Applied the held-back links of transaction {result['txid']}: {joined} are now cluster "
            f"{result['cluster_id']} of {result['size']:,} addresses (clusters rebuilt, run {result['run']}).\n"
            f"Logged in the custody log of case {result['case']} (entry {result['log_seq']}, by "
            f"{result['operator']}); 'cluster show --why' will say that an investigator applied it.")


@command.command("apply-link")
@click.argument("txid")
@db_option
@case_option
@click.option("--reason", default=None, metavar="TEXT", help="Why you are sure one wallet made the transaction.")
@cases_dir_option
@operator_option
@json_option
def apply_link_command(txid: str, db: Path, case_name: str, reason: str | None, cases_dir: str | None,
                       operator: str | None, as_json: bool) -> int:  # fmt: skip
    """Apply a link the supercluster check held back (transaction TXID), after checking it yourself.

    The decision is kept in the store (applied_links) and logged in the case's
    custody log; the clusters are rebuilt from the first block.
    """
    case = open_case(case_name, cases_dir, operator)
    with open_store(db, read_only=False) as store:
        result = apply_link(store, txid, case, reason)
    emit(result, as_json, render_applied)
    return EXIT_OK
