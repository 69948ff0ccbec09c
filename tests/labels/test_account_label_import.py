"""`labels import` into an Ethereum store (issue 16): a TagPack written here names the exchanges' hot wallets of a
ground-truth economy played on a real anvil (chain id 1, ingested as mainnet: GraphSense's ETH labels are mainnet
ones), and the public GraphSense and OFAC files of ../shared/data go in beside it; payers then name every funding
exchange from the imported labels alone, and a second import adds nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cointrail.cli import main
from cointrail.simulation import anvil as chain
from cointrail.simulation.evm_economy import EvmEconomyConfig, EvmTruth, accounts_needed, generate
from cointrail.store.duckdb.account import AccountStore

pytestmark = [pytest.mark.anvil, pytest.mark.skipif(chain.anvil_binary() is None, reason="anvil missing: "
                                                    "run scripts/evm-tools.sh")]  # fmt: skip
CONFIG = EvmEconomyConfig(seed=3, customers=10)


@pytest.fixture(scope="module")
def mainnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, EvmTruth]]:
    db = tmp_path_factory.mktemp("eth-labels") / "eth.duckdb"
    with chain.Anvil(accounts=accounts_needed(CONFIG), balance_eth=0, chain_id=1) as node:
        truth = generate(node, CONFIG)
        assert main(["ingest", "--chain", "ethereum", "--network", "mainnet", "--rpc", node.url, "--db", str(db)]) == 0
    yield db, truth


def _tagpack(path: Path, truth: EvmTruth) -> Path:
    tags = "".join(f"- address: '{wallets['hot']}'\n  currency: ETH\n  label: {name}\n"
                   for name, wallets in truth.exchanges.items())  # fmt: skip
    path.write_text("title: exchanges of the test economy\ncreator: cointrail tests\nconfidence: service_data\n"
                    "category: exchange\nlastmod: 2026-12-01\nsource: tests/labels/test_account_label_import.py\n"
                    f"tags:\n{tags}", encoding="utf-8")  # fmt: skip
    return path


def _import(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> dict:
    capsys.readouterr()
    given = main(["labels", "import", *args, "--json"])
    out = capsys.readouterr().out
    assert given == code, out
    return json.loads(out)


def test_imported_tagpack_names_the_funding_exchanges(mainnet: tuple[Path, EvmTruth], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    db, truth = mainnet
    pack = _tagpack(tmp_path / "exchanges.yaml", truth)
    assert main(["case", "new", "eth-labels", "--cases-dir", str(tmp_path / "cases")]) == 0
    first = _import(capsys, str(pack), "--db", str(db), "--case", "eth-labels", "--cases-dir", str(tmp_path / "cases"))
    assert first["stored"] == {"added": 2, "already_stored": 0, "repeated": 0, "on_chain": 2, "other_chain": 0}
    assert first["evidence"]  # the file is kept in the case, hashed and logged
    assert _import(capsys, str(pack), "--db", str(db))["stored"]["added"] == 0  # read twice: nothing new
    capsys.readouterr()
    assert main(["payers", "--site", truth.site, "--db", str(db), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    named = {(p["address"], p["asset"]): p["funding"]["exchange"] for p in found["payers"]}
    assert named == {key: truth.funding[key] for key in named} and any(named.values())
    with AccountStore.open(db, read_only=True) as store:
        labels = store.labels()
    hot = truth.exchanges["Exchange A"]["hot"]
    assert (labels[hot]["category"], labels[hot]["source"]) == ("exchange", "tests/labels/test_account_label_import.py")


def test_public_label_files_keep_only_this_chains_labels(mainnet: tuple[Path, EvmTruth], shared_data: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    db, _truth = mainnet
    kucoin = _import(capsys, str(shared_data / "tagpacks" / "exchange-wallets-kucoin.yaml"), "--db", str(db), code=1)
    assert kucoin["rejected"]  # exit 1: KCS and other currencies cointrail cannot check are listed
    stored = kucoin["stored"]
    assert stored["on_chain"] > 0 and stored["other_chain"] > 0  # its BTC and TRX tags are counted, not kept
    with AccountStore.open(db, read_only=True) as store:
        labels = store.labels()
    assert labels["0xd6216fc19db775df9774a6e33526131da7d19a2c"]["name"] == "kucoin"  # the actor, lower-case 0x
    assert all(address == address.lower() and address.startswith("0x") for address in labels)


def _sdn_csv(path: Path, addresses: list[str]) -> Path:
    """One SDN.CSV entity in the structure OFAC publishes, carrying real sanctioned ETH addresses and a BTC one."""
    remarks = "; ".join(f"{'alt. ' if n else ''}Digital Currency Address - {c} {a}"
                        for n, (c, a) in enumerate([*(("ETH", a) for a in addresses),
                                                    ("XBT", "1Archive1n2C579dMsAu3iC6tWzuQJz8dN")]))  # fmt: skip
    path.write_bytes(('36001,"TEST MIXER ENTITY",-0- ,"CYBER2",' + "-0- ," * 7 + f'"{remarks}."\r\n\x1a').encode())
    return path


def test_an_ofac_sdn_file_labels_the_sanctioned_accounts(
        mainnet: tuple[Path, EvmTruth], shared_data: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    db, _truth = mainnet
    real = json.loads((shared_data / "ofac-addresses" / "sanctioned_addresses_ETH.json").read_text())[:5]
    found = _import(capsys, str(_sdn_csv(tmp_path / "sdn.csv", real)), "--db", str(db), "--format", "ofac-csv")
    assert found["stored"]["on_chain"] == 5 and found["stored"]["other_chain"] == 1  # the BTC address: not kept
    with AccountStore.open(db, read_only=True) as store:
        labels = store.labels()
    assert all(labels[a.lower()]["name"] == "TEST MIXER ENTITY" for a in real)
