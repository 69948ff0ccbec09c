"""``cointrail ingest``: bring a ledger store up to a node's chain or a node's block files."""

from __future__ import annotations

import re
from typing import Any

import click

from cointrail.chains import EVM_NETWORKS, TRON_NETWORKS, utxo_networks
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.chains.bitcoin.sources.rpc import RpcSource, connect
from cointrail.cli.case_cmd import cases_dir_option
from cointrail.cli.ledger_cmds import IngestProgressBar, db_option, node_credentials_options
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK, InputError
from cointrail.ingest.pipeline import ingest, store_for_ingest
from cointrail.store.duckdb import sparse
from cointrail.store.duckdb.store import LedgerStore, physical_memory
from cointrail.wording import counted

CHAINS = sorted({n.chain for n in utxo_networks()} | {"ethereum", "tron"})
NETWORKS = sorted({n.network for n in utxo_networks()} | set(EVM_NETWORKS) | set(TRON_NETWORKS))


def render_report(report: dict[str, Any]) -> str:
    lines = [
        f"Ingested {report['blocks']} blocks ({report['transactions']} transactions) of {report['chain']} "
        f"{report['network']} from {report['source']} in {report['seconds']:.1f} s."
    ]
    for rollback in report["rolled_back"]:
        lines.append(
            f"  The source's chain had changed (a reorg): rolled back from height {rollback['from_height']} "
            f"to the fork point at height {rollback['to_height']}."
        )
    tip = report["tip_height"]
    lines.append("  The store is empty." if tip is None else f"  The store now holds heights 0 to {tip}.")
    lines += _memory_lines(report)
    return "\n".join(lines)


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MB"


def _memory_lines(report: dict[str, Any]) -> list[str]:
    """What the chain state did within --memory-limit, and the spill folders a killed ingest had left."""
    lines = []
    limit, state = report.get("memory_limit_bytes"), report["chain_state"]
    if limit is not None and state["peak_bytes"]:
        spilled = (f"spilled to disk beside the store {counted(state['spills'], 'time')}, "
                   f"{counted(state['rows_spilled'], 'row')} (unspent outputs and scripts), removed at the end"
                   if state["spills"] else "never spilled to disk")  # fmt: skip
        lines.append(f"  Memory limit {_mb(limit)} ({_mb(limit // 2)} for the chain state): the state held at most "
                     f"{_mb(state['peak_bytes'])} in memory and {spilled}.")  # fmt: skip
    if report["over_limit"]:
        lines.append(f"  Beyond the limit: DuckDB needed more than its half for {' and '.join(report['over_limit'])}, "
                     "done under its own default (80 % of the machine's memory; it cannot spill an index it "
                     "builds).")  # fmt: skip
    for folder in report["removed_spill_folders"]:
        lines.append(f"  Removed {folder['path']} ({_mb(folder['bytes'])}): the chain state's spill folder of an "
                     "ingest killed before its end (a cache of the store, not evidence).")  # fmt: skip
    return lines


DEFAULT_MEMORY_SHARE = 0.5  # of the machine's memory: room for the batches in flight, the OS and other work
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def memory_limit_bytes(text: str | None) -> int:
    """``--memory-limit``: '8GB', '500MB', '2.5GB' (binary units), or None for half the machine's memory."""
    if text is None:
        return int(physical_memory() * DEFAULT_MEMORY_SHARE)
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?B?)\s*", text.upper())
    if match is None or float(match.group(1)) <= 0:
        raise InputError(f"--memory-limit {text!r}: give a size such as 8GB, 500MB or 2.5GB")
    return int(float(match.group(1)) * _UNITS[match.group(2).removesuffix("B")])


def _source(store: LedgerStore, rpc: str | None, blocks: str | None, cookie: str | None, user: str | None,
            password: str | None, concurrency: int) -> Any:  # fmt: skip
    if bool(rpc) == bool(blocks):
        raise InputError("give exactly one source: --rpc URL (a node) or --blocks DIR (its blk*.dat files)")
    if blocks:
        return BlockFilesSource(blocks, store.chain, store.network)
    return RpcSource(connect(rpc, cookie, user, password, connections=concurrency), concurrency)  # type: ignore[arg-type]


@click.command("ingest")
@click.option("--chain", required=True, type=click.Choice(CHAINS), help="The chain the source holds.")
@click.option("--network", required=True, type=click.Choice(NETWORKS), help="Its network.")
@click.option("--rpc", help="A Bitcoin Core family node's JSON-RPC URL, e.g. http://127.0.0.1:9332.")
@node_credentials_options
@click.option("--blocks", type=click.Path(file_okay=False), help="A node's blocks directory (blk*.dat files).")
@click.option("--electrum", metavar="tcp://HOST:PORT|ssl://HOST:PORT",
              help="Crawl from an Electrum server instead of a node: only the transactions around --around/--case "
                   "(a sparse store).")
@click.option("--esplora", metavar="URL", help="Crawl from an Esplora server (its REST API's URL), as --electrum.")
@click.option("--proxy", metavar="socks5h://HOST:PORT",
              help="Reach the Electrum/Esplora server through this SOCKS5 proxy (Tor: socks5h://127.0.0.1:9050); "
                   "each seed address gets its own credentials, so its own Tor circuit.")
@click.option("--hops", default=2, show_default=True, help="Crawl: hops back (funding) and forward (spends).")
@click.option("--max-txs-per-address", default=500, show_default=True,
              help="Crawl: an address with more transactions (a service) is recorded and not expanded.")
@click.option("--from-block", type=int, help="Ethereum: the first block to read (default 0).")
@click.option("--to-block", type=int, help="Ethereum: the last block to read (default the node's tip).")
@click.option("--around", multiple=True, metavar="ADDR",
              help="Crawl (--electrum/--esplora): a seed address (repeatable). Ethereum: read only the blocks in the "
                   "range where ADDR sent or received ether or a listed token (case-scoped ingest).")
@click.option("--case", "case_name",
              help="Crawl: seed from the case's captured addresses and archive in its evidence. Ethereum: read the "
                   "blocks touching the case's captured 0x addresses.")
@cases_dir_option
@click.option("--trace-style", type=click.Choice(["parity", "geth"]), default="parity", show_default=True,
              help="Ethereum: internal transfers from trace_block (parity) or debug_traceBlockByNumber callTracer.")
@db_option
@click.option("--concurrency", default=4, show_default=True, help="Requests to the node in parallel.")
@click.option("--batch-blocks", default=500, show_default=True, help="Blocks per committed batch.")
@click.option("--memory-limit", metavar="SIZE",
              help="Keep the ingest's chain state and DuckDB within about SIZE (e.g. 8GB; default half the machine's "
                   "memory): past its half the chain state spills to disk beside the store. Same store either way.")
@click.option("--address-lookup", is_flag=True,
              help="Also build address-info's serving index (answers in under a millisecond; costs more than the "
                   "ingest to build once, then every later ingest keeps it up). Same as `cointrail store index`.")
@json_option
def command(chain: str, network: str, rpc: str | None, cookie: str | None, rpc_user: str | None,
            rpc_password: str | None, blocks: str | None, electrum: str | None, esplora: str | None,
            proxy: str | None, hops: int, max_txs_per_address: int, from_block: int | None, to_block: int | None,
            around: tuple[str, ...], case_name: str | None, cases_dir: str | None, trace_style: str, db: str,
            concurrency: int, batch_blocks: int, memory_limit: str | None, address_lookup: bool,
            as_json: bool) -> int:  # fmt: skip
    """Ingest a chain into the ledger store --db, from a node (--rpc) or block files (--blocks).

    Incremental: a second run continues from the last stored block, after
    rolling back any blocks the source no longer has (a reorg). Every block is
    verified (transaction ids recomputed, merkle root checked) and its source
    recorded. Safe to interrupt at any moment.

    Without a node (--electrum or --esplora, with --around ADDR or --case): only the transactions around the
    addresses, each proven (txid, merkle proof, proof of work) and archived, into a sparse store.

    Ethereum (--chain ethereum, --rpc a node's JSON-RPC URL): blocks --from-block..--to-block, all of them or,
    with --around ADDR or --case, only those touching the addresses (case-scoped); block and transaction hashes
    recomputed, what was fetched recorded as coverage.
    """
    if chain == "ethereum":
        found = evm_ingest(network, rpc, db, from_block, to_block, around, case_name, cases_dir, trace_style)
        emit(found, as_json, render_evm_report)
        return EXIT_OK
    if chain == "tron":
        found = tron_ingest(network, rpc, db, from_block, to_block, around, case_name, cases_dir)
        emit(found, as_json, render_tron_report)
        return EXIT_OK
    if network not in {n.network for n in utxo_networks(chain)}:
        raise InputError(f"{chain} has no network {network}")
    if electrum or esplora:
        if rpc or blocks:
            raise InputError("give one source: a node (--rpc/--blocks) or a light server (--electrum/--esplora)")
        from cointrail.cli.light_crawl import render_crawl, run_crawl

        emit(run_crawl(chain, network, electrum, esplora, proxy, around, case_name, cases_dir, hops,
                       max_txs_per_address, db), as_json, render_crawl)  # fmt: skip
        return EXIT_OK
    limit = memory_limit_bytes(memory_limit)
    with store_for_ingest(db, chain, network) as store:  # a failed first ingest leaves no file behind
        sparse.require_mode(store, "full")
        source = _source(store, rpc, blocks, cookie, rpc_user, rpc_password, concurrency)
        try:
            with IngestProgressBar() as bar:
                report = ingest(store, source, progress=bar, batch_blocks=max(1, batch_blocks),
                                build_address_lookup=address_lookup, memory_limit=limit)
        finally:
            if rpc:
                source.rpc.close()
    emit(report.to_dict(), as_json, render_report)
    return EXIT_OK


def evm_ingest(network: str, rpc: str | None, db: str, start: int | None, end: int | None, around: tuple[str, ...],
               case_name: str | None, cases_dir: str | None, trace_style: str) -> dict[str, Any]:  # fmt: skip
    """Read an Ethereum node into the account-model store ``db`` (range, or case-scoped with addresses)."""
    from cointrail.cases import open_case
    from cointrail.cases.site import captured_evm_addresses
    from cointrail.chains.ethereum.sources.rpc import EvmRpcSource
    from cointrail.ingest.evm import ingest_evm
    from cointrail.store.duckdb.account import AccountStore

    if network not in EVM_NETWORKS:
        raise InputError(f"ethereum has no network {network}: one of {', '.join(EVM_NETWORKS)}")
    if not rpc:
        raise InputError("give the Ethereum node's JSON-RPC URL with --rpc")
    addresses = [*around, *(captured_evm_addresses(open_case(case_name, cases_dir)) if case_name else [])]
    if case_name and not addresses:
        raise InputError(f"the case {case_name} has no captured 0x addresses: capture the site, or give --around")
    source = EvmRpcSource(rpc, trace_style=trace_style)
    try:
        with AccountStore.open(db, "ethereum", network) as store:
            return ingest_evm(store, source, start=start, end=end, around=addresses).to_dict()
    finally:
        source.close()


def render_evm_report(report: dict[str, Any]) -> str:
    scope = (f"the {report['blocks_fetched']} blocks touching {len(report['addresses'])} addresses"
             if report["mode"] == "addresses" else f"{report['blocks_fetched']} blocks")  # fmt: skip
    return (f"Read {scope} of {report['chain']} {report['network']} between blocks {report['from_block']} and "
            f"{report['to_block']} from {report['node']} ({report['client_version']}) in {report['seconds']:.1f} s; "
            f"{report['blocks_new']} were new to the store.\n  Block and transaction hashes were recomputed; the "
            "transactions and receipts roots and the traces are taken on trust (recorded in the store's coverage).")


def tron_ingest(network: str, rpc: str | None, db: str, start: int | None, end: int | None, around: tuple[str, ...],
                case_name: str | None, cases_dir: str | None) -> dict[str, Any]:  # fmt: skip
    """Read Tron's USDT (TRC-20) transfers naming the addresses (T… or 0x) through Tron's Ethereum-style JSON-RPC."""
    from cointrail.addresses.account import tron_to_hex
    from cointrail.addresses.model import AddressDecodeError
    from cointrail.cases import open_case
    from cointrail.cases.site import captured_tron_addresses
    from cointrail.chains.ethereum.sources.rpc import EvmRpcSource
    from cointrail.ingest.evm import ingest_token_logs
    from cointrail.store.duckdb.account import AccountStore

    if network not in TRON_NETWORKS:
        raise InputError(f"tron has no network {network}: one of {', '.join(TRON_NETWORKS)}")
    if not rpc:
        raise InputError("give Tron's JSON-RPC URL with --rpc (a full node's, or https://api.trongrid.io/jsonrpc)")
    given = [*around, *(captured_tron_addresses(open_case(case_name, cases_dir)) if case_name else [])]
    if not given:
        raise InputError("Tron is read case-scoped only: give --around T… (repeatable) or a --case with Tron captures")
    try:
        addresses = [a.lower() if a.startswith("0x") else "0x" + tron_to_hex(a)[2:] for a in given]
    except AddressDecodeError as error:
        raise InputError(f"not a Tron address: {error}") from error
    with EvmRpcSource(rpc) as source, AccountStore.open(db, "tron", network) as store:
        return ingest_token_logs(store, source, addresses, start=start, end=end).to_dict()


def render_tron_report(report: dict[str, Any]) -> str:
    return (f"Read the TRC-20 transfers of {len(report['addresses'])} Tron addresses between blocks "
            f"{report['from_block']} and {report['to_block']} from {report['node']} ({report['client_version']}): "
            f"{report['blocks_new']} new, in {report['blocks_fetched']} blocks.\n  Nothing of it could be verified "
            "(Tron's transaction ids are not recomputable from its JSON-RPC): taken on trust, and recorded so.")
