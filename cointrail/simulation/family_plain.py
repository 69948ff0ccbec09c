"""The families without a mix: PayJoin and a custodian, single-owner look-alikes, and change policies."""

from __future__ import annotations

from decimal import Decimal

from cointrail.simulation import policies, remix_payjoin
from cointrail.simulation.collab import coins, quantize
from cointrail.simulation.economy import SUBSCRIPTION_PRICES
from cointrail.simulation.family_base import FamilyEconomy


class PayJoinEconomy(FamilyEconomy):
    """BIP78 PayJoins (the site and some users accept them: the receiver adds an input), and a custodian that
    pays its customers' withdrawals from pooled deposits (one owner's keys, many people's money)."""

    def family_setup(self) -> None:
        self.add_wallet("custodian", "custodian")
        self.fund({"site": [Decimal("0.5")] * 4})  # the site's own coins, to add to PayJoins
        self.fund({u: [Decimal(self.rng.randint(5, 30)) / 10] * 3 for u in self.wallets("user")})
        self.fund_customers(2, 5)
        self.custody = {u: self.new_address("custodian") for u in self.wallets("user")}

    def family_round(self) -> None:
        for customer in self.rng.sample(self.wallets("customer"), 2):
            address, price = self.new_address("site"), self.rng.choice(SUBSCRIPTION_PRICES)
            txid = self.record(remix_payjoin.build_payjoin(self.node, self.rng, customer, "site", price, address),
                               "payjoin", [customer, "site"])  # fmt: skip
            if txid:
                self.site_payments.append({"txid": txid, "customer": customer, "address": address,
                                           "amount": str(price), "payjoin": True})  # fmt: skip
        sender, receiver = self.rng.sample(self.wallets("user"), 2)
        amount = quantize(Decimal(self.rng.uniform(0.05, 0.8)))
        self.record(remix_payjoin.build_payjoin(self.node, self.rng, sender, receiver, amount,
                                         self.new_address(receiver)), "payjoin", [sender, receiver])  # fmt: skip
        for user in self.rng.sample(self.wallets("user"), 2):
            self._send(user, self.custody[user], quantize(Decimal(self.rng.uniform(0.05, 0.5))))
        if self.round_no % 3 == 2:
            payees = [(self.new_address(u), quantize(Decimal(self.rng.uniform(0.05, 0.3))))
                      for u in self.rng.sample(self.wallets("user"), 4)]  # fmt: skip
            inputs = min(len(coins(self.node, "custodian")), self.rng.randint(3, 6))
            self.mark(policies.batch_payout(self.node, self.rng, "custodian", payees, inputs), "custodial-payout")


class BatchEconomy(FamilyEconomy):
    """Single owners that look like mixes: exchange batches of many equal withdrawals, payroll, consolidations."""

    def family_setup(self) -> None:
        self.add_wallet("employer", "business")
        self.add_wallet("merchant", "business")
        self.fund({e: [Decimal(self.rng.randint(5, 40))] * 12 for e in self.wallets("exchange")})
        self.fund({"employer": [Decimal(self.rng.randint(10, 60))] * 6})
        self.fund_customers(1, 4)

    def family_round(self) -> None:
        exchange = self.rng.choice(self.wallets("exchange"))
        people = self.wallets("customer") + self.wallets("user")
        picked = self.rng.sample(people, self.rng.randint(6, 16))
        batch = policies.equal_batch(self.rng, [self.new_address(p) for p in picked])
        txid = self.mark(policies.batch_payout(self.node, self.rng, exchange, batch, self.rng.randint(2, 6)),
                         "exchange-batch")  # fmt: skip
        if txid:
            customers = [p for p in picked if self.roles[p] == "customer"]
            self.exchange_withdrawals.append({"txid": txid, "exchange": exchange, "customers": customers})
        if self.round_no % 3 == 1:
            staff = self.rng.sample(self.wallets("user"), self.rng.randint(6, 12))
            salaries = policies.payroll(self.rng, [self.new_address(s) for s in staff])
            self.mark(policies.batch_payout(self.node, self.rng, "employer", salaries, self.rng.randint(2, 4)),
                      "payroll")  # fmt: skip
        for user in self.rng.sample(self.wallets("user"), 4):
            self._send(user, self.new_address("merchant"), quantize(Decimal(self.rng.uniform(0.01, 0.2))))
        if self.round_no % 4 == 3:
            self.mark(policies.consolidate(self.node, "merchant"), "consolidation")


class ChangePolicyEconomy(FamilyEconomy):
    """Users and customers whose wallets place and type their change differently, some paying round amounts,
    some bumping their fees (the replacement is the one mined)."""

    def family_setup(self) -> None:
        wallets = self.wallets("user") + self.wallets("customer")
        self.policy = {w: self.rng.choice(policies.CHANGE_POLICIES) for w in wallets}
        self.extra = {"policies": dict(sorted(self.policy.items()))}
        self.fund({w: [Decimal(self.rng.randint(10, 40)) / 10] * 3 for w in self.wallets("user")})
        self.fund_customers(1, 4)

    def family_round(self) -> None:
        wallets = list(self.policy)
        for payer in self.rng.sample(wallets, 6):
            payee = self.rng.choice([w for w in wallets if w != payer])
            address = self.new_address(payee, self.rng.choice(("legacy", "p2sh-segwit", "bech32")))
            amount = quantize(Decimal(self.rng.uniform(0.01, 0.6)))
            txid = policies.pay(self.node, self.rng, payer, address, amount, self.policy[payer])
            self.mark(txid, f"policy {self.policy[payer]}")
