"""Cases: folders of write-once evidence with a hash-chained custody log.

:func:`create_case`, :func:`open_case` and :func:`list_cases` manage case
folders; :class:`Case` stores evidence and appends to the log;
:func:`verify_case` re-checks both. Settings (the cases root, the operator)
are read in :mod:`cointrail.cases.settings`.
"""

from cointrail.cases.case import Case, Kept, create_case, list_cases, open_case
from cointrail.cases.custody import CustodyLog, canonical_json, entry_hash
from cointrail.cases.evidence import EvidenceStore, sha256_file
from cointrail.cases.settings import cases_root, operator_name
from cointrail.cases.verify import VerifyReport, verify_case

__all__ = [
    "Case",
    "CustodyLog",
    "EvidenceStore",
    "Kept",
    "VerifyReport",
    "canonical_json",
    "cases_root",
    "create_case",
    "entry_hash",
    "list_cases",
    "open_case",
    "operator_name",
    "sha256_file",
    "verify_case",
]
