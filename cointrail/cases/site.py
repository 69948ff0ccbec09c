"""The site's addresses a case's captures found, as one selection for a ledger of one chain and network.

A captured page can list addresses of several currencies: a Litecoin site that also shows a Bitcoin
testnet address, a Monero address for the careful customer. A question asked of a ledger store (who paid
the site, where its money went) can only use the addresses of that store's chain and network; the others
are not errors, they are left out and said so, with why. Privacy-coin addresses are listed apart: their
payments cannot be seen on any ledger. Every command and page that takes "the case's captured
addresses" goes through :func:`captured_site_addresses` (issue 13), so the CLI, the web and the
report ask the same question the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cointrail.addresses import AddressInfo, parse_address
from cointrail.cases.case import Case
from cointrail.chains import network_words
from cointrail.wording import counted

# Custody-log actions whose object is a findings file (capture_url, import_warc): one JSON line per mention.
FINDINGS_ACTIONS = ("capture.findings", "import.findings")


@dataclass
class SiteSelection:
    """The captured addresses usable on one chain and network, and those left out with the reason."""

    chain: str | None
    network: str | None
    addresses: list[str] = field(default_factory=list)
    private: list[dict[str, Any]] = field(default_factory=list)
    left_out: list[dict[str, Any]] = field(default_factory=list)

    def note(self) -> str | None:
        """One sentence on what was left out and why, or None when every address was used."""
        if not self.private and not self.left_out:
            return None
        parts = []
        if self.left_out:
            chains = sorted({f"{c} {network_words(item['network'])}" for item in self.left_out for c in item["chains"]})
            left = counted(len(self.left_out), "captured address", "captured addresses")
            parts.append(f"{left} of another chain or network "
                         f"({', '.join(chains)}) left out: the store holds {self.chain} {self.network}")  # fmt: skip
        if self.private:
            private = counted(len(self.private), "privacy-coin address", "privacy-coin addresses")
            parts.append(f"{private} listed apart: payments to them are hidden "
                         "on the ledger")  # fmt: skip
        return "; ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        return {"chain": self.chain, "network": self.network, "addresses": self.addresses, "private": self.private,
                "left_out": self.left_out, "note": self.note()}  # fmt: skip


def captured_items(case: Case) -> list[dict[str, Any]]:
    """Every distinct address the case's captures and imported WARCs found, first seen first, with its currency.

    Read from the logged findings files, the evidence itself (the summaries are made from them), and
    checked again with the currency rules, so the chains and network are those of this cointrail.
    """
    return [item for item, _ in _parsed_items(case)]


def _parsed_items(case: Case) -> list[tuple[dict[str, Any], AddressInfo]]:
    """:func:`captured_items`, each with its parsed address (so no caller parses it again)."""
    found: dict[str, None] = {}
    for entry in case.log.entries():
        if entry["action"] in FINDINGS_ACTIONS:
            for line in (case.folder / entry["object"]).read_text(encoding="utf-8").splitlines():
                address = json.loads(line).get("address") if line.strip() else None
                if address:
                    found.setdefault(address, None)
    items = []
    for address in found:
        info = parse_address(address)
        items.append(({"address": address, "chains": list(info.chains), "network": info.network, "type": info.type,
                       "private": info.private}, info))  # fmt: skip
    return items


def _on_ledger(parsed: AddressInfo, chain: str | None, network: str | None) -> bool:
    """Whether the address can receive money on ``chain`` ``network`` (the same test the store's lookup makes).

    None matches any chain or network (a question not yet tied to a store).
    """
    if chain is None:
        return True
    return parsed.valid and any(c.chain == chain and network in (None, c.network) and c.script_pubkey
                                for c in parsed.candidates)  # fmt: skip


def captured_site_addresses(case: Case, chain: str | None = None, network: str | None = None) -> SiteSelection:
    """The case's captured addresses for a ledger of ``chain`` ``network`` (None: of any ledger chain)."""
    selection = SiteSelection(chain, network)
    for item, parsed in _parsed_items(case):
        brief = {k: item[k] for k in ("address", "chains", "network", "type")}
        if item["private"]:
            selection.private.append({**brief, "reason": "a privacy-coin address: payments to it are hidden on the "
                                                         "ledger"})  # fmt: skip
        elif _on_ledger(parsed, chain, network):
            selection.addresses.append(item["address"])
        else:
            where = f"{'/'.join(brief['chains'])} {network_words(brief['network'])}"
            selection.left_out.append({**brief, "reason": f"a {where} address: the store holds {chain} {network}"})
    return selection


def captured_evm_addresses(case: Case) -> list[str]:
    """The case's captured EVM account addresses (0x…, the same account on every EVM chain and network), in the
    order first captured: what a case-scoped Ethereum ingest asks the node about."""
    return [item["address"] for item, parsed in _parsed_items(case)
            if item["type"] == "account" and "ethereum" in item["chains"] and parsed.valid]  # fmt: skip


def captured_tron_addresses(case: Case) -> list[str]:
    """The case's captured Tron addresses (T…), in the order first captured."""
    return [item["address"] for item, parsed in _parsed_items(case)
            if item["type"] == "account" and "tron" in item["chains"] and parsed.valid]  # fmt: skip
