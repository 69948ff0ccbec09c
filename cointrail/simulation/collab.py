"""Collaborative transactions of several wallets on a regtest node: CoinJoins of each real shape, and PayJoin.

Every builder assembles one transaction across wallets the way the real
protocols do it without a coordinator server: ``createpsbt`` with every
participant's inputs and outputs, ``walletprocesspsbt`` by each wallet (it
signs only its own inputs), ``combinepsbt``, ``finalizepsbt``, then
``sendrawtransaction``. Shapes (issue 12), written from the protocols'
public descriptions, not from cointrail's detectors:

* :func:`build_whirlpool`: Samourai Whirlpool, 5–10 inputs and as many outputs, every
  output exactly the pool size, premix inputs a little above it paying the miner fee,
  remixes bringing an input of exactly the pool size, all native segwit;
* :func:`build_wasabi1`: Wasabi 1 (ZeroLink), equal outputs near 0.1 BTC-equivalent at
  several mixing levels (base × 2ⁿ), a change each, one coordinator fee output;
* :func:`build_wabisabi`: Wasabi 2, dozens of inputs, several per participant, outputs at
  standard denominations, many per participant, inputs and outputs sorted by value;
* :func:`build_joinmarket`: a taker and makers; makers bring several inputs and get one
  equal output and a change each;
* :func:`~cointrail.simulation.remix_payjoin.build_payjoin` (BIP78: the receiver adds an input of its own) and
  :func:`~cointrail.simulation.remix_payjoin.build_remix` (coordinator-less joins of mixed script types).

Each builder returns the txid, or ``None`` when the wallets lack the coins (a
round without a mix, as happens). Amounts are ``Decimal`` coins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from cointrail.simulation.node import COIN

SAT = Decimal("0.00000001")
# A generous fee rate (coins per virtual byte, 20 sat/vB): above any relay minimum of litecoind 0.21.
FEE_PER_VBYTE = Decimal("0.0000002")
DUST = Decimal("0.00001")


class Node(Protocol):
    def rpc(self, method: str, *params: Any, wallet: str | None = None) -> Any: ...


@dataclass(frozen=True)
class Coin:
    """One unspent output of a wallet."""

    wallet: str
    txid: str
    vout: int
    amount: Decimal
    address: str

    @property
    def outpoint(self) -> dict[str, Any]:
        return {"txid": self.txid, "vout": self.vout}


def coins(node: Node, wallet: str, minimum: Decimal = Decimal(0), confirmations: int = 1) -> list[Coin]:
    """The wallet's spendable coins of at least ``minimum``, smallest first."""
    found = [Coin(wallet, c["txid"], c["vout"], Decimal(str(c["amount"])), c.get("address", ""))
             for c in node.rpc("listunspent", confirmations, wallet=wallet) if c.get("spendable", True)]  # fmt: skip
    return sorted((c for c in found if c.amount >= minimum), key=lambda c: (c.amount, c.txid, c.vout))


def fee_for(inputs: int, outputs: int) -> Decimal:
    """The miner fee of a transaction of this size (P2WPKH-sized inputs and outputs, with margin)."""
    return ((inputs * 110 + outputs * 45 + 20) * FEE_PER_VBYTE).quantize(SAT)


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(SAT, rounding=ROUND_DOWN)


def new_address(node: Node, wallet: str, kind: str = "bech32") -> str:
    return node.rpc("getnewaddress", "", kind, wallet=wallet)


def address_kind(node: Node, address: str, wallet: str) -> str:
    """The wallet's address type name of ``address`` (legacy, p2sh-segwit or bech32)."""
    info = node.rpc("getaddressinfo", address, wallet=wallet)
    return "bech32" if info.get("iswitness") else "p2sh-segwit" if info.get("isscript") else "legacy"


def psbt_join(node: Node, inputs: list[Coin], outputs: list[tuple[str, Decimal]]) -> str:
    """Build, sign by every wallet, combine, finalize and broadcast; inputs and outputs in the given order."""
    psbt = node.rpc("createpsbt", [c.outpoint for c in inputs], [{a: str(v)} for a, v in outputs])
    signers = list(dict.fromkeys(c.wallet for c in inputs))
    signed = [node.rpc("walletprocesspsbt", psbt, wallet=w)["psbt"] for w in signers]
    final = node.rpc("finalizepsbt", node.rpc("combinepsbt", signed))
    if not final.get("complete"):
        raise RuntimeError("a collaborative transaction was left unsigned by one of its wallets")
    return node.rpc("sendrawtransaction", final["hex"])


def fund_and_send(node: Node, wallet: str, inputs: list[dict[str, Any]], outputs: list[dict[str, str]],
                  options: dict[str, Any] | None = None) -> str:  # fmt: skip
    """One wallet's transaction: it adds coins and a change as needed (``fundrawtransaction``), signs, broadcasts."""
    raw = node.rpc("createrawtransaction", inputs, outputs)
    funded = node.rpc("fundrawtransaction", raw, options or {}, wallet=wallet)
    signed = node.rpc("signrawtransactionwithwallet", funded["hex"], wallet=wallet)
    return node.rpc("sendrawtransaction", signed["hex"])


def _take(rng: random.Random, pool: list[Coin], need: Decimal, most: int) -> list[Coin] | None:
    """Up to ``most`` coins of ``pool`` (shuffled) adding up to ``need``, or None."""
    picked: list[Coin] = []
    for coin in rng.sample(pool, len(pool)):
        picked.append(coin)
        if sum(c.amount for c in picked) >= need:
            return picked
        if len(picked) == most:
            picked.pop(0)
    return None


# -- Whirlpool ------------------------------------------------------------------------------------------------
def whirlpool_tx0(node: Node, wallet: str, pool: Decimal, count: int, coordinator: str,
                  rng: random.Random) -> str | None:  # fmt: skip
    """Whirlpool's Tx0: one wallet splits a coin into premix coins (pool + a miner-fee share) and pays the
    coordinator's pool fee; the rest is the wallet's change. Single-owner, many equal outputs."""
    premix = pool + quantize(pool * Decimal(rng.randint(2, 9)) / 10_000 + Decimal("0.00002"))
    pool_fee = quantize(pool * Decimal("0.05"))
    need = premix * count + pool_fee + Decimal("0.001")
    funds = coins(node, wallet, need)
    if not funds:
        return None
    coin = funds[0]
    change = quantize(coin.amount - premix * count - pool_fee - fee_for(1, count + 2))
    outputs = [(new_address(node, wallet), premix) for _ in range(count)]
    outputs += [(new_address(node, coordinator), pool_fee), (new_address(node, wallet), change)]
    rng.shuffle(outputs)
    return psbt_join(node, [coin], outputs)


def build_whirlpool(node: Node, rng: random.Random, wallets: list[str], pool: Decimal,
                    size: int = 10) -> str | None:  # fmt: skip
    """One Whirlpool mix of one input per wallet: premix coins (pool < value <= pool + a small miner-fee share)
    or remixes (exactly the pool size); needs at least one remix and 5 wallets; all outputs exactly ``pool``."""
    ceiling = pool * Decimal("1.001") + Decimal("0.0001")  # a premix coin: the pool size and a miner-fee share
    picked: list[Coin] = []
    remixes = 0
    for wallet in wallets:
        own = [c for c in coins(node, wallet, pool) if c.amount <= ceiling]
        exact = [c for c in own if c.amount == pool]
        premix = [c for c in own if c.amount > pool]
        if exact and (remixes < 2 or not premix or rng.random() < 0.3):
            picked.append(rng.choice(exact))
            remixes += 1
        elif premix:
            picked.append(rng.choice(premix))
    picked = picked[: max(5, min(size, 10))]
    if len(picked) < 5 or remixes == 0:  # Whirlpool's coordinator needs remixers (liquidity) in every mix
        return None
    if sum(c.amount for c in picked) - pool * len(picked) < fee_for(len(picked), len(picked)):
        return None
    rng.shuffle(picked)
    outputs = [(new_address(node, c.wallet), pool) for c in picked]
    rng.shuffle(outputs)
    return psbt_join(node, picked, outputs)


# -- Wasabi 1 -------------------------------------------------------------------------------------------------
def build_wasabi1(node: Node, rng: random.Random, wallets: list[str], base: Decimal,
                  coordinator: str) -> str | None:  # fmt: skip
    """A Wasabi 1 round: each wallet registers 1–3 coins, gets one equal output per mixing level it can pay
    for (base, 2·base, 4·base, …) and its change; the coordinator takes a fee of its own output."""
    inputs: list[Coin] = []
    outputs: list[tuple[str, Decimal]] = []
    fee_total = Decimal(0)
    joined = 0
    for wallet in wallets:
        chosen = _take(rng, coins(node, wallet, Decimal("0.01")), base * Decimal("1.01"), rng.randint(1, 3))
        if chosen is None:
            continue
        total = sum((c.amount for c in chosen), Decimal(0))
        levels = _levels(total, base)
        coordinator_fee = quantize(base * Decimal("0.00003") * len(wallets)) * len(levels)
        miner = fee_for(len(chosen), len(levels) + 1)
        change = quantize(total - sum(levels) - coordinator_fee - miner)
        if change < 0:
            continue
        inputs += chosen
        outputs += [(new_address(node, wallet), v) for v in levels]
        if change > DUST:
            outputs.append((new_address(node, wallet), change))
        fee_total += coordinator_fee
        joined += 1
    if joined < 10:
        return None
    outputs.append((new_address(node, coordinator), fee_total))
    rng.shuffle(inputs)
    rng.shuffle(outputs)
    return psbt_join(node, inputs, outputs)


def _levels(total: Decimal, base: Decimal) -> list[Decimal]:
    """Mixing levels a registered amount can pay for: base, then 2·base, 4·base … while enough remains."""
    levels: list[Decimal] = []
    level, left = base, total - base * Decimal("0.01")
    while left >= level and len(levels) < 4:
        levels.append(level)
        left -= level
        level *= 2
    return levels


# -- WabiSabi (Wasabi 2) ----------------------------------------------------------------------------------------
def standard_denominations(low: Decimal = Decimal("0.00005"), high: Decimal = Decimal("1000")) -> list[Decimal]:
    """Wasabi 2's standard denominations in coins: powers of 2 and 3, 2·3ⁿ, and the 1-2-5 series (in base units)."""
    values: set[int] = set()
    for n in range(60):
        values |= {2**n, 3**n, 2 * 3**n}
    for n in range(13):
        values |= {10**n, 2 * 10**n, 5 * 10**n}
    return sorted(Decimal(v) / COIN for v in values if low <= Decimal(v) / COIN <= high)


def decompose(amount: Decimal, denominations: list[Decimal], most: int) -> list[Decimal]:
    """Greedy: the largest denominations that fit, repeats allowed, at most ``most`` outputs."""
    parts: list[Decimal] = []
    for value in sorted(denominations, reverse=True):
        while amount >= value and len(parts) < most:
            parts.append(value)
            amount -= value
    return parts


def build_wabisabi(node: Node, rng: random.Random, wallets: list[str], coordinator: str | None) -> str | None:
    """A WabiSabi round: each wallet brings 1–6 coins, gets its value back in standard denominations (several
    equal outputs, and equal to other wallets'), a small remainder as change; inputs and outputs sorted by value,
    largest first. ``coordinator``, when given, takes a 0.3 % fee on inputs (Wasabi 2 before mid-2024)."""
    standard = standard_denominations()
    inputs: list[Coin] = []
    outputs: list[tuple[str, Decimal]] = []
    coordinator_fee = Decimal(0)
    for wallet in wallets:
        own = coins(node, wallet, Decimal("0.001"))
        if not own:
            continue
        chosen = rng.sample(own, min(len(own), rng.randint(1, 6)))
        total = sum(c.amount for c in chosen)
        fee = quantize(total * Decimal("0.003")) if coordinator else Decimal(0)
        left = total - fee - fee_for(len(chosen), 6)
        popular = [d for d in standard if total / 12 <= d <= total / 2]
        parts = decompose(left, rng.sample(popular, min(len(popular), 3)), rng.randint(2, 6))
        parts += decompose(left - sum(parts), standard, 8 - len(parts))
        change = quantize(left - sum(parts))
        inputs += chosen
        outputs += [(new_address(node, wallet), v) for v in parts]
        if change > DUST:
            outputs.append((new_address(node, wallet), change))
        coordinator_fee += fee
    if len({c.wallet for c in inputs}) < 5:
        return None
    if coordinator_fee > DUST:
        outputs.append((new_address(node, coordinator), coordinator_fee))  # type: ignore[arg-type]
    inputs.sort(key=lambda c: c.amount, reverse=True)
    outputs.sort(key=lambda o: o[1], reverse=True)
    return psbt_join(node, inputs, outputs)


# -- JoinMarket -----------------------------------------------------------------------------------------------
def build_joinmarket(node: Node, rng: random.Random, taker: str, makers: list[str], amount: Decimal,
                     kind: str = "bech32") -> str | None:  # fmt: skip
    """A JoinMarket CoinJoin: the taker and each maker get one output of ``amount``; makers bring 1–4 coins and
    take back a change with their fee; the taker pays the makers' fees and the miner, with a change unless it
    sweeps."""
    inputs: list[Coin] = []
    outputs: list[tuple[str, Decimal]] = []
    paid = Decimal(0)
    for maker in makers:
        chosen = _take(rng, coins(node, maker, Decimal("0.001")), amount + Decimal("0.001"), rng.randint(1, 4))
        if chosen is None:
            continue
        cjfee = quantize(amount * Decimal(rng.randint(1, 30)) / 100_000)
        inputs += chosen
        outputs += [
            (new_address(node, maker, kind), amount),
            (new_address(node, maker, kind), quantize(sum(c.amount for c in chosen) - amount + cjfee)),
        ]
        paid += cjfee
    chosen = _take(rng, coins(node, taker, Decimal("0.001")), amount + paid + Decimal("0.01"), 3)
    if chosen is None or len(outputs) < 6:
        return None
    inputs += chosen
    change = quantize(sum(c.amount for c in chosen) - amount - paid - fee_for(len(inputs), len(outputs) + 2))
    outputs.append((new_address(node, taker, kind), amount))
    if change > DUST:
        outputs.append((new_address(node, taker, kind), change))
    rng.shuffle(inputs)
    rng.shuffle(outputs)
    return psbt_join(node, inputs, outputs)
