"""``cointrail ingest``: bring a ledger store up to a node's chain or a node's block files."""

from __future__ import annotations

from typing import Any

import click

from cointrail.chains import utxo_networks
from cointrail.chains.bitcoin.sources.blkfiles import BlockFilesSource
from cointrail.chains.bitcoin.sources.rpc import RpcSource, connect
from cointrail.cli.ledger_cmds import IngestProgressBar, db_option
from cointrail.cli.output import emit, json_option
from cointrail.errors import EXIT_OK, InputError
from cointrail.ingest.pipeline import ingest, store_for_ingest
from cointrail.store.duckdb.store import LedgerStore

CHAINS = sorted({n.chain for n in utxo_networks()})
NETWORKS = sorted({n.network for n in utxo_networks()})


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
    return "\n".join(lines)


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
@click.option("--cookie", type=click.Path(dir_okay=False), help="The node's .cookie file (its RPC credentials).")
@click.option("--rpc-user", help="RPC user name (instead of --cookie).")
@click.option("--rpc-password", envvar="COINTRAIL_RPC_PASSWORD", help="RPC password (or $COINTRAIL_RPC_PASSWORD).")
@click.option("--blocks", type=click.Path(file_okay=False), help="A node's blocks directory (blk*.dat files).")
@db_option
@click.option("--concurrency", default=4, show_default=True, help="Requests to the node in parallel.")
@click.option("--batch-blocks", default=500, show_default=True, help="Blocks per committed batch.")
@click.option("--address-lookup", is_flag=True,
              help="Also build address-info's serving index (answers in under a millisecond; costs more than the "
                   "ingest to build once, then every later ingest keeps it up). Same as `cointrail store index`.")
@json_option
def command(chain: str, network: str, rpc: str | None, cookie: str | None, rpc_user: str | None,
            rpc_password: str | None, blocks: str | None, db: str, concurrency: int, batch_blocks: int,
            address_lookup: bool, as_json: bool) -> int:  # fmt: skip
    """Ingest a chain into the ledger store --db, from a node (--rpc) or block files (--blocks).

    Incremental: a second run continues from the last stored block, after
    rolling back any blocks the source no longer has (a reorg). Every block is
    verified (transaction ids recomputed, merkle root checked) and its source
    recorded. Safe to interrupt at any moment.
    """
    with store_for_ingest(db, chain, network) as store:  # a failed first ingest leaves no file behind
        source = _source(store, rpc, blocks, cookie, rpc_user, rpc_password, concurrency)
        try:
            with IngestProgressBar() as bar:
                report = ingest(store, source, progress=bar, batch_blocks=max(1, batch_blocks),
                                build_address_lookup=address_lookup)
        finally:
            if rpc:
                source.rpc.close()
    emit(report.to_dict(), as_json, render_report)
    return EXIT_OK
