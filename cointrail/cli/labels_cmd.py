"""``cointrail labels``: read label files (TagPacks, the OFAC SDN list, CSV), check them, keep them in a store."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from cointrail.cases import open_case
from cointrail.chains import utxo_networks
from cointrail.cli.case_cmd import cases_dir_option, operator_option
from cointrail.cli.output import emit, json_option, stderr_is_terminal, warn
from cointrail.errors import EXIT_NEGATIVE, EXIT_OK, InputError
from cointrail.investigation import Investigation
from cointrail.labels import IMPORTERS
from cointrail.labels.store import import_account_labels, import_label_file
from cointrail.labels.stream import check_label_file
from cointrail.store.duckdb.account import AccountStore, store_family
from cointrail.store.duckdb.store import LedgerStore, existing_store
from cointrail.wording import counted


def _reading(file: str) -> contextlib.AbstractContextManager[object]:
    """A spinner on standard error while a large file (the OFAC advanced XML) is read, on a terminal only."""
    if not stderr_is_terminal():
        return contextlib.nullcontext()
    return Console(stderr=True).status(f"Reading and checking {file} …")


def _counts_line(title: str, counts: dict[str, int]) -> str:
    return f"  {title}: " + (", ".join(f"{name} {n}" for name, n in counts.items()) or "none")


def render_check(data: dict[str, Any]) -> str:
    """Plain text for the result of ``labels check``."""
    lines = [
        f"{data['path']} ({data['format']}, SHA-256 {data['source_sha256']})",
        f"  {counted(data['label_count'], 'label')} read, "
        f"{counted(data['rejected_count'], 'entry', 'entries')} rejected",
        _counts_line("by category", data["by_category"]),
        _counts_line("by currency", data["by_currency"]),
    ]
    if data["rejected"]:
        lines.append("Rejected:")
        lines += [f"  ✗ {r['where']}: {r['value'] or '(no address)'}\n    {r['reason']}" for r in data["rejected"]]
        if data.get("rejected_not_listed"):
            lines.append(f"  … and {data['rejected_not_listed']:,} more rejected entries, not listed (only counted)")
    for label in data.get("labels", []):
        lines.append(f"  {label['address']}  {label['currency']}  {label['label']}  [{label['category'] or '-'}]")
    return "\n".join(lines)


@click.group("labels")
def command() -> None:
    """Attribution labels: GraphSense TagPacks, the OFAC SDN list, CSV."""


@command.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format", "format_", type=click.Choice(list(IMPORTERS)), help="The file's format (detected when left out)."
)
@click.option("--list", "with_labels", is_flag=True, help="Also list every label read.")
@json_option
def check(file: str, format_: str | None, with_labels: bool, as_json: bool) -> int:
    """Read a label FILE and report what it holds and every entry rejected, with why.

    Exit code 0 when every entry became a label, 1 when some were rejected.
    """
    with _reading(file):
        tally = check_label_file(file, format_, with_labels)
    emit(tally.summary(), as_json, render_check)
    return EXIT_OK if not tally.rejected_count else EXIT_NEGATIVE


def attribution_lines(attribution: dict[str, Any], red_flags_shown: bool = True) -> list[str]:
    """Text lines for a cluster's attribution (used by ``cluster show``).

    With ``red_flags_shown``, a conflict between services is left to the red
    flag line that says the same; every other conflict is printed here.
    """
    lines = []
    for group in attribution["groups"]:
        sources = "; ".join(f"{s['source']} ({s['confidence']} {s['confidence_value']})" for s in group["sources"])
        lines.append(f"  label: {group['service']} [{group['category'] or 'no category'}] on "
                     f"{counted(len(group['addresses']), 'address', 'addresses')} — {sources}")  # fmt: skip
    lines += [f"  CONFLICT: {c['message']}" for c in attribution["conflicts"]
              if not (red_flags_shown and c["kind"] == "services")]  # fmt: skip
    lines += [f"  {sentence}" for sentence in attribution["legal_process"]]
    lines += [f"  not used: {o['label']} on {o['address']} ({o['chain_note']})" for o in attribution["other_chain"]]
    return lines


def _db_option(command: Any) -> Any:
    return click.option("--db", "db", required=True, type=click.Path(dir_okay=False, path_type=Path),
                        help="The ledger store (a DuckDB file made by 'cointrail ingest').")(command)  # fmt: skip


def _existing_store(db: Path, read_only: bool) -> LedgerStore:
    existing_store(db)
    return LedgerStore.open(db, read_only=read_only)


def _store_to_label(db: Path, chain: str | None, network: str | None) -> None:
    """Make sure a store is at ``db``: there already, or made empty for ``chain`` and ``network``."""
    if (chain is None) != (network is None):
        raise InputError("give both --chain and --network to make a new store, or neither")
    if db.is_file():
        if chain is not None and store_family(db) != "account":
            LedgerStore.open(db, chain, network, read_only=True).close()  # refuses a store of another chain
        return
    if chain is None:
        raise InputError(f"there is no ledger store at {db}: run 'cointrail ingest' first, check --db, or give "
                         "--chain and --network to make one for these labels before a first crawl")
    LedgerStore.open(db, chain, network).close()  # bound to its chain, with no block yet


def render_import(data: dict[str, Any]) -> str:
    """Plain text for the result of ``labels import``."""
    stored = data["stored"]
    lines = [render_check(data),
             f"Stored in {data['db']}: {counted(stored['added'], 'new label')}, {stored['already_stored']} already "
             f"there, {stored['repeated']} repeated in the file; {stored['on_chain']} for this store's chain, "
             f"{stored['other_chain']} for other chains (kept, marked, never attributed)."]  # fmt: skip
    if data["evidence"]:
        lines.append(f"The file is kept in the case as {data['evidence']} (logged).")
    return "\n".join(lines)


@command.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@_db_option
@click.option(
    "--format", "format_", type=click.Choice(list(IMPORTERS)), help="The file's format (detected when left out)."
)
@click.option("--case", "case_name", default=None, metavar="NAME",
              help="Keep the label file in this case as evidence (hashed, logged) before importing it.")  # fmt: skip
@click.option("--chain", default=None, type=click.Choice(sorted({n.chain for n in utxo_networks()})),
              help="With --network: make DB, bound to this chain, if there is no store there yet.")
@click.option("--network", default=None, type=click.Choice(sorted({n.network for n in utxo_networks()})),
              help="The network of --chain.")
@cases_dir_option
@operator_option
@json_option
def import_(file: str, db: Path, format_: str | None, case_name: str | None, chain: str | None,
            network: str | None, cases_dir: str | None, operator: str | None, as_json: bool) -> int:  # fmt: skip
    """Read a label FILE and keep its labels in the ledger store DB.

    Labels for addresses of another chain are kept but marked and never
    attributed to this store's clusters. Exit code 0 when every entry became a
    label, 1 when some were rejected (they are listed). With --chain and
    --network, a new store is made when DB does not exist: label before a first
    crawl (ingest --electrum or --esplora), so that the walk stops at the services
    the labels name.
    """
    case = open_case(case_name, cases_dir, operator) if case_name else None
    _store_to_label(db, chain, network)
    if store_family(db) == "account":  # an Ethereum store keeps its labels in its own table (issue 16)
        with AccountStore.open(db) as accounts, _reading(file):
            result = import_account_labels(accounts, file, format_, case)
        emit(result, as_json, render_import)
        return EXIT_OK if not result["rejected"] else EXIT_NEGATIVE
    with _existing_store(db, read_only=False) as store, _reading(file):
        result = import_label_file(store, file, format_, case)
    emit(result, as_json, render_import)
    return EXIT_OK if not result["rejected"] else EXIT_NEGATIVE


def render_list(labels: list[dict[str, Any]]) -> str:
    """Plain text for ``labels list``."""
    if not labels:
        return "No labels stored."
    lines = []
    for lab in labels:
        mark = "" if lab["on_chain"] else f"  (not on this chain: {lab['chain_note']})"
        lines.append(f"{lab['address']}  {lab['label']}  [{lab['category'] or '-'}]  {lab['confidence']} "
                     f"{lab['confidence_value']}  from {lab['source']}{mark}")  # fmt: skip
    return "\n".join(lines)


@command.command("list")
@_db_option
@click.option("--address", default=None, metavar="ADDRESS", help="Only the labels of this address.")
@json_option
def list_(db: Path, address: str | None, as_json: bool) -> int:
    """List the labels kept in the ledger store DB, most confident first.

    Exit code 1 when --address is given and it has no label.
    """
    with _existing_store(db, read_only=True) as store:
        labels = [label.to_json() for label in Investigation(store).labels(address)]
    emit(labels, as_json, render_list)
    if address and not labels:
        warn(f"no label is stored for {address.strip()}")
        return EXIT_NEGATIVE
    return EXIT_OK


def render_update(data: dict[str, Any]) -> str:
    """Plain text for ``labels update``."""
    lines = []
    for u in data["updated"]:
        lines.append(f"{u['source']}: {counted(u['label_count'], 'label')} from {u['url']} "
                     f"({u['bytes']:,} bytes, SHA-256 {u['sha256']}, fetched {u['fetched_utc']})")  # fmt: skip
        lines.append(f"  since the last update: {u['added']} added, {u['removed']} removed, {u['changed']} changed; "
                     f"{counted(u['rejected_count'], 'entry', 'entries')} rejected")  # fmt: skip
        lines += [f"  + {r['address']}  {r['label']}  [{r['category'] or '-'}]" for r in u["added_labels"]]
        lines += [f"  - {r['address']}  {r['label']}  [{r['category'] or '-'}]" for r in u["removed_labels"]]
        lines += [f"  ~ {c['after']['address']}  {c['before']['label']} [{c['before']['category'] or '-'}] → "
                  f"[{c['after']['category'] or '-'}]" for c in u["changed_labels"]]  # fmt: skip
        shown = len(u["added_labels"]) + len(u["removed_labels"]) + len(u["changed_labels"])
        if (total := u["added"] + u["removed"] + u["changed"]) > shown:
            lines.append(f"  … and {total - shown:,} more, not listed")
        lines += [f"  unreadable pack: {p}" for p in u["unreadable_packs"]]
        lines.append(f"  kept as {u['evidence']}; reliability: {u['reliability']}")
    lines += [f"{f['source']}: NOT UPDATED, {f['error']}" for f in data["failed"]]
    return "\n".join(lines)


def render_plan(plan: list[dict[str, Any]]) -> str:
    return "\n".join(["Offline: nothing was fetched. An update would fetch:",
                      *(f"  {p['name']}: {p['url']} ({p['format']})" for p in plan),
                      "Fetch them on a connected machine (or here through Tor: --proxy socks5h://127.0.0.1:9050), "
                      "then bring each file here with cointrail labels import FILE --db DB (of a TagPack repository, "
                      "each packs/*.yaml)."])  # fmt: skip


@command.command("update")
@_db_option
@click.option("--source", "names", multiple=True, metavar="NAME",
              help="Fetch only this source (repeatable); default: OFAC's SDN list, the GraphSense TagPacks and "
                   "every source configured with --url.")  # fmt: skip
@click.option("--url", "urls", multiple=True, metavar="NAME=URL",
              help="Configure a source (a TagPack .yaml, a TagPack repository .tar.gz, an OFAC .xml or .csv; "
                   "NAME=FORMAT:URL to say the format), or point a built-in one elsewhere; kept for later updates.")
@click.option("--proxy", default=None, metavar="URL", help="Fetch through this proxy (socks5h://127.0.0.1:9050).")
@click.option("--offline", is_flag=True, help="Fetch nothing: say what would be fetched (exit code 3).")
@json_option
def update(db: Path, names: tuple[str, ...], urls: tuple[str, ...], proxy: str | None, offline: bool,
           as_json: bool) -> int:  # fmt: skip
    """Fetch public label sources and import what changed since the last update.

    Each download is kept beside DB (named by its SHA-256) and recorded with
    its URL and time. Exit code 0 when every source was updated, 1 when some
    failed, 3 when none could be reached (offline: what would be fetched is said).
    """
    from cointrail.errors import EXIT_EXTERNAL
    from cointrail.labels import update as updating

    with _existing_store(db, read_only=False) as store:
        configured = updating.configure_urls(store, urls)
        names = tuple(dict.fromkeys((*names, *configured))) if names else names
        sources = updating.chosen(store, names)
        try:
            if offline:
                raise updating.Offline("--offline was given: no source was asked")
            result = updating.update(store, sources, proxy)
        except updating.Offline as error:
            emit(updating.plan(sources), as_json, render_plan)
            warn(str(error))
            return EXIT_EXTERNAL
    emit(result, as_json, render_update)
    return EXIT_OK if not result["failed"] else EXIT_NEGATIVE


def render_sources(sources: list[dict[str, Any]]) -> str:
    lines = []
    for s in sources:
        if "imported" in s:  # labels no fetched source gave: files imported, the investigator's own
            entry = s["imported"]
            lines.append(f"{s['name']}: {counted(entry['label_count'], 'label')} not fetched from a source above")
            lines.append(f"  reliability: {s['reliability']}")
            lines += [_counts_line("categories", entry["by_category"]), "  citing: " + "; ".join(entry["cited"])]
            continue
        latest = s["latest"]
        when = (f"{latest['label_count']:,} labels, fetched {latest['fetched_utc']}" if latest
                else "never fetched into this store")  # fmt: skip
        lines.append(f"{s['name']} ({s['format']}, {'built in' if s['builtin'] else 'configured'}): {when}")
        lines.append(f"  {s['url']}")
        lines.append(f"  reliability: {s['reliability']}")
        if latest:
            lines += [_counts_line("chains", s["by_chain"]), _counts_line("categories", s["by_category"])]
    return "\n".join(lines)


@command.command("sources")
@_db_option
@json_option
def sources(db: Path, as_json: bool) -> int:
    """List the label sources: where each is fetched from, its reliability, and what it covers in DB."""
    from cointrail.labels.update import describe_sources

    with _existing_store(db, read_only=True) as store:
        emit(describe_sources(store), as_json, render_sources)
    return EXIT_OK
