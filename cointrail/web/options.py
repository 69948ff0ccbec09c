"""The options of the long analyses, with the same names, defaults and bounds as the CLI's.

One model per analysis, used for the browser's forms and for the JSON API alike; a value out of
bounds becomes a plain-words :class:`~cointrail.errors.InputError` naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationError

from cointrail.cases.settings import fiat_currency
from cointrail.errors import InputError
from cointrail.facts.findings import DEFAULT_HOPS, DEFAULT_MODEL
from cointrail.tracing import TAINT_MODELS

Model = Literal["poison", "haircut", "fifo"]
assert set(TAINT_MODELS) == {"poison", "haircut", "fifo"}, "keep the web's taint models in step with tracing"


def report_fiat() -> str:
    """The fiat currency when a form leaves it empty, as the default of ``cointrail report --fiat`` and
    ``payers --fiat``: the ``COINTRAIL_FIAT`` setting, else USD (one that is not a three-letter code refused, as by
    the CLI)."""
    return fiat_currency() or "USD"


def checked_fiat(value: str) -> str:
    """A form's fiat currency checked and upper-cased by the CLI's own function (a three-letter code)."""
    try:
        return fiat_currency(value) or report_fiat()
    except InputError as error:
        raise ValueError(str(error)) from None


# A form's fiat currency: given, else the setting, else USD; checked as the CLI checks it
Fiat = Annotated[str, AfterValidator(checked_fiat)]


class PayersOptions(BaseModel):
    """``cointrail payers``: where the site's addresses come from, the fiat currency (default: the
    ``COINTRAIL_FIAT`` setting, else USD, as the CLI's), how far back."""

    site_from: Literal["captures", "cluster", "addresses"] = "captures"
    cluster: int | None = Field(default=None, ge=0)
    addresses: str = Field(default="", max_length=20_000)
    fiat: Fiat = Field(default_factory=report_fiat, max_length=10)
    hops: int = Field(default=6, ge=1, le=20)


class TraceOptions(BaseModel):
    """``cointrail trace``: from where, which way, how far, which taint model."""

    start: str = Field(..., min_length=1, max_length=200)
    direction: Literal["forward", "backward"] = "forward"
    hops: int = Field(default=3, ge=1, le=50)
    min_value: int = Field(default=0, ge=0)
    since: str | None = Field(default=None, max_length=40)
    until: str | None = Field(default=None, max_length=40)
    model: Model = "haircut"


class ReportOptions(BaseModel):
    """``cointrail report``: fiat (default: the ``COINTRAIL_FIAT`` setting, else USD, as the CLI's), hops, the
    forward trace's model, and whether to write the PDF."""

    fiat: Fiat = Field(default_factory=report_fiat, max_length=10)
    hops: int = Field(default=DEFAULT_HOPS, ge=1, le=50)
    model: Model = DEFAULT_MODEL  # type: ignore[assignment]
    pdf: bool = True


KINDS: dict[str, type[BaseModel]] = {"payers": PayersOptions, "trace": TraceOptions, "report": ReportOptions}


def parse_options(kind: str, values: dict[str, Any]) -> BaseModel:
    """The options of ``kind`` from form or JSON values; empty form fields count as not given."""
    if kind not in KINDS:
        raise InputError(f"there is no analysis {kind!r}; the workspace runs {', '.join(KINDS)}")
    given = {k: v for k, v in values.items() if v not in ("", None)}
    try:
        return KINDS[kind](**given)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or kind}: {e['msg']}" for e in error.errors())
        raise InputError(f"the {kind} options are not right: {problems}") from None
