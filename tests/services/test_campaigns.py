"""Marketing that never touches health data: campaigns by channel to those whose consent
counts at the moment of sending, an unsubscribe link in every message that works at once and
without sign-in, and every way of reaching a health field refused and audited."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage, Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from tests.services.clinic import actor, agree, events, hire
from tests.services.test_policy_change import variant

from hippocratic.domain.consent import ConsentKind, Control, Presentation
from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.services.audience import Audience, Criterion
from hippocratic.services.campaigns import CampaignDraft, Campaigns
from hippocratic.services.consents import ConsentChoice, Consents
from hippocratic.services.dispatch import PostSpool
from hippocratic.services.mailer import SmtpMailer
from hippocratic.services.policy_change import change_policy
from hippocratic.services.records import Records
from hippocratic.services.sms_gateway import WebhookSms
from hippocratic.services.store import Store
from hippocratic.services.unsubscribe import InvalidLink, unsubscribe
from hippocratic.storage.campaign import CampaignMessageRow
from hippocratic.storage.clinic import CommunicationRow

BODY = "Hello {name},\n\nOur new evening clinics are open.\n\nUnsubscribe: {unsubscribe_url}\n"
MO = ("harmonic", "mo")


class Outbox:
    """A mailer that keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.messages.append(message)


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpMailer, _Collect]]:
    handler = _Collect()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpMailer("127.0.0.1", port), handler
    finally:
        controller.stop()


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def patient(store: Store, name: str, email: str) -> str:
    return Records(store, actor("harmonic", "rita")).register(
        "care", {"full_name": name, "email": email, "phone": "07700 900123"}
    )


def opted_in(store: Store, subject: str, *channels: str) -> None:
    agree(store, actor(*MO), subject, "marketing", tuple(channels))


def draft(store: Store, **changes: Any) -> str:
    fields: dict[str, Any] = {
        "name": "Evening clinics",
        "channel": "email",
        "subject_line": "Evening clinics at {clinic}",
        "body": BODY,
    } | changes
    return Campaigns(store, actor(*MO)).create(CampaignDraft(**fields)).campaign_id


@pytest.mark.promise("S0-43", "S1-16", "L-10", "S0-44")
def test_a_campaign_reaches_only_those_opted_in_on_its_channel_with_the_rfc_8058_headers(
    clinic: Store, smtp: tuple[SmtpMailer, _Collect]
) -> None:
    mailer, received = smtp
    ada = patient(clinic, "Ada Example", "ada@example.org")
    bob = patient(clinic, "Bob Example", "bob@example.org")
    patient(clinic, "Cy Example", "cy@example.org")  # never asked: never sent to
    opted_in(clinic, ada, "email")
    opted_in(clinic, bob, "sms")  # a text, not an email
    campaign = draft(clinic)
    report = Campaigns(clinic, actor(*MO)).send(campaign, mailer)
    assert (report.audience, report.sent, report.failed, report.skipped) == (1, 1, 0, 0)
    (message,) = received.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Evening clinics at Harmonic Medical Sonography"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"<(https?://[^>]+/unsubscribe/[^>]+)>", message["List-Unsubscribe"])
    body = message.get_payload(decode=True).decode("utf-8")
    assert link is not None and link.group(1) in body
    assert "Hello Ada Example" in body
    with clinic.sessions() as session:
        sent = session.scalars(select(CampaignMessageRow)).all()
        logged = session.scalars(select(CommunicationRow)).all()
    assert [(m.subject_id, m.status) for m in sent] == [(ada, "sent")]
    assert [(c.subject_id, c.direction, c.purpose) for c in logged] == [
        (ada, "outbound", "marketing")
    ]
    reads = [e for e in events(clinic) if e.subject_id == ada and e.action == "read"]
    assert reads[-1].purpose == "marketing" and reads[-1].outcome == "allowed"
    with pytest.raises(Conflict, match="was sent"):
        Campaigns(clinic, actor(*MO)).send(campaign, mailer)


class _Provider(BaseHTTPRequestHandler):
    """An SMS provider's HTTP API, as far as Hippocratic uses it."""

    received: ClassVar[list[tuple[str | None, dict[str, str]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers.get("Authorization"), json.loads(body)))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[tuple[WebhookSms, list[tuple[str | None, dict[str, str]]]]]:
    server = HTTPServer(("127.0.0.1", 0), _Provider)
    _Provider.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield WebhookSms(f"http://127.0.0.1:{server.server_port}/send", "t0ken"), _Provider.received
    finally:
        server.shutdown()


def test_a_text_campaign_goes_through_the_sms_gateway_and_waits_without_one(
    clinic: Store, provider: tuple[WebhookSms, list[tuple[str | None, dict[str, str]]]]
) -> None:
    gateway, received = provider
    ada = patient(clinic, "Ada Example", "ada@example.org")
    opted_in(clinic, ada, "sms")
    opted_in(clinic, patient(clinic, "Bob Example", "bob@example.org"), "email")
    texts = draft(clinic, channel="sms", subject_line="News")
    outbox = Outbox()
    with pytest.raises(Conflict, match="no sms gateway"):
        Campaigns(clinic, actor(*MO)).send(texts, outbox)
    assert Campaigns(clinic, actor(*MO)).campaigns()[0].sent_at is None  # still a draft
    report = Campaigns(clinic, actor(*MO)).send(texts, outbox, gateway)
    assert (report.audience, report.sent, outbox.messages) == (1, 1, [])
    ((authorisation, message),) = received
    assert authorisation == "Bearer t0ken"
    assert message["to"] == "+447700900123"
    assert "Hello Ada Example" in message["body"] and "/unsubscribe/harmonic." in message["body"]


@pytest.mark.promise("S0-12")
def test_an_opt_out_at_ten_keeps_the_patient_out_of_a_send_a_minute_later(
    clinic: Store, clock: Any
) -> None:
    ada = patient(clinic, "Ada Example", "ada@example.org")
    opted_in(clinic, ada, "email")
    campaign = draft(clinic)
    agree(clinic, actor("harmonic", "rita"), ada, "marketing", kind=ConsentKind.WITHDRAWN)
    clock.advance(timedelta(minutes=1))
    outbox = Outbox()
    report = Campaigns(clinic, actor(*MO)).send(campaign, outbox)
    assert (report.audience, report.sent, outbox.messages) == (0, 0, [])


@pytest.mark.promise("S0-13", "S0-44", "S1-17", "S0-108")
def test_the_unsubscribe_link_works_without_sign_in_and_holds_for_the_next_send(
    clinic: Store,
) -> None:
    ada = patient(clinic, "Ada Example", "ada@example.org")
    opted_in(clinic, ada, "email", "sms")
    outbox = Outbox()
    Campaigns(clinic, actor(*MO)).send(draft(clinic), outbox)
    token = outbox.messages[0]["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    done = unsubscribe(clinic, token)
    assert (done.channel, done.purpose_title) == ("email", "Telling you about our services")
    later = Outbox()
    assert Campaigns(clinic, actor(*MO)).send(draft(clinic), later).sent == 0
    texts = Campaigns(clinic, actor(*MO)).preview(Audience("marketing", "sms"))
    assert texts == 1  # unsubscribing from email leaves the texts she asked for
    history = Consents(clinic, actor("harmonic", "dee")).history(ada, "rights_requests")
    last = history.events[-1]
    assert (last.kind, last.method, last.recorded_role) == (
        ConsentKind.WITHDRAWN,
        "unsubscribe_link",
        "patient",
    )
    with clinic.sessions() as session:
        assert session.scalars(select(CampaignMessageRow.unsubscribed)).one() is True
    assert ada not in token and "marketing" not in token  # the address reveals nothing
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, "harmony." + token.split(".", 1)[1], "nowhere." + token.split(".")[1]):
        with pytest.raises(InvalidLink):
            unsubscribe(clinic, bad)


@pytest.mark.promise("S0-13")
def test_a_template_without_its_unsubscribe_link_is_refused(clinic: Store) -> None:
    with pytest.raises(InputError, match="unsubscribe link"):
        draft(clinic, body="Hello {name}, come and see us.")
    with pytest.raises(InputError, match="braces"):
        draft(clinic, body="Hello {name {unsubscribe_url}")


@pytest.mark.promise("S0-45", "S0-67")
@pytest.mark.parametrize(
    ("audience", "rule"),
    [
        (Audience("marketing", "email", (Criterion("service_booked", "x"),)), "category:purchases"),
        (Audience("marketing", "email", (Criterion("medical_history", "x"),)), "medical_history"),
        (Audience("marketing", "email", (Criterion("appointment.service", "x"),)), "appointment"),
        (Audience("marketing", "email", (Criterion("referral.reason", "x"),)), "record:referral"),
        (Audience("marketing", "email", (Criterion("pages_visited", "/scans"),)), "usage"),
        (Audience("marketing", "email", columns=("email", "service_booked")), "purchases"),
        (Audience("marketing", "email", order_by="scan_report"), "scan_record"),
    ],
)
def test_every_way_of_reaching_health_data_is_refused_and_audited(
    clinic: Store, audience: Audience, rule: str
) -> None:
    with pytest.raises(AccessDenied) as refused:
        Campaigns(clinic, actor(*MO)).preview(audience)
    assert any(rule in r for r in refused.value.details["rules"])
    last = events(clinic)[-1]
    assert (last.actor, last.outcome, last.purpose) == ("mo", "denied", "marketing")
    assert rule in last.rule_ids


@pytest.mark.promise("S0-45")
def test_a_template_placeholder_naming_health_data_is_refused_and_audited(clinic: Store) -> None:
    with pytest.raises(AccessDenied, match="health"):
        draft(clinic, body="Your {service_booked} went well! {unsubscribe_url}")
    assert "marketing:firewall/category:purchases" in events(clinic)[-1].rule_ids
    with pytest.raises(InputError, match="may use only"):
        draft(clinic, body="Dear {email} {unsubscribe_url}")


@pytest.mark.promise("S0-39")
def test_optional_service_messages_go_only_to_those_who_asked_for_them(clinic: Store) -> None:
    ada = patient(clinic, "Ada Example", "ada@example.org")
    patient(clinic, "Bob Example", "bob@example.org")
    rita = Campaigns(clinic, actor("harmonic", "rita"))
    audience = Audience("optional_service_messages", "email")
    assert rita.preview(audience) == 0
    agree(clinic, actor("harmonic", "rita"), ada, "optional_service_messages", ("email",))
    assert rita.preview(audience) == 1
    with pytest.raises(AccessDenied):  # reception does not do marketing
        rita.preview(Audience("marketing", "email"))


def test_campaign_performance_loses_the_patient_after_the_policys_180_days(
    clinic: Store, clock: Any
) -> None:
    ada = patient(clinic, "Ada Example", "ada@example.org")
    opted_in(clinic, ada, "email")
    Campaigns(clinic, actor(*MO)).send(draft(clinic), Outbox())
    clock.advance(timedelta(days=179))
    assert Campaigns(clinic, actor(*MO)).anonymise_performance() == 0
    clock.advance(timedelta(days=2))
    assert Campaigns(clinic, actor(*MO)).anonymise_performance() == 1
    with clinic.sessions() as session:
        (message,) = session.scalars(select(CampaignMessageRow)).all()
    assert (message.subject_id, message.status) == (None, "sent")
    assert "1 message(s) anonymised" in (events(clinic)[-1].reason or "")


@pytest.mark.promise("S0-11")
def test_a_soft_opt_in_counts_only_where_the_policy_allows_it_and_as_recorded(
    clinic: Store, tmp_path: Path
) -> None:
    ada = patient(clinic, "Ada Example", "ada@example.org")
    mo = Campaigns(clinic, actor(*MO))
    change_policy(
        clinic,
        variant(
            tmp_path,
            ('version: "2024-11-18"', 'version: "2026-12-01"'),
            ("  model: opt_in  ", "  model: soft_opt_in  "),
        ),
    )
    assert mo.preview(Audience("marketing", "email")) == 0  # no opt-out offer recorded
    soft = ConsentChoice(
        purpose="marketing",
        kind=ConsentKind.SOFT_OPT_IN,
        method="in_person",
        presentation=Presentation(Control.SPOKEN),
        wording=clinic.policy_of("harmonic").purpose_by_key["marketing"].consent.wording,  # type: ignore[union-attr]
        channels=("email",),
        evidence="offered the opt-out at the desk when paying; she did not take it",
        service="early_pregnancy_scan",
    )
    with pytest.raises(InputError, match="reveals something about the patient's health"):
        Consents(clinic, actor(*MO)).record(ada, soft)
    from dataclasses import replace

    Consents(clinic, actor(*MO)).record(ada, replace(soft, service="health_check_scan"))
    about = Audience("marketing", "email", service="health_check_scan")
    assert Campaigns(clinic, actor(*MO)).preview(about) == 1
    # A soft opt-in covers only a campaign about what was bought or a similar service (S0-42).
    assert Campaigns(clinic, actor(*MO)).preview(Audience("marketing", "email")) == 0


def test_a_letter_campaign_goes_into_the_print_spool(clinic: Store, tmp_path: Path) -> None:
    change_policy(
        clinic,
        variant(
            tmp_path,
            ('version: "2024-11-18"', 'version: "2026-12-01"'),
            ("any message or email Admin@harmonicmedicalsonography.com.\n      channels: [email, sms]",
             "any message or email Admin@harmonicmedicalsonography.com.\n      channels: [email, sms, post]"),
        ),
    )  # fmt: skip
    ada = Records(clinic, actor("harmonic", "rita")).register(
        "care", {"full_name": "Ada Example", "postal_address": "1 Example Road, Manchester M1 1AA"}
    )
    new_words = clinic.policy_of("harmonic").purpose_by_key["marketing"].consent
    assert new_words is not None and "post" in new_words.channels
    agree(clinic, actor(*MO), ada, "marketing", ("post",))
    letters = draft(clinic, channel="post", subject_line="Evening clinics")
    with pytest.raises(Conflict, match="HIPPOCRATIC_POST_SPOOL"):
        Campaigns(clinic, actor(*MO)).send(letters, Outbox())
    spool = PostSpool(tmp_path / "spool")
    report = Campaigns(clinic, actor(*MO)).send(letters, Outbox(), post=spool)
    assert (report.audience, report.sent) == (1, 1)
    (letter,) = (tmp_path / "spool").iterdir()
    text = letter.read_text(encoding="utf-8")
    assert text.startswith("Ada Example\n1 Example Road, Manchester M1 1AA\n")
    assert "To stop these letters: http" in text and "/unsubscribe/harmonic." in text
    assert letter.stat().st_mode & 0o777 == 0o600
