"""The court-ready report of a case, and the request pack per exchange.

:func:`collect_facts` gathers every fact (evidence with hashes, custody log,
captures, chain data sources, provenance, the payers and flows found by
tracing, the exchanges to contact, the methods with their measured error
rates) into one JSON-ready dict; :func:`write_report` renders it to HTML and
PDF and stores all three in the case as logged evidence;
:func:`request_packs` turns the exchanges to contact into CSV and letter text.
See docs/report.md.
"""

from cointrail.report.build import collect_facts
from cointrail.report.request_pack import request_packs, write_request_packs
from cointrail.report.source import fresh_facts, make_report
from cointrail.report.write import latest_facts, write_report

__all__ = ["collect_facts", "fresh_facts", "latest_facts", "make_report",
           "request_packs", "write_report", "write_request_packs"]  # fmt: skip
