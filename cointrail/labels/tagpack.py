"""GraphSense TagPacks (YAML): header fields inherited by every tag, validated against the schema.

A TagPack is a YAML mapping whose header fields (title, creator, …, and any
tag field such as ``label`` or ``confidence``) apply to every entry of its
``tags`` list unless the tag sets its own. Rules follow graphsense-tagpack-tool
(src/tagpack/tagpack.py): a missing ``network`` defaults to the ``currency``
(older packs), a ``header:`` section is merged into the top level, and duplicate
keys are an error. A broken header makes the whole file unusable; a broken tag
is rejected on its own, with the tag and field named.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import yaml

from cointrail.labels.currencies import AddressRejected, chains_for, check_address
from cointrail.labels.model import Label, LabelFormatError, LabelImport, RejectedEntry, confidence_named
from cointrail.labels.source import SourceFile
from cointrail.labels.tagpack_schema import DEFAULT_SCHEMA, TagPackSchema, field_problem

IMPORTER = "tagpack"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys, as graphsense-tagpack-tool does."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue  # unhashable keys are refused by the base loader with its own message
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class TagRejected(ValueError):
    """One tag cannot become a label; the message names the field and says why."""


def _parse_yaml(source: SourceFile) -> dict[str, Any]:
    try:
        raw = yaml.load(source.text(), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise LabelFormatError(f"{source.path} is not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise LabelFormatError(f"{source.path} nests too deeply to be a TagPack") from None
    if not isinstance(raw, dict):
        raise LabelFormatError(f"{source.path} is not a TagPack: its top level is not a mapping of fields")
    return _merge_header(raw, source.path)


def _merge_header(raw: dict[Any, Any], path: str) -> dict[str, Any]:
    header = raw.pop("header", None)
    if header is not None and not isinstance(header, dict):
        raise LabelFormatError(f"{path}: the 'header' section is not a mapping of fields")
    merged = {str(key): value for key, value in raw.items()}
    merged.update({str(key): value for key, value in (header or {}).items()})
    return merged


def _check_header(pack: dict[str, Any], schema: TagPackSchema, path: str) -> dict[str, Any]:
    """Validate the header; return the tag fields it sets for every tag."""
    for name in schema.mandatory_header():
        if name not in pack:
            raise LabelFormatError(f"{path}: the mandatory header field '{name}' is missing")
    for name, value in pack.items():
        problem = field_problem(name, value, schema.header.get(name) or schema.tag.get(name))
        if problem:
            raise LabelFormatError(f"{path}: in the header, {problem}")
    if not isinstance(pack["tags"], list):
        raise LabelFormatError(f"{path}: 'tags' is not a list")
    return {name: value for name, value in pack.items() if name in schema.tag}


def _tag_fields(tag: Any, inherited: dict[str, Any], schema: TagPackSchema) -> dict[str, Any]:
    if not isinstance(tag, dict):
        raise TagRejected("it is not a mapping of fields")
    own = {str(key): value for key, value in tag.items()}
    for name, value in own.items():
        problem = field_problem(name, value, schema.tag.get(name))
        if problem:
            raise TagRejected(problem)
    fields = {**inherited, **own}
    if "network" not in fields and "currency" in fields:
        fields["network"] = fields["currency"]  # as graphsense-tagpack-tool does for older packs
    for name in schema.mandatory_tag():
        if name not in fields:
            raise TagRejected(f"the mandatory field '{name}' is missing (in the tag and in the header)")
    return fields


def _lastmod(value: Any) -> _dt.date | None:
    if value is None or isinstance(value, _dt.date):
        return value.date() if isinstance(value, _dt.datetime) else value
    try:
        return _dt.datetime.fromisoformat(str(value).strip()).date()
    except ValueError:
        raise TagRejected(f"the field 'lastmod' has {value!r}, which is not a date (YYYY-MM-DD)") from None


def _notes(fields: dict[str, Any]) -> tuple[str, ...]:
    notes = []
    if fields.get("context"):
        notes.append(f"context: {fields['context']}")
    if fields.get("concepts"):
        notes.append(f"concepts: {', '.join(fields['concepts'])}")
    return tuple(notes)


def _label(fields: dict[str, Any], source: SourceFile) -> Label:
    if "address" not in fields:
        raise TagRejected("it has no 'address' (labels on a transaction alone are not supported yet)")
    try:
        chains_for(fields["network"])
    except AddressRejected as error:
        raise TagRejected(f"the field 'network' (or 'currency'): {error}") from None
    try:
        checked = check_address(fields["address"], fields["network"])
    except AddressRejected as error:
        raise TagRejected(f"the field 'address': {error}") from None
    return Label(
        address=checked.address,
        chains=checked.chains,
        currency=fields["currency"].strip().upper(),
        network=checked.network,
        label=fields["label"],
        source=fields["source"],
        source_sha256=source.sha256,
        confidence=confidence_named(fields["confidence"]),
        importer=IMPORTER,
        category=fields.get("category"),
        actor=fields.get("actor"),
        abuse=fields.get("abuse"),
        lastmod=_lastmod(fields.get("lastmod")),
        tx_hash=fields.get("tx_hash"),
        is_cluster_definer=bool(fields.get("is_cluster_definer", False)),
        tag_type=fields.get("tag_type"),
        notes=_notes(fields),
    )


def _where(index: int, tag: Any) -> tuple[str, str]:
    address = tag.get("address") if isinstance(tag, dict) else None
    return f"tag {index}", str(address) if address is not None else ""


def parse_tagpack(source: SourceFile, schema: TagPackSchema = DEFAULT_SCHEMA) -> LabelImport:
    """Read a TagPack: one label per valid tag, one rejected entry (with reason) per other tag."""
    pack = _parse_yaml(source)
    inherited = _check_header(pack, schema, source.path)
    labels: list[Label] = []
    rejected: list[RejectedEntry] = []
    for index, tag in enumerate(pack["tags"], start=1):
        try:
            labels.append(_label(_tag_fields(tag, inherited, schema), source))
        except TagRejected as error:
            where, value = _where(index, tag)
            rejected.append(RejectedEntry(where, value, str(error)))
    return LabelImport(source.path, IMPORTER, source.sha256, tuple(labels), tuple(rejected))
