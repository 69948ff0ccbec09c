"""``cointrail labels check``, run as a real process on real TagPacks and generated files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path


def cointrail(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cointrail", *args], capture_output=True, text=True, timeout=60)


def test_json_counts_for_a_clean_pack(shared_data: Path):
    path = shared_data / "tagpacks" / "binance_hack.yaml"
    result = cointrail("labels", "check", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "tagpack" and data["label_count"] == 44 and data["rejected_count"] == 0
    assert data["by_currency"] == {"BTC": 44} and data["rejected"] == []
    assert data["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "labels" not in data


def test_rejected_entries_give_exit_code_one_and_are_all_listed(shared_data: Path):
    result = cointrail("labels", "check", str(shared_data / "tagpacks" / "exchange-wallets-kucoin.yaml"))
    assert result.returncode == 1
    assert "42 labels read, 17 entries rejected" in result.stdout
    assert result.stdout.count("✗ tag ") == 17 and "kucoinrise11" in result.stdout


def test_list_and_explicit_format(tmp_path: Path):
    path = tmp_path / "mine.txt"
    path.write_text("address,label,currency,category\n1Archive1n2C579dMsAu3iC6tWzuQJz8dN,archive,BTC,organization\n")
    result = cointrail("labels", "check", str(path), "--format", "csv", "--list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["by_category"] == {"organization": 1}
    assert data["labels"][0]["address"] == "1Archive1n2C579dMsAu3iC6tWzuQJz8dN"
    assert data["labels"][0]["confidence"] == {"name": "unknown", "value": 5}


def test_bad_input_is_one_sentence_and_exit_code_two(tmp_path: Path):
    missing = cointrail("labels", "check", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    unknown = tmp_path / "labels.txt"
    unknown.write_text("hello")
    result = cointrail("labels", "check", str(unknown))
    assert result.returncode == 2 and "--format" in result.stderr
    broken = tmp_path / "pack.yaml"
    broken.write_text("title: [unclosed\n")
    result = cointrail("labels", "check", str(broken))
    assert result.returncode == 2 and "not valid YAML" in result.stderr and "Traceback" not in result.stderr
