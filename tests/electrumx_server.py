"""A real ElectrumX server (PyPI ``e-x``, LevelDB through ``plyvel``) on loopback over a regtest node, for the tests.

It indexes the node's chain through the node's RPC, as on a real deployment (``COIN=Litecoin NET=regtest``);
:meth:`ElectrumX.start` returns once it answers on TCP (and TLS, with a self-signed certificate made here) and
has indexed the node's tip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from node import RegtestNode, free_port

SERVER = Path(sys.executable).with_name("electrumx_server")
# ElectrumX 2.0 pads its answers against traffic analysis, and holds an answer shorter than 1,024 bytes up to 1 s
# for more to send with it (electrumx.server.transport.PaddedRSTransport.WAIT_FOR_BUFFER_GROWTH_SECONDS, not an
# environment setting): a client asking one question at a time, as the crawl does, gets about one answer a second.
# The tests run the same server with that wait set (0 by default): the same answers, padded the same way, sent at
# once. The benchmark keeps the server's own wait (hold=None), as a deployed server has it.
LAUNCH = ("import os, sys; from electrumx.server.transport import PaddedRSTransport as padded; "
          "padded.WAIT_FOR_BUFFER_GROWTH_SECONDS = float(os.environ['COINTRAIL_TEST_HOLD']); "
          "from electrumx.cli.electrumx_server import main; sys.exit(main())")  # fmt: skip


def electrumx_available() -> bool:
    return SERVER.exists()


def _tip(port: int) -> int | None:
    """The height ElectrumX reports, or None while it does not answer yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            stream = sock.makefile("rwb")
            for n, method, params in ((1, "server.version", ["", "1.4"]), (2, "blockchain.headers.subscribe", [])):
                line = json.dumps({"jsonrpc": "2.0", "id": n, "method": method, "params": params})
                stream.write(line.encode() + b"\n")
                stream.flush()
                answer = json.loads(stream.readline())
            return int(answer["result"]["height"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class ElectrumX:
    """One electrumx_server process over ``node``; ``tcp`` and ``ssl`` are its ports, ``cert`` its certificate."""

    def __init__(self, node: RegtestNode, folder: Path, settings: dict[str, str] | None = None,
                 hold: float | None = 0.0) -> None:  # fmt: skip
        """``settings``: more of ElectrumX's own environment settings, as an operator sets them (``MAX_SEND``);
        ``hold``: the seconds a short answer may wait to be padded with more (None: the server's own, 1 s)."""
        self.node, self.folder, self.settings, self.hold = node, Path(folder), dict(settings or {}), hold
        self.tcp, self.ssl = free_port(), free_port()
        self.cert, self.key = self.folder / "cert.pem", self.folder / "key.pem"
        self.process: subprocess.Popen[bytes] | None = None

    def _certificate(self) -> None:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(self.key),
                        "-out", str(self.cert)], check=True, capture_output=True)  # fmt: skip

    def start(self, timeout: float = 90) -> ElectrumX:
        (self.folder / "db").mkdir(parents=True, exist_ok=True)
        self._certificate()
        user, _, password = self.node.cookie.read_text().strip().partition(":")
        env = {**os.environ, "COIN": "Litecoin", "NET": "regtest", "DB_ENGINE": "leveldb",
               "DB_DIRECTORY": str(self.folder / "db"), "DAEMON_URL": f"http://{user}:{password}@127.0.0.1:{self.node.rpc_port}/",
               "SERVICES": f"tcp://127.0.0.1:{self.tcp},ssl://127.0.0.1:{self.ssl}", "SSL_CERTFILE": str(self.cert),
               "SSL_KEYFILE": str(self.key), "PEER_DISCOVERY": "off", "PEER_ANNOUNCE": "", "ALLOW_ROOT": "1",
               "COST_SOFT_LIMIT": "0", "COST_HARD_LIMIT": "0", "LOG_LEVEL": "warning", **self.settings}  # fmt: skip
        with open(self.folder / "electrumx.log", "wb") as log:  # the process keeps its own copy of the handle
            command = [str(SERVER)] if self.hold is None else [sys.executable, "-c", LAUNCH]
            env["COINTRAIL_TEST_HOLD"] = str(self.hold)
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self.wait_synced(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_synced(self, timeout: float = 60) -> None:
        """Wait until the server has indexed the node's tip."""
        deadline, target = time.monotonic() + timeout, self.node.height()
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"electrumx_server exited with {self.process.returncode}; see "
                                   f"{self.folder / 'electrumx.log'}")  # fmt: skip
            if _tip(self.tcp) == target:
                return
            time.sleep(0.3)
        raise RuntimeError(f"ElectrumX did not index the node's tip {target} within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder / "db", ignore_errors=True)
