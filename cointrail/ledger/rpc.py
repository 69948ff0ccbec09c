"""A client for the JSON-RPC of Bitcoin Core family nodes (Bitcoin, Litecoin, Dogecoin, Bitcoin Cash).

Only what ingestion needs: single and batched calls over one pooled httpx
client that worker threads share. Every failure becomes an
:class:`~cointrail.errors.ExternalServiceError` saying which node and what to
do; credentials never appear in messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from cointrail.errors import ExternalServiceError, InputError

# Node errors that mean "try again shortly" (RPC_IN_WARMUP).
RPC_IN_WARMUP = -28


def read_cookie(path: str | Path) -> tuple[str, str]:
    """User and password from a node's ``.cookie`` file (``__cookie__:<hex>``)."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except OSError as error:
        raise InputError(f"cannot read the node's cookie file {path}: {error.strerror}") from error
    user, sep, password = text.partition(":")
    if not sep:
        raise InputError(f"{path} is not a node cookie file (expected 'user:password' on one line)")
    return user, password


class RpcError(ExternalServiceError):
    """The node answered a call with an error object."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class NodeRpc:
    """JSON-RPC to one node; safe to share between threads."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None, *, timeout: float = 60, connections: int = 8):
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InputError(f"{url!r} is not a node RPC URL (expected e.g. http://127.0.0.1:9332)")
        if auth is None and parsed.username:
            auth = (parsed.username, parsed.password or "")
        self.url = str(parsed.copy_with(username=None, password=None))
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._client = httpx.Client(auth=auth, timeout=timeout, limits=limits)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> NodeRpc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, *params: Any) -> Any:
        """One call; returns its ``result`` or raises :class:`RpcError`."""
        answer = self._post({"jsonrpc": "1.0", "id": 0, "method": method, "params": list(params)}, method)
        if not isinstance(answer, dict) or "result" not in answer:
            raise self._broken(method, "an answer without a result")
        return self._result(answer, method)

    def batch(self, method: str, params_list: list[list[Any]]) -> list[Any]:
        """The same method called with each parameter list, in one HTTP request."""
        if not params_list:
            return []
        payload = [{"jsonrpc": "1.0", "id": i, "method": method, "params": p} for i, p in enumerate(params_list)]
        answers = self._post(payload, method)
        if not isinstance(answers, list) or len(answers) != len(payload):
            raise self._broken(method, "a batch answer of the wrong shape")
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        return [self._result(by_id.get(i, {}), method) for i in range(len(payload))]

    def _post(self, payload: Any, method: str) -> Any:
        try:
            response = self._client.post(self.url, json=payload)
        except httpx.TimeoutException as error:
            raise ExternalServiceError(
                f"the node at {self.url} did not answer {method} in time: it may be busy; "
                "try again, or lower --concurrency"
            ) from error
        except httpx.HTTPError as error:
            raise ExternalServiceError(
                f"cannot reach the node at {self.url} ({type(error).__name__}): is it running with -server, "
                "and are the host and RPC port right?"
            ) from error
        return self._decode(response, method)

    def _decode(self, response: httpx.Response, method: str) -> Any:
        if response.status_code in (401, 403):
            raise ExternalServiceError(
                f"the node at {self.url} refused the credentials (HTTP {response.status_code}): check --cookie "
                "or --rpc-user/--rpc-password, and the node's rpcallowip"
            )
        try:
            return response.json()
        except ValueError:
            raise self._broken(method, f"HTTP {response.status_code} without JSON") from None

    def _result(self, answer: dict[str, Any], method: str) -> Any:
        error = answer.get("error")
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            text = error.get("message") if isinstance(error, dict) else str(error)
            if code == RPC_IN_WARMUP:
                raise RpcError(f"the node at {self.url} is still starting ({text}); try again in a minute", code)
            raise RpcError(f"the node at {self.url} answered {method} with error {code}: {text}", code)
        if "result" not in answer:
            raise self._broken(method, "an answer without a result")
        return answer["result"]

    def _broken(self, method: str, what: str) -> ExternalServiceError:
        return ExternalServiceError(
            f"the node at {self.url} sent {what} to {method}: is this URL a Bitcoin-family node's RPC port?"
        )


def connect(url: str, cookie: str | Path | None = None, user: str | None = None, password: str | None = None,
            *, connections: int = 8) -> NodeRpc:  # fmt: skip
    """A client for ``url`` with a cookie file, a user and password, or credentials in the URL."""
    if cookie and user:
        raise InputError("give either --cookie or --rpc-user/--rpc-password, not both")
    auth = read_cookie(cookie) if cookie else (user, password or "") if user else None
    return NodeRpc(url, auth, connections=connections)
