"""Case folders, settings precedence and the hash-chained custody log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cointrail.cases import cases_root, create_case, entry_hash, list_cases, open_case, operator_name
from cointrail.errors import InputError


def test_new_case_has_its_record_and_first_log_entry(tmp_path: Path) -> None:
    case = create_case("op-nightjar", root=tmp_path, operator="Ana Investigator")
    meta = json.loads((case.folder / "case.json").read_text())
    assert meta["name"] == "op-nightjar" and meta["operator"] == "Ana Investigator"
    (entry,) = case.log.entries()
    assert entry["seq"] == 1 and entry["action"] == "case.create" and entry["object"] == "case.json"
    assert entry["prev_hash"] == "0" * 64 and entry["entry_hash"] == entry_hash(entry)
    assert not (case.folder / "case.json").stat().st_mode & 0o222


def test_each_entry_links_to_the_one_before(tmp_path: Path) -> None:
    case = create_case("c1", root=tmp_path, operator="a")
    case.add_evidence(b"one", ".txt", "test.add")
    case.add_evidence(b"two", ".txt", "test.add")
    entries = case.log.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert all(b["prev_hash"] == a["entry_hash"] for a, b in zip(entries, entries[1:], strict=False))
    assert case.log.check().intact


def test_evidence_is_named_by_content_and_read_only(tmp_path: Path) -> None:
    case = create_case("c1", root=tmp_path, operator="a")
    kept = case.add_evidence(b"hello", ".txt", "test.add")
    path, digest = kept.path, kept.sha256
    assert kept.entry == case.log.entries()[-1] and kept.entry["sha256"] == digest  # the one call logs it
    assert kept.object == kept.entry["object"] == case.relative(path) and kept.entry["action"] == "test.add"
    assert path.name == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.txt" == digest + ".txt"
    assert not path.stat().st_mode & 0o222
    again = case.add_evidence(b"hello", ".txt", "test.add").path
    assert again == path and path.read_bytes() == b"hello"
    assert not list((case.folder / "scratch").iterdir())


def test_list_and_open(tmp_path: Path) -> None:
    create_case("b-case", root=tmp_path, operator="x")
    create_case("a-case", root=tmp_path, operator="y")
    assert [c["name"] for c in list_cases(tmp_path)] == ["a-case", "b-case"]
    assert open_case("a-case", root=tmp_path, operator="z").operator == "z"
    with pytest.raises(InputError, match="no case named 'zzz'"):
        open_case("zzz", root=tmp_path)
    with pytest.raises(InputError, match="already exists"):
        create_case("a-case", root=tmp_path)


@pytest.mark.parametrize("name", ["", "../escape", ".hidden", "a/b", "x" * 65, "spa ce"])
def test_unsafe_case_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="cannot be a case name"):
        create_case(name, root=tmp_path)


def test_settings_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COINTRAIL_CASES", raising=False)
    monkeypatch.delenv("COINTRAIL_OPERATOR", raising=False)
    assert cases_root() == Path("cases")
    monkeypatch.setenv("COINTRAIL_CASES", str(tmp_path))
    assert cases_root() == tmp_path and cases_root("elsewhere") == Path("elsewhere")
    assert operator_name()  # the OS user
    monkeypatch.setenv("COINTRAIL_OPERATOR", "Env Person")
    assert operator_name() == "Env Person" and operator_name("Flag Person") == "Flag Person"
