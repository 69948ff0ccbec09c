"""The demo investigation: the whole workflow on bundled, harmless sample data.

:func:`run_demo` serves the bundled fictitious payment site on loopback,
captures it into a fresh case as WARC evidence, checks every address found,
verifies the case, and shows that tampering with a copy is caught. Each step
returns plain data; ``cointrail demo`` renders it for people. The demo grows
with every capability cointrail gains.
"""

from cointrail.demo.investigation import SITE, run_demo

__all__ = ["SITE", "run_demo"]
