"""The real ``cointrail extract`` command, run as a separate process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from extraction_makers import evm, p2pkh


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "cointrail", "extract", *args],
        input=stdin.decode("utf-8") if stdin is not None else None,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert "Traceback" not in result.stderr
    return result


def page(tmp_path: Path) -> tuple[Path, str, str]:
    a, b = p2pkh(1), evm(1)
    path = tmp_path / "page.html"
    path.write_text(
        f'<p>Paiement : <a href="bitcoin:{a}?amount=0.01&amp;label=VIP">{a}</a></p>\n'
        f"<p>ETH: {b[:20]}\u200b{b[20:]}</p>\n",
        encoding="utf-8",
    )
    return path, a, b


def test_json_output(tmp_path: Path) -> None:
    path, a, b = page(tmp_path)
    result = run(str(path), "--json")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert [f["address"] for f in findings] == [a, a, b]
    assert findings[0]["amount"] == "0.01" and findings[0]["label"] == "VIP"
    assert findings[2]["tricks"] == ["zero-width characters inside"]
    data = path.read_bytes()
    for finding in findings:
        assert data[finding["offset"]:finding["offset"] + finding["length"]].decode() == finding["input"]


def test_text_output(tmp_path: Path) -> None:
    path, a, b = page(tmp_path)
    result = run(str(path))
    assert result.returncode == 0
    assert result.stdout.startswith(f"Found 3 addresses in {path} (2 distinct):")
    assert "amount asked: 0.01 BTC" in result.stdout
    assert "written in a hidden way: zero-width characters inside" in result.stdout
    assert b in result.stdout


def test_standard_input_and_nothing_found() -> None:
    result = run("-", "--json", stdin=b"nothing to see here " + b"ab" * 32)
    assert result.returncode == 0 and json.loads(result.stdout) == []
    result = run("-", stdin=b"plain words")
    assert result.returncode == 0 and "No cryptocurrency addresses found in standard input." in result.stdout


def test_unreadable_file_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    result = run(str(tmp_path / "missing.html"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: cannot read {tmp_path / 'missing.html'}: there is no such file"
    result = run(str(tmp_path), "--json")
    assert result.returncode == 2 and "it is a folder" in result.stderr


def test_binary_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "dump.bin"
    path.write_bytes(bytes(range(256)) * 100 + p2pkh(2).encode() + b"\x00\xff")
    result = run(str(path), "--json")
    assert result.returncode == 0
    assert [f["offset"] for f in json.loads(result.stdout)] == [25600]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = run(str(path), "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == []
