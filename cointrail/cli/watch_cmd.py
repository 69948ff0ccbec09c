"""``cointrail watch``: watches kept in a case (add, list, remove), the run that raises alerts, and the alerts."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

import click

from cointrail.cases import open_case
from cointrail.cases.settings import SMTP_PASSWORD, SMTP_USER, WEBHOOK_SECRET, resolve
from cointrail.cli.case_cmd import case_option, cases_dir_option, operator_option
from cointrail.cli.ledger_cmds import node_credentials_options
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK, InputError
from cointrail.investigation import case_store
from cointrail.store.duckdb.store import LedgerStore, existing_store
from cointrail.watch import add_watch, case_alerts, case_watches, remove_watch
from cointrail.watch.alerts import WITHDRAWN, Alert
from cointrail.watch.deliver import Channel, Desktop, Mail, Outbox, Webhook
from cointrail.watch.follow import Follower, LightFollower, NodeFollower
from cointrail.watch.scan import DEFAULT_MAX_HOPS


@click.group("watch")
def command() -> None:
    """Watch addresses and wallets of a case, and be told the moment their money moves.

    'watch add' keeps a watch in the case; 'watch run' follows a node's new blocks and raises an alert when a
    watched address receives or spends, naming where the money went (a labelled exchange comes with a ready
    freeze request); 'watch alerts' lists what was raised.
    """


def _db_path(case: Any, db: Path | None) -> Path:
    return db if db is not None else case_store(case)


def render_watch(data: dict[str, Any]) -> str:
    what = (f"wallet {data['cluster_id']} ({len(data['addresses'])} addresses)" if data["cluster_id"] is not None
            else ", ".join(data["addresses"]))  # fmt: skip
    note = f" — {data['note']}" if data.get("note") else ""
    return f"{data['watch_id']}: {what}{note} (added {data['added_utc'][:19]}Z by {data['operator']})"


@command.command("add")
@click.argument("addresses", nargs=-1)
@click.option("--cluster", "cluster_id", type=int, help="Watch a whole wallet (its members now) instead.")
@click.option("--note", help="Why it is watched, kept with the watch.")
@case_option
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="The ledger store the wallet is in (default: the case's own store).")
@cases_dir_option
@operator_option
@json_option
def add(addresses: tuple[str, ...], cluster_id: int | None, note: str | None, case_name: str, db: Path | None,
        cases_dir: str | None, operator: str | None, as_json: bool) -> int:  # fmt: skip
    """Watch ADDRESSES (or --cluster ID) in a case: kept as evidence and logged in its custody log."""
    case = open_case(case_name, cases_dir, operator)
    if cluster_id is not None:
        path = _db_path(case, db)
        existing_store(path)
        with LedgerStore.open(path, read_only=True) as store:
            watch = add_watch(case, (), cluster_id, note, store)
    else:
        watch = add_watch(case, addresses, None, note)
    emit(watch.to_json(), as_json, lambda d: "Watching " + render_watch(d) + ".\nRun `cointrail watch run --case "
         f"{case.name} --rpc URL` to be alerted when its money moves.")  # fmt: skip
    return EXIT_OK


@command.command("list")
@case_option
@cases_dir_option
@json_option
def list_watches(case_name: str, cases_dir: str | None, as_json: bool) -> int:
    """The case's watches now."""
    case = open_case(case_name, cases_dir)
    watches = [w.to_json() for w in case_watches(case)]
    emit({"case": case.name, "watches": watches}, as_json,
         lambda d: "\n".join(render_watch(w) for w in d["watches"]) or f"The case {d['case']} watches nothing.")
    return EXIT_OK


@command.command("remove")
@click.argument("watch_id")
@case_option
@cases_dir_option
@operator_option
@json_option
def remove(watch_id: str, case_name: str, cases_dir: str | None, operator: str | None, as_json: bool) -> int:
    """Stop watching WATCH_ID (W1, W2…); logged. Its alerts stay in the case."""
    case = open_case(case_name, cases_dir, operator)
    emit(remove_watch(case, watch_id).to_json(), as_json, lambda d: "No longer watching " + render_watch(d) + ".")
    return EXIT_OK


def render_alert(alert: Alert) -> str:
    """An alert for people: the headline, where each part went, and the freeze requests in full."""
    mark = "WITHDRAWN" if alert.kind == WITHDRAWN else ("URGENT" if alert.urgent else "alert")
    lines = [f"[{mark}] {alert.alert_id} {alert.block_time} block {alert.height}: {alert.headline}",
             f"    why: {alert.reason}"]  # fmt: skip
    lines += [f"    - {d['words']}" for d in alert.destinations]
    lines += [f"    now following {f['address']} (hop {f['hop']})" for f in alert.followed]
    lines += [f"    now watching {j['address']}: {j['via']}" for j in alert.joined]
    for request in alert.freeze_requests:
        lines += ["    ready freeze request for " + request["exchange"] + ":",
                  *("      " + line for line in request["text"].splitlines())]  # fmt: skip
    if alert.evidence:
        raised = f", raised {alert.raised_utc[:19]}Z" if alert.raised_utc else ""
        lines.append(f"    kept as {alert.evidence}{raised}")
    return "\n".join(lines)


@command.command("alerts")
@case_option
@cases_dir_option
@json_option
def alerts(case_name: str, cases_dir: str | None, as_json: bool) -> int:
    """Every alert the case keeps, oldest first (withdrawals included)."""
    case = open_case(case_name, cases_dir)
    found = case_alerts(case)
    data = {"case": case.name, "alerts": [a.kept() for a in found]}
    emit(data, as_json, lambda d: "\n".join(render_alert(a) for a in found) or f"The case {case.name} has no alerts.")
    return EXIT_OK


def _channels(webhooks: tuple[str, ...], smtp: str | None, mail_from: str | None, mail_to: tuple[str, ...],
              no_starttls: bool, smtp_cafile: str | None, desktop: bool) -> list[Channel]:  # fmt: skip
    channels: list[Channel] = [Webhook(url, resolve(WEBHOOK_SECRET, None)) for url in webhooks]
    if smtp or mail_to:
        if not (smtp and mail_to and mail_from):
            raise InputError("e-mail alerts need --smtp HOST:PORT, --mail-from ADDRESS and --mail-to ADDRESS")
        host, _, port = smtp.rpartition(":")
        if not host or not port.isdigit():
            raise InputError(f"--smtp must be HOST:PORT, e.g. smtp.example.org:587: {smtp!r}")
        if no_starttls and host not in ("127.0.0.1", "localhost", "::1"):
            raise InputError("--no-starttls is only for a mail server on this machine: alerts name suspects and "
                             "exchanges, never send them unencrypted over a network")  # fmt: skip
        channels.append(Mail(host, int(port), mail_from, mail_to, not no_starttls, resolve(SMTP_USER, None) or None,
                             resolve(SMTP_PASSWORD, None) or None, smtp_cafile))  # fmt: skip
    if desktop:
        if not Desktop.available():
            raise InputError("--desktop: no desktop session with notify-send here (install libnotify-bin)")
        channels.append(Desktop())
    return channels


def _follower(case: Any, path: Path, chain: str | None, network: str | None, rpc: str | None, cookie: str | None,
              user: str | None, password: str | None, electrum: str | None, esplora: str | None,
              proxy: str | None) -> Follower:  # fmt: skip
    """What the run follows: the node, or the light server (for the store's chain, or --chain/--network)."""
    if rpc:
        from cointrail.chains.bitcoin.sources.rpc import RpcSource, connect

        def source() -> RpcSource:
            return RpcSource(connect(rpc, cookie, user, password))

        first = source()
        return NodeFollower(first, first.rpc.close, source)
    from cointrail.chains.bitcoin.sources.electrum import ElectrumServer, ElectrumSource
    from cointrail.chains.bitcoin.sources.esplora import EsploraSource
    from cointrail.chains.bitcoin.sources.wire import Proxy

    if path.exists():
        with LedgerStore.open(path, read_only=True) as store:
            chain, network = store.chain, store.network
    assert chain is not None and network is not None  # checked by the caller: a new store needs both
    through = Proxy.parse(proxy) if proxy else None
    light: Any = (ElectrumSource(ElectrumServer.parse(electrum), chain, network, proxy=through) if electrum
                  else EsploraSource(str(esplora), chain, network, proxy=through))  # fmt: skip
    return LightFollower(light, case, chain, network, proxy)


def _is_ethereum(path: Path, chain: str | None) -> bool:
    from cointrail.store.duckdb.account import store_family

    return chain in ("ethereum", "tron") or (path.exists() and store_family(path) == "account")


def _run_accounts(case: Any, path: Path, chain: str | None, network: str | None, rpc: str | None,
                  channels: list[Channel], options: Any, as_json: bool) -> int:  # fmt: skip
    """``watch run`` on Ethereum or Tron: the node's blocks (Tron: token logs) around the watched accounts, into
    an account store."""
    from cointrail.chains.ethereum.sources.rpc import EvmRpcSource
    from cointrail.store.duckdb.account import AccountStore
    from cointrail.watch.account_run import AccountWatchRun, EvmFollower

    if not rpc:
        raise InputError("watch run on Ethereum follows a node: give its JSON-RPC URL with --rpc")
    stop = _stop_on_signals()
    follower = EvmFollower(EvmRpcSource(rpc))
    try:
        run = AccountWatchRun(case, lambda: AccountStore.open(path, None if path.exists() else chain, network),
                              follower, Outbox(case, channels), options,
                              health=lambda line: click.echo(line, err=True), stop=stop, on_alert=_shower(as_json))
        summary = run.run()
    finally:
        follower.close()
    _summarise(summary.to_json(), as_json)
    return EXIT_OK


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or Ctrl-C: the run stops cleanly after its step."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _shower(as_json: bool) -> Any:
    if as_json:
        return lambda a: click.echo(json.dumps(a.to_json(), ensure_ascii=False))
    return lambda a: click.echo(render_alert(a))


def _summarise(done: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({k: v for k, v in done.items() if k != "alerts"}, ensure_ascii=False))
    else:
        click.echo(f"Stopped at height {done['tip']}: {done['blocks_looked_at']} blocks looked at, "
                   f"{done['alerts_raised']} alerts ({done['urgent']} urgent, {done['withdrawn']} withdrawn), "
                   f"{done['delivered']} deliveries.")  # fmt: skip


@command.command("run")
@case_option
@click.option("--rpc", help="The node's JSON-RPC URL, e.g. http://127.0.0.1:9332.")
@node_credentials_options
@click.option("--electrum", metavar="tcp://HOST:PORT|ssl://HOST:PORT",
              help="Follow an Electrum server instead of a node: only around the tracked addresses, into a sparse "
                   "store (as `ingest --electrum`), every answer proven and archived in the case.")
@click.option("--esplora", metavar="URL", help="Follow an Esplora server (its REST API's URL), as --electrum.")
@click.option("--proxy", metavar="socks5h://HOST:PORT",
              help="Reach the Electrum/Esplora server through this SOCKS5 proxy (Tor: socks5h://127.0.0.1:9050); "
                   "each tracked address is asked in its own session, so its own Tor circuit.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="The ledger store to keep up (default: the case's own, work/ledger.duckdb).")
@click.option("--chain", help="The chain, when the store does not exist yet (e.g. litecoin).")
@click.option("--network", help="Its network, when the store does not exist yet (e.g. mainnet).")
@click.option("--poll", "poll_seconds", default=1.0, show_default=True, help="Seconds between looks at the tip.")
@click.option("--max-hops", default=DEFAULT_MAX_HOPS, show_default=True,
              help="Follow money through this many fresh addresses after a watched one.")
@click.option("--from-height", type=int, help="A first run: the first block to look at (default: the next one).")
@click.option("--once", is_flag=True, help="Catch up with the tip, deliver what is owed, and stop.")
@click.option("--webhook", "webhooks", multiple=True, metavar="URL",
              help="POST each alert here as JSON, signed with $COINTRAIL_WEBHOOK_SECRET (repeatable).")
@click.option("--smtp", metavar="HOST:PORT", help="Mail each alert through this SMTP server (STARTTLS; login from "
              "$COINTRAIL_SMTP_USER and $COINTRAIL_SMTP_PASSWORD).")
@click.option("--mail-from", metavar="ADDRESS", help="The alert e-mail's sender.")
@click.option("--mail-to", multiple=True, metavar="ADDRESS", help="Who gets the alert e-mail (repeatable).")
@click.option("--no-starttls", is_flag=True, help="A mail server on this machine that has no TLS (loopback only).")
@click.option("--smtp-cafile", type=click.Path(dir_okay=False), help="The CA certificate the SMTP server's is "
              "signed by, when it is not a public one.")
@click.option("--desktop", is_flag=True, help="Also show each alert as a desktop notification.")
@cases_dir_option
@operator_option
@json_option
def run(case_name: str, rpc: str | None, cookie: str | None, rpc_user: str | None, rpc_password: str | None,
        electrum: str | None, esplora: str | None, proxy: str | None, db: Path | None, chain: str | None,
        network: str | None,
        poll_seconds: float, max_hops: int, from_height: int | None, once: bool, webhooks: tuple[str, ...],
        smtp: str | None, mail_from: str | None, mail_to: tuple[str, ...], no_starttls: bool,
        smtp_cafile: str | None, desktop: bool, cases_dir: str | None, operator: str | None,
        as_json: bool) -> int:  # fmt: skip
    """Follow the node's new blocks and raise an alert when a watched address receives or spends.

    Runs until stopped (Ctrl-C or SIGTERM, a clean stop), or with --once until caught up. A health line goes
    to standard error on each new block and every minute; alerts go to standard output (with --json, one
    JSON object per line), into the case, and to each --webhook and --mail-to.
    """
    from cointrail.watch.run import RunOptions, WatchRun

    if sum(bool(x) for x in (rpc, electrum, esplora)) != 1:
        raise InputError("give the chain to follow, once: a node (--rpc URL with --cookie or --rpc-user), or an "
                         "Electrum (--electrum) or Esplora (--esplora) server")  # fmt: skip
    case = open_case(case_name, cases_dir, operator)
    if not case_watches(case):
        raise InputError(f"the case {case.name} watches nothing: add a watch first (cointrail watch add ADDRESS "
                         f"--case {case.name})")  # fmt: skip
    path = _db_path(case, db)
    if not path.exists() and not (chain and network):
        raise InputError(f"there is no store at {path} yet: give --chain and --network for the one to create")
    channels = _channels(webhooks, smtp, mail_from, mail_to, no_starttls, smtp_cafile, desktop)
    if _is_ethereum(path, chain):
        return _run_accounts(case, path, chain, network, rpc, channels, RunOptions(poll_seconds, max_hops, from_height,
                                                                             once), as_json)  # fmt: skip
    stop = _stop_on_signals()
    show = _shower(as_json)
    source = _follower(case, path, chain, network, rpc, cookie, rpc_user, rpc_password, electrum, esplora, proxy)
    try:
        options = RunOptions(poll_seconds, max_hops, from_height, once)
        # The store is opened for each step and closed between, so `cointrail serve` can read it meanwhile.
        watch = WatchRun(case, lambda: LedgerStore.open(path, chain, network), source, Outbox(case, channels),
                         options, health=lambda line: click.echo(line, err=True), stop=stop, on_alert=show)  # fmt: skip
        summary = watch.run()
    finally:
        source.close()
    _summarise(summary.to_json(), as_json)
    return EXIT_OK
