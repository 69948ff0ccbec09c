"""The guided tour: a newcomer walked through an investigation, step by step, on a case of the workspace.

Written for the bundled training case (``cointrail demo`` makes it, offline, so a unit's trainer can run it in a
classroom with no network), it works on any case: each step opens a real page of the case (the site's address,
a payment, a payer, the exchange to ask) picked from the case's own findings (:meth:`Investigation.headline`).
Every step says what the page shows, why it matters, and what could make it wrong, and links the words of the
trade to the glossary. The page it opens carries a bar with the step and the way on (``?tour=N``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cointrail.model import Headline


@dataclass(frozen=True)
class Step:
    """One step of the tour: its title, the page it opens, and three kinds of explanation."""

    slug: str
    title: str
    see: str  # what the page shows
    why: str  # why it matters to the case
    wrong: tuple[str, ...]  # what could make it wrong, or be misread
    terms: tuple[str, ...]  # glossary slugs
    target: str  # the page it opens (a path of the workspace)
    missing: str | None = None  # why the case cannot show this step's page (then the case page opens)


TITLES = ("The case and its evidence", "The answer first", "The site's address", "A payment", "The flow graph",
          "Who paid the site", "A paying wallet", "The exchange to ask", "The report")  # fmt: skip


def steps(case: str, found: Headline) -> list[Step]:
    """The tour's steps over ``case``, its pages picked from what the case found (``found``)."""
    root = f"/cases/{quote(case)}"
    payment = found.payments[0] if found.payments else None
    exchange = found.exchanges[0] if found.exchanges else None
    nothing = "this case has found no payment into the site yet (run the payers analysis or write the report first)"
    return [
        Step("case", TITLES[0],
             "The case page lists the pages captured from the site: each a WARC archive with the SHA-256 hash of every "
             "record, the time in UTC and who captured it. The verification line says whether every evidence file "
             "still matches the hash recorded in the custody log.",
             "A court will ask whether what you show is what was on the site, unchanged. The capture is the "
             "evidence; everything else in the case is worked out from it and from the public ledger.",
             ("A page captured after the site changed shows the addresses of that day only: capture early, and "
              "again when the site changes.",
              "An address shown only in a picture is found only when the capture kept images for QR codes.",
              "\"Not intact\" means a file changed after it was recorded: stop and find out why before going on."),
             ("hash", "custody-log", "address"), f"{root}#verification"),
        Step("findings", TITLES[1],
             "At the top of the case page: the payments into the site's addresses and their total, the paying "
             "wallets, the exchanges to ask and the site's cash-outs, each linked to its evidence.",
             "These are the leads: the exchanges are where the money touches a business that knows its customers, "
             "so that is where legal process can be served.",
             ("A paying wallet is not necessarily one person: one person may use several wallets, and a shared or "
              "custodial wallet holds the coins of many.",
              "When the findings come from a report, blocks added to the ledger since are not in them: the page "
              "says how many there are."),
             ("cluster", "exchange", "legal-process"), f"{root}#headline"),
        Step("address", TITLES[2],
             "The page of an address captured from the site: what it received and when, the transactions, and "
             "the wallet it belongs to with the reason each other address was grouped with it.",
             "It ties the captured page to the ledger: money sent to this address was sent to the site.",
             ("An address on a page may be someone else's (a copied donation address, a planted decoy): check that "
              "it was offered as the site's own payment address.",
              "Grouping addresses into a wallet rests on heuristics, rules that are usually but not always right; "
              "their measured error rates are in docs/accuracy.md."),
             ("address", "cluster", "multi-input", "heuristic"),
             f"{root}/address/{quote(payment.address)}" if payment else root, None if payment else nothing),
        Step("payment", TITLES[3],
             "One payment into the site: its block and time, the coins it spent (inputs, each a link to where "
             "they came from) and where it sent them (outputs), with the names the labels give.",
             "Anyone can check a transaction on any block explorer with its id: it is the fact a finding rests on.",
             ("Which output is the payment and which is the payer's change is inferred, not written on the "
              "ledger.",
              "A CoinJoin mixes the coins of many people in one transaction: the page says so, and trails stop "
              "there."),
             ("transaction", "utxo", "change", "coinjoin", "block"),
             f"{root}/tx/{quote(payment.txid)}" if payment else root, None if payment else nothing),
        Step("graph", TITLES[4],
             "The site is one node: all its wallets together. Expand it backward to draw the wallets that paid it; "
             "each arrow gives the amount, its value in dollars at that day's price, its dates and how many "
             "transactions it stands for. Select an arrow for its transactions; the timeline keeps the money "
             "between two dates; export the view into the case.",
             "A picture of who paid whom is what a prosecutor, a judge or a partner agency understands fastest.",
             ("Backward, a transaction's money is shared among its payers in proportion to what each put in (the "
              "haircut rule): a share, not a certainty.",
              "The dollar values use the price table imported into the store; the demo's prices are made up.",
              "When a wallet has many counterparties, the smallest are summed up in one node: nothing is lost, "
              "but it is not drawn."),
             ("hop", "taint", "cluster"), f"{root}/graph"),
        Step("payers", TITLES[5],
             "Run the payers analysis: every payment into the site, grouped by paying wallet, each traced back "
             "hop by hop to the service that funded it.",
             "A paying wallet funded by an exchange is a customer that exchange can name, under legal process.",
             ("\"Funded by\" is said only when at least half of the money, weighted by confidence, came from that "
              "service; below that it is \"possibly funded by\".",
              "A trail stops at a CoinJoin or a mixer: where the money came from before it is not known."),
             ("hop", "exchange", "coinjoin", "mixer", "taint"), f"{root}/payers"),
        Step("payer", TITLES[6],
             "The page of one paying wallet: its addresses, its totals, and why each address belongs to it.",
             "This is the wallet a request to the exchange will be about: its addresses and transactions go into "
             "the request.",
             ("A wallet grouped by a wrong heuristic link would join two people: every link says which rule made "
              "it and on which transaction, so it can be checked.",),
             ("cluster", "multi-input", "change"),
             f"{root}/cluster/{payment.payer_cluster_id}" if payment else root, None if payment else nothing),
        Step("exchange", TITLES[7],
             "The search box finds the exchange by its name: its wallets and the addresses its labels name, each "
             "label with its source and confidence.",
             "The exchange's name, from a labelled source, is where legal process is served; the request pack "
             "lists the withdrawals to ask about.",
             ("A label is a claim: it carries its source and confidence, and may be old; an unnamed service that "
              "behaves like an exchange is only a lead until a label names it.",),
             ("label", "exchange", "legal-process", "sanctioned"),
             f"{root}/search?q={quote(exchange.service)}" if exchange else root,
             None if exchange else "this case has found no exchange to ask yet"),
        Step("report", TITLES[8],
             "Write the court report: the findings in plain words, each method with its known error rate, and "
             "every evidence file with its hash; then the request pack for each exchange.",
             "The report is what the prosecutor and the judge read: it must say what was done, how, and how sure "
             "each step is, so that anyone can repeat it offline from the case.",
             ("The report is only as complete as the ledger data and the labels in the case at the time it is "
              "written: the case page says when newer blocks are not in it.",
              "The guide for prosecutors and judges (docs/court-guide.md) explains how to read it."),
             ("hash", "custody-log", "heuristic"), f"{root}/report"),
    ]  # fmt: skip


def tour_bar(case: str, number: int) -> dict[str, Any] | None:
    """What the bar on a page opened from the tour shows: the step, and the links back and on; None for no step."""
    if not 1 <= number <= len(TITLES):
        return None
    root = f"/cases/{quote(case)}/tour"
    following = f"{root}/{number + 1}" if number < len(TITLES) else None
    return {"number": number, "total": len(TITLES), "title": TITLES[number - 1], "explain": f"{root}/{number}",
            "next": following, "next_title": TITLES[number] if following else None}  # fmt: skip


def opened(step: Step, number: int) -> str:
    """The step's page, carrying the tour's step (its bar), the anchor kept last."""
    path, _, anchor = step.target.partition("#")
    joined = f"{path}{'&' if '?' in path else '?'}tour={number}"
    return f"{joined}#{anchor}" if anchor else joined
