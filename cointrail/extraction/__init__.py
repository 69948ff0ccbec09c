"""Finding addresses in documents: text, HTML, JavaScript, JSON, payment URIs.

:func:`extract_addresses` is the entry point; it returns :class:`Finding`
objects with byte offsets, payment details and the obfuscation tricks seen.
"""

from cointrail.extraction.extract import extract_addresses
from cointrail.extraction.finding import Finding

__all__ = ["Finding", "extract_addresses"]
