"""Names and text from users are checked before anything is written; a damaged case never breaks the others.

Issue 22: an operator name that was not UTF-8 left a half-made case after which the case list failed for every
case, and ``verify`` crashed (exit 4) instead of reporting (exit 1) on such a log line or on deeply nested JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from cointrail.cases import create_case, list_cases, open_case, verify_case
from cointrail.cli import main
from cointrail.errors import InputError
from cointrail.web import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))
from webserver import serving  # noqa: E402

NOT_UTF8 = b"Ann \xff Smith".decode("utf-8", "surrogateescape")  # what Python makes of such command-line bytes


@pytest.mark.parametrize("operator", [NOT_UTF8, "Ann\u202eevil", "Ann\x1b[31mRed", "Ann\nSmith", " ", "x" * 201])
def test_an_operator_name_that_cannot_be_logged_is_refused_before_anything_is_written(tmp_path: Path,
                                                                                      operator: str) -> None:
    with pytest.raises(InputError, match="cannot be the operator name"):
        create_case("bad", root=tmp_path, operator=operator)
    assert not (tmp_path / "bad").exists()


def test_the_cli_refuses_a_bad_operator_with_exit_2_and_the_list_still_works(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture) -> None:
    root = str(tmp_path / "cases")
    assert main(["case", "new", "good", "--cases-dir", root, "--operator", "Ann Smith"]) == 0
    assert main(["case", "new", "bad", "--cases-dir", root, "--operator", NOT_UTF8]) == 2
    assert "bytes that are not UTF-8" in capsys.readouterr().err
    assert not (tmp_path / "cases" / "bad").exists()
    assert main(["case", "list", "--cases-dir", root, "--json"]) == 0
    assert [c["name"] for c in json.loads(capsys.readouterr().out)] == ["good"]


def _half_made(root: Path) -> Path:
    """A case left by the old code: case.json naming an operator with a lone surrogate, an empty log."""
    folder = root / "halfmade"
    for sub in ("evidence", "work", "scratch"):
        (folder / sub).mkdir(parents=True)
    (folder / "case.json").write_text(json.dumps({"name": "halfmade", "operator": NOT_UTF8, "created_utc": "x"}))
    (folder / "custody.jsonl").write_bytes(b"")
    return folder


def test_one_damaged_case_does_not_break_the_list_in_the_cli_or_the_workspace(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture) -> None:
    root = tmp_path / "cases"
    create_case("good", root=root, operator="Ann Smith")
    _half_made(root)
    nested = root / "nested"
    nested.mkdir()
    (nested / "case.json").write_text("[" * 100_000)
    listed = {c["name"]: c for c in list_cases(root)}
    assert listed["good"]["created_by"] == "Ann Smith"
    assert listed["halfmade"]["created_by"] == "Ann \\udcff Smith"  # shown escaped, never a crash
    assert "not valid JSON" in listed["nested"]["damaged"]
    assert main(["case", "list", "--cases-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "good" in out and "nested" in out and "DAMAGED" in out
    with serving(Workspace(root, "Web Tester")) as served, httpx.Client(base_url=served.url) as client:
        assert client.get("/api/cases").status_code == 200
        page = client.get("/cases")
        assert page.status_code == 200 and "good" in page.text and "damaged" in page.text


def _verify_cli(root: Path, name: str) -> int:
    return main(["verify", "--case", name, "--cases-dir", str(root), "--operator", "Checker"])


@pytest.mark.parametrize("line", [
    b"[" * 100_000,  # nested too deeply for the JSON parser
    b"\xff\xfe not utf-8\n",
    json.dumps({k: "\udcff" for k in ("seq", "time_utc", "operator", "action", "object", "sha256", "prev_hash",
                                      "entry_hash")}).encode(),  # a lone surrogate, escaped  # fmt: skip
])
def test_verify_reports_a_damaged_log_line_with_exit_1_never_a_crash(tmp_path: Path, line: bytes,
                                                                     capsys: pytest.CaptureFixture) -> None:
    case = create_case("tampered", root=tmp_path, operator="Ann Smith")
    case.add_evidence(b"evidence\n", ".txt", "test.add")
    with open(case.log.path, "ab") as log:
        log.write(line + b"\n")
    report = verify_case(open_case("tampered", tmp_path, "Checker"))
    assert not report.intact and any("line 3 of the custody log" in p for p in report.log_problems)
    assert _verify_cli(tmp_path, "tampered") == 1
    assert "NOT intact" in capsys.readouterr().out


def test_verify_reports_a_half_made_case_and_a_damaged_case_json(tmp_path: Path) -> None:
    _half_made(tmp_path)
    assert _verify_cli(tmp_path, "halfmade") == 1  # case.json on disk, never logged
    case = create_case("nested", root=tmp_path, operator="Ann Smith")
    json_file = case.folder / "case.json"
    json_file.chmod(0o644)
    json_file.write_text("[" * 100_000)
    assert _verify_cli(tmp_path, "nested") == 1
