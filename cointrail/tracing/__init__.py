"""Follow the money: tracing with taint models, the payers of a site, and pattern detectors.

The public API (fields documented in docs/tracing.md):

* :func:`trace` — forward or backward from an address, a txid or ``cluster:<id>``, over N hops;
* :func:`payers` — every payment into a site, grouped by paying cluster, each traced back to a service;
* :func:`detect_patterns` — peel chains, CoinJoins, consolidation sweeps;
* :data:`TAINT_MODELS` and :data:`EXPLANATIONS` — poison, haircut, FIFO, in plain words.
"""

from cointrail.tracing.patterns import PATTERN_KINDS, Finding, detect_patterns
from cointrail.tracing.payers import PayersResult, payers
from cointrail.tracing.result import END_REASONS, TraceResult
from cointrail.tracing.taint import EXPLANATIONS, TAINT_MODELS
from cointrail.tracing.trace import trace

__all__ = ["END_REASONS", "EXPLANATIONS", "PATTERN_KINDS", "TAINT_MODELS", "Finding", "PayersResult", "TraceResult",
           "detect_patterns", "payers", "trace"]  # fmt: skip
