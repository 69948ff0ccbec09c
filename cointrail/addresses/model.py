"""What cointrail knows about an address string: the value objects.

An address string can stand for several things at once (a ``3…`` P2SH is valid
on Bitcoin, Litecoin and Bitcoin Cash; ``0x…`` on every EVM chain), so the
result of parsing is an :class:`AddressInfo` holding every :class:`Candidate`
reading, never a guess at one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class AddressDecodeError(ValueError):
    """A string is not a valid address of one encoding; the message says why."""


@dataclass(frozen=True)
class Candidate:
    """One reading of an address string: on this chain and network, it is this."""

    chain: str
    network: str
    type: str
    normalized: str
    script_pubkey: str | None = None  # hex, for UTXO chains
    private: bool = False
    also_written: tuple[str, ...] = ()  # the same destination in another encoding

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as in ``--json`` output."""
        return {
            "chain": self.chain,
            "network": self.network,
            "type": self.type,
            "normalized": self.normalized,
            "script_pubkey": self.script_pubkey,
            "private": self.private,
            "also_written": list(self.also_written),
        }


def _unanimous(values: list[str | None]) -> str | None:
    distinct = list(dict.fromkeys(values))
    return distinct[0] if len(distinct) == 1 else None


def _joined(values: list[str]) -> str | None:
    distinct = list(dict.fromkeys(values))
    return "|".join(distinct) if distinct else None


@dataclass(frozen=True)
class AddressInfo:
    """The result of parsing one address string.

    ``valid`` is true when at least one candidate reading exists. The summary
    properties (``chains``, ``network``, ``type``…) are derived from the
    candidates: a single value when they agree, values joined by ``|`` when the
    encoding itself cannot tell them apart (e.g. ``testnet|regtest|signet``).
    """

    input: str
    candidates: tuple[Candidate, ...] = ()
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())
    checksummed: bool = True

    @property
    def valid(self) -> bool:
        return bool(self.candidates)

    @property
    def chains(self) -> list[str]:
        return list(dict.fromkeys(c.chain for c in self.candidates))

    @property
    def networks(self) -> list[str]:
        return list(dict.fromkeys(c.network for c in self.candidates))

    @property
    def network(self) -> str | None:
        return _joined(self.networks)

    @property
    def type(self) -> str | None:
        return _joined([c.type for c in self.candidates])

    @property
    def normalized(self) -> str | None:
        return _unanimous([c.normalized for c in self.candidates])

    @property
    def private(self) -> bool:
        return any(c.private for c in self.candidates)

    @property
    def script_pubkey(self) -> str | None:
        return _unanimous([c.script_pubkey for c in self.candidates])

    def to_dict(self) -> dict[str, Any]:
        """Plain data with the documented, stable ``--json`` fields."""
        return {
            "input": self.input,
            "valid": self.valid,
            "chains": self.chains,
            "network": self.network,
            "type": self.type,
            "normalized": self.normalized,
            "private": self.private,
            "script_pubkey": self.script_pubkey,
            "checksummed": self.checksummed if self.valid else None,
            "notes": list(self.notes),
            "reason": self.reason,
            "candidates": [c.to_dict() for c in self.candidates],
        }
