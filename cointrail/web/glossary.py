"""Plain explanations of the words of the trade, for people new to crypto.

:data:`TERMS` is the glossary page; :func:`gloss` links every term where it appears in a sentence
(the first time in that sentence), so a reader can always find out what a word means. The
sentences come from cointrail's own explanations (cluster links, trace ends, labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Term:
    """One entry of the glossary: its name, its explanation, and the words that name it in a sentence."""

    slug: str
    name: str
    plain: str
    words: tuple[str, ...]


TERMS: tuple[Term, ...] = (
    Term("address", "Address", "A string like a bank account number that can receive coins. Anyone can make new "
         "addresses for free, so one person usually has many.", ("address", "addresses")),
    Term("transaction", "Transaction", "A payment recorded on the public ledger: it spends coins received earlier "
         "(its inputs) and sends them to addresses (its outputs). Its id (txid) lets anyone look it up.",
         ("transaction", "transactions", "txid")),
    Term("utxo", "UTXO (unspent output)", "A coin as the ledger sees it: an amount received by an address in one "
         "transaction and not spent yet. A payment spends whole UTXOs, like paying with banknotes.",
         ("UTXO", "UTXOs", "unspent output", "unspent")),
    Term("change", "Change", "When a wallet pays with a UTXO bigger than the price, the rest comes back to the "
         "payer at a new address, like change from a banknote. Spotting it tells which output went to the payee.",
         ("change", "change output")),
    Term("cluster", "Cluster (wallet)", "A group of addresses that cointrail found to belong to one wallet, for "
         "example because they were spent together. Every link of a cluster says why it was made.",
         ("cluster", "clusters", "wallet", "wallets")),
    Term("multi-input", "Multi-input heuristic", "When one transaction spends from several addresses, one wallet "
         "held the keys to all of them, so they are grouped together. It is the oldest and most reliable rule.",
         ("multi-input heuristic", "multi-input", "co-spend", "spent together")),
    Term("heuristic", "Heuristic", "A rule of thumb that is usually but not always right. cointrail publishes the "
         "measured error rate of each one it uses (docs/accuracy.md).", ("heuristic", "heuristics")),
    Term("coinjoin", "CoinJoin", "One transaction in which many people pay together, so that nobody can tell "
         "whose coins went where. cointrail never groups addresses through one and stops trails there.",
         ("CoinJoin", "CoinJoins")),
    Term("mixer", "Mixer", "A service that takes coins from many people and pays back different coins, to hide "
         "where money came from.", ("mixer", "mixers", "mixing service")),
    Term("peel-chain", "Peel chain", "A chain of transactions where each one pays a small amount away and sends "
         "the large rest on to a new address: a typical way of cashing out bit by bit.",
         ("peel chain", "peel chains")),
    Term("taint", "Taint", "How much of the money at one place came from a given source. Three rules share it "
         "out: poison (any tainted input taints everything), haircut (in proportion to value) and FIFO (first "
         "in, first out).", ("taint", "tainted", "haircut", "poison", "FIFO")),
    Term("hop", "Hop", "One transaction along a trail of money. A trace of three hops follows money through "
         "three transactions.", ("hop", "hops")),
    Term("exchange", "Exchange", "A business that changes crypto into ordinary money. Regulated exchanges know "
         "their customers, so legal process served there can name who paid or received.",
         ("exchange", "exchanges")),
    Term("legal-process", "Legal process", "A court order, subpoena or production order served on a business "
         "(an exchange) to obtain its records about a customer.", ("legal process",)),
    Term("label", "Label and confidence", "A name given to an address or wallet (an exchange, a site), always "
         "with its source and how sure that source is (GraphSense's scale from 100, ownership, down to 5).",
         ("label", "labels", "confidence")),
    Term("sanctioned", "Sanctioned", "On a government sanctions list such as the US Treasury's OFAC SDN list; "
         "dealing with it is forbidden.", ("sanctioned", "OFAC", "sanctions")),
    Term("mweb", "MWEB", "Litecoin's privacy extension: money that enters it can no longer be followed on the "
         "public ledger.", ("MWEB",)),
    Term("block", "Block", "A batch of transactions added to the ledger, about every 2.5 minutes on Litecoin and "
         "10 on Bitcoin. Its height is its number in the chain.", ("block", "blocks")),
    Term("hash", "Hash (SHA-256)", "A fingerprint of a file: changing a single byte changes it completely. "
         "cointrail names every evidence file by its SHA-256, so any change is caught.", ("SHA-256", "hash")),
    Term("custody-log", "Custody log", "The list of everything done to a case's evidence, each entry chained to "
         "the one before by its hash, so an entry cannot be changed or removed unnoticed.",
         ("custody log", "chain of custody")),
    Term("base-unit", "Coins and base units", "Amounts are shown in coins with eight decimals; one coin is "
         "100,000,000 base units (satoshis on Bitcoin, litoshis on Litecoin).", ("base units",)),
)
_BY_WORD = {word.lower(): term for term in TERMS for word in term.words}
_PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(_BY_WORD, key=len, reverse=True))
                      + r")(?![\w-])", re.IGNORECASE)  # fmt: skip


def link(term: Term, text: str | None = None) -> Markup:
    """A link to the glossary entry of ``term``, its explanation as the tooltip."""
    return Markup('<a class="term" href="/glossary#{}" title="{}">{}</a>').format(
        term.slug, term.plain, text or term.name)


def term(slug: str, text: str | None = None) -> Markup:
    """A link to the glossary entry ``slug`` (templates write ``{{ term('utxo') }}``), as the word is written
    in a sentence unless ``text`` says otherwise."""
    found = next((t for t in TERMS if t.slug == slug), None)
    if found is None:
        raise KeyError(f"no glossary entry {slug!r}")
    return link(found, text or found.words[0])


def gloss(text: object) -> Markup:
    """``text`` escaped, with the first mention of each glossary term linked to its explanation."""
    seen: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        found = _BY_WORD[match.group(0).lower()]
        if found.slug in seen:
            return match.group(0)
        seen.add(found.slug)
        return str(link(found, match.group(0)))

    return Markup(_PATTERN.sub(replace, escape(str(text), quote=False)))
