"""The sample site's pages, written from the bundled pages with the scenario's real payment addresses.

The bundled pages (``site/``) carry fixed addresses that nobody owns, each shown
with one of the tricks real sites use: an attribute, plain text, a ``litecoin:``
payment URI with an amount, an address split by zero-width spaces, one in a
script, one a link away. The demo swaps each for a fresh payment address of
the scenario's site, so that what the capture finds can be followed on the
ledger; the addresses left over go in an order history on the main page.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import segno

from cointrail.errors import CointrailError

SITE = Path(__file__).resolve().parent / "site"
ZERO_WIDTH_SPACE = "\u200b"
# The bundled page's fixed addresses, in the order the scenario's site addresses replace them.
URI_ADDRESS = "rltc1qkl7q9fyp8xpgrs820z079zf4r7wh2tzjztsxhx"
PLACES = (
    ("index.html", "rltc1qkwkf20f4me505wd05hltaxvnh6zjwdmgz7x4lr"),  # in an attribute
    ("index.html", "rltc1q9ndvjfhadrff54lrma5n9lxkn8ldmasqm85rdp"),  # in the text
    ("index.html", URI_ADDRESS),  # in a payment URI with an amount (and in the QR code)
    ("index.html", "rltc1qwm9sthf6900t0c7wu93ne9hu6g28yl73f4chg7"),  # split by zero-width spaces
    ("faq.html", "rltc1q264l8r5g4djsnlcchsjsak6tlsmhj26lumz0le"),  # one link away
    ("checkout.js", "mmPj8BagVJmPUxFgyKuVery2zm5y8UTz4K"),  # in a script
)
QR_AMOUNT = "0.15"


def zero_width(address: str) -> str:
    """The address with a zero-width space after every fifth character, as the bundled page hides it."""
    return ZERO_WIDTH_SPACE.join(address[i : i + 5] for i in range(0, len(address), 5))


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    for before, after in ((old, new), (zero_width(old), zero_width(new))):
        text = text.replace(before, after)
    if new not in text and zero_width(new) not in text:
        # The bundled page and this list must change together; say which side lost the address.
        raise CointrailError(f"the demo's page template {path.name} no longer holds the address {old}")
    path.write_text(text, encoding="utf-8")


def _order_history(index: Path, addresses: list[str]) -> None:
    rows = "".join(f"<li>Order {4711 + n}: paid to <code>{html.escape(a)}</code></li>\n"
                   for n, a in enumerate(addresses))  # fmt: skip
    section = f'<section class="plan">\n  <h3>Your recent orders</h3>\n  <ul>\n{rows}  </ul>\n</section>\n</main>'
    index.write_text(index.read_text(encoding="utf-8").replace("</main>", section, 1), encoding="utf-8")


def write_site(folder: Path, addresses: list[str]) -> Path:
    """Write the sample site into ``folder`` with ``addresses`` (at least six) as its payment addresses."""
    if len(addresses) < len(PLACES):
        raise CointrailError(f"the demo's site needs {len(PLACES)} payment addresses; the scenario made "
                             f"{len(addresses)}")  # fmt: skip
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(SITE, folder)
    for (name, old), new in zip(PLACES, addresses, strict=False):
        _replace(folder / name, old, new)
    (folder / "checkout.js").write_text((folder / "checkout.js").read_text().replace(
        "old Bitcoin testnet wallet", "the club's fallback wallet"))  # fmt: skip
    _order_history(folder / "index.html", addresses[len(PLACES) :])
    # The QR code is drawn at run time: the project ships no images.
    uri = f"litecoin:{addresses[2]}?amount={QR_AMOUNT}"
    segno.make(uri, error="m").save(str(folder / "qr.png"), scale=6)
    return folder
