"""Who a campaign goes to, built only from marketing-eligible facts (S0-45, S0-67).

The audience is everyone whose consent to the campaign's purpose counts on its channel now (or
a soft opt-in, where the policy allows one, for a campaign about the service they bought or a
similar one: ``soft_opt_in``), who is not restricted, narrowed by criteria on
facts that say nothing about health: when they registered and when they opted in. Nothing
else can be selected, filtered on, sorted by or exported: a criterion, sort or column naming
a health or health-revealing field (medical history, the service bought, a scan report), a
clinical record (an appointment's service, a referral's reason) or any field the purpose does
not use (the pages someone visited) is refused, and the refusal is on the audit ledger with
the rule that refused it. The only columns a send reads are the name and the channel's
address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from hippocratic.errors import InputError
from hippocratic.guard.compiled_policy import CompiledPolicy, soft_opt_in_allowed
from hippocratic.guard.decision import Decision
from hippocratic.guard.scope import scope
from hippocratic.policy.document import Policy
from hippocratic.services.soft_opt_in import covering, soft_live
from hippocratic.storage.campaign import channel_live
from hippocratic.storage.consent import ConsentStateRow
from hippocratic.storage.subject import SubjectRow

LONDON = ZoneInfo("Europe/London")
ADDRESS = {"email": "email", "sms": "phone", "post": "postal_address"}
"""The field a channel's message goes to."""
NAME = "full_name"


class Fact(StrEnum):
    """What an audience may be narrowed on."""

    REGISTERED_AFTER = "registered_after"
    REGISTERED_BEFORE = "registered_before"
    OPTED_IN_AFTER = "opted_in_after"
    OPTED_IN_BEFORE = "opted_in_before"


@dataclass(frozen=True)
class Criterion:
    fact: str
    value: str


@dataclass(frozen=True)
class Audience:
    purpose: str
    channel: str
    criteria: tuple[Criterion, ...] = ()
    columns: tuple[str, ...] = ()
    """Extra columns asked for beyond the name and address (always refused but for those)."""
    order_by: str | None = None
    service: str | None = None
    """The organisation's own service the campaign is about: where the policy allows soft
    opt-in, a soft opt-in counts only if the patient bought it or a similar one (S0-42);
    a campaign naming none reaches only those who opted in."""


class Firewall:
    """Decides whether each part of an audience may be used, in the policy's own terms."""

    def __init__(self, policy: Policy, compiled: CompiledPolicy) -> None:
        self.policy = policy
        self.compiled = compiled

    def refusal(self, purpose: str, name: str) -> Decision | None:
        """Why ``name`` (a fact, a field or a record's attribute) may not shape an audience
        for ``purpose``; None if it may."""
        if name in set(Fact):
            return None
        kind = name.split(".", 1)[0]
        records = {key for key, binding in self.policy.records if binding is not None}
        category = self.compiled.field_category.get(name)
        if kind in records - {"patient"}:
            return self._refuse(
                f"marketing:firewall/record:{kind}",
                f"{kind.replace('_', ' ')} records are about care: marketing never uses them",
            )
        if category is not None and category in self.compiled.special_categories:
            return self._refuse(
                f"marketing:firewall/category:{category}",
                f"“{self.compiled.title('field', name)}” is health information, or reveals "
                "it: marketing never uses health data",
            )
        used = self.compiled.purposes[purpose].categories
        if category is not None and category not in used:
            return self._refuse(
                f"purpose:{purpose}/category:{category}",
                f"“{self.compiled.title('purpose', purpose)}” does not use "
                f"“{self.compiled.title('field', name)}”",
            )
        return self._refuse(
            "marketing:criteria",
            f"{name!r} is not something an audience is chosen by; choose from " + ", ".join(Fact),
        )

    def _refuse(self, rule: str, reason: str) -> Decision:
        return Decision(False, (rule,), reasons=(reason,))


def refusals(firewall: Firewall, audience: Audience) -> list[tuple[str, Decision]]:
    """Every part of the audience that may not be used, with the decision refusing it."""
    found: list[tuple[str, Decision]] = []
    wanted = [c.fact for c in audience.criteria]
    if audience.order_by is not None:
        wanted.append(audience.order_by)
    for name in wanted:
        decision = firewall.refusal(audience.purpose, name)
        if decision is not None:
            found.append((name, decision))
    readable = (NAME, ADDRESS.get(audience.channel, ""))
    for name in audience.columns:
        if name in readable:
            continue
        decision = firewall.refusal(audience.purpose, name) or Decision(
            False,
            ("marketing:columns",),
            reasons=(f"a campaign reads only the name and the {audience.channel} address",),
        )
        found.append((name, decision))
    return found


def facts_of(audience: Audience) -> list[tuple[Fact, datetime]]:
    """The criteria as facts and the moments they compare with (London midnight)."""
    return [(Fact(c.fact), _moment(c.value, c.fact)) for c in audience.criteria]


def members(
    policy: Policy,
    compiled: CompiledPolicy,
    actor: str,
    role: str,
    audience: Audience,
    facts: Sequence[tuple[Fact, datetime]],
    now: datetime,
) -> ColumnElement[bool]:
    """The SQL condition on ``SubjectRow`` for the audience at ``now``: the guard's scope for
    the purpose (restriction, consent on some channel), consent on this channel, and the
    facts."""
    org = compiled.organisation
    terms = compiled.purposes[audience.purpose].consent_terms
    subject = SubjectRow.subject_id
    live = channel_live(org, subject, audience.purpose, audience.channel, now, terms)
    if soft_opt_in_allowed(policy, audience.purpose):
        opted_in = policy.purpose_by_key[audience.purpose].consent_terms()
        similar = covering(policy, audience.service) if audience.service else []
        live = or_(
            channel_live(org, subject, audience.purpose, audience.channel, now, (opted_in,)),
            soft_live(org, subject, audience.purpose, audience.channel, now, opted_in, similar),
        )
    conditions = [scope(policy, actor, role, audience.purpose, now), live]
    for fact, moment in facts:
        if fact is Fact.REGISTERED_AFTER:
            conditions.append(SubjectRow.created_at >= moment)
        elif fact is Fact.REGISTERED_BEFORE:
            conditions.append(SubjectRow.created_at < moment)
        else:
            since = ConsentStateRow.recorded_at
            bound = since >= moment if fact is Fact.OPTED_IN_AFTER else since < moment
            conditions.append(
                exists().where(
                    ConsentStateRow.organisation_id == org,
                    ConsentStateRow.subject_id == subject,
                    ConsentStateRow.purpose == audience.purpose,
                    ConsentStateRow.channel == audience.channel,
                    bound,
                )
            )
    return and_(*conditions)


def count(session: Session, condition: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(SubjectRow).where(condition)) or 0)


def subjects(session: Session, condition: ColumnElement[bool]) -> list[str]:
    return list(
        session.scalars(
            select(SubjectRow.subject_id).where(condition).order_by(SubjectRow.subject_id)
        )
    )


def _moment(value: str, fact: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{fact}: a date as YYYY-MM-DD", field=fact) from None
    return datetime.combine(day, time(), tzinfo=LONDON)
