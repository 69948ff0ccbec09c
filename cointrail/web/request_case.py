"""A case as one request of the workspace sees it: its custody log read and checked once.

A page asks the log many questions: the site's captured addresses (once for the page, again for marking the
site's wallets), the investigator's labels and the entries that logged them, the files kept, the alerts. Each read
re-checks the whole hash chain, so a page read the log three to nine times. The case a request opens
(:meth:`cointrail.web.Workspace.case`) keeps the checked log while the file stays as it was read: any write to it
(an entry the request adds itself, a watch's alert appended by another process while a stream is open, a change
by hand) alters its size, times or inode, and the next question reads and checks it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cointrail.cases import Case
from cointrail.cases.custody import ChainReport, CustodyLog


class _LogReadOnce(CustodyLog):
    """A custody log whose chain is read and checked again only after its file changed."""

    def __init__(self, log: CustodyLog) -> None:
        super().__init__(log.path)
        self._checked: tuple[tuple[int, ...] | None, ChainReport] | None = None

    def check(self) -> ChainReport:
        state = self.file_state()  # taken before the read: a write during it is seen by the next question
        if self._checked is None or self._checked[0] != state:
            self._checked = (state, super().check())
        return self._checked[1]

    def entries(self) -> list[dict[str, Any]]:
        return list(self.check().entries)  # a list of its own: a caller that reorders it changes no other's

    def append(self, operator: str, action: str, obj: str, sha256: str | None) -> dict[str, Any]:
        self._checked = None
        return super().append(operator, action, obj, sha256)


@dataclass
class RequestCase(Case):
    """:class:`~cointrail.cases.Case`, with its custody log read once for one request (see the module)."""

    _log: _LogReadOnce | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def log(self) -> CustodyLog:
        if self._log is None:
            self._log = _LogReadOnce(super().log)
        return self._log


def for_one_request(case: Case) -> RequestCase:
    """``case`` as one request sees it."""
    return RequestCase(case.name, case.folder, case.operator)
