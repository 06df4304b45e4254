"""Sending email: the SMTP relay the clinic uses, and the shape of a message that can always
be unsubscribed from (RFC 8058: ``List-Unsubscribe`` with an HTTPS link and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, so mail clients offer one-click
unsubscribe without the patient signing in).

Where the relay is: ``HIPPOCRATIC_SMTP_HOST`` and ``HIPPOCRATIC_SMTP_PORT`` (default
127.0.0.1:25), the sender ``HIPPOCRATIC_MAIL_FROM`` (default the organisation's privacy
contact), and links point at ``HIPPOCRATIC_PUBLIC_URL`` (default http://localhost:8000).
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Protocol

from hippocratic.errors import ConfigurationError

HEADERS = SMTP.clone(max_line_length=998)
"""RFC 5322's own line limit, so a long unsubscribe link stays one plain ``<URI>`` (folding
would encode it, and mail clients would no longer offer one-click unsubscribe)."""
SMTP_HOST_ENV = "HIPPOCRATIC_SMTP_HOST"
SMTP_PORT_ENV = "HIPPOCRATIC_SMTP_PORT"
MAIL_FROM_ENV = "HIPPOCRATIC_MAIL_FROM"
PUBLIC_URL_ENV = "HIPPOCRATIC_PUBLIC_URL"


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    host: str = "127.0.0.1"
    port: int = 25
    timeout: float = 10.0

    @classmethod
    def from_environment(cls) -> SmtpMailer:
        port = os.environ.get(SMTP_PORT_ENV, "25")
        if not port.isdigit():
            raise ConfigurationError(f"{SMTP_PORT_ENV} must be a port number, not {port!r}")
        return cls(os.environ.get(SMTP_HOST_ENV, "127.0.0.1"), int(port))

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as relay:
            relay.send_message(message)


def public_url() -> str:
    return os.environ.get(PUBLIC_URL_ENV, "http://localhost:8000").rstrip("/")


def unsubscribable(
    sender: str,
    to: str,
    subject: str,
    body: str,
    unsubscribe_url: str,
    list_id: str,
) -> EmailMessage:
    """A plain-text message whose every copy can be unsubscribed from in one click."""
    message = EmailMessage(policy=HEADERS)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    message["List-Id"] = list_id
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    return message
