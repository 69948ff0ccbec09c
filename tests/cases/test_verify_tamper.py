"""``verify`` catches every kind of tampering with evidence or the custody log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cointrail.cases import Case, create_case, verify_case


@pytest.fixture
def case(tmp_path: Path) -> Case:
    case = create_case("tamper", root=tmp_path, operator="Test Operator")
    for n in range(3):
        case.add_evidence(f"evidence number {n}\n".encode(), ".txt", "test.add")
    return case


def _lines(case: Case) -> list[bytes]:
    return case.log.path.read_bytes().splitlines(keepends=True)


def _write_lines(case: Case, lines: list[bytes]) -> None:
    case.log.path.write_bytes(b"".join(lines))


def _evidence(case: Case) -> Path:
    return sorted((case.folder / "evidence").iterdir())[0]


def test_an_untouched_case_is_intact_and_the_check_is_logged(case: Case) -> None:
    report = verify_case(case)
    assert report.intact and report.files_checked == 4 and report.logged_as == 5
    assert verify_case(case).intact  # the verify entry itself keeps the chain whole


def test_one_changed_byte_is_caught(case: Case) -> None:
    path = _evidence(case)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    report = verify_case(case)
    assert not report.intact and [c["file"] for c in report.changed] == [case.relative(path)]


def test_a_deleted_log_line_is_caught(case: Case) -> None:
    lines = _lines(case)
    _write_lines(case, lines[:1] + lines[2:])
    report = verify_case(case)
    assert not report.intact
    assert any("entry 3 where entry 2 was expected" in p for p in report.log_problems)
    assert report.added  # the evidence that entry named is now unaccounted for


def test_a_deleted_last_line_is_caught(case: Case) -> None:
    _write_lines(case, _lines(case)[:-1])
    report = verify_case(case)
    assert any("head file" in p for p in report.log_problems) and report.added


def test_reordered_lines_are_caught(case: Case) -> None:
    lines = _lines(case)
    lines[1], lines[2] = lines[2], lines[1]
    _write_lines(case, lines)
    assert any("does not link" in p for p in verify_case(case).log_problems)


def test_an_edited_entry_is_caught(case: Case) -> None:
    lines = _lines(case)
    lines[1] = lines[1].replace(b"Test Operator", b"Someone Else")
    _write_lines(case, lines)
    assert any("was altered" in p for p in verify_case(case).log_problems)


def test_an_unknown_file_is_caught(case: Case) -> None:
    (case.folder / "evidence" / "planted.html").write_bytes(b"<p>not captured by us</p>")
    assert verify_case(case).added == ["evidence/planted.html"]


def test_a_missing_file_is_caught(case: Case) -> None:
    path = _evidence(case)
    path.unlink()
    assert verify_case(case).missing == [case.relative(path)]


def test_a_damaged_case_is_left_as_found(case: Case) -> None:
    (case.folder / "evidence" / "planted").write_bytes(b"x")
    before = case.log.path.read_bytes()
    assert not verify_case(case).intact
    assert case.log.path.read_bytes() == before


def test_garbage_in_the_log_is_reported_not_crashed_on(case: Case) -> None:
    _write_lines(case, _lines(case) + [b"{not json\n"])
    assert any("not valid JSON" in p for p in verify_case(case).log_problems)


def test_nothing_is_chained_to_a_damaged_last_line(case: Case) -> None:
    from cointrail.errors import IntegrityError

    _write_lines(case, _lines(case) + [b"{not json\n"])
    with pytest.raises(IntegrityError, match="last line is damaged"):
        case.add_evidence(b"more", ".txt", "test.add")
