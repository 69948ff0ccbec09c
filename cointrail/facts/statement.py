"""The expert's statement at the end of the court report (issue 18): who prepared it, their role, the
instructions, the tools and versions, and a declaration. Role and instructions are the preparer's own words
(``cointrail report --role/--instructions``); where they are not given the report leaves a blank to fill, never
an invented text."""

from __future__ import annotations

from typing import Any

BLANK = "[to be filled in by the preparer]"
DECLARATION = ("I prepared this report from the evidence and data listed in it, with the methods described in its "
               "appendix. Every transaction it names is public and can be checked on any node of the chain; the "
               "limits of the methods are stated in its limitations section. The opinions in it are my own.")


def statement(facts: dict[str, Any], role: str | None = None, instructions: str | None = None) -> dict[str, Any]:
    """The statement's fields, from the case header and the provenance."""
    provenance = facts["provenance"]
    libraries = ", ".join(f"{name} {version}" for name, version in provenance["libraries"].items() if version)
    return {"prepared_by": facts["case"].get("reported_by") or BLANK, "role": role or BLANK,
            "instructions": instructions or BLANK,
            "tools": f"{provenance['tool']} (Python {provenance['python']}; {libraries})",
            "declaration": DECLARATION}  # fmt: skip
