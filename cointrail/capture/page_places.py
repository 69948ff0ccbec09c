"""Where in a page an address sits when it is not in the visible text: attributes, scripts, payment links.

The text view shows what a page said to a reader; the capture also finds addresses a reader never sees
(a ``data-wallet`` attribute, a ``bitcoin:`` link behind a button, a variable in a script). Issue 13 found
the view silent about those: here each is named with its place, so the view can list them, marked.
"""

from __future__ import annotations

from typing import Any

from cointrail.extraction import extract_addresses

MIN_ADDRESS = 25  # characters: no shorter value can hold an address, so most attributes are never searched
MAX_PLACES = 1000  # places listed per page; a page with more says how many were left out
_CODE = ("script", "style", "noscript", "template")


def _where_attribute(tag: str, name: str, scheme: str | None, uri: str | None, amount: str | None) -> str:
    if scheme:
        asked = f", asking {amount}" if amount else ""
        return f"a payment link ({uri or scheme + ':'}{asked}) in the {name} attribute of a <{tag}> element"
    return f"the {name} attribute of a <{tag}> element"


def _in_attributes(element: Any, tag: str) -> list[dict[str, Any]]:
    places = []
    for name, value in element.attrib.items():
        if len(value) < MIN_ADDRESS:
            continue
        for found in extract_addresses(value):
            places.append({"address": found.address, "input": found.input, "kind": "payment link" if found.scheme
                           else "attribute", "where": _where_attribute(tag, str(name), found.scheme, found.uri,
                                                                       found.amount)})  # fmt: skip
    return places


def _in_code(element: Any, tag: str) -> list[dict[str, Any]]:
    text = element.text or ""
    if len(text) < MIN_ADDRESS:
        return []
    return [{"address": found.address, "input": found.input, "kind": tag, "where": f"a <{tag}> element"}
            for found in extract_addresses(text)]  # fmt: skip


def hidden_places(root: Any) -> tuple[list[dict[str, Any]], int]:
    """Addresses in attributes, payment links and scripts of a parsed page, each with where: (places, left out)."""
    places: list[dict[str, Any]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions (the parser drops them anyway)
        tag = element.tag.lower()
        places += _in_attributes(element, tag)
        if tag in _CODE:
            places += _in_code(element, tag)
    distinct = _distinct(places)
    return distinct[:MAX_PLACES], max(0, len(distinct) - MAX_PLACES)


def _distinct(places: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for place in places:
        seen.setdefault((place["address"], place["where"]), place)
    return list(seen.values())

