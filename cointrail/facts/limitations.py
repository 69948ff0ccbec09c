"""The court report's limitations and alternative explanations, in plain words, from the case's own facts (issue 18).

A court asks what else could explain the findings and where the method can be wrong (FIELD_NOTES: US v.
Sterlingov). Each paragraph here is written from this case's figures, not boilerplate: shared or custodial
wallets, a payer that is itself a service, label quality, coverage gaps, CoinJoins, clock and price.
"""

from __future__ import annotations

from typing import Any

from cointrail.facts.accuracy import detection_reliability
from cointrail.facts.assets import is_account, symbol
from cointrail.prices.pegs import peg_note
from cointrail.wording import counted


def _payers(facts: dict[str, Any]) -> list[dict[str, Any]]:
    return list((facts["findings"].get("payers") or {}).get("payers") or [])


def shared_wallets(facts: dict[str, Any]) -> str:
    payers = _payers(facts)
    big = [p for p in payers if len(p.get("payer_addresses") or []) > 1]
    if len(payers) == 1:
        each = "The 1 paying wallet is"
        held = "it holds more than one address" if big else "it holds a single address"
    else:
        each = f"Each of the {counted(len(payers), 'paying wallet')} is"
        held = f"{len(big)} of them {'holds' if len(big) == 1 else 'hold'} more than one address"
    return (f"{each} a group of addresses that the clustering rules say one wallet controls ({held}). "
            "A wallet can be shared by several "
            "people, or be a custodial service (an exchange or a hosted wallet) paying on a customer's behalf; then "
            "the person who paid is that service's customer, and its records say who. A person can also hold "
            "several wallets, so the number of wallets is not the number of people.")  # fmt: skip


def _their(rows: list[Any]) -> str:
    return "its" if len(rows) == 1 else "their"


def _were(rows: list[Any]) -> str:
    return "was" if len(rows) == 1 else "were"


def _steps(hops: Any) -> str:
    """'6 steps', '1 step'; the hop limit of older facts may be missing."""
    return counted(hops, "step") if isinstance(hops, int) else "the hop limit's number of steps"


def _straight(trail: dict[str, Any]) -> bool:
    """Whether a funding trail went from the withdrawal to the payment with no other hand in between."""
    return all(step.get("own_wallet") for step in (trail.get("steps") or [])[1:])


def payer_services(facts: dict[str, Any]) -> str:
    payers = _payers(facts)
    direct = [p for p in payers if any(_straight(t) for t in p.get("funding") or [])]
    via = [p for p in payers if p.get("funding") and p not in direct]
    none = [p for p in payers if not p.get("funding")]
    return (f"{counted(len(direct), 'paying wallet')} received {_their(direct)} money straight from an exchange's "
            f"withdrawal (moved, if at all, only within {_their(direct)} own wallet); "
            f"{len(via)} {_were(via)} reached through more steps, each a place where the money could have changed "
            f"hands (a payment from someone else, a service paying out); {len(none)} {_were(none)} not traced to any "
            "service. "
            "A paying wallet that is itself a service (a payment processor, an exchange paying for its customer) "
            f"would look like one payer while standing for many people; {_labelled_text(facts)}")


def _labelled_text(facts: dict[str, Any]) -> str:
    labelled = sorted(set(_labelled_payers(facts)))
    if not labelled:
        return "no paying wallet here carries a service label."
    if len(labelled) == 1:
        return f"paying wallet {labelled[0]} carries a service label: read it as possibly many people."
    return f"paying wallets {', '.join(map(str, labelled))} carry a service label: read them as possibly many people."


def _labelled_payers(facts: dict[str, Any]) -> list[int]:
    clusters = {p["payer_cluster_id"] for p in _payers(facts)}
    return [n["cluster_id"] for flow in facts["findings"].get("flows") or [] for n in flow.get("nodes") or []
            if n.get("service") and n.get("cluster_id") in clusters]  # fmt: skip


def cited_sources(findings: dict[str, Any]) -> set[str]:
    """The ``source`` of every label the findings name a service by (a funding trail's, a trail end's)."""
    cited = {t.get("label_source") for p in ((findings.get("payers") or {}).get("payers") or [])
             for t in p.get("funding") or []}  # fmt: skip
    cited |= {(end.get("label") or {}).get("source") for flow in findings.get("flows") or []
              for end in flow.get("ends") or []}  # fmt: skip
    return {c for c in cited if c}


def label_quality(facts: dict[str, Any]) -> str:
    used: dict[str, set[str]] = {}
    for payer in _payers(facts):
        for trail in payer.get("funding") or []:
            how = f"{trail.get('label_source')}, {trail.get('label_confidence')}"
            used.setdefault(trail["service"], set()).add(how)
    for flow in facts["findings"].get("flows") or []:
        for end in flow.get("ends") or []:
            if end.get("label"):
                label = end["label"]
                used.setdefault(label["service"], set()).add(f"{label.get('source')}, {label.get('confidence')}")
    leads = _leads_text(facts) + _conflicts_text(facts)
    if not used:
        return "No service label was used: no exchange is named." + leads
    named = "; ".join(f"{name} (from {', '.join(sorted(how))})" for name, how in sorted(used.items()))
    sources = sorted({how.split(",")[0] for hows in used.values() for how in hows})
    fetched = (facts.get("ledger") or {}).get("label_sources") or []
    reliabilities = " ".join(dict.fromkeys(source_reliability(s, fetched) for s in sources))
    return (f"The exchanges are named from labels: {named}. {reliabilities} "
            "A wrong or stale label would name the wrong exchange; the exchange's own answer to the request pack "
            "confirms or refutes it. The amounts and transactions themselves do not depend on any label."
            + leads)  # fmt: skip


def _conflicts_text(facts: dict[str, Any]) -> str:
    """Labels and behaviour that disagree on the wallets the findings rely on (``ledger.label_conflicts``)."""
    ledger = facts.get("ledger") or {}
    if "label_conflicts" not in ledger:
        return ""
    if not ledger["label_conflicts"] and ledger.get("services_detected", True):
        return (" No label relied on here is contradicted by another label on the same wallet, or by the behaviour "
                "of a wallet cointrail services detect found to be an exchange.")  # fmt: skip
    if not ledger["label_conflicts"]:
        return (" No label relied on here is contradicted by another label on the same wallet; the wallets' "
                "behaviour was not compared with the labels (cointrail services detect was not run on this store).")
    return " Labels and behaviour disagree here, which the court should weigh: " + "; ".join(
        ledger["label_conflicts"]) + "."


def source_reliability(source: str, fetched: list[dict[str, Any]] | None = None) -> str:
    """How far a court can rely on a label source, in words: the reliability recorded for the source it was
    fetched from (``labels update``: ``fetched``, the report facts' ``ledger.label_sources``), else read from
    the source's name."""
    quoted = [f"Labels citing {source} came from the label source '{known['name']}' ({known['url']}, fetched "
              f"{(known.get('latest') or {}).get('fetched_utc')}, SHA-256 {(known.get('latest') or {}).get('sha256')}),"
              f" {known['reliability']}."
              for known in fetched or [] if source == known["url"] or source in known.get("cited", [])]  # fmt: skip
    if quoted:  # the download itself, or a tag of it citing its own source (a TagPack's)
        return " ".join(quoted)
    if source.startswith("investigator:"):
        return (f"Labels from {source} are the investigator's own, each kept in the case with its evidence and "
                "logged; they are as reliable as that evidence.")  # fmt: skip
    if "treasury.gov" in source or "ofac" in source.lower() or "sdn" in source.lower():
        return (f"Labels from {source} come from the US Treasury's OFAC sanctions list: official, but naming "
                "sanctioned actors, not exchanges' customers.")  # fmt: skip
    if "graphsense" in source.lower() or "tagpack" in source.lower():
        return (f"Labels from {source} come from public GraphSense TagPacks: community-curated, each tag with its "
                "own confidence, some years old.")  # fmt: skip
    return f"Labels from {source} are as reliable as that source; cointrail has not assessed it."


def _leads_text(facts: dict[str, Any]) -> str:
    """The payers traced only to a wallet that behaves like an exchange, and how often such leads were right."""
    led = [p for p in _payers(facts) if not p.get("funded_by") and p.get("leads")]
    if not led:
        return ""
    scores = sorted({lead["score"] for p in led for lead in p["leads"]})
    text = (f" {counted(len(led), 'paying wallet')} reached no labelled exchange but a wallet no label names that "
            f"behaves like one (deposit addresses swept into a hot wallet, batched withdrawals; behaviour score "
            f"{', '.join(f'{s:.2f}' for s in scores)}): a lead to identify, not a named exchange.")  # fmt: skip
    measured = detection_reliability()
    if measured:
        text += (f" On {measured['seeds']} generated test economies this detection was right for "
                 f"{measured['right']} of the {measured['detected']} wallets it flagged and its leads for "
                 f"{measured['leads_right']} of {measured['leads']} payers, but it recognised only "
                 f"{measured['named']} of {measured['exchanges']} exchanges: where it says nothing, an exchange may "
                 "still be there.")  # fmt: skip
    return text


def coverage(facts: dict[str, Any]) -> str:
    ledger = facts.get("ledger") or {}
    sources = ledger.get("sources") or []
    span = ", ".join(f"{s['source']} blocks {s['from_height']}-{s['to_height']}" for s in sources) or "no source"
    hops = (facts["findings"].get("payers") or {}).get("parameters", {}).get("hops")
    unresolved: dict[str, int] = {}
    for payer in _payers(facts):
        for reason, amount in (payer.get("unresolved") or {}).items():
            unresolved[reason] = unresolved.get(reason, 0) + int(amount)
    cut = ("; money not traced to its end: " + ", ".join(f"{k} {v:,} base units" for k, v in unresolved.items())
           if unresolved else "; every paying wallet's traced money reached an end")  # fmt: skip
    if ledger.get("crawl"):
        return _crawl_coverage(ledger, hops, cut)
    return (f"The chain data cover {span} (tip {ledger.get('tip_height')}). Payments or spends outside these blocks "
            f"are not seen, so the payments listed are those found, not necessarily all; the funding trails were "
            f"followed at most {_steps(hops)} back{cut}.")


def _crawl_coverage(ledger: dict[str, Any], hops: Any, cut: str) -> str:
    """Coverage of a sparse store: only the transactions crawled around some addresses from a light source."""
    crawl = ledger["crawl"]
    left = crawl["not_expanded"]
    skipped = (f"; {counted(len(left), 'address', 'addresses')} {_were(left)} listed but not followed ("
               + "; ".join(f"{x['address']}: {x['reason']}" for x in left[:5]) + (" …" if len(left) > 5 else "")
               + ")") if left else ""  # fmt: skip
    unfetched = crawl.get("not_all_fetched") or []  # absent from the facts of a report kept before it was counted
    if unfetched:
        skipped += (f"; {counted(len(unfetched), 'address', 'addresses')} {_were(unfetched)} listed whole but not "
                    f"all {_their(unfetched)} transactions fetched (the crawl stopped before its end): crawl again "
                    "to fetch them")  # fmt: skip
    archives = "; ".join(f"{a['file']} (SHA-256 {a['sha256']})" for a in crawl["archives"])
    whole = "has its whole" if crawl["complete"] == 1 else "have their whole"
    spend = "spends" if crawl["unverified_inputs"] == 1 else "spend"
    return (f"The chain data are not whole blocks: {counted(crawl['transactions'], 'transaction')} fetched from a "
            f"light source ({', '.join(crawl['sources']) or 'unknown'}) around the case's addresses, each proven in "
            f"its block by a merkle proof, up to tip {ledger.get('tip_height')}. What was not fetched is not seen: "
            f"payments, payers and spends beyond the crawl may exist. {crawl['complete']} of "
            f"{counted(crawl['addresses_listed'], 'address', 'addresses')} listed {whole} history{skipped}; "
            f"{counted(crawl['unverified_inputs'], 'input')} {spend} coins whose funding transaction was not fetched. "
            f"The funding trails were followed at most {_steps(hops)} back{cut}."
            + (f" Every answer of the source is archived: {archives}." if archives else ""))  # fmt: skip


def coinjoins(facts: dict[str, Any]) -> str:
    set_aside = ((facts.get("ledger") or {}).get("clustering") or {}).get("coinjoins", 0)
    mixed = [p for p in _payers(facts) if p.get("coinjoins") or any(t.get("through_coinjoins")
             for t in p.get("funding") or [])]  # fmt: skip
    return (f"CoinJoins mix many people's coins in one transaction; {counted(set_aside, 'CoinJoin')} "
            f"{'was' if set_aside == 1 else 'were'} set aside by the clustering, and "
            f"{counted(len(mixed), 'paying wallet')} had money through one. No link is claimed across a CoinJoin: an "
            "exchange reached only through one is shown as a possibility, never as the funder.")


def clocks_and_prices(facts: dict[str, Any]) -> str:
    price = (facts["findings"].get("payers") or {}).get("price_source")
    fiat = (f"fiat values use prices from {price}, one price a day" if price else
            f"no price source was used, so amounts are in {symbol(facts)} only")  # fmt: skip
    return ("Times are block times: the miner's clock, which the chain's rules let run up to about two hours "
            f"ahead, and the time a payment was mined, not the moment a person acted; {fiat}.")


def shared_accounts(facts: dict[str, Any]) -> str:
    accounts = {p["payer_addresses"][0] for p in _payers(facts)}
    return (f"Each of the {counted(len(accounts), 'paying account')} is one account: an account chain has no "
            "co-spend, so no two accounts are joined into a wallet. An account can be shared by several people, or "
            "belong to a custodial service (an exchange, a hosted wallet) paying on a customer's behalf; then the "
            "person who paid is that service's customer, and its records say who. A person can also hold several "
            "accounts, so the number of accounts is not the number of people.")  # fmt: skip


def account_coverage(facts: dict[str, Any]) -> str:
    """Which blocks the Ethereum store read, from which node, around which addresses; what no trail could reach."""
    ledger = facts.get("ledger") or {}
    payers = facts["findings"].get("payers") or {}
    reads = []
    for row in ledger.get("coverage") or []:
        scope = (f"the blocks that touch {counted(len(row['addresses']), 'address', 'addresses')} between "
                 f"blocks {row['from_block']} and {row['to_block']}" if row["mode"] != "range" else
                 f"every block from {row['from_block']} to {row['to_block']}")  # fmt: skip
        reads.append(f"{scope} ({counted(row['blocks_fetched'], 'block')} read from {row['node']}, "
                     f"{row['client_version']}, on {row['fetched_utc'][:10]})")
    read = "; ".join(reads) or "no ingest is recorded"
    missing = payers.get("not_fetched") or []
    gaps = (f" The trails of {counted(len(missing), 'payer')} stop at an account whose history was not fetched ("
            + ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "") + "): reading around it would go on."
            if missing else " No trail stopped for want of a fetched history.")  # fmt: skip
    hops = payers.get("parameters", {}).get("hops")
    return (f"The chain data are {read}, up to tip {ledger.get('tip_height')}. Payments outside what was read are "
            f"not seen, so the payments listed are those found, not necessarily all; an account the store holds no "
            f"history for is 'not fetched', never 'no payments'. The funding trails were followed at most "
            f"{_steps(hops)} back.{gaps} The last ingest verified {_verified(ledger)}.")


def _verified(ledger: dict[str, Any]) -> str:
    rows = ledger.get("coverage") or []
    if not rows:
        return "nothing on record"
    return f"{rows[-1]['verified']}; it took on trust {rows[-1]['trusted']}"


def account_services(facts: dict[str, Any]) -> str:
    """A paying account that is itself a service; each account counted once whatever assets it paid in."""
    payers = _payers(facts)
    steps = {p["payer_addresses"][0]: max((len(t.get("steps") or []) for t in p.get("funding") or []), default=0)
             for p in payers}  # fmt: skip
    direct = sum(1 for n in steps.values() if n == 1)
    via = sum(1 for n in steps.values() if n > 1)
    return (f"{counted(direct, 'paying account')} received their money straight from an exchange's withdrawal; "
            f"{via} were reached through more steps, each an account the money passed through, where it could have "
            f"changed hands; {len(steps) - direct - via} were not traced to an exchange. A paying account that is "
            "itself a service (a payment processor, an exchange paying for its customer) would look like one payer "
            "while standing for many people; an exchange's withdrawal names the exchange's customer only when the "
            "account it paid is that customer's own.")  # fmt: skip


def poisoning(facts: dict[str, Any]) -> str:
    shown = (facts["findings"].get("payers") or {}).get("poisoning") or []
    return (f"{counted(len(shown), 'token transfer')} naming the site's addresses look like address poisoning and are "
            "shown apart, never counted as payments: a zero-value transfer, or one logged in the name of someone "
            "other than the transaction's sender. An approved spender moving tokens (transferFrom) looks the same, "
            "so a real payment made that way would be missed, not invented.")  # fmt: skip


def account_clocks(facts: dict[str, Any]) -> str:
    payers = facts["findings"].get("payers") or {}
    price = payers.get("price_source")
    priced, paid = (payers.get("totals") or {}).get("priced", 0), len(payers.get("payments") or [])
    share = "every payment priced" if priced == paid else \
        f"{priced} of the {counted(paid, 'payment')} priced, \"no price\" marking the others"
    fiat = (f"fiat values use prices from {price}, one price a day per asset, each transfer at its block's day "
            f"({share}). {peg_note(payers.get('pegs') or [])}" if price else
            "no price source was used, so amounts are in each asset only (ETH, USDT, USDC).")  # fmt: skip
    return ("Times are block times, set by the block's proposer within the chain's rules, and the time a payment was "
            f"included in a block, not the moment a person acted; {fiat}").rstrip()


SECTIONS = (("Shared or custodial wallets", shared_wallets), ("A payer that is itself a service", payer_services),
            ("Label quality", label_quality), ("Coverage gaps", coverage), ("CoinJoins", coinjoins),
            ("Clocks and prices", clocks_and_prices))  # fmt: skip
ACCOUNT_SECTIONS = (("Shared or custodial accounts", shared_accounts),
                    ("A payer that is itself a service", account_services), ("Label quality", label_quality),
                    ("Coverage gaps", account_coverage), ("Address poisoning", poisoning),
                    ("Clocks and prices", account_clocks))  # fmt: skip


def limitations(facts: dict[str, Any]) -> list[dict[str, str]]:
    """The section's paragraphs, each with its title; none without findings."""
    payers = facts["findings"].get("payers")
    if not payers:
        return []
    sections = ACCOUNT_SECTIONS if is_account(payers) else SECTIONS
    return [{"title": title, "text": write(facts)} for title, write in sections]
