"""What a report to a body that acts (NCMEC, an FIU, a bank's SAR desk) is made of, read from the report facts.

The report facts (:class:`cointrail.facts.ReportFacts`) hold the engine's results; this module
picks out what every reporting format needs: the site (its URL and addresses), the payments to it, the paying
wallets, the exchanges' withdrawals that funded them and the deposits of the site's money, and the red flags
(:mod:`cointrail.exports.redflags`). The formats in ``cybertip.py``, ``goaml.py`` and ``sar.py`` render it.
Issue 18.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.amounts import Amount, Unit, fixed_coins
from cointrail.exports.redflags import RedFlag, red_flags
from cointrail.facts.assets import is_account, payer_name, row_currency, row_fixed, row_unit
from cointrail.facts.document import ReportFacts
from cointrail.facts.exhibits import NODE_CLIS  # how a txid is looked up again on a node: the report's exhibits' table
from cointrail.times import utc_iso
from cointrail.wording import counted


@dataclass(frozen=True)
class Payment:
    """A payment to the site: txid, block time and height, the site address paid, coins, fiat, the paying wallet."""

    txid: str
    time: int | None
    height: int | None
    address: str
    amount: int
    amount_coin: str
    fiat: dict[str, Any] | None
    wallet: int | None
    payer_addresses: tuple[str, ...]
    currency: str = ""  # the coin or token of the amount (an Ethereum case mixes ETH, USDT and USDC)
    wallet_name: str = ""  # "wallet 12", or "account 0x…" on an account chain
    decimals: int | None = None  # of that coin or token


@dataclass(frozen=True)
class Transfer:
    """A withdrawal from a service that funded a paying wallet, or a deposit of the site's money into one."""

    service: str
    kind: str  # "withdrawal" or "deposit"
    txid: str
    time: int | None
    address: str
    amount: int
    amount_coin: str
    wallet: int | None
    possible: bool
    why: str
    source: tuple[str, ...] = ()  # the addresses the money came from (the exchange's, or the site's)
    currency: str = ""
    wallet_name: str = ""
    fiat: dict[str, Any] | None = None  # its value at its block time, in the report's currency, where priced


@dataclass(frozen=True)
class PayingWallet:
    """A paying wallet (a cluster; on an account chain, an account and one asset): its addresses, payments, total
    and the service named as its funder."""

    cluster_id: int | None
    addresses: tuple[str, ...]
    txids: tuple[str, ...]
    total: int
    total_coin: str
    funded_by: str | None
    currency: str = ""
    name: str = ""


@dataclass(frozen=True)
class Reportable:
    """Everything the reporting formats render, in the order a reader needs it."""

    case: str
    generated_utc: str
    tool: str
    reported_by: str | None
    chain: str | None
    network: str | None
    currency: str
    urls: tuple[str, ...]
    seen_utc: str | None
    site_addresses: tuple[str, ...]
    payments: tuple[Payment, ...]
    wallets: tuple[PayingWallet, ...]
    withdrawals: tuple[Transfer, ...]
    deposits: tuple[Transfer, ...]
    flags: tuple[RedFlag, ...]
    accounts: bool = False  # an account chain (Ethereum): each amount in its own asset, payers are accounts

    @property
    def txids(self) -> tuple[str, ...]:
        """Every txid the report names, each once, payments first."""
        every = [p.txid for p in self.payments] + [t.txid for t in self.withdrawals + self.deposits]
        return tuple(dict.fromkeys(every))

    def coins(self, amount: int) -> str:
        return f"{fixed_coins(amount, self.chain)} {self.currency}"

    def total_of(self, payments: tuple[Payment, ...]) -> str:
        """The payments' sum in each coin or token they are in: ``0.25000000 LTC``, ``0.057… ETH and 287.000000
        USDT`` (amounts of two assets are never added)."""
        sums: dict[tuple[str, int | None], int] = {}
        for p in payments:
            key = (p.currency or self.currency, p.decimals)
            sums[key] = sums.get(key, 0) + p.amount
        texts = [self.coins(total) if decimals is None else
                 f"{Amount(total, self.chain or '', Unit(currency, decimals)).fixed()} {currency}"
                 for (currency, decimals), total in sums.items()]  # fmt: skip
        return " and ".join(texts) or self.coins(0)

    def recheck(self, where: str = "above") -> str:
        """How anyone re-checks a txid, an address and a time on the public chain; ``where`` the transactions are
        told, from the sentence (``above`` in the findings block, ``in this report`` where they come after it)."""
        cli = NODE_CLIS.get(self.chain or "")
        node = f"'{cli} getrawtransaction TXID true' on a node run with -txindex" if cli else "any full node"
        if self.accounts:  # Ethereum: the JSON-RPC every client answers; the receipt holds the token transfers
            node = "eth_getTransactionByHash and eth_getTransactionReceipt (JSON-RPC) on any node of the chain"
        return (f"Every transaction {where} is public on the {self.chain or 'coin'} blockchain"
                f"{f' ({self.network})' if self.network and self.network != 'mainnet' else ''}: look up each txid "
                f"with {node} (or 'cointrail tx TXID', or any block explorer) and compare the block time, the "
                "addresses paid and the amounts. Times are block times in UTC, to the second.")  # fmt: skip


def _payment(row: dict[str, Any], chain: str | None, currency: str) -> Payment:
    return Payment(row["txid"], row.get("time"), row.get("height"), row["address"], int(row["amount"]),
                   row.get("amount_coin") or row_fixed(row, "amount", chain) or "", row.get("fiat"),
                   row.get("payer_cluster_id"), tuple(row.get("payer_addresses") or ()),
                   row_currency(row, currency), payer_name(row),
                   row_unit(row, chain).decimals if row.get("asset") else None)  # fmt: skip


def sources(facts: ReportFacts) -> dict[tuple[str, str], tuple[str, ...]]:
    """Per (txid, receiving address), the addresses it came from: a withdrawal's exchange addresses (the first
    step of a funding trail), a deposit's site addresses (the flow's edges)."""
    found: dict[tuple[str, str], list[str]] = {}
    for payer in (facts.payers or {}).get("payers") or []:
        for funding in payer.get("funding") or []:
            for step in funding.get("steps") or []:
                found.setdefault((step["txid"], step["to_address"]), []).extend(step.get("from_addresses") or [])
    for flow in facts.findings.get("flows") or []:
        for edge in flow.get("edges") or []:
            found.setdefault((edge["txid"], edge["to"]), []).append(edge["from"])
    return {key: tuple(dict.fromkeys(value)) for key, value in found.items()}


def _transfer(row: dict[str, Any], came_from: dict[tuple[str, str], tuple[str, ...]], currency: str) -> Transfer:
    source = came_from.get((row["txid"], row["address"])) or tuple(row.get("from_addresses") or ())
    wallet = row.get("payer_wallet", row.get("payer_cluster_id"))
    return Transfer(row["service"], row["kind"], row["txid"], row.get("time"), row["address"], int(row["amount"]),
                    row["amount_coin"], row.get("payer_cluster_id"), bool(row.get("possible")), row.get("why") or "",
                    source, row_currency(row, currency),
                    "" if wallet is None else payer_name({"payer_cluster_id": row.get("payer_cluster_id"),
                                                          "payer_addresses": [wallet]}), row.get("fiat"))  # fmt: skip


def _wallet(row: dict[str, Any], currency: str) -> PayingWallet:
    return PayingWallet(row["payer_cluster_id"], tuple(row["payer_addresses"]), tuple(row["txids"]), row["total"],
                        row["total_coin"], row.get("funded_by"), row_currency(row, currency),
                        payer_name(row))  # fmt: skip


def _seen(facts: ReportFacts) -> tuple[tuple[str, ...], str | None]:
    """The captured pages' URLs and the time the first was captured."""
    captures = facts.captures
    urls = tuple(dict.fromkeys(str(c.get("final_url") or c.get("url")) for c in captures if c.get("url")))
    times = sorted(c["started_utc"] for c in captures if c.get("started_utc"))
    return urls, times[0] if times else None


def reportable(facts: ReportFacts) -> Reportable:
    """The findings of ``facts`` as a :class:`Reportable`."""
    payers = facts.payers or {}
    chain = facts.chain
    exchanges = facts.findings.get("exchanges") or []
    urls, seen = _seen(facts)
    came_from = sources(facts)
    currency = facts.symbol
    return Reportable(
        case=facts.case.name, generated_utc=facts.generated_utc, tool=facts.provenance.tool,
        reported_by=facts.case.reported_by, chain=chain, network=(facts.ledger or {}).get("network"),
        currency=currency, urls=urls, seen_utc=seen,
        site_addresses=facts.site.addresses,
        payments=tuple(sorted((_payment(p, chain, currency) for p in payers.get("payments") or []),
                              key=lambda p: (p.time or 0, p.txid))),
        wallets=tuple(_wallet(w, currency) for w in payers.get("payers") or []),
        withdrawals=tuple(_transfer(w, came_from, currency) for e in exchanges for w in e["withdrawals"]),
        deposits=tuple(_transfer(d, came_from, currency) for e in exchanges for d in e["deposits"]),
        flags=tuple(red_flags(facts)), accounts=is_account(payers),
    )  # fmt: skip


def fiat_text(fiat: dict[str, Any] | None) -> str:
    """``12.50 USD (source)``, ``25.00 USD (source; USDT at its stated peg, an assumption, not a market price)``, or
    "no price" without a price that day."""
    if not fiat or fiat.get("value") is None:
        return "no price"
    peg = f"{fiat.get('coin') or 'the coin'} at its stated peg, an assumption, not a market price" if fiat.get("peg") \
        else ""
    said = "; ".join(part for part in (fiat.get("source") or "", peg) if part)
    return f"{float(fiat['value']):.2f} {fiat['currency']}{f' ({said})' if said else ''}"


def findings_block(r: Reportable) -> str:
    """The findings as one fixed, readable block of text: the same sections in the same order in every report."""
    unit = "each asset as written (ETH 18 decimals, USDT and USDC 6)" if r.accounts else r.currency
    wallets = "PAYING ACCOUNTS (one line per account and asset; an account is not a person)" if r.accounts else \
        "PAYING WALLETS (a wallet is not a person)"
    lines = [f"CRYPTOCURRENCY FINDINGS (cointrail case {r.case}; {r.tool}; generated {r.generated_utc})",
             f"Chain: {r.chain or 'unknown'}{f' ({r.network})' if r.network else ''}; amounts in {unit}.", "",
             f"1. SITE ADDRESSES (published on {', '.join(r.urls) or 'the site'}): {len(r.site_addresses)}",
             *[f"   {a}" for a in r.site_addresses], "",
             f"2. PAYMENTS TO THE SITE: {len(r.payments)} (txid | time UTC | amount | fiat | site address)",
             *[f"   {n}. {p.txid} | {utc_iso(p.time)} | {p.amount_coin} {p.currency or r.currency} | "
               f"{fiat_text(p.fiat)} | {p.address}" for n, p in enumerate(r.payments, 1)], "",
             f"3. {wallets}: {len(r.wallets)}",
             *[f"   {w.name or f'wallet {w.cluster_id}'}: {counted(len(w.txids), 'payment')}, {w.total_coin} "
               f"{w.currency or r.currency}; funded by {w.funded_by or 'no service named'}; addresses "
               f"{' '.join(w.addresses)}" for w in r.wallets], "",
             f"4. FUNDING EXCHANGES (withdrawals that funded paying wallets): {len(r.withdrawals)}",
             *[f"   {t.service}: withdrawal txid {t.txid} | {utc_iso(t.time)} | {t.amount_coin} "
               f"{t.currency or r.currency} from {' '.join(t.source) or 'its address'} to {t.address} (paying "
               f"{t.wallet_name or f'wallet {t.wallet}'}){' (possibly)' if t.possible else ''}" for t in r.withdrawals],
             "", f"5. THE SITE'S MONEY INTO SERVICES (deposits): {len(r.deposits)}",
             *[f"   {t.service}: deposit txid {t.txid} | {utc_iso(t.time)} | {t.amount_coin} {t.currency or r.currency}"
               f" from {' '.join(t.source) or 'the site'} to {t.address}" for t in r.deposits], "",
             f"6. RED FLAGS: {len(r.flags)}", *[f"   {f.code}: {f.title}. {f.evidence}" for f in r.flags], "",
             "7. HOW TO RE-CHECK", f"   {r.recheck()}"]  # fmt: skip
    return "\n".join(lines) + "\n"
