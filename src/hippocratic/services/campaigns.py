"""Campaigns by channel, sent only to those whose consent counts at the moment of sending:
a campaign is a template and an audience (``services.audience``). The template may use only
``{name}``, ``{clinic}`` and ``{unsubscribe_url}``, and must carry the unsubscribe link
(S0-13); a placeholder naming any other field is refused, and one naming health data is a
refusal on the ledger. Sending evaluates the audience at that moment, checks each person's
consent on the channel again just before their message, reads their name and address
through the guard (so each message is an audited access), delivers it by its channel
(``dispatch``) and logs it in the patient's communications. An opt-out recorded at
10:00 keeps the patient out of a send at 10:01.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.domain.calendar import add_months
from hippocratic.errors import AccessDenied, Conflict, InputError, NotFound
from hippocratic.guard.decision import Action, Decision
from hippocratic.policy.purpose import Purpose
from hippocratic.services import art14_tasks
from hippocratic.services.audience import (
    ADDRESS,
    NAME,
    Audience,
    Criterion,
    Firewall,
    count,
    facts_of,
    members,
    refusals,
    subjects,
)
from hippocratic.services.clinic_service import LONDON, ClinicService, refusal
from hippocratic.services.dispatch import SETUP, DeliveryFailed, Outgoing, PostSpool, Transports
from hippocratic.services.mailer import Mailer, public_url
from hippocratic.services.records import Records
from hippocratic.services.sms_gateway import SmsGateway
from hippocratic.services.unsubscribe import Unsubscribe, issue
from hippocratic.storage.campaign import (
    CampaignMessageRow,
    CampaignRow,
    anonymise_sent,
    tallies,
)
from hippocratic.storage.campaign import channel_live as live_on
from hippocratic.storage.clinic import CommunicationRow
from hippocratic.storage.database import reading
from hippocratic.storage.subject import SubjectRow

PLACEHOLDERS = frozenset({"name", "clinic", "unsubscribe_url"})


@dataclass(frozen=True)
class CampaignDraft:
    name: str
    channel: str
    subject_line: str
    body: str
    purpose: str | None = None
    """Default: the policy's marketing purpose."""
    criteria: tuple[Criterion, ...] = ()
    service: str | None = None
    """The organisation's own service it is about (a soft opt-in needs one: S0-42)."""


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    purpose: str
    channel: str
    subject_line: str
    body: str
    criteria: list[dict[str, str]]
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    sent: int = 0
    failed: int = 0
    unsubscribed: int = 0
    service: str | None = None


@dataclass(frozen=True)
class SendReport:
    campaign_id: str
    audience: int
    sent: int
    failed: int
    skipped: int
    """In the audience when the send began, but no longer consenting (or no address) when
    their turn came."""


class Campaigns(ClinicService):
    def preview(self, audience: Audience) -> int:
        """How many people the audience holds now; audited as one search. An audience with no
        purpose is for the policy's marketing purpose."""
        purpose = self._purpose(audience.purpose or None)
        audience = replace(audience, purpose=purpose.key)
        self._firewall(audience)
        condition = members(
            self.policy, self.compiled, self.actor.actor, self.actor.role, audience,
            facts_of(audience), self.now(),
        )  # fmt: skip
        with self.store.sessions.begin() as session:
            found = count(session, condition)
            self._record(session, purpose.key, True, f"audience counted: {found}")
        return found

    def create(self, draft: CampaignDraft) -> Campaign:
        purpose = self._purpose(draft.purpose)
        audience = Audience(purpose.key, draft.channel, draft.criteria, service=draft.service)
        if draft.service is not None and draft.service not in self.policy.service_by_key:
            raise InputError(f"no service {draft.service!r} in the policy", field="service")
        self._firewall(audience)
        self._template(purpose, draft.subject_line, draft.body)
        if not draft.name.strip() or len(draft.name) > 200 or len(draft.subject_line) > 200:
            raise InputError("a campaign needs a name and a subject of at most 200 characters")
        row = CampaignRow(
            organisation_id=self.organisation,
            campaign_id=str(uuid.uuid4()),
            name=draft.name.strip(),
            purpose=purpose.key,
            channel=draft.channel,
            subject_line=draft.subject_line,
            body=draft.body,
            criteria=json.dumps([[c.fact, c.value] for c in draft.criteria]),
            created_by=self.actor.actor,
            created_at=self.now(),
            service=draft.service,
        )
        with self.store.sessions.begin() as session:
            session.add(row)
            self._record(session, purpose.key, True, f"campaign {row.campaign_id} drafted")
        return _view(row)

    def campaigns(self, purpose: str | None = None) -> list[Campaign]:
        """The campaigns sent under ``purpose`` (default marketing), newest first, with how
        many messages went, failed and were unsubscribed from."""
        chosen = self._purpose(purpose)
        with self.store.sessions() as session:
            rows = session.scalars(
                select(CampaignRow)
                .where(
                    CampaignRow.organisation_id == self.organisation,
                    CampaignRow.purpose == chosen.key,
                )
                .order_by(CampaignRow.created_at.desc())
            )
            counts = tallies(session, self.organisation)
            return [_view(row, counts.get(row.campaign_id, (0, 0, 0))) for row in rows]

    def send(
        self,
        campaign_id: str,
        mailer: Mailer | None = None,
        sms: SmsGateway | None = None,
        post: PostSpool | None = None,
    ) -> SendReport:
        """Send a drafted campaign now, through its channel's transport (``dispatch``; by
        default those the environment sets up)."""
        transports = Transports.from_environment(mailer, sms, post)
        now = self.now()
        with self.store.sessions.begin() as session:
            row = session.get(CampaignRow, (self.organisation, campaign_id), with_for_update=True)
            if row is None:
                raise NotFound(f"no campaign {campaign_id}", field="campaign")
            if row.sent_at is not None:
                raise Conflict(f"campaign {row.name!r} was sent on {row.sent_at:%d %b %Y}")
            if not transports.ready(row.channel):
                raise Conflict(
                    f"no {row.channel} gateway is set up ({SETUP.get(row.channel, '')}); "
                    f"a {row.channel} campaign can be drafted and counted, not sent",
                )
            purpose = self._purpose(row.purpose)
            criteria = tuple(Criterion(f, v) for f, v in json.loads(row.criteria))
            audience = Audience(purpose.key, row.channel, criteria, service=row.service)
            condition = members(
                self.policy, self.compiled, self.actor.actor, self.actor.role, audience,
                facts_of(audience), now,
            )  # fmt: skip
            everyone = subjects(session, condition)
            row.sent_at = now
            self._record(session, purpose.key, True, f"campaign {campaign_id}: {len(everyone)}")
        sent = failed = skipped = 0
        for subject in everyone:
            outcome = self._send_one(row, purpose, subject, transports)
            sent, failed, skipped = (
                sent + (outcome == "sent"),
                failed + (outcome == "failed"),
                skipped + (outcome == "skipped"),
            )
        return SendReport(campaign_id, len(everyone), sent, failed, skipped)

    def anonymise_performance(self) -> int:
        """Clear the patient from messages older than the policy's period for campaign
        performance data (Harmonic: 180 days); audited with the count, never the patients."""
        marketing = self.policy.marketing
        key = marketing.campaign_retention if marketing else None
        rule = next((r for r in self.policy.retention if r.key == key), None)
        if marketing is None or rule is None or rule.duration is None:
            return 0
        period = rule.duration
        day, _ = add_months(self.today(), -(period.years * 12 + period.months))
        cutoff = datetime.combine(day - timedelta(days=period.days), datetime.min.time(), LONDON)
        with self.store.sessions.begin() as session:
            cleared = anonymise_sent(session, self.organisation, cutoff)
            self._record(session, marketing.purpose or "", True,
                         f"{cleared} message(s) anonymised under {rule.key}")  # fmt: skip
        return cleared

    # -- one message -----------------------------------------------------------------------

    def _send_one(
        self, row: CampaignRow, purpose: Purpose, subject: str, transports: Transports
    ) -> str:
        terms = self.compiled.purposes[purpose.key].consent_terms
        with reading(self.store.engine) as session:
            still = session.scalar(
                select(live_on(self.organisation, SubjectRow.subject_id, purpose.key,
                               row.channel, self.now(), terms))
                .where(SubjectRow.organisation_id == self.organisation,
                       SubjectRow.subject_id == subject)
            )  # fmt: skip
        if not still:
            return "skipped"
        address = ADDRESS[row.channel]
        try:
            values = Records(self.store, self.actor).read(subject, purpose.key, [NAME, address])
        except AccessDenied:
            return "skipped"
        to = values.get(address)
        if to is None or to.state.value != "value" or not to.value:
            return "skipped"
        name = values.get(NAME)
        message_id = str(uuid.uuid4())
        link = issue(self.store, Unsubscribe(self.organisation, subject, purpose.key,
                                             row.channel, message_id))  # fmt: skip
        url = f"{public_url()}/unsubscribe/{link}"
        fields = {
            "name": name.value if name is not None and name.value else "there",
            "clinic": self.policy.organisation.display_name,
            "unsubscribe_url": url,
        }
        contact = self.policy.organisation.privacy_contact.email
        status = "sent"
        try:
            transports.deliver(Outgoing(
                row.channel, to.value, fields["name"], row.subject_line.format_map(fields),
                row.body.format_map(fields), url,
                f"{row.name} <{row.campaign_id}.{self.organisation}.hippocratic>",
                str(contact) if contact else f"no-reply@{self.organisation}.example.org",
                message_id,
            ))  # fmt: skip
        except DeliveryFailed:
            status = "failed"
        self._log(row, purpose, subject, message_id, status)
        return status

    def _log(
        self, row: CampaignRow, purpose: Purpose, subject: str, message_id: str, status: str
    ) -> None:
        now = self.now()
        with self.store.sessions.begin() as session:
            session.add(
                CampaignMessageRow(
                    organisation_id=self.organisation, message_id=message_id,
                    campaign_id=row.campaign_id, subject_id=subject, channel=row.channel,
                    status=status, sent_at=now, unsubscribed=False, attempts=1,
                )
            )  # fmt: skip
            binding = self.policy.records.communication
            if status == "sent" and binding is not None:
                communication_id = str(uuid.uuid4())
                summary = f"{purpose.title} ({row.channel}): {row.name}"
                session.add(
                    CommunicationRow(
                        organisation_id=self.organisation, communication_id=communication_id,
                        subject_id=subject, direction="outbound", channel=row.channel,
                        purpose=purpose.key,
                        summary=self.seal(subject, binding.summary_field, communication_id,
                                          summary),
                        occurred_at=now, recorded_by=self.actor.actor,
                    )
                )  # fmt: skip
                art14_tasks.first_contact(
                    session, self.organisation, subject, now.astimezone(LONDON).date()
                )

    # -- the rules -------------------------------------------------------------------------

    def _purpose(self, key: str | None) -> Purpose:
        marketing = self.policy.marketing
        chosen = key or (marketing.purpose if marketing else None)
        purpose = self.policy.purpose_by_key.get(chosen or "")
        if purpose is None or purpose.consent is None or not purpose.consent.channels:
            raise InputError(
                f"{chosen!r} is not a purpose messages are sent under with consent by channel",
                field="purpose",
            )
        never = self.outside_role(purpose.key)
        if never is not None:
            decision = Decision(False, (f"role:{self.actor.role}/purpose:{purpose.key}",),
                                reasons=(never,))  # fmt: skip
            with self.store.sessions.begin() as session:
                self.guard(session).record(
                    self.request(purpose.key, None, (), Action.SEARCH), decision, never
                )
            raise refusal(decision)
        return purpose

    def _firewall(self, audience: Audience) -> None:
        refused = refusals(Firewall(self.policy, self.compiled), audience)
        if refused:
            self._refuse(audience.purpose, "audience part", refused)

    def _template(self, purpose: Purpose, subject_line: str, body: str) -> None:
        try:
            named = {
                field.split(".")[0].split("[")[0]
                for _, field, _, _ in Formatter().parse(subject_line + "\n" + body)
                if field is not None
            }
        except ValueError as exc:
            raise InputError(f"the template's braces do not pair: {exc}", field="body") from exc
        unknown = sorted(named - PLACEHOLDERS)
        if unknown:
            firewall = Firewall(self.policy, self.compiled)
            shaped = [(n, firewall.refusal(purpose.key, n)) for n in unknown]
            health = [(n, d) for n, d in shaped if d is not None and _is_health(d)]
            if health:
                self._refuse(purpose.key, "template placeholder", health)
            raise InputError(
                f"a template may use only {{name}}, {{clinic}} and {{unsubscribe_url}}, "
                f"not {{{unknown[0]}}}",
                field="body",
            )
        if "unsubscribe_url" not in named:
            raise InputError(
                "every message must carry its unsubscribe link: put {unsubscribe_url} in the body",
                field="body",
            )

    def _refuse(self, purpose: str, what: str, refused: list[tuple[str, Decision]]) -> None:
        """Every refused part on the ledger, with the rule that refused it; then the first."""
        with self.store.sessions.begin() as session:
            guard = self.guard(session)
            for name, decision in refused:
                guard.record(
                    self.request(purpose, None, (), Action.SEARCH),
                    decision,
                    f"{what} {name!r} refused: {decision.reason}",
                )
        raise refusal(refused[0][1])

    def _record(self, session: Session, purpose: str, allowed: bool, reason: str) -> None:
        self.guard(session).record(
            self.request(purpose, None, (), Action.SEARCH),
            Decision(allowed, (f"marketing:{purpose}/campaign",)),
            reason,
        )


def _is_health(decision: Decision) -> bool:
    return any(rule.startswith("marketing:firewall") for rule in decision.rule_ids)


def _view(row: CampaignRow, counts: tuple[int, int, int] = (0, 0, 0)) -> Campaign:
    return Campaign(
        campaign_id=row.campaign_id,
        name=row.name,
        purpose=row.purpose,
        channel=row.channel,
        subject_line=row.subject_line,
        body=row.body,
        criteria=[{"fact": f, "value": v} for f, v in json.loads(row.criteria)],
        created_by=row.created_by,
        created_at=row.created_at,
        sent_at=row.sent_at,
        sent=counts[0],
        failed=counts[1],
        unsubscribed=counts[2],
        service=row.service,
    )
