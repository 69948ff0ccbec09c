"""GraphSense TagPack export: the site's addresses, as found on the captured page, for partners' GraphSense.

Only the site's own addresses are tagged. Payers are not: a paying wallet is a
lead for legal process, not an attribution, and a false merge could point at
an innocent person. Labels the case imported from others stay with their
sources and are not re-published here.
"""

from __future__ import annotations

import datetime as _dt

import yaml

from cointrail.facts.document import ReportFacts

CONFIDENCE = "forensic_investigation"  # seen by an investigator on the site's own payment page, captured
DEFAULT_ABUSE = "child_sexual_abuse"


def _source(facts: ReportFacts, address: str) -> str:
    for capture in facts.captures:
        if any(item["address"] == address for item in capture["addresses"]):
            return f"{capture['url']} (captured {capture['started_utc']}, WARC sha256 {capture['warc']['sha256']})"
    return f"cointrail case {facts.case.name} (given by the investigator)"


def export_tagpack(facts: ReportFacts, abuse: str = DEFAULT_ABUSE) -> str:
    """A TagPack (YAML) with one tag per site address; header fields are inherited by every tag."""
    day = _dt.date.fromisoformat(facts.generated_utc[:10])
    pack = {
        "title": f"cointrail case {facts.case.name}: addresses of the site",
        "creator": facts.case.reported_by,
        "description": "Payment addresses shown by a site under investigation, captured with cointrail; "
                       "each tag names the captured page and the hash of its WARC archive.",
        "is_public": False,
        "currency": facts.symbol, "network": facts.symbol, "confidence": CONFIDENCE, "abuse": abuse,
        "lastmod": day, "tag_type": "actor",
        "label": f"site under investigation (case {facts.case.name})",
        "tags": [{"address": address, "source": _source(facts, address)} for address in facts.site.addresses],
    }  # fmt: skip
    return str(yaml.safe_dump(pack, sort_keys=False, allow_unicode=True, width=120))
