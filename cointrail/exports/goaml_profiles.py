"""Settings profiles for goAML reports: each FIU runs its own schema version, currency and code lists (issue 18).

The generic goAML 5.0.1 schema leaves every code list open ("-" is its one indicator and its "not given" value
elsewhere); an FIU publishes its own lists (transmission modes, funds types, indicators, country codes) and the
reporting entity id it assigned. A profile holds those, read from a TOML file (``--profile FILE``) over the
generic defaults; docs/exports.md lists the keys.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cointrail.errors import InputError


@dataclass(frozen=True)
class GoamlProfile:
    """What an FIU's goAML asks for: schema version, local currency, codes, indicators, the reporter's ids."""

    name: str = "generic"
    schema_version: str = "5.0.1"
    currency: str = "USD"  # currency_code_local: fiat amounts are given in it where the findings priced them
    rentity_id: int = 1  # the reporting entity's id at the FIU (1 until the FIU assigns one)
    rentity_branch: str = "-"
    submission_code: str = "E"  # electronic
    report_code: str = "STR"
    transmode_code: str = "-"  # the FIU's code for virtual-currency transfers, where it has one
    funds_code: str = "-"  # the FIU's funds type for virtual currency
    country_code: str = "-"  # of unhosted wallets and of the chain: no country
    address_type: str = "-"
    unhosted_institution: str = "none: a self-hosted wallet"
    institution_code: str = "-"
    indicators: tuple[str, ...] = ("-",)  # the FIU's indicator codes for this typology
    red_flag_indicators: dict[str, str] = dataclasses.field(default_factory=dict)  # red-flag code → FIU indicator
    location: dict[str, str] = dataclasses.field(default_factory=lambda: {"address": "-", "city": "-"})

    def indicator_codes(self, flags: list[str]) -> list[str]:
        """The profile's indicators plus those its red-flag map gives the flags found, each once."""
        found = [self.red_flag_indicators[f] for f in flags if f in self.red_flag_indicators]
        return list(dict.fromkeys([*self.indicators, *found]))


GENERIC = GoamlProfile()
FIELDS = {f.name for f in dataclasses.fields(GoamlProfile)}


@dataclass(frozen=True)
class Offered:
    """A profile file of the profiles folder, as a form offers it: its name (the file's stem), and the profile or
    why it cannot be read."""

    key: str
    profile: GoamlProfile | None
    problem: str | None = None

    @property
    def label(self) -> str:
        if self.profile is None:
            return f"{self.key}: cannot be used ({self.problem})"
        return f"{self.profile.name} ({self.profile.currency}, goAML {self.profile.schema_version})"


def offered_profiles(folder: Path) -> list[Offered]:
    """Every ``*.toml`` profile in ``folder`` (none when it does not exist), by name; one that cannot be read is
    listed with its problem, not left out."""
    found = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            found.append(Offered(path.stem, load_profile(path)))
        except InputError as error:
            found.append(Offered(path.stem, None, str(error)))
    return found


def chosen_profile(folder: Path, key: str | None) -> GoamlProfile | None:
    """The profile named ``key`` in ``folder`` (None for no key: the generic one); an unknown or unreadable one
    is refused with the reason."""
    if not key:
        return None
    offered = {o.key: o for o in offered_profiles(folder)}
    if key not in offered:
        raise InputError(f"there is no goAML profile {key!r} in {folder.name}/; there are: "
                         f"{', '.join(offered) or 'none'}")  # fmt: skip
    if offered[key].profile is None:
        raise InputError(f"the goAML profile {key!r} cannot be used: {offered[key].problem}")
    return offered[key].profile


def load_profile(path: str | Path | None) -> GoamlProfile:
    """The profile in the TOML file ``path`` (keys as in :class:`GoamlProfile`), the generic one for None."""
    if path is None:
        return GENERIC
    try:
        data: dict[str, Any] = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"cannot read the goAML profile {path}: {error}") from None
    unknown = set(data) - FIELDS
    if unknown:
        raise InputError(f"the goAML profile {path} has unknown keys: {', '.join(sorted(unknown))}")
    if "indicators" in data:
        data["indicators"] = tuple(data["indicators"])
    return dataclasses.replace(GENERIC, **data)
