"""The record of processing beside what actually happened: the DPO's side-by-side view.

On one side, what the policy in force states: the Art. 30(1) record (``policy.ropa``: the
controller, each purpose with its basis, data, recipients, transfers and time limits) and, per
recipient and purpose, what that recipient may receive (its categories and fields, the
purpose's lawful basis, where it is and the safeguard of a transfer). On the other, what the
disclosure log shows went out under each recipient and purpose: how many disclosures, to how
many patients, the first and last, the bases recorded and the categories and fields actually
sent. Anything disclosed outside what the policy now states is flagged with why: a recipient
or purpose the policy no longer names, a category or field beyond what the recipient may get,
a basis other than the purpose's, personal data to a recipient that gets aggregates only, a
transfer without a safeguard, a processor sent data after its agreement or an assurance lapsed.
The sharing rules refuse all of these at the time, so a flag means the policy changed after the
data went, or the data came some other way: either way the DPO should know.

The log is read by four grouped queries inside the database (counts, dates, categories), so
the page costs the same for ten disclosures or a million and names no patient. Only a role the
policy marks ``dpo: true`` sees it; the look is an audit event either way (``oversight``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hippocratic.policy import wording
from hippocratic.policy.document import Policy
from hippocratic.policy.purpose import Purpose
from hippocratic.policy.recipient import Recipient, RecipientClass
from hippocratic.policy.ropa import RopaEntry, build_ropa
from hippocratic.services import oversight
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.disclosure_gate import NO_PERSONAL_DATA, transfer_unguarded
from hippocratic.storage.disclosure import DisclosureItemRow, DisclosureRow

WHAT = "the record of processing and the disclosure log"
"""What the look is, on its audit event."""


@dataclass(frozen=True)
class Sent:
    """One category a recipient was actually sent for a purpose."""

    category: str
    title: str
    fields: list[str]
    disclosures: int
    """How many disclosures carried a field of it."""
    outside: list[str]
    """Its fields sent beyond what the policy lets this recipient receive for this purpose."""


@dataclass
class Flow:
    """One recipient and one purpose: what the policy allows beside what the log shows."""

    recipient: str
    recipient_name: str
    recipient_class: str
    purpose: str
    purpose_title: str
    stated: bool
    """The policy lets this recipient receive data for this purpose."""
    in_record: bool
    """The purpose names this recipient in the record of processing (Art. 30(1)(d))."""
    basis: str
    """The purpose's lawful basis and, for health data, its Art. 9 condition."""
    categories: list[str]
    """Titles of the categories the recipient may receive for this purpose."""
    fields: list[str] | None
    """Titles of the fields it may receive, or None: every field of those categories."""
    country: str
    transfer: str
    """The safeguard of a transfer outside the UK and EEA, or that there is none to make."""
    terms_lapsed: str | None
    """Why a processor may receive nothing today (its agreement or an assurance), or None."""
    disclosures: int = 0
    patients: int = 0
    first: datetime | None = None
    last: datetime | None = None
    bases: list[str] = field(default_factory=list)
    """The bases the log recorded for these disclosures."""
    sent: list[Sent] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    """Each way what went out falls outside what the policy states; none: within it."""


@dataclass(frozen=True)
class ProcessingRecord:
    organisation: str
    as_of: datetime
    notice_version: str
    controller: str
    activities: list[RopaEntry]
    """The Art. 30(1) record, one entry per purpose, as the policy states it."""
    flows: list[Flow]
    """Every recipient and purpose the policy states, then any the log shows beyond them."""
    outside: int
    """How many flows had something disclosed outside what the policy states."""


def basis_of(purpose: Purpose) -> str:
    """As the disclosure log records it (``Disclosures``): the Art. 6 basis, then the Art. 9
    condition."""
    return purpose.lawful_basis.value + (
        f"; {purpose.special_condition.value}" if purpose.special_condition else ""
    )


def stated_flow(policy: Policy, recipient: Recipient, purpose_key: str, today: date) -> Flow:
    """The policy's side of one recipient and purpose."""
    purpose = policy.purpose_by_key.get(purpose_key)
    categories = [
        key for key in recipient.categories if purpose is None or key in purpose.categories
    ]
    category_by_key = policy.category_by_key
    return Flow(
        recipient.key,
        recipient.name,
        recipient.recipient_class.value,
        purpose_key,
        purpose.title if purpose else purpose_key,
        purpose_key in recipient.purposes,
        purpose is not None and recipient.key in purpose.recipients,
        basis_of(purpose) if purpose else "",
        [category_by_key[key].title for key in categories if key in category_by_key],
        [policy.field_by_key[f].title for f in recipient.fields if f in policy.field_by_key]
        if recipient.fields
        else None,
        recipient.country,
        wording.TRANSFER_SAFEGUARD[recipient.transfer_safeguard],
        recipient.agreement_lapsed(today),
    )


def unknown_flow(policy: Policy, recipient: str, purpose_key: str) -> Flow:
    """A recipient the log shows but the policy in force does not name."""
    purpose = policy.purpose_by_key.get(purpose_key)
    return Flow(
        recipient, recipient, "", purpose_key, purpose.title if purpose else purpose_key,
        False, False, basis_of(purpose) if purpose else "", [], [], "", "", None,
    )  # fmt: skip


def lapsed_on(recipient: Recipient) -> date | None:
    """The first day a processor's terms no longer held (review date or an assurance's expiry
    passed), or None."""
    if recipient.recipient_class is not RecipientClass.PROCESSOR:
        return None
    ends = [a.expires_on for a in recipient.assurances]
    if recipient.contract_review_date is not None:
        ends.append(recipient.contract_review_date)
    return min(ends) + timedelta(days=1) if ends else None


def beyond(
    recipient: Recipient | None, purpose: Purpose | None, category: str, names: list[str]
) -> list[str]:
    """The fields of ``category`` among ``names`` that the recipient may not receive for the
    purpose: all of them if the policy no longer names either, or the purpose has no such
    category."""
    if recipient is None or purpose is None or category not in purpose.categories:
        return names
    return [name for name in names if not recipient.may_receive(name, category)]


def findings(policy: Policy, flow: Flow) -> list[str]:
    """Each way what the log shows for ``flow`` falls outside what the policy states."""
    if not flow.disclosures:
        return []
    recipient = policy.recipient_by_key.get(flow.recipient)
    if recipient is None:
        return [f"“{flow.recipient}” is not a recipient in the policy in force"]
    found: list[str] = []
    if flow.purpose not in policy.purpose_by_key:
        found.append(f"“{flow.purpose}” is not a purpose in the policy in force")
    elif not flow.stated:
        found.append(f"the policy does not let {recipient.name} receive data for this purpose")
    if recipient.recipient_class in NO_PERSONAL_DATA or recipient.aggregated_only:
        found.append(f"{recipient.name} may receive aggregates only, never personal data")
    for sent in flow.sent:
        if sent.outside:
            found.append(
                f"{sent.title} went to it ({', '.join(sent.outside)}), beyond what it may "
                "receive for this purpose"
            )
    purpose = policy.purpose_by_key.get(flow.purpose)
    other = [b for b in flow.bases if purpose is not None and b != basis_of(purpose)]
    if other:
        found.append(f"recorded on another basis ({'; '.join(other)}) than the purpose's")
    if transfer_unguarded(policy, recipient):
        found.append(f"sent to {recipient.country} with no transfer safeguard recorded")
    lapse = lapsed_on(recipient)
    if lapse is not None and flow.last is not None and flow.last.date() >= lapse:
        found.append(
            f"sent on {flow.last.date().isoformat()}, after its terms lapsed ({lapse.isoformat()})"
        )
    return found


class ProcessingRecords(ClinicService):
    def record(self) -> ProcessingRecord:
        """The record of processing and the disclosure log side by side (DPO only; the look
        is audited)."""
        with self.store.sessions.begin() as session:
            decision = oversight.check(self, session, WHAT)
            if decision.allowed:
                flows = self._flows(session)
        if not decision.allowed:
            raise refusal(decision)
        activities = build_ropa(self.policy)
        return ProcessingRecord(
            self.organisation,
            self.now(),
            self.policy.notice.version,
            activities[0].controller if activities else self.policy.organisation.legal_name,
            activities,
            flows,
            sum(1 for flow in flows if flow.findings),
        )

    def _flows(self, session: Session) -> list[Flow]:
        policy, today = self.policy, self.today()
        flows: dict[tuple[str, str], Flow] = {}
        for named in policy.recipients:
            stated = [*named.purposes]
            stated += [p.key for p in policy.purposes
                       if named.key in p.recipients and p.key not in stated]  # fmt: skip
            for key in stated:
                flows[(named.key, key)] = stated_flow(policy, named, key, today)
        org = DisclosureRow.organisation_id == self.organisation
        pair = (DisclosureRow.recipient, DisclosureRow.purpose)
        totals = session.execute(
            select(*pair, func.count(), func.count(DisclosureRow.subject_id.distinct()),
                   func.min(DisclosureRow.at), func.max(DisclosureRow.at))
            .where(org).group_by(*pair).order_by(*pair)
        )  # fmt: skip
        for recipient, purpose, count, patients, first, last in totals:
            flow = flows.get((recipient, purpose))
            if flow is None:
                known = policy.recipient_by_key.get(recipient)
                flow = (
                    stated_flow(policy, known, purpose, today)
                    if known is not None
                    else unknown_flow(policy, recipient, purpose)
                )
                flows[(recipient, purpose)] = flow
            flow.disclosures, flow.patients, flow.first, flow.last = count, patients, first, last
        for to, why, basis in session.execute(
            select(*pair, DisclosureRow.basis)
            .where(org)
            .distinct()
            .order_by(*pair, DisclosureRow.basis)
        ):
            flows[(to, why)].bases.append(basis)
        self._sent(session, flows)
        for flow in flows.values():
            flow.findings = findings(policy, flow)
        return list(flows.values())

    def _sent(self, session: Session, flows: dict[tuple[str, str], Flow]) -> None:
        """The categories and fields each flow actually carried: the disclosures per category,
        then the fields, from two grouped queries."""
        policy = self.policy
        item = DisclosureItemRow
        joined = (item.organisation_id == DisclosureRow.organisation_id) & (
            item.disclosure_id == DisclosureRow.disclosure_id
        )
        group = (DisclosureRow.recipient, DisclosureRow.purpose, item.category)
        counted = session.execute(
            select(*group, func.count(item.disclosure_id.distinct()))
            .join(item, joined)
            .where(DisclosureRow.organisation_id == self.organisation)
            .group_by(*group)
            .order_by(*group)
        )
        named: dict[tuple[str, str, str], list[str]] = {}
        for to, why, category, name in session.execute(
            select(*group, item.field)
            .join(item, joined)
            .where(DisclosureRow.organisation_id == self.organisation)
            .distinct()
            .order_by(*group, item.field)
        ):
            named.setdefault((to, why, category), []).append(name)
        for recipient_key, purpose_key, category, count in counted:
            names = named.get((recipient_key, purpose_key, category), [])
            outside = beyond(
                policy.recipient_by_key.get(recipient_key),
                policy.purpose_by_key.get(purpose_key),
                category,
                names,
            )
            known = policy.category_by_key.get(category)
            flows[(recipient_key, purpose_key)].sent.append(
                Sent(
                    category,
                    known.title if known else category,
                    [self.compiled.title("field", n) for n in names],
                    count,
                    [self.compiled.title("field", n) for n in outside],
                )
            )
