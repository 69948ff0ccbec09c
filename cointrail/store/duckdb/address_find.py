"""Find an address in the store from what a person types: an address string, another spelling of it, or a public key.

A public key in hex (33 or 65 bytes) stands for the P2PKH address of the key, under which its pay-to-public-key
outputs are stored (:mod:`cointrail.store.duckdb.p2pk`). :mod:`cointrail.store.duckdb.queries` answers from what
this finds.
"""

from __future__ import annotations

from cointrail.addresses import address_for_script, parse_address
from cointrail.addresses.script import hash160, p2pk_script, p2pkh_script, pubkey_from_hex
from cointrail.errors import InputError
from cointrail.store.duckdb import address_hash
from cointrail.store.duckdb.store import LedgerStore, NotInStoreError

_ADDRESS_COLUMNS = "address_id, address, script, script_type, {pubkey}"


def pubkey_column(store: LedgerStore, alias: str = "") -> str:
    """SQL for an address's bare key (:mod:`cointrail.store.duckdb.p2pk`); NULL in an older store opened read-only."""
    return f"{alias + '.' if alias else ''}pubkey" if store.has_p2pk_columns else "NULL::BLOB"


def key_address(store: LedgerStore, text: str) -> str | None:
    """The P2PKH address of a public key written in hex (33 or 65 bytes), as explorers list P2PK outputs; or None."""
    key = pubkey_from_hex(text)
    return None if key is None else address_for_script(p2pkh_script(hash160(key)), store.chain, store.network)


def find_address(store: LedgerStore, text: str) -> tuple[int, str | None, bytes, str]:
    """(address_id, address, script, script_type) of an address string (or a public key in hex), or raise."""
    found = find_address_row(store, text)
    return found[0], found[1], found[2], found[3]


def _row(row: tuple) -> tuple[int, str | None, bytes, str, bytes | None]:
    return row[0], row[1], bytes(row[2]), row[3], None if row[4] is None else bytes(row[4])


def find_address_row(store: LedgerStore, text: str) -> tuple[int, str | None, bytes, str, bytes | None]:
    """(address_id, address, script, script_type, bare key or None) of an address string, or raise.

    A public key in hex stands for its P2PKH address, under which its P2PK
    outputs are stored. A bound ``?`` parameter, not the text inlined: measured
    on addresses of its own, the indexed lookup costs the same either way (an
    earlier figure of 1.5 against 0.65 ms compared a cold lookup with a second
    one of the same, already loaded, address).
    """
    text = text.strip()
    key = pubkey_from_hex(text)
    if key is not None and not store.has_p2pk_columns:  # a store of the earlier layout, read-only: the P2PK row
        row = store.one(f"SELECT {_ADDRESS_COLUMNS.format(pubkey='NULL')} FROM addresses WHERE script = ?",
                        [p2pk_script(key)])  # fmt: skip
        if row:
            return _row(row)
    text = key_address(store, text) or text
    columns = _ADDRESS_COLUMNS.format(pubkey=pubkey_column(store))
    row = _stored(store, columns, text)
    if row:
        return _row(row)
    parsed = parse_address(text)
    if not parsed.valid:
        raise InputError(f"{text!r} is not a valid address: {parsed.reason}")
    scripts = [c.script_pubkey for c in parsed.candidates
               if c.chain == store.chain and c.network == store.network and c.script_pubkey]  # fmt: skip
    if not scripts:
        raise InputError(f"{text} is not a {store.chain} {store.network} address, which is what {store.path} holds")
    # Another spelling of a stored address (a Litecoin P2SH as "3...", a bech32 in capitals): the store
    # keeps each script's one canonical string, which its script encodes to.
    for canonical in dict.fromkeys(address_for_script(bytes.fromhex(s), store.chain, store.network) for s in scripts):
        if canonical and canonical != text:
            row = _stored(store, columns, canonical)
            if row:
                return _row(row)
    raise NotInStoreError(f"{text} never appears in the {store.chain} {store.network} blocks of {store.path}")


def _stored(store: LedgerStore, columns: str, address: str) -> tuple | None:
    """The ``columns`` of the stored address ``address`` (by its hash: :mod:`.address_hash`), or None."""
    rows = address_hash.find(store.rows, "addresses", columns, address, hashed=store.has_address_hash)
    return rows[0] if rows else None
