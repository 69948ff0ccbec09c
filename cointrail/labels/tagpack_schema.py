"""The GraphSense TagPack schema: which fields a header and a tag may have, of which type.

Declared here as data, identical to graphsense-tagpack-tool's
``src/tagpack/conf/tagpack_schema.yaml`` (a test checks the two agree), so
cointrail validates TagPacks offline without the tool. :func:`load_schema`
reads another schema file in the same format where a newer one is needed.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import yaml

from cointrail.labels.model import CATEGORIES, CONFIDENCE_SCALE, TAG_TYPES, LabelFormatError


@dataclass(frozen=True)
class FieldSpec:
    """One field of the schema."""

    type: str  # text, boolean, datetime, list
    mandatory: bool
    taxonomy: str | None = None
    item_type: str | None = None


@dataclass(frozen=True)
class TagPackSchema:
    """Header fields and tag fields of a TagPack."""

    header: dict[str, FieldSpec]
    tag: dict[str, FieldSpec]

    def mandatory_header(self) -> list[str]:
        return [name for name, spec in self.header.items() if spec.mandatory]

    def mandatory_tag(self) -> list[str]:
        return [name for name, spec in self.tag.items() if spec.mandatory]


def _spec(type_: str, mandatory: bool = False, taxonomy: str | None = None, item_type: str | None = None) -> FieldSpec:
    return FieldSpec(type_, mandatory, taxonomy, item_type)


DEFAULT_SCHEMA = TagPackSchema(
    header={
        "title": _spec("text", True),
        "creator": _spec("text", True),
        "description": _spec("text"),
        "owner": _spec("text"),
        "is_public": _spec("boolean"),
        "tags": _spec("list", True),
    },
    tag={
        "label": _spec("text", True),
        "source": _spec("text", True),
        "currency": _spec("text", True),
        "network": _spec("text", True),
        "context": _spec("text"),
        "confidence": _spec("text", True, "confidence"),
        "is_cluster_definer": _spec("boolean"),
        "lastmod": _spec("datetime"),
        "category": _spec("text", False, "concept"),
        "abuse": _spec("text", False, "concept"),
        "address": _spec("text"),
        "tx_hash": _spec("text"),
        "actor": _spec("text"),
        "concepts": _spec("list", False, "concept", "text"),
        "tag_type": _spec("text", False, "tag_types"),
    },
)

TAXONOMIES: dict[str, frozenset[str]] = {
    "confidence": frozenset(CONFIDENCE_SCALE),
    "concept": CATEGORIES,
    "tag_types": TAG_TYPES,
    "tag_type": TAG_TYPES,
}


def _specs(section: Any, name: str) -> dict[str, FieldSpec]:
    if not isinstance(section, dict):
        raise LabelFormatError(f"the TagPack schema has no '{name}' section of fields")
    return {
        str(field): _spec(
            str(spec.get("type")), bool(spec.get("mandatory")), spec.get("taxonomy"), spec.get("item_type")
        )
        for field, spec in section.items()
        if isinstance(spec, dict)
    }


def load_schema(text: str) -> TagPackSchema:
    """Parse a schema file in graphsense-tagpack-tool's ``tagpack_schema.yaml`` format."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LabelFormatError(f"the TagPack schema is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise LabelFormatError("the TagPack schema is not a mapping of 'header' and 'tag' fields")
    return TagPackSchema(_specs(raw.get("header"), "header"), _specs(raw.get("tag"), "tag"))


def _type_ok(spec: FieldSpec, value: Any) -> bool:
    if spec.type == "text":
        return isinstance(value, str)
    if spec.type == "boolean":
        return isinstance(value, bool)
    if spec.type == "datetime":
        return isinstance(value, (_dt.date, str))
    if spec.type == "list":
        return isinstance(value, list) and (spec.item_type != "text" or all(isinstance(v, str) for v in value))
    return True


def field_problem(name: str, value: Any, spec: FieldSpec | None) -> str | None:
    """What is wrong with one field's value, in words, or ``None`` if it is fine."""
    if spec is None:
        return f"the field '{name}' is not part of the TagPack schema"
    if value is None:
        return f"the field '{name}' is empty"
    if not _type_ok(spec, value):
        return f"the field '{name}' should be {spec.type}, not {type(value).__name__}"
    allowed = TAXONOMIES.get(spec.taxonomy or "")
    values = value if isinstance(value, list) else [value]
    unknown = [v for v in values if allowed is not None and str(v).strip().lower() not in allowed]
    if unknown:
        return f"the field '{name}' has {unknown[0]!r}, which is not in the {spec.taxonomy} taxonomy"
    return None
