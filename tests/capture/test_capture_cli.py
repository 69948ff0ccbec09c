"""The case, capture, import-warc and verify commands.

Run in-process through :func:`cointrail.cli.main` (the console script's own
entry point) to keep the suite fast; one test runs a real process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from capture_site import ADDR, Site
from test_capture_hostile import free_port

from cointrail.cli import main


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cointrail(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run a cointrail command line in-process with COINTRAIL_CASES / COINTRAIL_OPERATOR set."""

    def run(*args: str, cases: Path, operator: str = "CLI Operator") -> Run:
        monkeypatch.setenv("COINTRAIL_CASES", str(cases))
        monkeypatch.setenv("COINTRAIL_OPERATOR", operator)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def test_a_real_process_reads_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "COINTRAIL_CASES": str(tmp_path), "COINTRAIL_OPERATOR": "Env Op"}
    done = subprocess.run([sys.executable, "-m", "cointrail", "case", "new", "p", "--json"], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created_by"] == "Env Op" and (tmp_path / "p" / "custody.jsonl").is_file()


def test_case_new_list_show(cointrail: Callable[..., Run], tmp_path: Path) -> None:
    created = cointrail("case", "new", "op-lark", "--json", cases=tmp_path)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["created_by"] == "CLI Operator"
    listed = json.loads(cointrail("case", "list", "--json", cases=tmp_path).stdout)
    assert [c["name"] for c in listed] == ["op-lark"]
    shown = cointrail("case", "show", "op-lark", cases=tmp_path)
    assert "case.create case.json" in shown.stdout
    again = cointrail("case", "new", "op-lark", cases=tmp_path)
    assert again.returncode == 2 and again.stderr.startswith("error: a case named 'op-lark' already exists")


def test_capture_then_verify_then_tamper(cointrail: Callable[..., Run], tmp_path: Path, site: Site) -> None:
    cointrail("case", "new", "c", cases=tmp_path)
    captured = cointrail("capture", site.url + "/", "--case", "c", "--json", cases=tmp_path)
    assert captured.returncode == 0, captured.stderr
    summary = json.loads(captured.stdout)
    assert summary["operator"] == "CLI Operator" and ADDR.text in {a["address"] for a in summary["addresses"]}
    text = cointrail("capture", site.url + "/", "--case", "c", "--operator", "Flag Op", cases=tmp_path)
    assert "by Flag Op" in text.stdout and ADDR.text in text.stdout and "not fetched (safe default)" in text.stdout
    ok = cointrail("verify", "--case", "c", "--json", cases=tmp_path)
    assert ok.returncode == 0 and json.loads(ok.stdout)["intact"]
    warc = tmp_path / "c" / summary["warc"]["path"]
    os.chmod(warc, 0o644)
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0xFF
    warc.write_bytes(bytes(data))
    bad = cointrail("verify", "--case", "c", cases=tmp_path)
    assert bad.returncode == 1 and f"changed: {summary['warc']['path']}" in bad.stdout


def test_failures_are_one_sentence_with_their_exit_codes(cointrail: Callable[..., Run], tmp_path: Path) -> None:
    cointrail("case", "new", "c", cases=tmp_path)
    down = cointrail("capture", f"http://127.0.0.1:{free_port()}/", "--case", "c", cases=tmp_path)
    assert down.returncode == 3 and down.stderr.count("\n") == 1 and "could not connect" in down.stderr
    missing = cointrail("capture", "http://127.0.0.1/", "--case", "nope", cases=tmp_path)
    assert missing.returncode == 2 and "no case named 'nope'" in missing.stderr
    bogus = tmp_path / "x.warc"
    bogus.write_text("hello")
    imported = cointrail("import-warc", str(bogus), "--case", "c", cases=tmp_path)
    assert imported.returncode == 2 and "not a readable WARC" in imported.stderr
    assert "Traceback" not in down.stderr + missing.stderr + imported.stderr


def test_import_warc_command(cointrail: Callable[..., Run], tmp_path: Path) -> None:
    from test_import_warc import crawler_warc

    cointrail("case", "new", "c", cases=tmp_path)
    source = crawler_warc(tmp_path / "crawl.warc.gz")
    result = cointrail("import-warc", str(source), "--case", "c", cases=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ADDR.faq in result.stdout and "1 media record skipped unopened" in result.stdout


def test_capture_refuses_a_redirect_into_the_local_network_unless_allowed(
        cointrail: Callable[..., Run], tmp_path: Path, site: Site) -> None:
    site.routes["/go"] = (302, {"Location": site.url.replace("127.0.0.1", "localhost") + "/faq.html"}, b"")
    assert cointrail("case", "new", "c", cases=tmp_path).returncode == 0
    refused = cointrail("capture", site.url + "/go", "--case", "c", cases=tmp_path)
    assert refused.returncode == 0 and "--allow-private-addresses" in refused.stdout
    assert ADDR.faq not in refused.stdout and site.log == ["/go"]
    allowed = cointrail("capture", site.url + "/go", "--case", "c", "--allow-private-addresses", "--json",
                        cases=tmp_path)
    assert allowed.returncode == 0 and ADDR.faq in {a["address"] for a in json.loads(allowed.stdout)["addresses"]}
