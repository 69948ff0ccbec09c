"""The demo's Ethereum leg (issue 16): the site is also paid in ether and USDT on a private anvil chain.

A small ground-truth economy (:mod:`cointrail.simulation.evm_economy`: two exchanges with deposit addresses, the
site, its payers, poisoning transfers) is played on a real ``anvil`` on loopback, ingested case-scoped around the
site's address into an Ethereum store in the demo's folder (widened around each payer whose money came from an
address not yet fetched), the exchanges' hot wallets are labelled in the case as an investigator labels them, and
the site's payers are found with the exchange withdrawal that funded each. anvil is always stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cointrail.cases import Case
from cointrail.investigation import Investigation
from cointrail.labels.investigator import add_investigator_label
from cointrail.simulation import anvil

if TYPE_CHECKING:
    from cointrail.demo.investigation import Steps

ANVIL_MISSING = "anvil is missing: run scripts/evm-tools.sh"
# Small and fast: 3 customers at each exchange, payments in ETH and USDT only, one payer funded from outside.
CONFIG_ARGS = {"seed": 1, "customers": 3, "usdt_share": 0.5, "usdc_share": 0.0, "via_own_wallet": 0.3,
               "outside_funded": 1, "poison_attempts": 2}  # fmt: skip


def ethereum_leg(steps: Steps, case: Case, root: Path) -> dict[str, Any]:
    """Play, ingest, label and find the payers; ``{"missing": ...}`` in one line when anvil is not installed."""
    if anvil.anvil_binary() is None:
        steps.say(ANVIL_MISSING + " (the Ethereum leg is left out).")
        return {"missing": ANVIL_MISSING}
    from cointrail.chains.ethereum.sources.rpc import EvmRpcSource
    from cointrail.simulation.evm_economy import EvmEconomyConfig, accounts_needed, generate

    config = EvmEconomyConfig(**CONFIG_ARGS)  # type: ignore[arg-type]
    db = root / "ethereum.duckdb"
    if db.exists():  # a previous run's store: the chain starts from its genesis block again
        db.unlink()
    node = anvil.Anvil(accounts=accounts_needed(config), balance_eth=0)
    with steps.step("start anvil", "Starting a private Ethereum node (anvil, on this machine only)."):
        node.start()
    try:
        with steps.step("play ethereum", "Playing a small Ethereum economy: two exchanges, the site paid in ETH "
                                         "and USDT, address-poisoning transfers."):  # fmt: skip
            truth = generate(node, config)
        with (steps.step("ingest ethereum", "Reading the blocks that touch the site's address (and its payers' "
                                            "funders) into an Ethereum store."),
              EvmRpcSource(node.url) as source):  # fmt: skip
            ingest = _ingest_around(db, source, truth.site, case, truth.exchanges)
    finally:
        with steps.step("stop anvil", "Stopping the Ethereum node."):
            node.stop()
    with (steps.step("ethereum payers", "Finding who paid the site in ETH and USDT, and the exchange withdrawal "
                                        "that funded each."),
          Investigation.open(case, db=db) as investigation):  # fmt: skip
        found = investigation.account_payers([truth.site]).to_json()
    return {"db": str(db), "site": truth.site, "ingest": ingest, "labels": ingest.pop("labels"),
            "payers": found, "truth": _truth(truth)}


def _ingest_around(db: Path, source: Any, site: str, case: Case,
                   exchanges: dict[str, dict[str, str]]) -> dict[str, Any]:  # fmt: skip
    """Ingest around the site, label the hot wallets, then widen around each funder not yet fetched."""
    from cointrail.ingest.evm import ingest_evm, ingest_until_payers_traced
    from cointrail.store.duckdb.account import AccountStore

    with AccountStore.open(db, "ethereum", "devnet") as store:
        blocks = ingest_evm(store, source, around=[site]).blocks_fetched
    labels = _label(db, case, exchanges)
    widened = ingest_until_payers_traced(db, source, [site], max_rounds=3)
    blocks, rounds = blocks + widened.blocks, widened.rounds
    return {"blocks": blocks, "tip": source.tip(), "widened": rounds, "labels": labels}


def _label(db: Path, case: Case, exchanges: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Each exchange's hot wallet labelled in the case (evidence, custody log) and in the store, as
    ``cointrail label add ADDRESS --case ... --db ethereum.duckdb`` does."""
    from cointrail.store.duckdb.account import AccountStore

    done = []
    for name, wallets in exchanges.items():
        added = add_investigator_label(case, wallets["hot"], name, "exchange",
                                       notes=["the demo scenario's ground truth: this exchange's hot wallet"])
        with AccountStore.open(db) as store:
            store.add_label(wallets["hot"], name, "exchange", added["label"]["source"],
                            added["label"]["confidence"]["value"])  # fmt: skip
        done.append({"address": wallets["hot"], "label": name, "evidence": added.get("evidence")})
    return done


def _truth(truth: Any) -> dict[str, Any]:
    return {"payments": [{k: str(v) for k, v in p.items()} for p in truth.payments],
            "funding": [{"payer": payer, "asset": asset, "exchange": exchange}
                        for (payer, asset), exchange in sorted(truth.funding.items())],
            "poisoning_txs": sorted(truth.poisoning_txs), "failed_txs": sorted(truth.failed_txs),
            "exchanges": truth.exchanges}  # fmt: skip
