"""Names and text that people type, checked at the edge before anything is written with them.

An operator name goes into every custody-log entry, whose hash is taken over its
UTF-8 bytes: a name that is not valid Unicode (a lone surrogate, which is what
Python makes of command-line bytes that are not UTF-8) could not be logged and
left a half-made case behind (issue 22). Control and format characters (a
carriage return, a right-to-left override, a zero-width space) would make a log
line read differently from what it holds. Both are refused, with the reason.
"""

from __future__ import annotations

import unicodedata

from cointrail.errors import InputError

MAX_NAME = 200  # characters of an operator name
MAX_TEXT = 2000  # characters of a free-text field (a label, a note, a reason)
_REFUSED = {"Cc": "a control character", "Cf": "an invisible formatting character", "Cs": "a lone surrogate",
            "Co": "a private-use character", "Cn": "an unassigned code point", "Zl": "a line separator",
            "Zp": "a paragraph separator"}  # fmt: skip


def _problem(text: str, multiline: bool) -> str | None:
    for index, char in enumerate(text):
        if multiline and char == "\n":
            continue
        kind = _REFUSED.get(unicodedata.category(char))
        if kind:
            what = "bytes that are not UTF-8" if kind == "a lone surrogate" else kind
            return f"it holds {what} (U+{ord(char):04X}) at character {index + 1}"
    return None


def checked_text(value: str, what: str, max_length: int = MAX_TEXT, multiline: bool = False) -> str:
    """``value`` stripped, or :class:`InputError` saying why ``what`` (e.g. "the operator name") cannot be it."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text")
    text = value.strip()
    problem = "it is empty" if not text else _problem(text, multiline)
    if problem is None and len(text) > max_length:
        problem = f"it is {len(text):,} characters long (at most {max_length:,})"
    if problem:
        raise InputError(f"'{shown(text)}' cannot be {what}: {problem}; use printable letters, digits and spaces")
    return text


def checked_name(value: str, what: str = "the operator name") -> str:
    """An operator's (or other person's) name: one line of printable text, at most :data:`MAX_NAME` characters."""
    return checked_text(value, what, MAX_NAME)


def shown(value: object) -> str:
    """Text safe to print or serve whatever it holds: lone surrogates and control characters are escaped."""
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if unicodedata.category(c) not in ("Cc", "Cf") or c == "\n" else f"\\u{ord(c):04x}" for c in text)
