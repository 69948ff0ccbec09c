"""The curated token list and the events read from it (issue 16).

Only tokens on this list are decoded: any contract can emit a ``Transfer`` event naming anyone (address poisoning,
Tsuchiya et al. 2025), so a Transfer log counts only when the contract that emitted it is a listed token. GraphSense
does the same. The issuer's own actions (USDT's blacklist, destroy, issue, redeem; USDC's blacklist) are kept as
evidence: issue, redeem and destroy change balances without a Transfer event.
"""

from __future__ import annotations

from dataclasses import dataclass

from cointrail.chains.ethereum.abi import address_of_topic, topic, words


@dataclass(frozen=True)
class Token:
    chain: str
    address: str  # lower-case 0x-hex
    symbol: str
    decimals: int
    issuer: str

    @property
    def ceiling(self) -> int:
        """The most base units one transfer of the token can plausibly move: a quadrillion (10^15) whole tokens.
        All the USDT ever issued is under 2 x 10^11; a Transfer log can state any uint256 (up to about 1.2 x 10^77),
        and one above this is stored as text and never counted or summed (a sum of HUGEINTs that large overflows)."""
        return 10 ** (self.decimals + 15)


# Mainnet addresses; the test chains place the project's own token contracts at the same addresses.
TOKENS: tuple[Token, ...] = (
    Token("ethereum", "0xdac17f958d2ee523a2206206994597c13d831ec7", "USDT", 6, "Tether"),
    Token("ethereum", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "USDC", 6, "Circle"),
    # Tron's USDT (TRC-20) TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, in the 0x form Tron's Ethereum-style JSON-RPC uses.
    Token("tron", "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c", "USDT", 6, "Tether"),
)

TRANSFER = topic("Transfer(address,address,uint256)")
# Issuer actions: event topic -> (name, whether the first data word is an address, whether an amount follows).
ISSUER_EVENTS: dict[str, tuple[str, bool, bool]] = {
    topic("AddedBlackList(address)"): ("AddedBlackList", True, False),
    topic("RemovedBlackList(address)"): ("RemovedBlackList", True, False),
    topic("DestroyedBlackFunds(address,uint256)"): ("DestroyedBlackFunds", True, True),
    topic("Issue(uint256)"): ("Issue", False, True),
    topic("Redeem(uint256)"): ("Redeem", False, True),
}
# USDC names the account in an indexed topic.
BLACKLISTED = topic("Blacklisted(address)")
UNBLACKLISTED = topic("UnBlacklisted(address)")


def token_at(chain: str, address: str) -> Token | None:
    """The listed token at ``address`` on ``chain``, if any."""
    wanted = address.lower()
    return next((t for t in TOKENS if t.chain == chain and t.address == wanted), None)


def decode_transfer(log: dict[str, object]) -> tuple[str, str, int] | None:
    """(from, to, value) of an ERC-20 Transfer log, or None if the log is not one."""
    topics = log["topics"]
    assert isinstance(topics, list)
    if len(topics) != 3 or topics[0] != TRANSFER:
        return None
    values = words(str(log["data"]))
    if len(values) != 1:
        return None
    return address_of_topic(topics[1]), address_of_topic(topics[2]), values[0]


def decode_issuer_action(log: dict[str, object]) -> tuple[str, str | None, int | None] | None:
    """(action, account, amount) of a token issuer's event, or None."""
    topics = log["topics"]
    assert isinstance(topics, list)
    if topics and topics[0] in (BLACKLISTED, UNBLACKLISTED) and len(topics) == 2:
        return ("Blacklisted" if topics[0] == BLACKLISTED else "UnBlacklisted"), address_of_topic(topics[1]), None
    if not topics or topics[0] not in ISSUER_EVENTS:
        return None
    name, has_account, has_amount = ISSUER_EVENTS[topics[0]]
    values = words(str(log["data"]))
    account = "0x" + values[0].to_bytes(32, "big")[-20:].hex() if has_account and values else None
    amount = values[-1] if has_amount and values else None
    return name, account, amount
