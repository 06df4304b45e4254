"""A processor's terms as the DPO reviews them: its Art. 28 agreement's review date and each
security assurance's expiry (S0-55, S1-20), with the days left on each, and whether anything
may go to it today (``Recipient.agreement_lapsed``). Read from the policy the guard enforces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hippocratic.policy.document import Policy
from hippocratic.policy.recipient import RecipientClass


@dataclass(frozen=True)
class Lapse:
    """One date of a processor's terms: the agreement's review, or an assurance's expiry."""

    what: str
    on: date
    days_left: int
    past: bool


@dataclass(frozen=True)
class ProcessorItem:
    key: str
    name: str
    contract_reference: str | None
    review_date: date | None
    lapsed: str | None
    """Why nothing may go to it today, or None."""
    dates: list[Lapse]
    """Its dates, soonest first (on the dashboard only those past or near)."""
    link: str


def processor_terms(policy: Policy, today: date, near_days: int | None) -> list[ProcessorItem]:
    """The policy's processors with their terms' dates; with ``near_days``, only those
    with a date past or within that many days (or no agreement at all), past first."""
    found = []
    for recipient in policy.recipients:
        if recipient.recipient_class is not RecipientClass.PROCESSOR:
            continue
        dates = []
        if recipient.contract_review_date is not None:
            dates.append(("agreement review", recipient.contract_review_date))
        dates += [(f"{a.name} ({a.reference})", a.expires_on) for a in recipient.assurances]
        lapses = sorted(
            (Lapse(what, on, (on - today).days, on < today) for what, on in dates),
            key=lambda lapse: lapse.on,
        )
        lapsed = recipient.agreement_lapsed(today)
        if near_days is not None:
            lapses = [lapse for lapse in lapses if lapse.days_left <= near_days]
            if not lapses and lapsed is None:
                continue
        found.append(
            ProcessorItem(
                recipient.key,
                recipient.name,
                recipient.contract_reference,
                recipient.contract_review_date,
                lapsed,
                lapses,
                f"/console/dpo/evidence#processor-{recipient.key}",
            )
        )
    return sorted(found, key=lambda p: min((d.days_left for d in p.dates), default=-(10**6)))
