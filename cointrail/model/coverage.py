"""How far a sparse store's data go for one address (issue 15): the history a light source listed for it, at which
tip, whether it was cut short and why, and whether every transaction listed was fetched."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["COMPLETE", "NOT_ALL_FETCHED", "NOT_LISTED", "TRUNCATED", "HistoryCoverage"]

COMPLETE = "complete"
NOT_ALL_FETCHED = "listed, not all fetched"
TRUNCATED = "truncated"
NOT_LISTED = "not listed"

# The fields each status carries, between ``status`` and ``words``, in the order ``--json`` has always given them.
_FIELDS: dict[str, tuple[str, ...]] = {
    NOT_LISTED: (),
    COMPLETE: ("tip_height",),
    TRUNCATED: ("tip_height", "listed", "server_count", "reason"),
    NOT_ALL_FETCHED: ("tip_height", "listed", "not_fetched"),
}
_ALL = ("tip_height", "listed", "server_count", "reason", "not_fetched")


@dataclass(frozen=True, slots=True)
class HistoryCoverage:
    """One address's history in a sparse store (``address-info``'s ``coverage``, each of ``payers``' coverage
    ``addresses``): ``status`` is :data:`COMPLETE` (listed whole at ``tip_height`` and every confirmed transaction
    of it fetched), :data:`NOT_ALL_FETCHED` (listed whole, ``not_fetched`` of the ``listed`` not fetched: a crawl
    stopped part-way), :data:`TRUNCATED` (the server listed only ``listed`` of ``server_count``, for ``reason``) or
    :data:`NOT_LISTED` (never listed: only seen in transactions fetched for other addresses); ``words`` says it."""

    status: str
    words: str
    tip_height: int | None = None
    listed: int | None = None
    server_count: int | None = None
    reason: str | None = None
    not_fetched: int | None = None

    @property
    def complete(self) -> bool:
        """Whether no payment to the address and no spend from it is missing from the store."""
        return self.status == COMPLETE

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HistoryCoverage:
        return cls(data["status"], data["words"], **{name: data[name] for name in _ALL if name in data})

    def to_json(self) -> dict[str, Any]:
        """The fields of its status, in the order ``--json`` gives them (an unknown status: those it has)."""
        names = _FIELDS.get(self.status) or tuple(n for n in _ALL if getattr(self, n) is not None)
        return {"status": self.status, **{name: getattr(self, name) for name in names}, "words": self.words}
