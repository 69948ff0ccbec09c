"""The demo investigation runs end to end, offline, as a new user would run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cointrail", "demo", "--workdir", str(tmp_path), "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    demo = json.loads(result.stdout)
    summary = demo["capture"]["summary"]
    found = {item["address"]: item for item in summary["addresses"]}
    assert "rltc1qwm9sthf6900t0c7wu93ne9hu6g28yl73f4chg7" in found  # hidden with zero-width spaces
    assert found["rltc1qkl7q9fyp8xpgrs820z079zf4r7wh2tzjztsxhx"]["amounts"] == ["0.15 LTC"]
    assert "qr-code" in found["rltc1qkl7q9fyp8xpgrs820z079zf4r7wh2tzjztsxhx"]["sources"]
    assert all(check["valid"] for check in demo["address_checks"])
    assert demo["verification"]["intact"]
    assert demo["tamper_test"]["caught"]


def test_demo_text_tells_the_story(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cointrail", "demo", "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for words in ("Step 1: capture", "zero-width", "intact", "caught by verify"):
        assert words in result.stdout
