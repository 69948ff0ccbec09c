"""A ground-truth Ethereum economy on anvil (issue 16), like the Litecoin one: who paid the site, who funded whom.

Two exchanges, each with a hot wallet, a batch-withdrawal contract (withdrawals as internal calls, seen only in
traces) and one deposit address per customer that forwards what it receives to the hot wallet (Victor, 2020).
Customers are funded only by withdrawals from their exchange -- directly, by a batched withdrawal, or through a
personal wallet of their own -- and pay a site in ether or USDT (the project's USDT-like token at USDT's mainnet
address). Some customers never pay the site and deposit back to their exchange; the site cashes out through a
deposit address. Traps: a reverted batched withdrawal, a reverted USDT payment, a few payers funded from outside any
exchange (their funding is unknown), and address poisoning (zero-value transferFrom on the token naming a payer and
the site; zero-value transfers from a look-alike to the site; spoofed Transfer logs from a contract not on the
token list). Accounts start empty (anvil ``--balance 0``) except the exchanges, the issuer, the poisoner and the
outside funders, so every customer's ether has a visible source.

:func:`generate` returns the :class:`EvmTruth` an accuracy measurement scores against.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from cointrail.chains.ethereum import abi
from cointrail.simulation.anvil import Anvil, deploy, place_usdc, place_usdt, send

GWEI = 10**9
ETHER = 10**18
GAS_PRICE = 3 * GWEI  # legacy transactions at a fixed price, above anvil's base fee: fees are known exactly
PAY = "send(address[],uint256[])"
TRANSFER = "transfer(address,uint256)"


@dataclass(frozen=True)
class EvmEconomyConfig:
    seed: int = 1
    customers: int = 24  # per exchange
    payer_share: float = 0.6
    usdt_share: float = 0.4  # of payers, those who pay in USDT
    usdc_share: float = 0.2  # and in USDC
    via_own_wallet: float = 0.2  # of ether payers, those whose withdrawal goes through a wallet of their own first
    outside_funded: int = 2  # payers funded from outside any exchange
    poison_attempts: int = 6


@dataclass
class EvmTruth:
    """What really happened: the scorer's answers."""

    site: str
    exchanges: dict[str, dict[str, str]]  # name -> {"hot": address, "batch": address}
    deposit_addresses: dict[str, str]  # deposit address -> exchange
    payments: list[dict[str, object]] = field(default_factory=list)  # tx_hash, payer, asset, value
    funding: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (payer, asset) -> exchange or None
    poisoning_txs: set[str] = field(default_factory=set)
    failed_txs: set[str] = field(default_factory=set)
    site_cash_out: dict[str, str] = field(default_factory=dict)  # deposit address -> exchange
    used_deposits: dict[str, str] = field(default_factory=dict)  # the deposit addresses money went through


class _World:
    def __init__(self, node: Anvil, config: EvmEconomyConfig):
        self.node, self.config = node, config
        self.rng = random.Random(config.seed)
        self.free = node.accounts()

    def take(self, count: int = 1) -> list[str]:
        taken, self.free = self.free[:count], self.free[count:]
        return taken

    def fund(self, address: str, wei: int) -> None:
        self.node.rpc("anvil_setBalance", address, hex(wei))

    def tx(self, sender: str, to: str, value: int = 0, data: str = "0x", gas: int = 21_000) -> str:
        return send(self.node, sender, to, value, data, gas=gas, gas_price=GAS_PRICE)

    def token(self, sender: str, usdt: str, to: str, value: int) -> str:
        return self.tx(sender, usdt, data=abi.call_data(TRANSFER, to, value), gas=80_000)


def accounts_needed(config: EvmEconomyConfig) -> int:
    """Accounts the economy uses (anvil's ``--accounts``)."""
    return 2 * (2 + 2 * config.customers) + 2 * config.customers + config.outside_funded * 2 + 12


def generate(node: Anvil, config: EvmEconomyConfig) -> EvmTruth:
    """Play the economy on ``node`` (started with :func:`accounts_needed` accounts, no balance); returns the truth."""
    world = _World(node, config)
    issuer, site, poisoner, lookalike = world.take(4)
    for rich in (issuer, poisoner, lookalike):
        world.fund(rich, 100 * ETHER)
    usdt = place_usdt(node, issuer)
    usdc = place_usdc(node, issuer)
    tokens = {"USDT": usdt, "USDC": usdc}
    exchanges: dict[str, dict[str, str]] = {}
    for name in ("Exchange A", "Exchange B"):
        (hot,) = world.take()
        world.fund(hot, 50_000 * ETHER)
        exchanges[name] = {"hot": hot, "batch": deploy(node, hot, "BatchSender")}
    poison_contract = deploy(node, poisoner, "Poisoner")
    world.tx(issuer, usdt, data=abi.call_data("issue(uint256)", 10**14), gas=80_000)
    for names in exchanges.values():
        world.token(issuer, usdt, names["hot"], 10**13)
        world.tx(issuer, usdc, data=abi.call_data("mint(address,uint256)", names["hot"], 10**13), gas=100_000)
    node.mine_all()
    truth = EvmTruth(site, exchanges, {})
    customers = _open_accounts(world, truth)
    _withdraw_and_pay(world, truth, customers, tokens)
    _outside_payers(world, truth, usdt)
    _poison(world, truth, usdt, poison_contract, lookalike, poisoner)
    _deposit_back(world, truth, customers, tokens)
    _cash_out(world, truth, customers)
    return truth


def _open_accounts(world: _World, truth: EvmTruth) -> list[dict[str, object]]:
    """Customers and their deposit addresses: plain accounts at Exchange A, contract wallets at Exchange B that its
    hot wallet sweeps (by an internal call for ether, a transfer the wallet makes for tokens)."""
    customers: list[dict[str, object]] = []
    for name, wallets in truth.exchanges.items():
        for _ in range(world.config.customers):
            person = world.take()[0]
            if name == "Exchange A":
                deposit, contract = world.take()[0], False
            else:
                deposit, contract = deploy(world.node, wallets["hot"], "DepositWallet", wallets["hot"], mine=False,
                                           gas=400_000), True  # fmt: skip
            truth.deposit_addresses[deposit] = name
            pays = world.rng.random() < world.config.payer_share
            draw = world.rng.random()
            asset = ("USDT" if draw < world.config.usdt_share else
                     "USDC" if draw < world.config.usdt_share + world.config.usdc_share else "ETH")  # fmt: skip
            own = world.take()[0] if asset == "ETH" and world.rng.random() < world.config.via_own_wallet else None
            customers.append({"address": person, "exchange": name, "deposit": deposit, "pays": pays,
                              "asset": asset, "own_wallet": own, "contract": contract})  # fmt: skip
    world.node.mine_all()
    return customers


def _withdraw_and_pay(world: _World, truth: EvmTruth, customers: list[dict[str, object]],
                      tokens: dict[str, str]) -> None:  # fmt: skip
    rng = world.rng
    for name, wallets in truth.exchanges.items():
        mine = [c for c in customers if c["exchange"] == name]
        batched = [c for c in mine if c["own_wallet"] is None and rng.random() < 0.5]
        if batched:  # one batched withdrawal pays several customers by internal calls
            amounts = [rng.randrange(5, 50) * ETHER // 100 for _ in batched]
            paid = [str(c["address"]) for c in batched]
            world.tx(wallets["hot"], wallets["batch"], sum(amounts), abi.call_data(PAY, paid, amounts),
                     gas=60_000 + 40_000 * len(batched))
            # and one that reverts (asks to pay out more than it carries): nothing of it moved
            failed = world.tx(wallets["hot"], wallets["batch"], 1,
                              abi.call_data(PAY, [str(c["address"]) for c in batched], amounts), gas=300_000)
            truth.failed_txs.add(failed)
        for c in mine:
            if c not in batched:
                first = c["own_wallet"] or c["address"]
                world.tx(wallets["hot"], str(first), rng.randrange(5, 50) * ETHER // 100)
            if c["asset"] in tokens:
                world.token(wallets["hot"], tokens[str(c["asset"])], str(c["address"]), rng.randrange(160, 400) * 10**6)
    world.node.mine_all()
    for c in customers:
        if c["own_wallet"] is not None:
            world.tx(str(c["own_wallet"]), str(c["address"]), ETHER // 25)
    world.node.mine_all()
    for c in customers:
        if c["pays"]:
            _pay(world, truth, str(c["address"]), str(c["asset"]), str(c["exchange"]), tokens.get(str(c["asset"]), ""),
                 rng.randrange(1, 4))
    world.node.mine_all()


def _pay(world: _World, truth: EvmTruth, payer: str, asset: str, exchange: str | None, token: str,
         times: int) -> None:  # fmt: skip
    for _ in range(times):
        if asset == "ETH":
            value = world.rng.randrange(3, 15) * ETHER // 1000  # 10-50 dollars' worth, give or take
            tx = world.tx(payer, truth.site, value)
        else:
            value = world.rng.randrange(10, 51) * 10**6
            tx = world.token(payer, token, truth.site, value)
        truth.payments.append({"tx_hash": tx, "payer": payer, "asset": asset, "value": value})
    truth.funding[(payer, asset)] = exchange
    if asset != "ETH" and world.rng.random() < 0.3:  # pays more than it holds: the token reverts it
        truth.failed_txs.add(world.token(payer, token, truth.site, 10**15))


def _outside_payers(world: _World, truth: EvmTruth, usdt: str) -> None:
    for i in range(world.config.outside_funded):
        payer = world.take()[0]
        world.fund(payer, ETHER)  # money from outside the chain's record: no exchange to name
        _pay(world, truth, payer, "ETH", None, usdt, 1 + i % 2)
    world.node.mine_all()


def _poison(world: _World, truth: EvmTruth, usdt: str, contract: str, lookalike: str, poisoner: str) -> None:
    payers = sorted({str(p["payer"]) for p in truth.payments})
    for victim in world.rng.sample(payers, min(world.config.poison_attempts, len(payers))):
        call = abi.call_data("zeroTransferFrom(address,address,address)", usdt, victim, truth.site)
        truth.poisoning_txs.add(world.tx(poisoner, contract, data=call, gas=100_000))
        truth.poisoning_txs.add(world.token(lookalike, usdt, truth.site, 0))  # a zero-value transfer to the site
        spoof = abi.call_data("spoof(address,address[],uint256)", victim, [truth.site], 25 * 10**6)
        truth.poisoning_txs.add(world.tx(poisoner, contract, data=spoof, gas=100_000))
    world.node.mine_all()


def _deposit_back(world: _World, truth: EvmTruth, customers: list[dict[str, object]],
                  tokens: dict[str, str]) -> None:  # fmt: skip
    """Customers who did not pay the site send money back to their exchange through their deposit address, which
    the exchange sweeps to its hot wallet: an account forwards it (less the fee; a token sweep is first given gas),
    a contract wallet is swept by the hot wallet's call."""
    deposits = []
    for c in customers:
        if c["pays"] or c["own_wallet"] is not None:
            continue
        asset, deposit = str(c["asset"]), str(c["deposit"])
        if asset == "ETH":
            value = world.rng.randrange(1, 4) * ETHER // 100
            world.tx(str(c["address"]), deposit, value, gas=30_000)  # a contract wallet's receive() costs a little
        else:
            value = world.rng.randrange(20, 100) * 10**6
            world.token(str(c["address"]), tokens[asset], deposit, value)
        deposits.append((c, asset, value))
        truth.used_deposits[deposit] = str(c["exchange"])
    world.node.mine_all()
    for c, asset, value in deposits:
        deposit, hot = str(c["deposit"]), truth.exchanges[str(c["exchange"])]["hot"]
        if c["contract"]:
            token, amount = (tokens[asset], value) if asset != "ETH" else (tokens["USDT"], 0)
            world.tx(hot, deposit, data=abi.call_data("sweep(address,address,uint256)", hot, token, amount),
                     gas=120_000)  # fmt: skip
        elif asset == "ETH":
            world.tx(deposit, hot, value - 21_000 * GAS_PRICE)
        else:
            world.tx(hot, deposit, 80_000 * GAS_PRICE)  # gas for the sweep
    world.node.mine_all()
    for c, asset, value in deposits:
        if not c["contract"] and asset != "ETH":
            world.token(str(c["deposit"]), tokens[asset], truth.exchanges[str(c["exchange"])]["hot"], value)
    world.node.mine_all()


def _cash_out(world: _World, truth: EvmTruth, customers: list[dict[str, object]]) -> None:
    """The site sends its ether to a deposit address of Exchange A, which forwards it."""
    deposit = next(str(c["deposit"]) for c in customers if c["exchange"] == "Exchange A")
    balance = int(world.node.rpc("eth_getBalance", truth.site, "latest"), 16)
    value = balance - 21_000 * GAS_PRICE * 2
    world.tx(truth.site, deposit, value)
    world.node.mine_all()
    world.tx(deposit, truth.exchanges["Exchange A"]["hot"], value - 21_000 * GAS_PRICE)
    world.node.mine_all()
    truth.site_cash_out[deposit] = "Exchange A"
    truth.used_deposits[deposit] = "Exchange A"
