"""The court-ready report of a case, and the request pack per exchange, rendered from its facts.

The facts (:func:`cointrail.facts.collect_facts`, the engine's report_facts) hold everything the report says;
:func:`write_report` renders them to HTML and PDF and stores all three in the case as logged evidence;
:func:`make_report` asks the engine for the facts and writes the report; :func:`request_packs` turns the exchanges
to contact into CSV and letter text. See docs/report.md.
"""

from cointrail.report.request_pack import request_packs, write_request_packs
from cointrail.report.source import fresh_facts, make_report
from cointrail.report.write import write_report

__all__ = ["fresh_facts", "make_report", "request_packs", "write_report", "write_request_packs"]
