"""The words of set-based findings, rendered in SQL: the same text :meth:`cointrail.domain.Words.render` gives.

A chain holds some 10^5 PayJoin-like payments. Rendering each one's evidence in Python, then handing the strings to
DuckDB, cost more than finding them; here the store writes a whole set with one ``INSERT ... SELECT`` instead.
"""

from __future__ import annotations

from cointrail.amounts import Unit
from cointrail.domain import Words


def quoted(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def coin_text(expr: str, unit: Unit) -> str:
    """SQL for ``unit.text(expr)``: thousands separators, the decimals without trailing zeros, then the symbol
    (``1,234.5 LTC``); from integer arithmetic, as :meth:`cointrail.amounts.Unit.number` does."""
    base, v = unit.base, f"abs({expr})"
    fraction = (f"CASE WHEN {v} % {base} = 0 THEN '' "
                f"ELSE '.' || rtrim(lpad(CAST({v} % {base} AS VARCHAR), {unit.decimals}, '0'), '0') END")  # fmt: skip
    return (f"(CASE WHEN {expr} < 0 THEN '-' ELSE '' END || format('{{:,}}', {v} // {base}) || {fraction} || "
            f"{quoted(' ' + unit.symbol)})")  # fmt: skip


def field(name: str, words: Words) -> str:
    """SQL for one field of ``words``, read from the column of that name, as :meth:`Words.render` shows it."""
    column = f'"{name}"'
    if name in words.amounts:
        return coin_text(column, words.unit)
    if name in words.lists:
        # "a", "a and b", "a, b and c": as cointrail.wording.listed joins them
        return (f"CASE WHEN len({column}) < 2 THEN array_to_string({column}, '') "
                f"ELSE array_to_string(list_slice({column}, 1, len({column}) - 1), ', ') || ' and ' || "
                f"{column}[-1] END")  # fmt: skip
    return f"CAST({column} AS VARCHAR)"


def rendered(words: Words, reason: str = "reason") -> str:
    """SQL for the text of each row: the template its ``reason`` column names, its fields filled in."""
    cases = []
    for code in range(len(words.texts)):
        parts = [p for literal, name in words.pieces(code)
                 for p in ([quoted(literal)] if literal else []) + ([field(name, words)] if name else [])]  # fmt: skip
        cases.append(f"WHEN {code} THEN " + " || ".join(parts or ["''"]))
    return f"CASE {reason} {' '.join(cases)} END"
