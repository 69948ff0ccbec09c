"""Payment URIs around an address: BIP 21 and its cousins, EIP-681, Monero.

* BIP 21 (``bitcoin:ADDR?amount=…&label=…&message=…``), used as is by
  ``litecoin:``, ``dogecoin:``, ``dash:``, ``zcash:`` and Bitcoin Cash
  (``bitcoincash:``/``bchtest:``, where the scheme is also the CashAddr prefix).
* EIP-681 (``ethereum:[pay-]TARGET[@CHAIN_ID][/FUNCTION][?PARAMS]``): a plain
  payment carries ``value`` in wei; a token payment calls ``transfer`` on the
  token contract (the target) with the recipient in the ``address`` parameter
  and the amount in ``uint256``, in the token's smallest units.
* Monero (``monero:ADDR?tx_amount=…&recipient_name=…&tx_description=…``).

The standard library's ``urllib.parse`` splits ``scheme:path?query`` but knows
none of these parameters or EIP-681's ``@chain``/``/function`` parts, and its
``parse_qsl`` would turn ``+`` into spaces, which BIP 21 does not; so the few
lines of parsing are written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote

from cointrail.chains import CHAINS

SCHEME_CHAINS = {
    "bitcoin": "bitcoin", "litecoin": "litecoin", "dogecoin": "dogecoin", "dash": "dash", "zcash": "zcash",
    "bitcoincash": "bitcoin-cash", "bchtest": "bitcoin-cash", "bchreg": "bitcoin-cash", "monero": "monero",
}
# The coin each scheme's amounts are in, from the one chain table; ethereum: is Ether unless a chain id names another.
SCHEME_UNITS = {scheme: CHAINS[chain].symbol for scheme, chain in {**SCHEME_CHAINS, "ethereum": "ethereum"}.items()}
# EIP-155 chain ids of the EVM chains cointrail knows (chainlist.org).
EVM_CHAIN_IDS = {
    "1": "ethereum", "61": "ethereum-classic", "56": "bnb-smart-chain", "137": "polygon",
    "42161": "arbitrum", "10": "optimism", "8453": "base", "43114": "avalanche-c",
}
CASHADDR_SCHEMES = frozenset({"bitcoincash", "bchtest", "bchreg"})
LOOK_BACK = 600  # bytes before an address searched for its URI's scheme
MAX_URI = 4096

_SCHEME_RE = re.compile(
    rb"(?<![A-Za-z0-9+.-])(" + b"|".join(s.encode() for s in SCHEME_UNITS) + rb"):(?://)?",
    re.IGNORECASE,
)
_URI_END_RE = re.compile(rb"[\s\"'<>\\`]")
_PLAIN_DECIMAL_RE = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
_EIP681_RE = re.compile(
    r"(?P<pay>pay-)?(?P<target>[0-9A-Za-z]+)(?:@(?P<chain_id>[0-9]+))?(?:/(?P<function>[A-Za-z0-9_]+))?"
)
_PARAM_RE = re.compile(r"([^&=?]+)=([^&]*)")


@dataclass(frozen=True)
class Payment:
    """What a payment URI says about one address in it."""

    uri: str
    scheme: str
    role: str  # "payee" (receives the money) or "token-contract" (the token being paid)
    amount: str | None = None
    amount_unit: str | None = None
    label: str | None = None
    message: str | None = None
    token_contract: str | None = None
    chain: str | None = None  # the chain the URI names, when it names one


def _decimal_text(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def coin_amount(written: str, scale: int = 0) -> str | None:
    """A decimal amount as an exact string (never a float), divided by 10**scale.

    Plain decimals are kept as written when no scaling is needed; scientific
    notation (EIP-681 allows ``2.014e18``) is expanded exactly.
    """
    if scale == 0 and _PLAIN_DECIMAL_RE.fullmatch(written):
        return written
    try:
        number = Decimal(written)
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    return _decimal_text(number.scaleb(-scale))


def _params(uri: str, query_start: int) -> list[tuple[str, str, int]]:
    """(name, raw value, index of the value in ``uri``) for each query parameter."""
    if not uri.startswith("?", query_start):
        return []
    # In HTML attributes '&' is written '&amp;': the name then starts with 'amp;'.
    return [
        (m.group(1).lower().removeprefix("amp;"), m.group(2), m.start(2))
        for m in _PARAM_RE.finditer(uri, query_start + 1)
    ]


def _text(value: str | None) -> str | None:
    """A label or message: percent-decoded, as UTF-8 (the URI was read byte for byte)."""
    if value is None:
        return None
    return unquote(value.encode("latin-1").decode("utf-8", "replace"), errors="replace")


def _bip21(uri: str, scheme: str, target_end: int) -> Payment:
    params = {name: value for name, value, _ in _params(uri, target_end)}
    if scheme == "monero":
        amount, label, message = params.get("tx_amount"), params.get("recipient_name"), params.get("tx_description")
    else:
        amount, label, message = params.get("amount"), params.get("label"), params.get("message")
    return Payment(
        uri, scheme, "payee", coin_amount(amount) if amount else None,
        SCHEME_UNITS[scheme] if amount else None, _text(label), _text(message),
        chain=SCHEME_CHAINS.get(scheme),
    )


def _eip681(uri: str, body_start: int, position: int) -> Payment | None:
    match = _EIP681_RE.match(uri, body_start)
    if not match:
        return None
    # Without a chain id a wallet pays on whatever chain it is on: name none.
    chain = EVM_CHAIN_IDS.get(match.group("chain_id") or "")
    function = (match.group("function") or "").lower()
    params = _params(uri, match.end())
    values = {name: value for name, value, _ in params}
    target = match.group("target")
    if position == match.start("target"):
        if function in ("transfer", "approve"):
            return Payment(uri, "ethereum", "token-contract", chain=chain)
        # value is in wei of the chain the id names (POL on Polygon, BNB on BNB Smart Chain), else of Ether.
        coin = CHAINS[chain or "ethereum"]
        wei = values.get("value")
        amount = coin_amount(wei, coin.decimals) if wei else None
        return Payment(uri, "ethereum", "payee", amount, coin.symbol if amount else None, chain=chain)
    for name, _value, index in params:
        if name == "address" and index == position:
            units = values.get("uint256")
            amount = coin_amount(units) if units else None
            unit = f"smallest units of the token at {target}" if amount else None
            return Payment(uri, "ethereum", "payee", amount, unit, token_contract=target, chain=chain)
    return None


def _uri_text(data: bytes, start: int) -> str:
    """The URI from its scheme, one character per byte so positions stay byte offsets."""
    end_match = _URI_END_RE.search(data, start, start + MAX_URI)
    end = end_match.start() if end_match else min(len(data), start + MAX_URI)
    return data[start:end].decode("latin-1").rstrip(").,;]}")


def display_uri(uri: str) -> str:
    """The URI as a person or a wallet reads it: UTF-8, and '&amp;' undone."""
    return uri.encode("latin-1").decode("utf-8", "replace").replace("&amp;", "&")


def payment_for(data: bytes, offset: int, token_end: int) -> Payment | None:
    """The payment URI an address at ``data[offset:token_end]`` belongs to, if any."""
    window_start = max(0, offset - LOOK_BACK)
    schemes = list(_SCHEME_RE.finditer(data, window_start, offset))
    if not schemes:
        return None
    scheme_match = schemes[-1]
    if _URI_END_RE.search(data, scheme_match.end(), offset):
        return None  # a space or quote lies between the scheme and the address
    scheme = scheme_match.group(1).decode("ascii").lower()
    uri = _uri_text(data, scheme_match.start())
    body_start = scheme_match.end() - scheme_match.start()
    position = offset - scheme_match.start()
    if scheme == "ethereum":
        payment = _eip681(uri, body_start, position)
    elif position == body_start:
        payment = _bip21(uri, scheme, token_end - scheme_match.start())
    else:
        payment = None
    return replace(payment, uri=display_uri(payment.uri)) if payment else None
