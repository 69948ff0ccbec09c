"""The facts of a case's report: everything its court report, its request packs and its exports are made of.

:func:`collect_facts` (the engine's :meth:`cointrail.investigation.Investigation.report_facts`) gathers every fact
(evidence with hashes, custody log, captures, chain data sources, provenance, the payers and flows found by
tracing, the exchanges to contact, the methods with their measured error rates, the summary, the limitations)
into one :class:`ReportFacts` document (its ``to_json()`` the JSON the case keeps); :func:`latest_facts` reads
back those of the newest report a case keeps. The renderers (:mod:`cointrail.report`, :mod:`cointrail.exports`)
only write them out. See docs/report.md.
"""

from cointrail.facts.collect import collect_facts, facts_of
from cointrail.facts.document import FACTS_FORMAT, ReportFacts
from cointrail.facts.kept import latest_facts

__all__ = ["FACTS_FORMAT", "ReportFacts", "collect_facts", "facts_of", "latest_facts"]
