"""A patient's portal sign-in code on its way: which field of the record it goes to (the email
address or the mobile number), the words that carry it, and sending it, to the address or
number on the record: email through the clinic's SMTP relay (``mailer``, as campaigns use it),
texts through the SMS provider's webhook (``sms_gateway``).

For a local demo, with no relay or provider to hand, ``HIPPOCRATIC_CODE_SPOOL`` names a
directory that takes every code instead, one plain-text file per message (0600), as the print
spool takes letters (``dispatch``). Never set it on a real clinic's server: whoever reads the
directory can sign in as the patient. With none of these set up for a channel, the code is not
sent, and that is a security event.
"""

from __future__ import annotations

import os
import smtplib
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from hippocratic.domain.health_content import health_terms
from hippocratic.domain.personal_detail import DetailKind, email, phone
from hippocratic.errors import ConfigurationError, InputError
from hippocratic.policy.document import Policy
from hippocratic.services.dispatch import DeliveryFailed
from hippocratic.services.field_input import detail_kind
from hippocratic.services.mailer import HEADERS, MAIL_FROM_ENV, Mailer, SmtpMailer
from hippocratic.services.sms_gateway import SmsFailed, SmsGateway, WebhookSms

CODE_SPOOL_ENV = "HIPPOCRATIC_CODE_SPOOL"

__all__ = ["CodeSpool", "CodeTransports", "DeliveryFailed", "SignInMessage"]


@dataclass(frozen=True)
class SignInMessage:
    """One code on its way. The address and the words (which hold the code) are left out of
    ``repr``, so a log line or a traceback never shows them."""

    channel: str
    """``email`` or ``phone``."""
    to: str = field(repr=False)
    sender: str
    subject: str
    body: str = field(repr=False)


@dataclass(frozen=True)
class CodeSpool:
    directory: Path

    def send(self, message: SignInMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / f"{uuid.uuid4()}.txt"
        text = f"To: {message.to}\nBy: {message.channel}\n\n{message.subject}\n\n{message.body}\n"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)


@dataclass(frozen=True)
class CodeTransports:
    mailer: Mailer | None = None
    sms: SmsGateway | None = None
    spool: CodeSpool | None = None
    """When set, every code goes here and nowhere else (a local demo)."""

    @classmethod
    def from_environment(cls) -> CodeTransports:
        spool = os.environ.get(CODE_SPOOL_ENV, "").strip()
        if spool:
            return cls(spool=CodeSpool(Path(spool)))
        return cls(SmtpMailer.from_environment(), WebhookSms.from_environment())

    def deliver(self, message: SignInMessage) -> None:
        """Send it, or ``DeliveryFailed`` saying why not (never with the address or code)."""
        try:
            if self.spool is not None:
                self.spool.send(message)
            elif message.channel == "email" and self.mailer is not None:
                self.mailer.send(mail_of(message))
            elif message.channel == "phone" and self.sms is not None:
                self.sms.send(message.to, message.body)
            else:
                raise DeliveryFailed(f"no transport for {message.channel} is set up")
        except (OSError, smtplib.SMTPException, SmsFailed) as exc:
            raise DeliveryFailed(type(exc).__name__) from None


def mail_of(message: SignInMessage) -> EmailMessage:
    """A plain-text message, marked as sent by a machine (RFC 3834), so nobody replies."""
    mail = EmailMessage(policy=HEADERS)
    mail["From"] = os.environ.get(MAIL_FROM_ENV) or message.sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=message.sender.rsplit("@", 1)[-1] or None)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    return mail


@dataclass(frozen=True)
class Contact:
    """What the person typed, checked: which field it is and its stored form."""

    field: str
    kind: DetailKind
    value: str


def contact_fields(policy: Policy) -> dict[DetailKind, str]:
    """The identifier fields of each kind of contact a code can go to, and the date of birth."""
    found: dict[DetailKind, str] = {}
    for category in policy.categories:
        for spec in category.fields:
            kind = detail_kind(policy, spec.key)
            wanted = (DetailKind.EMAIL, DetailKind.PHONE, DetailKind.DATE_OF_BIRTH)
            if kind in wanted and (spec.identifier or kind is DetailKind.DATE_OF_BIRTH):
                found.setdefault(kind, spec.key)
    return found


def parse_contact(policy: Policy, typed: str) -> Contact:
    """An email address if it has an ``@``, else a phone number; ``InputError`` if neither."""
    fields = contact_fields(policy)
    kind = DetailKind.EMAIL if "@" in typed else DetailKind.PHONE
    name = fields.get(kind)
    if name is None:
        raise InputError(
            f"{policy.organisation.display_name} does not send codes by "
            f"{'email' if kind is DetailKind.EMAIL else 'text message'}",
            field="contact",
        )
    label = "email address" if kind is DetailKind.EMAIL else "mobile number"
    try:
        value = email(typed, label) if kind is DetailKind.EMAIL else phone(typed, label)
    except InputError as bad:
        raise InputError(bad.message, field="contact", hint=bad.hint) from None
    return Contact(name, kind, value)


TEXT_WORDS = "{code} is your {clinic} sign-in code. It works for {minutes} minutes. Never share it."
EMAIL_WORDS = (
    "Your sign-in code for {clinic} is {code}.\n\n"
    "Type it on the sign-in page within {minutes} minutes. Do not share it with "
    "anyone: {clinic} will never ask you for it.\n\n"
    "If you did not ask for this code, you can ignore this message. Nobody can sign "
    "in without it.\n"
)
SUBJECT_WORDS = "Your {clinic} sign-in code"


def message(policy: Policy, channel: str, to: str, code: str, minutes: int) -> SignInMessage:
    """The words that carry a code, for an email or a text message; ``ConfigurationError`` if
    they would say anything about anyone's health (S0-107)."""
    clinic = policy.organisation.display_name
    contact = policy.organisation.privacy_contact.email
    sender = str(contact) if contact else f"no-reply@{policy.organisation.key}.example.org"
    words = TEXT_WORDS if channel == "phone" else EMAIL_WORDS
    body = words.format(code=code, clinic=clinic, minutes=minutes)
    subject = SUBJECT_WORDS.format(clinic=clinic)
    check_notification(policy, f"{subject}\n{body}")
    return SignInMessage(channel, to, sender, subject, body)


def check_notification(policy: Policy, text: str) -> None:
    """Refuse a notification that carries health content: the built-in clinical vocabulary,
    the titles of the policy's special-category fields and of its health-revealing services.
    The clinic's own names are allowed (every message carries them)."""
    extra = [f.title for c in policy.categories if c.special_category for f in c.fields]
    extra += [s.title for s in policy.services if s.health_revealing]
    names = (policy.organisation.display_name, policy.organisation.legal_name)
    found = health_terms(text, extra, names)
    if found:
        raise ConfigurationError(
            f"a notification would say something about a patient's health ({', '.join(found)}): "
            "email and text messages are not secure, so they say only that something is waiting",
            hint="change the wording; put the content in the portal",
        )
