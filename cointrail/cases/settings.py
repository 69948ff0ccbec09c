"""User settings of the case store, read in one place with one precedence rule.

Each setting is looked up in this order: the command-line option, then its
environment variable, then the default. Nothing else in cointrail reads these
environment variables.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from cointrail.cases.names import checked_name
from cointrail.errors import InputError


@dataclass(frozen=True)
class Setting:
    """One user setting: its environment variable, default and help text."""

    name: str
    env: str
    default: str
    help: str


CASES_DIR = Setting(
    "cases_dir", "COINTRAIL_CASES", "cases",
    "Folder holding the case folders (relative to the working directory).",
)
OPERATOR = Setting(
    "operator", "COINTRAIL_OPERATOR", "",
    "Name of the person recorded in the custody log.",
)
EXPLORER = Setting(
    "explorer", "COINTRAIL_EXPLORER", "",
    "Block explorer for the report's transaction links: a URL with {txid} where the id goes "
    "(e.g. https://blockchair.com/litecoin/transaction/{txid}); empty: no links.",
)
FIAT = Setting(
    "fiat", "COINTRAIL_FIAT", "",
    "Fiat currency of the values of the report, the payers and the request packs (ISO 4217 code: USD, EUR…); empty: "
    "USD for the report and the payers, the request packs that of the report they are made from.",
)
GOAML_PROFILES = Setting(
    "goaml_profiles", "COINTRAIL_GOAML_PROFILES", "",
    "Folder of goAML FIU profiles (TOML, one file each) the workspace's export form offers; "
    "empty: goaml-profiles in the cases folder.",
)
WEBHOOK_SECRET = Setting(
    "webhook_secret", "COINTRAIL_WEBHOOK_SECRET", "",
    "The secret `watch run` signs its webhook alerts with (HMAC-SHA256 in X-Cointrail-Signature).",
)
SMTP_USER = Setting("smtp_user", "COINTRAIL_SMTP_USER", "", "The SMTP login `watch run` sends alert e-mail with.")
SMTP_PASSWORD = Setting("smtp_password", "COINTRAIL_SMTP_PASSWORD", "", "Its password.")
SETTINGS = (CASES_DIR, OPERATOR, EXPLORER, FIAT, GOAML_PROFILES, WEBHOOK_SECRET, SMTP_USER, SMTP_PASSWORD)


def resolve(setting: Setting, explicit: str | None) -> str:
    """The value of ``setting``: ``explicit`` if given, else its environment variable, else its default."""
    if explicit:
        return explicit
    return os.environ.get(setting.env) or setting.default


def cases_root(explicit: str | Path | None = None) -> Path:
    """The folder that holds the case folders."""
    return Path(resolve(CASES_DIR, str(explicit) if explicit else None))


def operator_name(explicit: str | None = None) -> str:
    """Who is acting, as written into the custody log; a name that cannot be logged is refused (InputError)."""
    name = resolve(OPERATOR, explicit)
    if name:
        return checked_name(name, f"the operator name (--operator or ${OPERATOR.env})")
    try:
        return checked_name(getpass.getuser(), "the system user name")
    except (KeyError, OSError, InputError):  # no user name in a bare container, or one that cannot be logged
        return f"uid-{os.getuid()}"


def goaml_profiles_folder(cases: Path, explicit: str | None = None) -> Path:
    """The folder of goAML FIU profiles: the setting, else ``goaml-profiles`` in the cases folder ``cases``."""
    return Path(resolve(GOAML_PROFILES, explicit) or cases / "goaml-profiles")


def explorer_template(explicit: str | None = None) -> str | None:
    """The block explorer's URL template for txids, or None; one without ``{txid}`` is refused (InputError)."""
    template = resolve(EXPLORER, explicit)
    if not template:
        return None
    if "{txid}" not in template or not template.startswith(("https://", "http://")):
        raise InputError(f"the block explorer ({EXPLORER.env} or --explorer) must be an http(s) URL with {{txid}}: "
                         f"{template!r}")
    return template


def fiat_currency(explicit: str | None = None) -> str | None:
    """The fiat currency asked for (the option, else the setting), upper-case; None when neither names one. A value
    that is not a three-letter code is refused (InputError)."""
    value = resolve(FIAT, explicit).strip().upper()
    if not value:
        return None
    if len(value) != 3 or not value.isalpha():
        raise InputError(f"the fiat currency (--fiat or ${FIAT.env}) must be a three-letter code such as USD or EUR: "
                         f"{value!r}")
    return value
