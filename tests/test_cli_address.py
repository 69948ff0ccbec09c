"""The ``cointrail address`` command, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys

VALID = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
INVALID = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"


def cointrail(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cointrail", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_json_fields_and_exit_code_when_all_valid():
    result = cointrail("address", VALID, "--json")
    assert result.returncode == 0, result.stderr
    [item] = json.loads(result.stdout)
    for field in ("input", "valid", "chains", "network", "type", "normalized", "private", "reason"):
        assert field in item
    assert item["valid"] and item["chains"] == ["bitcoin"] and item["type"] == "p2wpkh"


def test_exit_code_one_when_any_invalid_and_text_says_why():
    result = cointrail("address", VALID, INVALID)
    assert result.returncode == 1
    assert "✓ " + VALID in result.stdout and "checksum does not match" in result.stdout


def test_reads_standard_input():
    result = cointrail("address", "-", "--json", stdin=f"{VALID}\n\n{INVALID}\n")
    assert [item["valid"] for item in json.loads(result.stdout)] == [True, False]


def test_usage_errors_are_one_sentence_without_traceback():
    result = cointrail("address")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert cointrail("no-such-command").returncode == 2
