"""Plain-words descriptions of address types, for people new to crypto.

Shared by the CLI, the reports and the web app, so every surface explains a
type the same way.
"""

from __future__ import annotations

TYPE_DESCRIPTIONS: dict[str, str] = {
    "p2pkh": "a classic single-key address (pay to public key hash)",
    "p2sh": "an address of a script (pay to script hash): often a multi-signature or wrapped segwit wallet",
    "p2wpkh": "a native segwit single-key address",
    "p2wsh": "a native segwit script address, often multi-signature",
    "p2tr": "a Taproot address (single key or script, indistinguishable on the ledger)",
    "witness_unknown": "a segwit address of a future version, not yet in use",
    "mweb": "a Litecoin MWEB stealth address (private)",
    "account": "an account address: one balance, reused for every payment",
    "standard": "a Monero primary address (private)",
    "subaddress": "a Monero subaddress, one of many an owner can hand out (private)",
    "integrated": "a Monero address with a payment id built in, used by services to tell customers apart (private)",
    "sapling": "a Zcash shielded address (private)",
    "unified": "a Zcash unified address, bundling shielded and possibly transparent receivers",
    "tex": "a Zcash transparent-source-only address (ZIP 320)",
    "sprout": "a Zcash shielded address of the retired Sprout pool (private)",
}


def describe_type(address_type: str | None) -> str:
    """A plain description of an address type, or the type name when unknown."""
    if not address_type:
        return "unknown type"
    names = address_type.split("|")
    return "; or ".join(TYPE_DESCRIPTIONS.get(name, name) for name in names)
