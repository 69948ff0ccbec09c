"""What a user sees when the node is unreachable, refuses the credentials, or is not a node."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback import serving
from node import RegtestNode, free_port

from cointrail.cli import main

pytestmark = [pytest.mark.node]


class _WebPage(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        body = b"<html><body>a web site, not a node</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    with serving(_WebPage) as url:
        yield url


def _ingest(db: Path, *args: str, network: str = "regtest") -> int:
    return main(["ingest", "--chain", "litecoin", "--network", network, "--db", str(db), *args])


def test_unreachable_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    assert _ingest(tmp_path / "s.duckdb", "--rpc", url, "--rpc-user", "u", "--rpc-password", "p") == 3
    error = capsys.readouterr().err
    assert f"cannot reach the node at {url}" in error and "RPC port" in error and "Traceback" not in error


def test_a_failed_first_ingest_leaves_no_store_behind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13: an empty store bound to the chain made address-info answer "never appears" for every address."""
    db = tmp_path / "s.duckdb"
    url = f"http://127.0.0.1:{free_port()}/"
    assert _ingest(db, "--rpc", url, "--rpc-user", "u", "--rpc-password", "p") == 3
    assert not db.exists() and not (tmp_path / "s.duckdb.wal").exists()
    assert _ingest(db, "--blocks", str(tmp_path)) == 2  # no block files there: refused the same way
    assert not db.exists()
    capsys.readouterr()


def test_a_failed_ingest_keeps_a_store_that_existed(economy_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "kept.duckdb"
    db.write_bytes(economy_store.read_bytes())
    assert _ingest(db, "--rpc", f"http://127.0.0.1:{free_port()}/", "--rpc-user", "u", "--rpc-password", "p") == 3
    assert db.exists() and main(["block", "0", "--db", str(db), "--json"]) == 0


def test_not_a_node(tmp_path: Path, web_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _ingest(tmp_path / "s.duckdb", "--rpc", web_server, "--rpc-user", "u", "--rpc-password", "p") == 3
    assert "is this URL a Bitcoin-family node's RPC port?" in capsys.readouterr().err


def test_bad_credentials(economy: RegtestNode, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _ingest(tmp_path / "s.duckdb", "--rpc", economy.url, "--rpc-user", "__cookie__", "--rpc-password", "no") == 3
    error = capsys.readouterr().err
    assert f"the node at {economy.url} refused the credentials" in error


def test_missing_cookie_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _ingest(tmp_path / "s.duckdb", "--rpc", "http://127.0.0.1:1/", "--cookie", str(tmp_path / "none")) == 2
    assert "cookie file" in capsys.readouterr().err


def test_wrong_network(economy: RegtestNode, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _ingest(tmp_path / "s.duckdb", "--rpc", economy.url, "--cookie", str(economy.cookie), network="mainnet")
    assert code == 2
    assert "runs regtest" in capsys.readouterr().err


def test_store_of_another_chain(economy_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--chain", "dogecoin", "--network", "regtest", "--db", str(economy_store),
                 "--blocks", "/nonexistent"]) == 2  # fmt: skip
    assert "holds litecoin regtest" in capsys.readouterr().err


def test_one_source_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _ingest(tmp_path / "s.duckdb") == 2
    assert "exactly one source" in capsys.readouterr().err
