"""A ground-truth economy on a real ``litecoind -regtest`` node: who owns every address is known.

Wallets of the node play the parts of an investigation (issue 5):

* exchanges (``exchange0``…): a deposit address per customer, reused for every
  deposit; sweeps of the deposits into the hot wallet; batched withdrawals;
* a subscription site (``site``): a fresh address for every payment, swept to
  the operator's account at an exchange (a deposit address of ``exchange1``);
* customers (``customer0``…): buy coins at an exchange, pay the site, deposit back;
* ordinary users (``user0``…), each with its own address type (legacy,
  p2sh-segwit, bech32), paying each other;
* CoinJoins of five or more wallets, built with createpsbt → walletprocesspsbt
  (each wallet signs its own input) → combinepsbt → finalizepsbt: equal outputs;
* a peel chain (``peeler``): one coin peeled off payment after payment.

Every address's owner is the wallet that says ``ismine`` for it. The scenario is
driven round by round (one block each), so tests can ingest and cluster part
way through; it stays far below Litecoin's MWEB height (432 on regtest).
:func:`scenario_node` prepares a node for it. The benchmarks
(benchmarks/scenarios/) and ``cointrail demo`` play it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import httpx

from cointrail.simulation.collab import Coin, coins, psbt_join
from cointrail.simulation.node import COIN, MWEB_HEIGHT, RegtestNode

ADDRESS_TYPES = ("legacy", "p2sh-segwit", "bech32")
COINJOIN_DENOMINATION = Decimal("1")
COINJOIN_FEE_SHARE = Decimal("0.0001")
SUBSCRIPTION_PRICES = (Decimal("0.25"), Decimal("0.5"), Decimal("1"))


class Node(Protocol):
    """The node calls the scenario makes (:class:`RegtestNode` has them)."""

    url: str
    cookie: Path

    def rpc(self, method: str, *params: Any, wallet: str | None = None) -> Any: ...

    def mine(self, blocks: int, address: str | None = None) -> list[str]: ...

    def height(self) -> int: ...


def scenario_node(datadir: Path) -> RegtestNode:
    """A regtest node (not started yet) in ``datadir``, set up for a scenario's dozens of wallets."""
    datadir.mkdir(parents=True, exist_ok=True)
    # Dozens of wallets each filling a 1,000-key pool dominate the run time; a small pool is enough.
    (datadir / "litecoin.conf").write_text("keypool=25\n")
    return RegtestNode(datadir)


def _amount(rng: random.Random, low: float, high: float) -> Decimal:
    """A payment amount with all eight decimals, as ordinary payments have."""
    return Decimal(rng.randint(int(low * 1e8), int(high * 1e8))) / COIN


@dataclass
class Economy:
    """The scenario's state: its wallets by role, and the facts the truth file records."""

    node: Node
    seed: int
    exchanges: int = 3
    customers: int = 10
    users: int = 12
    base_coinjoins: bool = True  # the one-input, 1-LTC CoinJoins every sixth round (families bring their own)
    rng: random.Random = field(init=False)
    roles: dict[str, str] = field(default_factory=dict)
    address_type: dict[str, str] = field(default_factory=dict)
    deposit: dict[tuple[str, str], str] = field(default_factory=dict)  # (exchange, customer) -> its deposit address
    coinjoins: list[str] = field(default_factory=list)
    site_payments: list[dict[str, Any]] = field(default_factory=list)
    exchange_withdrawals: list[dict[str, Any]] = field(default_factory=list)
    peel_chain: list[str] = field(default_factory=list)
    site_cashouts: list[str] = field(default_factory=list)
    round_no: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    # -- names -----------------------------------------------------------------
    def wallets(self, role: str) -> list[str]:
        return [name for name, r in self.roles.items() if r == role]

    def new_address(self, wallet: str, kind: str | None = None) -> str:
        kind = kind or self.address_type.get(wallet, "bech32")
        return self.node.rpc("getnewaddress", "", kind, wallet=wallet)

    def _send(self, wallet: str, address: str, amount: Decimal, subtract_fee: bool = False) -> str | None:
        try:
            return self.node.rpc("sendtoaddress", address, str(amount), "", "", subtract_fee, wallet=wallet)
        except RuntimeError as error:
            if "Insufficient funds" in str(error) or "Transaction amount too small" in str(error):
                return None
            raise

    def _balance(self, wallet: str) -> Decimal:
        return Decimal(str(self.node.rpc("getbalance", wallet=wallet)))

    def mine(self) -> None:
        self.node.mine(1, self.new_address("miner", self.rng.choice(ADDRESS_TYPES)))

    # -- setup -----------------------------------------------------------------
    def setup(self) -> None:
        """Create the wallets, mine spendable coins, and give the businesses and users their float."""
        parts = [("miner", "miner"), ("site", "site"), ("peeler", "peeler")]
        parts += [(f"exchange{i}", "exchange") for i in range(self.exchanges)]
        parts += [(f"customer{i}", "customer") for i in range(self.customers)]
        parts += [(f"user{i}", "user") for i in range(self.users)]
        for name, role in parts:
            self.node.rpc("createwallet", name)
            self.roles[name] = role
            self.address_type[name] = self.rng.choice(ADDRESS_TYPES) if role in ("user", "customer") else "bech32"
        self.node.mine(101 + 20, self.new_address("miner"))
        floats = {self.new_address(name): Decimal("60") for name in self.wallets("exchange")}
        floats.update({self.new_address(name): _amount(self.rng, 3, 12) for name in self.wallets("user")})
        floats[self.new_address("peeler")] = Decimal("25")
        self.node.rpc("sendmany", "", {a: str(v) for a, v in floats.items()}, wallet="miner")
        for exchange in self.wallets("exchange"):
            for customer in self.wallets("customer"):
                self.deposit[(exchange, customer)] = self.new_address(exchange)
        self.mine()

    # -- one round = one block -------------------------------------------------
    def play_round(self) -> None:
        """One block's worth of activity, chosen by the seed."""
        if self.node.height() >= MWEB_HEIGHT - 20:
            raise RuntimeError("the scenario would reach Litecoin's MWEB height; use fewer rounds")
        r = self.round_no
        if r % 8 == 7:
            self._refill()
        self._withdrawals()
        self._customers_pay_site()
        self._users_trade()
        if r % 3 == 2:
            self._customers_deposit()
        if r % 4 == 3:
            self._exchange_sweeps()
        if r % 5 == 4:
            self._site_cashout()
        if r % 6 == 5 and self.base_coinjoins:
            self._coinjoin()
        if r >= 2:
            self._peel()
        self.extra_round()
        self.mine()
        self.round_no += 1

    def extra_round(self) -> None:
        """More activity of a round, before its block is mined (families of benchmarks/scenarios add theirs)."""

    def _withdrawals(self) -> None:
        """An exchange pays out to several customers at once (a batched withdrawal)."""
        exchange = self.rng.choice(self.wallets("exchange"))
        picked = self.rng.sample(self.wallets("customer"), 3)
        outs = {self.new_address(c): _amount(self.rng, 0.6, 2.5) for c in picked}
        try:
            txid = self.node.rpc("sendmany", "", {a: str(v) for a, v in outs.items()}, wallet=exchange)
        except RuntimeError as error:
            if "Insufficient funds" not in str(error):
                raise
            return
        self.exchange_withdrawals.append({"txid": txid, "exchange": exchange, "customers": picked})

    def _refill(self) -> None:
        """The miner sells fresh coins to the exchanges and to users who ran low (keeps the economy going)."""
        floats = {self.new_address(name): Decimal("40") for name in self.wallets("exchange")}
        for user in self.wallets("user"):
            if self._balance(user) < Decimal("2"):
                floats[self.new_address(user)] = _amount(self.rng, 3, 8)
        self.node.rpc("sendmany", "", {a: str(v) for a, v in floats.items()}, wallet="miner")

    def _customers_pay_site(self) -> None:
        for customer in self.rng.sample(self.wallets("customer"), 3):
            address = self.new_address("site")  # a fresh address for every payment
            price = self.rng.choice(SUBSCRIPTION_PRICES)
            txid = self._send(customer, address, price)
            if txid:
                self.site_payments.append(
                    {"txid": txid, "customer": customer, "address": address, "amount": str(price)}
                )

    def _users_trade(self) -> None:
        for _ in range(4):
            payer, payee = self.rng.sample(self.wallets("user"), 2)
            self._send(payer, self.new_address(payee), _amount(self.rng, 0.01, 1.5))

    def _customers_deposit(self) -> None:
        for customer in self.rng.sample(self.wallets("customer"), 2):
            exchange = self.rng.choice(self.wallets("exchange"))
            self._send(customer, self.deposit[(exchange, customer)], _amount(self.rng, 0.05, 0.4))

    def _exchange_sweeps(self) -> None:
        """Every deposit swept into the exchange's hot wallet: a consolidation of many inputs."""
        for exchange in self.wallets("exchange"):
            balance = self._balance(exchange)
            if balance > Decimal("0.1"):
                self._send(exchange, self.new_address(exchange), balance, subtract_fee=True)

    def _site_cashout(self) -> None:
        """The site operator sends everything received to an account at exchange1."""
        self.site_cash_out()

    def site_cash_out(self) -> str | None:
        """The site's whole balance to the operator's account at exchange1 (not mined); its txid, or None if the
        site holds too little to bother."""
        balance = self._balance("site")
        if balance <= Decimal("0.2"):
            return None
        target = self.deposit[("exchange1", "customer0")]  # the operator poses as a customer there
        txid = self._send("site", target, balance, subtract_fee=True)
        if txid:
            self.site_cashouts.append(txid)
        return txid

    def _peel(self) -> None:
        """The peeler pays a small amount and keeps the rest as change, again and again."""
        payee = self.rng.choice(self.wallets("user") + self.wallets("customer"))
        txid = self._send("peeler", self.new_address(payee), _amount(self.rng, 0.2, 0.9))
        if txid:
            self.peel_chain.append(txid)

    def _coinjoin(self) -> None:
        """Five or more wallets join one transaction: one input each, equal outputs, one change each."""
        candidates = self.wallets("user") + self.wallets("customer")
        self.rng.shuffle(candidates)
        inputs: list[Coin] = []
        outputs: list[tuple[str, Decimal]] = []
        for wallet in candidates:
            smallest = coins(self.node, wallet, COINJOIN_DENOMINATION + Decimal("0.01"))[:1]
            if not smallest:
                continue
            inputs += smallest
            change = smallest[0].amount - COINJOIN_DENOMINATION - COINJOIN_FEE_SHARE
            outputs += [(self.new_address(wallet, "bech32"), COINJOIN_DENOMINATION),
                        (self.new_address(wallet, "bech32"), change)]  # fmt: skip
            if len(inputs) == 6:
                break
        if len(inputs) < 5:
            return
        self.rng.shuffle(outputs)
        self.coinjoins.append(psbt_join(self.node, inputs, outputs))

    # -- truth -----------------------------------------------------------------
    def owners(self, addresses: Iterable[str]) -> dict[str, str]:
        """The wallet that says ``ismine`` for each address (addresses of no wallet are left out)."""
        left = set(addresses)
        found: dict[str, str] = {}
        for wallet in self.roles:
            if not left:
                break
            ordered = sorted(left)
            answers = _batch(self.node, "getaddressinfo", [[a] for a in ordered], wallet)
            mine = {a for a, info in zip(ordered, answers, strict=True) if info and info.get("ismine")}
            found.update(dict.fromkeys(mine, wallet))
            left -= mine
        return found

    def truth(self, addresses: Iterable[str]) -> dict[str, Any]:
        """The ground truth as JSON-ready data: owners, roles, and the notable transactions."""
        return {
            "seed": self.seed, "chain": "litecoin", "network": "regtest", "tip_height": self.node.height(),
            "roles": self.roles, "address_types": self.address_type, "owners": self.owners(addresses),
            "coinjoins": self.coinjoins, "site_payments": self.site_payments, "site_cashouts": self.site_cashouts,
            "exchange_withdrawals": self.exchange_withdrawals, "peel_chain": self.peel_chain,
            "deposit_addresses": [{"exchange": e, "customer": c, "address": a} for (e, c), a in self.deposit.items()],
        }  # fmt: skip


def _batch(node: Node, method: str, params: list[list[Any]], wallet: str) -> list[Any]:
    """Many calls of one method in JSON-RPC batches (one HTTP request per 500 calls)."""
    user, _, password = Path(node.cookie).read_text().strip().partition(":")
    results: list[Any] = []
    with httpx.Client(auth=(user, password), timeout=120) as client:
        for start in range(0, len(params), 500):
            chunk = params[start : start + 500]
            payload = [{"jsonrpc": "1.0", "id": i, "method": method, "params": p} for i, p in enumerate(chunk)]
            answers = sorted(client.post(f"{node.url}wallet/{wallet}", json=payload).json(), key=lambda a: a["id"])
            results += [a["result"] for a in answers]
    return results
