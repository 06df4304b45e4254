"""Sending text messages through the clinic's SMS provider, over its HTTP API.

Hippocratic posts ``{"to": "+447700900123", "body": "..."}`` as JSON to the webhook in
``HIPPOCRATIC_SMS_WEBHOOK_URL`` with ``Authorization: Bearer`` and the token in
``HIPPOCRATIC_SMS_WEBHOOK_TOKEN`` (most providers take this shape, or a small relay turns it
into theirs); a 2xx answer is sent. Without the URL there is no gateway, and a text campaign is
drafted and counted but not sent. Numbers go in E.164 form.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

import phonenumbers

SMS_URL_ENV = "HIPPOCRATIC_SMS_WEBHOOK_URL"
SMS_TOKEN_ENV = "HIPPOCRATIC_SMS_WEBHOOK_TOKEN"  # noqa: S105 (the variable's name, not a secret)


class SmsFailed(Exception):
    """The provider did not take the message."""


class SmsGateway(Protocol):
    def send(self, to: str, body: str) -> None: ...


@dataclass(frozen=True)
class WebhookSms:
    url: str
    token: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_environment(cls) -> WebhookSms | None:
        url = os.environ.get(SMS_URL_ENV, "").strip()
        return cls(url, os.environ.get(SMS_TOKEN_ENV) or None) if url else None

    def send(self, to: str, body: str) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise SmsFailed(f"{SMS_URL_ENV} must be an http(s) address")
        try:
            number = phonenumbers.parse(to, "GB")
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            payload = json.dumps({"to": e164, "body": body}).encode("utf-8")
            request = urllib.request.Request(self.url, data=payload, method="POST")  # noqa: S310
            request.add_header("Content-Type", "application/json")
            if self.token:
                request.add_header("Authorization", f"Bearer {self.token}")
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                if not 200 <= answer.status < 300:
                    raise SmsFailed(f"the SMS provider answered {answer.status}")
        except (urllib.error.URLError, OSError, phonenumbers.NumberParseException) as exc:
            raise SmsFailed(str(exc)) from exc
