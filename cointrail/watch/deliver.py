"""Alerts delivered: a signed webhook, e-mail (SMTP with STARTTLS), a desktop notification; from an outbox.

The case is the outbox. Each channel is logged once when a case first uses it (``watch channel``); from then on
every alert the case raises is delivered to it until the log records that it was (``watch alert delivered``, with
the SHA-256 of exactly what was sent). A channel that is down is tried again with a growing pause, and what it
missed is sent when it is back, after a restart too. An alert is kept in the case exactly once; a delivery can
come twice only if a run dies between a receiver's "200 OK" and the log entry, so every delivery carries the
alert's id for the receiver to see it twice (the webhook's ``X-Cointrail-Alert`` header, the e-mail's Message-ID).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import smtplib
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

import httpx

from cointrail.cases import Case
from cointrail.cases.custody import canonical_json
from cointrail.errors import InputError
from cointrail.tls import verified_context
from cointrail.watch.alerts import Alert, case_alerts, delivered, record_delivery

CHANNEL = "watch channel"
FIRST_RETRY_SECONDS, LONGEST_RETRY_SECONDS = 2.0, 300.0


class Channel(Protocol):
    """Somewhere alerts go; ``name`` is how the custody log names it."""

    @property
    def name(self) -> str: ...

    def send(self, alert: Alert) -> bytes:
        """Deliver ``alert``; return exactly the bytes sent (hashed into the log); raise on failure."""
        ...


def alert_payload(alert: Alert) -> bytes:
    """The JSON every channel sends: the alert as kept, where the case keeps it and when it was raised."""
    return canonical_json(alert.kept())


@dataclass
class Webhook:
    """A JSON POST, signed: ``X-Cointrail-Signature: sha256=HMAC-SHA256(secret, body)``."""

    url: str
    secret: str
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise InputError(f"the webhook must be an http(s) URL: {self.url!r}")
        if not self.secret:
            raise InputError("a webhook needs a secret to sign its alerts with: set $COINTRAIL_WEBHOOK_SECRET")

    @property
    def name(self) -> str:
        return f"webhook {self.url}"

    def send(self, alert: Alert) -> bytes:
        body = alert_payload(alert)
        signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Cointrail-Alert": alert.alert_id,
                   "X-Cointrail-Signature": f"sha256={signature}", "User-Agent": "cointrail-watch"}  # fmt: skip
        answer = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout, verify=verified_context())
        if not answer.is_success:
            raise OSError(f"the webhook answered HTTP {answer.status_code}")
        return body


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """Whether a webhook body carries a good signature (what a receiver checks)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


@dataclass
class Mail:
    """E-mail through an SMTP server, upgraded with STARTTLS unless told the server is on loopback without it."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 20.0

    @property
    def name(self) -> str:
        return f"mail {','.join(self.recipients)}"

    def message(self, alert: Alert) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = f"[cointrail {alert.case}] {'URGENT: ' if alert.urgent else ''}{alert.headline}"[:250]
        mail["From"], mail["To"] = self.sender, ", ".join(self.recipients)
        mail["Message-ID"] = f"<{alert.alert_id}.{alert.case}@cointrail>"
        mail.set_content(mail_text(alert))
        mail.add_attachment(alert_payload(alert), maintype="application", subtype="json",
                            filename=f"{alert.alert_id}.json")  # fmt: skip
        return mail

    def send(self, alert: Alert) -> bytes:
        mail = self.message(alert)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(mail)
        return mail.as_bytes()


def mail_text(alert: Alert) -> str:
    """The alert in words, for people: what moved, where, why it is tracked, and the freeze requests."""
    lines = [alert.headline, "", f"Transaction {alert.txid}, block {alert.height} ({alert.block_time}).",
             f"Why: {alert.reason}."]  # fmt: skip
    lines += [f"  - {d['words']}" for d in alert.destinations]
    if alert.coinjoin:
        lines.append(f"The transaction is a CoinJoin ({alert.coinjoin['rule']}): the trail is broken there.")
    for request in alert.freeze_requests:
        lines += ["", "Ready freeze request:", request["text"]]
    lines += ["", f"Kept in case {alert.case} as {alert.evidence} (raised {alert.raised_utc})."]
    return "\n".join(lines)


@dataclass
class Desktop:
    """A desktop notification (``notify-send``), where a desktop session offers one."""

    @property
    def name(self) -> str:
        return "desktop"

    @staticmethod
    def available() -> bool:
        session = os.environ.get("DBUS_SESSION_BUS_ADDRESS") or os.environ.get("DISPLAY")
        return bool(session) and shutil.which("notify-send") is not None

    def send(self, alert: Alert) -> bytes:
        text = alert.headline.encode()
        urgency = "critical" if alert.urgent else "normal"
        subprocess.run(["notify-send", "-u", urgency, f"cointrail {alert.case}", alert.headline], check=True,
                       timeout=10, capture_output=True)  # fmt: skip
        return text


@dataclass
class Outbox:
    """What the channels still owe: the case's alerts raised since each channel was first used, not yet delivered."""

    case: Case
    channels: list[Channel]
    retry_at: dict[str, float] = field(default_factory=dict)
    pause: dict[str, float] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        used = {e["object"] for e in self.case.log.entries() if e["action"] == CHANNEL}
        for channel in self.channels:
            if channel.name not in used:
                self.case.record(CHANNEL, channel.name)

    def pending(self) -> dict[str, list[Alert]]:
        """Per channel, the alerts it has not received yet, oldest first."""
        entries = self.case.log.entries()  # read and its chain checked once, not once per question asked of it
        since = {e["object"]: e["time_utc"] for e in entries if e["action"] == CHANNEL}
        done, alerts = delivered(self.case, entries), case_alerts(self.case, entries)
        return {c.name: [a for a in alerts if (a.raised_utc or "") >= since[c.name]
                         and (a.alert_id, c.name) not in done] for c in self.channels}  # fmt: skip

    def flush(self) -> int:
        """Deliver what is owed, channel by channel (a failing one waits, the others go on); how many went."""
        sent = 0
        owed = self.pending()
        for channel in self.channels:
            if time.monotonic() < self.retry_at.get(channel.name, 0):
                continue
            for alert in owed[channel.name]:
                try:
                    payload = channel.send(alert)
                except (OSError, httpx.HTTPError, smtplib.SMTPException, subprocess.SubprocessError) as error:
                    self._failed(channel.name, error)
                    break
                record_delivery(self.case, alert, channel.name, payload)
                self.pause.pop(channel.name, None)
                self.last_error.pop(channel.name, None)
                sent += 1
        return sent

    def _failed(self, name: str, error: BaseException) -> None:
        pause = min(self.pause.get(name, FIRST_RETRY_SECONDS / 2) * 2, LONGEST_RETRY_SECONDS)
        self.pause[name] = pause
        self.retry_at[name] = time.monotonic() + pause
        self.last_error[name] = f"{type(error).__name__}: {error}"

    def waiting(self) -> int:
        return sum(len(v) for v in self.pending().values())

    def describe_errors(self) -> str:
        return "; ".join(f"{name}: {error} (next try in {self.pause.get(name, 0):.0f} s)"
                         for name, error in self.last_error.items())  # fmt: skip
