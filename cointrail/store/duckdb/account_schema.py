"""The account-model tables (Ethereum and the EVM chains, issue 16), beside the UTXO ones of :mod:`.schema`.

One store holds one chain and network, named in ``meta`` with ``family = account``. Addresses are lower-case
0x-hex strings; hashes 0x-hex strings. Amounts are exact integers: ``HUGEINT`` (128-bit signed) holds any wei
amount a real chain has seen and, unlike ``UHUGEINT``, stays exact when summed (DuckDB sums UHUGEINT as DOUBLE).
Transfers of ether are of three kinds: the transaction's own value, internal ones from traces (a failed frame and
what it called marked ``failed``), and fees (paid by the sender: ``fee`` on the transaction). Token transfers are
decoded from the curated token list only; issuer actions are kept as evidence. A token amount above what any token
could hold (:func:`cointrail.chains.ethereum.tokens.Token.ceiling`: a Transfer log can state any uint256) is kept
exactly as decimal text in ``value_text`` (``amount_text``) with ``value`` (``amount``) NULL, so no sum meets it
and none overflows; such a transfer is flagged as suspected poisoning. ``evm_keys`` holds each sender's
public key, recovered from the signature of the first of its transactions read (and checked to be the sender's).
``evm_blocks.final`` marks blocks at or below the node's finalized block when last read: the others are checked
again by the next ingest, and replaced if the chain changed under them (a reorg).
"""

from __future__ import annotations

SCHEMA_VERSION = "2"  # 2: value_text and amount_text, value nullable (version 1 stores gain them when opened to write)
# What opening a version-1 store to write changes (DuckDB alters a table without indexes in place).
TO_VERSION_2 = """
ALTER TABLE evm_token_transfers ALTER value DROP NOT NULL;
ALTER TABLE evm_token_transfers ADD COLUMN value_text VARCHAR;
ALTER TABLE evm_issuer_actions ADD COLUMN amount_text VARCHAR;
UPDATE meta SET value = '2' WHERE key = 'schema_version';
"""

ACCOUNT_TABLES = ("evm_blocks", "evm_transactions", "evm_value_transfers", "evm_token_transfers",
                  "evm_issuer_actions", "evm_coverage", "evm_labels", "evm_keys")  # fmt: skip

ACCOUNT_DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS evm_blocks (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    number BIGINT PRIMARY KEY, hash VARCHAR NOT NULL, parent_hash VARCHAR NOT NULL, time BIGINT NOT NULL,
    miner VARCHAR NOT NULL, base_fee HUGEINT, tx_count INTEGER NOT NULL,
    hash_recomputed BOOLEAN NOT NULL, tx_hashes_recomputed BOOLEAN NOT NULL, trace_style VARCHAR NOT NULL,
    source VARCHAR NOT NULL, final BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS evm_transactions (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    hash VARCHAR PRIMARY KEY, block_number BIGINT NOT NULL, position INTEGER NOT NULL, time BIGINT NOT NULL,
    sender VARCHAR NOT NULL, receiver VARCHAR, created VARCHAR, value HUGEINT NOT NULL, fee HUGEINT NOT NULL,
    success BOOLEAN NOT NULL, selector VARCHAR, nonce BIGINT NOT NULL, type INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS evm_value_transfers (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    tx_hash VARCHAR NOT NULL, block_number BIGINT NOT NULL, position INTEGER NOT NULL, time BIGINT NOT NULL,
    trace_address VARCHAR NOT NULL, sender VARCHAR NOT NULL, receiver VARCHAR NOT NULL, value HUGEINT NOT NULL,
    kind VARCHAR NOT NULL, failed BOOLEAN NOT NULL, tx_sender VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS evm_token_transfers (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    token VARCHAR NOT NULL, symbol VARCHAR NOT NULL, decimals INTEGER NOT NULL,
    tx_hash VARCHAR NOT NULL, block_number BIGINT NOT NULL, log_index INTEGER NOT NULL, time BIGINT NOT NULL,
    sender VARCHAR NOT NULL, receiver VARCHAR NOT NULL, value HUGEINT, tx_sender VARCHAR NOT NULL,
    success BOOLEAN NOT NULL, poisoning VARCHAR, value_text VARCHAR
);
CREATE TABLE IF NOT EXISTS evm_issuer_actions (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    token VARCHAR NOT NULL, symbol VARCHAR NOT NULL, action VARCHAR NOT NULL, account VARCHAR, amount HUGEINT,
    tx_hash VARCHAR NOT NULL, block_number BIGINT NOT NULL, log_index INTEGER NOT NULL, time BIGINT NOT NULL,
    amount_text VARCHAR
);
CREATE TABLE IF NOT EXISTS evm_coverage (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    mode VARCHAR NOT NULL, from_block BIGINT NOT NULL, to_block BIGINT NOT NULL, addresses VARCHAR[] NOT NULL,
    blocks_fetched BIGINT NOT NULL, node VARCHAR NOT NULL, client_version VARCHAR NOT NULL, chain_id BIGINT NOT NULL,
    trace_style VARCHAR NOT NULL, verified VARCHAR NOT NULL, trusted VARCHAR NOT NULL, fetched_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS evm_keys (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    address VARCHAR PRIMARY KEY, public_key VARCHAR NOT NULL, tx_hash VARCHAR NOT NULL, block_number BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS evm_labels (
    chain VARCHAR NOT NULL, network VARCHAR NOT NULL,
    address VARCHAR NOT NULL, name VARCHAR NOT NULL, category VARCHAR NOT NULL, source VARCHAR NOT NULL,
    confidence INTEGER NOT NULL
);
"""
