"""``cointrail watch`` against a real litecoind -regtest node, a real SMTP server (aiosmtpd, STARTTLS) and a
webhook receiver: a site's money moved into a labelled exchange is alerted within 2 s of the block, with its freeze
request; a ``kill -9`` and a restart raise nothing twice; a reorg withdraws the alert and the re-mined transaction
is alerted again in its new block."""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from loopback import serving
from node import free_port
from watching import run_once

from cointrail.cases import Case
from cointrail.cases.verify import verify_case
from cointrail.cli import main
from cointrail.simulation.watched import WatchedEconomy as Economy
from cointrail.watch import case_alerts
from cointrail.watch.alerts import DELIVERED, RAISED, WITHDRAWN
from cointrail.watch.deliver import verify_signature

pytestmark = [pytest.mark.node, pytest.mark.slow]

SECRET = "test-webhook-secret"


@dataclass
class Received:
    """What the webhook receiver and the SMTP server got, with the time each arrived."""

    posts: list[tuple[float, dict[str, str], bytes]] = field(default_factory=list)
    mails: list[tuple[float, bytes]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait(self, what: Callable[[], bool], timeout: float = 30) -> None:
        with self.arrived:
            assert self.arrived.wait_for(what, timeout), "nothing arrived in time"


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
def webhook(received: Received) -> Iterator[str]:
    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.end_headers()
            with received.arrived:
                received.posts.append((time.monotonic(), dict(self.headers), body))
                received.arrived.notify_all()

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Hook) as url:
        yield url + "hook"


@pytest.fixture
def smtp(tmp_path: Path, received: Received) -> Iterator[tuple[int, Path]]:
    """A real SMTP server on loopback that requires STARTTLS, with a certificate made for the test."""
    from aiosmtpd.controller import Controller

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl program is needed to make a test certificate")
    key, cert = tmp_path / "smtp-key.pem", tmp_path / "smtp-cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            with received.arrived:
                received.mails.append((time.monotonic(), envelope.content))
                received.arrived.notify_all()
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    try:
        yield port, cert
    finally:
        controller.stop()


def _run_args(eco: Economy, webhook: str, smtp: tuple[int, Path], *extra: str) -> list[str]:
    return ["watch", "run", "--case", eco.case.name, "--cases-dir", str(eco.cases_dir), "--rpc", eco.node.url,
            "--cookie", str(eco.node.cookie), "--poll", "0.2", "--webhook", webhook, "--smtp",
            f"127.0.0.1:{smtp[0]}", "--smtp-cafile", str(smtp[1]), "--mail-from", "watch@unit.example",
            "--mail-to", "duty@unit.example", "--operator", "A. Investigator", *extra]  # fmt: skip


def _start(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "COINTRAIL_WEBHOOK_SECRET": SECRET}
    process = subprocess.Popen([sys.executable, "-m", "cointrail", *args, "--json"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert process.stderr is not None
    line = process.stderr.readline()  # the first health line: caught up with the tip
    assert " watch op-watch: tip " in line, line + process.stderr.read()
    return process


def _actions(case: Case, action: str) -> list[dict[str, Any]]:
    return [e for e in case.log.entries() if e["action"] == action]


def test_money_into_an_exchange_is_alerted_while_the_run_follows_and_never_twice(
        watched: Economy, received: Received, webhook: str, smtp: tuple[int, Path]) -> None:  # fmt: skip
    eco = watched
    process = _start(_run_args(eco, webhook, smtp))
    try:
        # One block first: the run's first ingest in a fresh process compiles the block parser (Numba, cached
        # on disk after), which is no part of the alert's latency.
        eco.node.mine(1)
        assert process.stderr is not None and " watch op-watch: tip 103," in process.stderr.readline()
        txid = eco.spend(eco.deposit, "1.5")
        eco.node.mine(1)
        mined = time.monotonic()
        received.wait(lambda: len(received.posts) >= 1 and len(received.mails) >= 1)
        at, headers, body = received.posts[0]
        # The 2 s latency target is measured in benchmarks/watch_alerts.py on a quiet machine, never here; this
        # bound only catches an alert held back to a later, slower look (the health minute) on a loaded one.
        assert at - mined < 20.0, f"the webhook got the alert {at - mined:.2f} s after the block"
        assert received.mails[0][0] - mined < 20.0
        assert verify_signature(SECRET, body, headers["X-Cointrail-Signature"])
        alert = json.loads(body)
        assert alert["txid"] == txid and alert["kind"] == "spent" and alert["urgent"] is True
        assert alert["amount_text"] == "3 LTC"  # the whole coin the site spent (1.5 paid, the rest change)
        into = [d for d in alert["destinations"] if d["kind"] == "service"]
        assert [(d["address"], d["value"]) for d in into] == [(eco.deposit, 150_000_000)]
        assert "Exchange A deposit" in into[0]["words"] and "investigator:A. Investigator" in into[0]["words"]
        freeze = alert["freeze_requests"][0]
        assert freeze["txid"] == txid and freeze["deposit_address"] == eco.deposit
        assert "freeze" in freeze["text"] and "1.5 LTC" in freeze["text"]
        assert headers["X-Cointrail-Alert"] == alert["alert_id"]
        mail = received.mails[0][1].decode()
        assert "URGENT" in mail and f"Message-ID: <{alert['alert_id']}.op-watch@cointrail>" in mail
        # The change went to a fresh address of the site: followed one hop.
        assert [f["hop"] for f in alert["followed"]] == [1]
        deadline = time.monotonic() + 10
        while len(_actions(eco.case, DELIVERED)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)  # kill -9: no clean stop
        process.communicate()
    assert len(_actions(eco.case, DELIVERED)) == 2  # webhook and mail, each logged once

    other = eco.node.rpc("getnewaddress", wallet="other")
    second = eco.spend(other, "0.5")  # spends the change: hop 1, to someone's fresh address
    eco.node.mine(1)
    process = _start(_run_args(eco, webhook, smtp))
    try:
        received.wait(lambda: len(received.posts) >= 2 and len(received.mails) >= 2)
        time.sleep(1.0)  # a duplicate, if the restart raised one, would come now
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["alerts_raised"] == 1
    alerts = case_alerts(eco.case)
    assert [a.txid for a in alerts] == [txid, second]
    assert alerts[1].hop == 1 and not alerts[1].urgent
    assert len(_actions(eco.case, RAISED)) == 2, "an alert raised twice"
    assert len(received.posts) == 2 and len(received.mails) == 2, "a delivery sent twice"
    assert len(_actions(eco.case, DELIVERED)) == 4
    assert verify_case(eco.case).intact


def test_a_reorg_withdraws_the_alert_and_the_transaction_mined_again_is_a_new_one(watched: Economy) -> None:
    eco = watched
    run_once(eco)  # the first run starts at the tip: nothing yet
    txid = eco.spend(eco.deposit, "1")
    block = eco.node.mine(1)[0]
    run_once(eco)
    first = case_alerts(eco.case)
    assert [(a.txid, a.block_hash, a.urgent) for a in first] == [(txid, block, True)]

    eco.node.rpc("invalidateblock", block)  # the block leaves the chain; its transaction goes back to the mempool
    again = eco.node.mine(2)
    assert txid in eco.node.rpc("getblock", again[0])["tx"]
    run_once(eco)
    alerts = case_alerts(eco.case)
    kinds = [(a.kind, a.block_hash) for a in alerts]
    assert kinds == [("spent", block), (WITHDRAWN, block), ("spent", again[0])]
    assert alerts[1].withdraws == first[0].alert_id and "reorg" in alerts[1].headline
    assert alerts[2].txid == txid and alerts[2].alert_id != first[0].alert_id

    run_once(eco)  # nothing new: nothing raised, nothing withdrawn again
    assert len(case_alerts(eco.case)) == 3


def test_watch_add_list_remove_are_kept_in_the_custody_log(watched: Economy,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    eco = watched
    base = ["--case", eco.case.name, "--cases-dir", str(eco.cases_dir), "--operator", "A. Investigator"]
    assert main(["watch", "add", eco.deposit, "--note", "the exchange deposit", *base, "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["watch_id"] == "W2" and added["addresses"] == [eco.deposit]
    assert main(["watch", "list", *base[:4], "--json"]) == 0
    assert [w["watch_id"] for w in json.loads(capsys.readouterr().out)["watches"]] == ["W1", "W2"]
    assert main(["watch", "remove", "W1", *base]) == 0
    assert "No longer watching W1" in capsys.readouterr().out
    assert main(["watch", "list", *base[:4]]) == 0
    assert capsys.readouterr().out.startswith("W2: " + eco.deposit)
    assert main(["watch", "remove", "W1", *base]) == 2  # already removed: a clear error
    assert "no watch W1" in capsys.readouterr().err
    assert main(["watch", "add", "0xnot-an-address", *base]) == 2
    assert "not a valid address" in capsys.readouterr().err
    assert verify_case(eco.case).intact


def test_a_node_that_restarts_under_the_run_is_waited_for_and_nothing_is_missed(
        watched: Economy, received: Received, webhook: str, smtp: tuple[int, Path]) -> None:  # fmt: skip
    eco = watched
    process = _start(_run_args(eco, webhook, smtp, "--max-hops", "3"))
    assert process.stderr is not None
    try:
        eco.node.stop()  # a network drop, as the run sees it: the node stops answering
        line = process.stderr.readline()
        assert "cannot connect yet" in line or "trying again" in line, line  # the run waits, and says so
        eco.node.start()  # back, with a new .cookie: the run must read it again
        for wallet in ("miner", "site"):
            eco.node.rpc("loadwallet", wallet)
        txid = eco.spend(eco.deposit, "1")
        eco.node.mine(1)
        received.wait(lambda: len(received.posts) >= 1, timeout=60)
        assert json.loads(received.posts[0][2])["txid"] == txid
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert [a.txid for a in case_alerts(eco.case)] == [txid]
