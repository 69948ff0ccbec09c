"""``cointrail demo``: the whole investigation, offline, on a private test chain and a harmless sample site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cointrail.amounts import format_amount
from cointrail.chains import network_words
from cointrail.cli.capture_cmd import render_capture
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_NEGATIVE, EXIT_OK
from cointrail.wording import counted


def _step(number: int, title: str) -> str:
    return f"\n── Step {number}: {title} " + "─" * max(0, 60 - len(title))


def _render_checks(checks: list[dict[str, Any]]) -> list[str]:
    lines, said = [], set()
    for item in checks:
        mark = "✓" if item["valid"] else "✗"
        lines.append(f"  {mark} {item['normalized'] or item['input']}: {', '.join(item['chains'])} "
                     f"({network_words(item['network'])}, {item['type']})")
        lines += [f"      {note}" for note in item["notes"] if note not in said]  # each note once
        said.update(item["notes"])
    return lines


def _render_chain(result: dict[str, Any]) -> list[str]:
    truth, ingest, clusters, labels = result["scenario"], result["ingest"], result["clusters"], result["labels"]
    lines = [f"  A private Litecoin test chain (regtest, on this machine only) with {truth['exchanges']} exchanges, "
            f"a subscription site,", f"  {truth['customers']} of its customers and {truth['users']} other people: "
            f"{counted(len(truth['site_payments']), 'payment')} to the site, "
            f"{counted(len(truth['coinjoins']), 'CoinJoin')}, "
            f"{counted(len(truth['site_cashouts']), 'cash-out')} of the site's takings to an exchange.",
            f"  Ingested {ingest['blocks']} blocks ({ingest['transactions']} transactions) into the case's "
            f"ledger store; {clusters['addresses']} addresses grouped into {clusters['clusters']} wallets "
            f"({counted(clusters['coinjoins_found'], 'CoinJoin')} recognised and kept apart).",
            f"  {labels['label_count']} exchange addresses labelled from a TagPack, kept in the case as evidence "
            f"({labels['evidence']})."]  # fmt: skip
    prices = result.get("prices")
    if prices:
        lines.append(f"  {prices['imported']} daily LTC/USD prices imported (invented for the demo, and named so in "
                     "every dollar amount), so that each payment is also given in dollars on its day.")
    return lines


def _in_fiat(value: dict[str, Any] | None) -> str:
    """A fiat amount as " (≈ 84.20 USD)", or nothing without a price."""
    return f" (≈ {value['value']:,.2f} {value['currency']})" if value else ""


def _render_payers(found: dict[str, Any]) -> list[str]:
    totals = found["totals"]
    fiat = totals.get("fiat")
    paid_in = format_amount(totals["amount"], "litecoin")
    paid_in += f", about {fiat['value']:,.2f} {fiat['currency']}" if fiat else ""
    lines = [f"  {totals['payments']} payments ({paid_in}) into the site's "
             f"{len(found['site']['addresses'])} captured addresses, from {totals['payers']} paying wallets; "
             f"{totals['with_service']} traced back to the exchange that funded them:"]  # fmt: skip
    for payer in found["payers"]:
        paid = f"  • wallet {payer['payer_cluster_id']}: {counted(payer['payments'], 'payment')}, "
        paid += format_amount(payer["total"], "litecoin")
        paid += _in_fiat(payer.get("total_fiat"))
        if payer["funding"]:
            trail = payer["funding"][0]
            lines.append(f"{paid}, funded by {trail['service']} (payout {trail['withdrawal_txid'][:16]}…, "
                         f"confidence {trail['confidence']:.2f})")  # fmt: skip
        else:
            lines.append(f"{paid}; no exchange behind it (its coins came from elsewhere)")
    lines += [f"  {pattern['summary']}" for pattern in found["patterns"]]
    return lines


def _render_light(light: dict[str, Any] | None, chain_transactions: int) -> list[str]:
    """The no-node leg: the crawl from Esplora, and whether its payers are the full store's, and what it missed."""
    if not light or "same" not in light:
        return ["  The no-node leg did not run."]
    crawl, same, clusters = light["crawl"], light["same"], light["clusters"]
    archive = crawl["archives"][0]
    lines = ["  Most units have no full node. The same case, read again from an Esplora server instead (a stand-in "
             "over the test chain, on loopback):",
             f"  {counted(crawl['hops'], 'hop')} back and forward from the site's "
             f"{counted(len(crawl['seeds']), 'captured address', 'captured addresses')}, one session each: "
             f"{counted(crawl['fetched'], 'transaction')} of the chain's {chain_transactions:,} fetched with "
             f"{counted(crawl['requests'], 'request')} in {crawl['seconds']:.1f} s,",
             "  each proven (txid, merkle proof, proof of work) and every request and answer kept in the case "
             f"({archive['path']}).",
             f"  Grouped into wallets as the full store is: {counted(clusters['addresses'], 'address', 'addresses')} "
             f"into {counted(clusters['clusters'], 'wallet')}.", "  " + _light_verdict(same),
             "  Where its coverage is incomplete (what it did not fetch is never taken as a fact):",
             *[f"    • {line}" for line in _light_gaps(light, chain_transactions)]]  # fmt: skip
    return lines


def _light_verdict(same: dict[str, Any]) -> str:
    """Whether ``payers`` on the sparse store found what it found on the full store, in one sentence."""
    payments, wallets = counted(same["payments"], "payment"), counted(same["wallets"], "paying wallet")
    traced, agree = same["funded"], same["same_funder"]
    behind = (f"{agree} of the {counted(traced, 'wallet')}" if agree != traced
              else "the 1 wallet" if traced == 1 else f"each of the {traced} wallets")  # fmt: skip
    funded = f"and the same exchange behind {behind} traced to one there" if traced else "and none traced to one there"
    if (same["payments_found"] == same["payments"] and not same["payments_extra"]
            and same["same_wallets"] == same["wallets"] == same["wallets_light"]):  # fmt: skip
        return f"On it, payers found the same {payments} from the same {wallets} as on the full store, {funded}."
    return (f"On it, payers found {same['payments_found']} of the full store's {payments} "
            f"({len(same['payments_extra'])} not there) from {counted(same['wallets_light'], 'paying wallet')} "
            f"({same['same_wallets']} of the full store's {same['wallets']} the same), {funded}.")


def _light_gaps(light: dict[str, Any], chain_transactions: int) -> list[str]:
    from cointrail.tracing.result import END_REASONS  # the words a trail's end is given everywhere

    crawl, summary, same = light["crawl"], light["summary"], light["same"]
    hops = counted(crawl["hops"], "hop")
    gaps = [f"it holds the {counted(summary['transactions'], 'transaction')} within {hops} of the site, not the "
            f"chain's other {chain_transactions - summary['transactions']:,}: wallets and trails end where it ends;"]
    covers = list(crawl["addresses"].values())
    complete = [c for c in covers if c["status"] == "complete"]
    tips = ", ".join(sorted({c["words"] for c in complete}))
    gaps.append(f"{len(complete)} of the site's {len(covers)} addresses have their whole history ({tips})"
                + "".join(f"; {a}: {c['words']}" for a, c in crawl["addresses"].items() if c["status"] != "complete")
                + ";")
    if summary["unverified_inputs"]:
        gaps.append(f"{counted(summary['unverified_inputs'], 'input')} spend coins whose funding transactions lie "
                    f"beyond the {hops}: their value is not known;")
    for cut in same["cut_short"]:
        ends = "; ".join(END_REASONS.get(k, k).split(":")[0] for k in cut["on_full"]) or "nothing else"
        gaps.append(f"the wallet of {cut['payer_addresses'][0]}: {format_amount(cut['not_fetched'], 'litecoin')} of "
                    f"its money goes back past what was fetched (not fetched); on the full store: {ends};")
    gaps += [f"{item['kind']} {item['id']} left out: {item['why']};" for item in crawl["left_out"][:5]]
    gaps[-1] = gaps[-1].rstrip(";") + "."
    return gaps


def _render_exchanges(packs: list[dict[str, Any]], case_folder: str) -> list[str]:
    from cointrail.report.request_pack import asked_about  # not at import: the report modules take ~3 s to load

    if not packs:
        return ["  No exchange was reached: there is no one to ask yet."]
    lines = []
    for pack in packs:
        lines.append(f"  Ask {pack['exchange']} who is behind {asked_about(pack)}.")
        lines.append(f"    request pack: {Path(case_folder) / pack['files']['letter']['path']} (letter), "
                     f"{Path(case_folder) / pack['files']['csv']['path']} (CSV)")  # fmt: skip
    return lines


def _render_report(report: dict[str, Any], case_folder: str) -> list[str]:
    lines = [f"  {kind.upper():<4} {Path(case_folder) / item['path']}" for kind, item in report["files"].items()
             if kind in ("html", "pdf")]  # fmt: skip
    if "pdf" not in report["files"]:
        lines.append("  No PDF was written: " + ("; ".join(report["warnings"]) or "it was not asked for") + ".")
    return ["  The report (a one-page summary, the findings, the evidence and how to re-check every fact):",
            *lines, *[f"    {line}" for line in report["summary"][2:5]]]


def _render_reports(reports: list[dict[str, Any]]) -> list[str]:
    if not reports:
        return ["  No findings to report yet."]
    return ["  Reports for those who act (to file by hand; nothing was sent):",
            *[f"  {r['format']:<14} {r['out']}" for r in reports]]


def _render_ethereum(eth: dict[str, Any] | None) -> list[str]:
    """The Ethereum leg: the payments in ETH and USDT, each payer's funding exchange, poisoning apart."""
    if not eth:
        return ["  The Ethereum leg did not run."]
    if "missing" in eth:
        return [f"  {eth['missing']} (the Ethereum leg was left out; everything else ran)."]
    found, ingest = eth["payers"], eth["ingest"]
    payers = found["payers"]
    assets = " and ".join(sorted({p["asset"] for p in payers}))
    lines = [f"  The site also takes {assets} on a private Ethereum chain (anvil, on this machine only). Read "
             f"{ingest['blocks']} of its {ingest['tip'] + 1} blocks, those touching the site's address "
             f"{eth['site']} and its payers' funders;",
             f"  {len(eth['labels'])} exchange hot wallets labelled in the case. "
             f"{sum(len(p['payments']) for p in payers)} payments from {len(payers)} payers (per asset); "
             f"{sum(1 for p in payers if p['funding']['exchange'])} traced to the exchange that funded them:"]
    for payer in payers:
        funding = payer["funding"]
        paid = (f"  • {payer['address']} ({payer['asset']}): {counted(len(payer['payments']), 'payment')}, "
                f"{payer['total_amount']}")
        if funding["exchange"]:
            lines.append(f"{paid}, funded by {funding['exchange']} (withdrawal {funding['withdrawal_tx'][:18]}…)")
        else:
            lines.append(f"{paid}; no exchange behind it (its ether came from outside any exchange)")
    poisoning = found["poisoning"]
    if poisoning:
        shown = counted(len(poisoning), "suspected address-poisoning transfer")
        lines.append(f"  {shown} to the site shown apart, never counted as payments:")
        lines += [f"    {p['amount']} from {p['sender']} in {p['tx_hash'][:18]}…" for p in poisoning]
        lines += [f"    ({reason})" for reason in dict.fromkeys(p["reason"] for p in poisoning)]  # each reason once
    return lines


def _render_integrity(result: dict[str, Any]) -> list[str]:
    verification, tamper = result["verification"], result["tamper_test"]
    state = "intact" if verification["intact"] else "NOT intact"
    caught = "caught" if tamper["caught"] else "NOT caught"
    return [f"  Case {verification['case']}: {counted(verification['files_checked'], 'evidence file')} and "
            f"{verification['log_entries']} custody-log entries re-checked: {state}.",
            f"  One byte of {tamper['tampered_file']} changed in a copy of the case: {caught} by verify."]  # fmt: skip


def _render_watch(watch: dict[str, Any] | None) -> list[str]:
    if not watch:
        return ["  (not run)"]
    kept = watch["watch"]
    lines = [f"  Watching the site's {len(kept['addresses'])} captured addresses ({kept['watch_id']}, kept in the "
             "case). The operator then moved the site's money; one block later:"]
    for alert in watch["alerts"]:
        mark = "URGENT" if alert["urgent"] else "alert"
        lines.append(f"  [{mark}] {alert['headline']}")
        for request in alert["freeze_requests"]:
            lines.append(f"    A freeze request for {request['exchange']} is ready in the alert (deposit "
                         f"{request['deposit_address']}, {request['amount_text']}, tx {request['txid'][:16]}…).")
    if not watch["alerts"]:
        lines.append("  No alert was raised: the site held too little to move.")
    return lines


def render_demo(result: dict[str, Any]) -> str:
    """The demo's story, step by step, for people."""
    capture, folder = result["capture"], result["capture"]["case_folder"]
    timings = result["timings"]
    lines = ["cointrail demo: a fictitious subscription site takes payment in Litecoin, ether and USDT.",
             "We preserve its payment page as evidence, follow its payments on the chain to the people who paid,",
             "and find the exchanges that know who they are. Everything runs on this machine, offline.",
             _step(1, "the chain"), *_render_chain(result),
             _step(2, "capture the site as evidence"), render_capture(capture["summary"]),
             _step(3, "check every address with its currency's rules"), *_render_checks(result["address_checks"]),
             _step(4, "who paid the site"), *_render_payers(result["payers"]),
             _step(5, "without a full node: the same payers from an Esplora server"),
             *_render_light(result.get("light"), result["ingest"]["transactions"]),
             _step(6, "which exchange to ask"), *_render_exchanges(result["request_packs"], folder),
             _step(7, "the report"), *_render_report(result["report"], folder),
             *_render_reports(result.get("reports") or []),
             _step(8, "watch: be told the moment the site's money moves"), *_render_watch(result.get("watch")),
             _step(9, "the site's payers in ETH and USDT"), *_render_ethereum(result.get("ethereum")),
             _step(10, "verify the evidence and the custody log"), *_render_integrity(result)[:1],
             _step(11, "show that tampering is caught"), *_render_integrity(result)[1:],
             f"\nDone in {timings['total_seconds']:.1f} s ("
             + ", ".join(f"{t['step']} {t['seconds']:.1f} s" for t in timings["steps"]) + ").",
             f"Everything is in {result['workdir']} (case folder: {folder}).",
             "To explore the case in your browser (the wallets, the flow graph, the payers):",
             f"  cointrail serve --cases-dir {Path(folder).parent} --case {capture['case']}"]  # fmt: skip
    return "\n".join(lines)


@click.command("demo")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the demo's node, case and files (default: a new temporary folder).")
@json_option
def command(workdir: Path | None, as_json: bool) -> int:
    """Run the whole investigation on a private test chain and a harmless sample site (offline).

    Needs Debian's litecoind (./scripts/demo installs it). Exit code 0 when
    every step worked: the payers were found, the report written, the case
    verified intact and the tampered copy caught.
    """
    from cointrail.demo import run_demo

    def say(message: str) -> None:
        click.echo(f"  … {message}", err=True)

    result = run_demo(workdir, progress=None if as_json else say)
    emit(result, as_json, render_demo)
    ok = (result["verification"]["intact"] and result["tamper_test"]["caught"] and result["payers"]["payers"]
          and "html" in result["report"]["files"])  # fmt: skip
    return EXIT_OK if ok else EXIT_NEGATIVE
