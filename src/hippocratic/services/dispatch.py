"""Delivering one campaign message by its channel: email through the SMTP mailer (with the
RFC 8058 headers), texts through the SMS provider's webhook, letters into the print spool
(``HIPPOCRATIC_POST_SPOOL``: one plain-text letter per person, 0600, for the clinic to print
and post, each ending with the address that unsubscribes). A channel with nothing set up is
not ``ready``: its campaigns are drafted and counted, not sent."""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from pathlib import Path

from hippocratic.services.mailer import Mailer, SmtpMailer, unsubscribable
from hippocratic.services.sms_gateway import SMS_URL_ENV, SmsFailed, SmsGateway, WebhookSms

POST_SPOOL_ENV = "HIPPOCRATIC_POST_SPOOL"
SETUP = {"sms": SMS_URL_ENV, "post": POST_SPOOL_ENV}


class DeliveryFailed(Exception):
    """The transport did not take the message."""


@dataclass(frozen=True)
class Outgoing:
    channel: str
    to: str
    name: str
    subject: str
    body: str
    unsubscribe_url: str
    list_id: str
    sender: str
    message_id: str


@dataclass(frozen=True)
class PostSpool:
    directory: Path

    def send(self, letter: Outgoing) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / f"{letter.message_id}.txt"
        text = (
            f"{letter.name}\n{letter.to}\n\n{letter.subject}\n\n{letter.body}\n\n"
            f"To stop these letters: {letter.unsubscribe_url}\n"
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)


@dataclass(frozen=True)
class Transports:
    mailer: Mailer
    sms: SmsGateway | None = None
    post: PostSpool | None = None

    @classmethod
    def from_environment(
        cls,
        mailer: Mailer | None = None,
        sms: SmsGateway | None = None,
        post: PostSpool | None = None,
    ) -> Transports:
        spool = os.environ.get(POST_SPOOL_ENV, "").strip()
        return cls(
            mailer or SmtpMailer.from_environment(),
            sms or WebhookSms.from_environment(),
            post or (PostSpool(Path(spool)) if spool else None),
        )

    def ready(self, channel: str) -> bool:
        return (
            channel == "email"
            or (channel == "sms" and self.sms is not None)
            or (channel == "post" and self.post is not None)
        )

    def deliver(self, message: Outgoing) -> None:
        try:
            if message.channel == "sms" and self.sms is not None:
                self.sms.send(message.to, message.body)
            elif message.channel == "post" and self.post is not None:
                self.post.send(message)
            elif message.channel == "email":
                self.mailer.send(unsubscribable(
                    message.sender, message.to, message.subject, message.body,
                    message.unsubscribe_url, message.list_id,
                ))  # fmt: skip
            else:
                raise DeliveryFailed(f"no {message.channel} transport is set up")
        except (OSError, smtplib.SMTPException, SmsFailed) as exc:
            raise DeliveryFailed(str(exc)) from exc
