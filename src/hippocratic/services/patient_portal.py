"""The patient portal's home, as the patient signed in: everything held about them (their
details by category and every kind of clinic record), their consents with a one-click yes or
no for each, who accessed their record, when and why, and their rights requests with the date
each is due; and the three things they can do from it: agree, withdraw, and make a request.

Everything is read and done through the same services staff use, as the patient
(``patient:<subject>`` in the ``patient`` role) under the policy's rights purpose, so the
guard decides and audits each read (S0-110, S1-32); a restriction of processing does not stop
it (S0-121). A consent is given in the policy's exact words, shown on the page, unticked, on
its own; withdrawing is one button, as easy as agreeing (Art. 7(3)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hippocratic.domain.calendar import age_on
from hippocratic.domain.consent import ConsentKind, ConsentMethod, Control, Presentation
from hippocratic.domain.rights_deadline import TIMED_RIGHTS
from hippocratic.errors import AccessDenied, InputError, NotFound
from hippocratic.policy.settings import RightName
from hippocratic.policy.wording import FEE, RIGHT
from hippocratic.services.access_history import AccessHistory, AccessPage
from hippocratic.services.clinic_service import ClinicService
from hippocratic.services.consents import ConsentChoice, ConsentNow, Consents
from hippocratic.services.patients import PatientDetails
from hippocratic.services.portal_records import (
    CategoryDetails,
    PortalRecords,
    RecordSection,
    details,
)
from hippocratic.services.records import Records
from hippocratic.services.rights_letters import letters_for
from hippocratic.services.rights_requests import (
    NewRightsRequest,
    RequestChannel,
    RightsRequest,
    RightsRequests,
)

ELSEWHERE = frozenset({RightName.WITHDRAW_CONSENT, RightName.COMPLAIN})
"""Rights the portal does not take as a request: consents are withdrawn on the page itself,
and a complaint is a case of its own."""
STATUS_WORDS = {
    "open": "We are working on it",
    "completed": "Done",
    "refused": "Refused: we wrote to you to say why",
    "withdrawn": "You withdrew it",
    "linked": "Joined to your earlier request for the same thing",
}


@dataclass(frozen=True)
class ConsentOption:
    """One thing a patient can agree to (on one channel), where it stands, and the words."""

    purpose: str
    title: str
    channel: str | None
    wording: str
    withdrawal: str
    agreed: bool
    """It counts now."""
    status: str
    """Where it stands, in words."""
    since: datetime | None
    can_withdraw: bool
    can_agree: bool
    each_time: bool = False
    """Asked on each occasion (a call, a sharing), never as a standing yes here."""
    needs_parent: bool = False
    """The patient is under 13: a parent or guardian agrees for them, not the portal."""


@dataclass(frozen=True)
class RequestView:
    request_id: str
    right: str
    right_title: str
    status: str
    status_words: str
    received_at: datetime
    due: date
    days_left: int
    is_open: bool
    downloadable: bool = False
    """Released information the patient can download (access or portability, answered)."""
    letters: tuple[str, ...] = ()
    """The letters of the request, as it stands."""


@dataclass(frozen=True)
class RightOption:
    key: str
    title: str
    description: str


@dataclass(frozen=True)
class PortalHome:
    organisation_name: str
    notice_version: str
    name: str | None
    details: list[CategoryDetails]
    records: list[RecordSection]
    consents: list[ConsentOption]
    access: AccessPage
    requests: list[RequestView]
    rights: list[RightOption]
    fee: str
    """Whether a request costs anything, in the notice's words."""


ONLINE_CONSENT_AGE = 13
"""Below this age a child's consent to an online service is given or authorised by a parent
(UK GDPR Art. 8(1) as the DPA 2018 s. 9 sets it for the UK)."""


class PatientPortal(ClinicService):
    """One patient's portal: the actor is the patient, ``subject`` always their own."""

    @property
    def purpose(self) -> str:
        purpose = self.policy.rights.purpose
        if purpose is None:
            raise NotFound(
                f"{self.policy.organisation.display_name} has no patient portal: its policy "
                "names no purpose for rights requests (`rights.purpose`)",
            )
        return purpose

    def home(self, subject: str, access_offset: int = 0) -> PortalHome:
        held = self.own_details(subject)
        name = held.fields.get("full_name")
        return PortalHome(
            self.policy.organisation.display_name,
            self.policy.notice.version,
            name.value if name is not None and name.state == "value" else None,
            details(self.policy, held),
            PortalRecords(self.store, self.actor, self.compiled, self.purpose).sections(subject),
            self.consents(subject, held),
            self.access(subject, access_offset),
            self.requests(subject),
            self.rights(),
            FEE[self.policy.rights.fee],
        )

    def own_details(self, subject: str) -> PatientDetails:
        """Every field held on the patient's own record that the rights purpose covers: also
        those a form took that usually live in a clinic record (a medical history given at
        booking), which a staff view leaves to the clinical record. Card numbers are never
        held, so never asked for."""
        covered = set(self.policy.purpose_by_key[self.purpose].categories)
        fields = [
            spec.key
            for category in self.policy.categories
            if category.key in covered
            for spec in category.fields
            if not spec.card_number
        ]
        values = Records(self.store, self.actor).read(subject, self.purpose, fields)
        titles = {key: self.compiled.title("field", key) for key in fields}
        return PatientDetails(subject, self.purpose, values, titles)

    def access(self, subject: str, offset: int = 0) -> AccessPage:
        return AccessHistory(self.store, self.actor).for_patient(subject, self.purpose, offset)

    # -- consents --------------------------------------------------------------------------

    def asked_each_time(self) -> set[str]:
        """Purposes whose consent is asked for each occasion, in words about it: recording a
        call ("this call may be recorded") and sharing with someone named at the time. The
        portal shows where they stand and takes a withdrawal, but asks no standing yes."""
        binding = self.policy.records.communication
        each = {binding.recording_purpose} if binding and binding.recording_purpose else set()
        each |= {p.key for p in self.policy.purposes if p.data_use.startswith("third_party")}
        return each

    def under_online_age(self, subject: str, held: PatientDetails | None = None) -> bool:
        """Whether the patient is too young to agree online themselves (UK GDPR Art. 8(1), DPA
        2018 s. 9: under 13), from the date of birth on their own record (``held``, if already
        read); unknown is not."""
        if "date_of_birth" not in self.policy.field_by_key:
            return False
        values = (
            held.fields
            if held is not None
            else Records(self.store, self.actor).read(subject, self.purpose, ["date_of_birth"])
        )
        born = values.get("date_of_birth")
        if born is None or born.state != "value" or not born.value:
            return False
        try:
            return age_on(date.fromisoformat(born.value), self.today()) < ONLINE_CONSENT_AGE
        except ValueError:
            return False

    def consents(self, subject: str, held: PatientDetails | None = None) -> list[ConsentOption]:
        history = Consents(self.store, self.actor).history(subject, self.purpose)
        each_time = self.asked_each_time()
        child = self.under_online_age(subject, held)
        now: dict[tuple[str, str | None], ConsentNow] = {
            (state.purpose, state.channel): state for state in history.current
        }
        options = []
        for purpose in self.policy.purposes:
            spec = purpose.consent
            if not purpose.consent_required or spec is None:
                continue
            if "patients" not in purpose.data_subjects:
                continue
            channels: list[str | None] = list(spec.channels) or [None]
            for channel in channels:
                state = now.get((purpose.key, channel))
                given = state is not None and state.kind.gives
                agreed = state is not None and state.live
                options.append(
                    ConsentOption(
                        purpose.key,
                        purpose.title,
                        channel,
                        spec.wording,
                        spec.withdrawal,
                        agreed,
                        _standing(state),
                        state.since if state is not None else None,
                        can_withdraw=given,
                        can_agree=not agreed and purpose.key not in each_time and not child,
                        each_time=purpose.key in each_time,
                        needs_parent=child and not agreed and purpose.key not in each_time,
                    )
                )
        return options

    def agree(
        self,
        subject: str,
        purpose: str,
        channel: str | None,
        wording: str,
        notice_version: str | None,
    ) -> None:
        """The patient said yes, to the words the page showed them (refused, with nothing
        stored, if those are not the policy's words now, or the notice has changed)."""
        if purpose in self.asked_each_time():
            raise InputError(
                "we ask you about this each time it comes up, not in advance", field="purpose"
            )
        if self.under_online_age(subject):
            raise AccessDenied(
                "you are under 13, so a parent or guardian must agree to this for you: ask them "
                "to contact us (UK GDPR Art. 8(1)). You can still say no here at any time."
            )
        self._record(subject, purpose, channel, ConsentKind.GRANTED, wording, notice_version)

    def withdraw(self, subject: str, purpose: str, channel: str | None) -> None:
        self._record(subject, purpose, channel, ConsentKind.WITHDRAWN, None, None)

    def _record(
        self,
        subject: str,
        purpose: str,
        channel: str | None,
        kind: ConsentKind,
        wording: str | None,
        notice_version: str | None,
    ) -> None:
        choice = ConsentChoice(
            purpose=purpose,
            kind=kind,
            method=ConsentMethod.PORTAL.value,
            presentation=Presentation(Control.BUTTON),
            wording=wording,
            channels=(channel,) if channel else (),
            notice_version=notice_version,
        )
        Consents(self.store, self.actor).record(subject, choice)

    # -- requests --------------------------------------------------------------------------

    def rights(self) -> list[RightOption]:
        """The requests the portal takes: the policy's rights with a statutory clock."""
        return [
            RightOption(right.value, *RIGHT[right])
            for right in self.policy.rights.offered
            if right in TIMED_RIGHTS and right not in ELSEWHERE
        ]

    def requests(self, subject: str) -> list[RequestView]:
        return [
            request_view(r) for r in RightsRequests(self.store, self.actor).for_patient(subject)
        ]

    def ask(self, subject: str, right: str, detail: str) -> RequestView:
        offered = {option.key for option in self.rights()}
        if right not in offered:
            raise InputError(
                "choose one of the requests listed",
                field="right",
                hint="to withdraw a consent, use its button under “Your consents”",
            )
        new = NewRightsRequest(subject, RightName(right), RequestChannel.PORTAL, detail)
        return request_view(RightsRequests(self.store, self.actor).submit(new))


def _standing(state: ConsentNow | None) -> str:
    if state is None:
        return "You have not told us yet"
    day = f"{state.since:%-d %B %Y}"
    if state.live:
        return f"You agreed on {day}"
    if state.reconfirm:
        return "You agreed, but what it covers has changed: it counts again once you agree"
    if state.kind.gives:
        return "You agreed, but that has lapsed: it no longer counts"
    return f"You said no on {day}"


def request_view(request: RightsRequest) -> RequestView:
    return RequestView(
        request.request_id,
        request.right.value,
        RIGHT[request.right][0],
        request.status.value,
        STATUS_WORDS.get(request.status.value, request.status.value),
        request.received_at,
        request.due,
        request.days_left,
        request.is_open,
        request.status.value == "completed"
        and request.right.value in ("access", "portability")
        and any(step.name == "release" for step in request.steps),
        tuple(kind.value for kind in letters_for(request)),
    )
