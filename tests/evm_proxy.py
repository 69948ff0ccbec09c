"""A JSON-RPC node in front of a real one (anvil), for the Ethereum and Tron ingest tests: it can change answers,
refuse batches as some gateways do, and says which requests came (issue 16)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx


def proxy(upstream: str, change: Any, *, batches: bool | str = True,
          seen: list[str] | None = None) -> type[BaseHTTPRequestHandler]:  # fmt: skip
    """A node in front of ``upstream`` whose answers ``change`` may replace; ``batches=False``: one that refuses
    JSON-RPC batches as some gateways do, with one error for the whole request; ``batches="each"``: with an error
    for each call of the batch, as others do; ``batches="html"``: a gateway answering batches with an HTML page.
    ``seen`` gets "batch" or the method of each request, as it comes."""

    def one(request: dict[str, Any]) -> Any:
        answer = change(request) or httpx.post(upstream, json=request).json()
        if isinstance(answer, dict) and answer.get("result") and request["method"] == "eth_getBlockByNumber":
            answer = change(request, answer) or answer
        return answer

    class Proxy(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if seen is not None:
                seen.append("batch" if isinstance(request, list) else request["method"])
            status = 200
            if isinstance(request, list):  # a batch: each call
                refused = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "no batches"}}
                each = [{**refused, "id": r["id"]} for r in request]
                answer = {True: [one(r) for r in request], False: refused, "each": each}.get(batches)
            else:
                answer = one(request)
            body = json.dumps(answer).encode()
            if batches == "html" and isinstance(request, list):
                status, body = 403, b"<html><body><h1>403 Forbidden</h1>no key</body></html>"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Proxy
