"""The breach register: reported by anyone on staff, assessed only by the DPO with a reason for
every decision (not reportable included), the 72-hour clock from awareness, affected patients
computed from the audit ledger, the ICO report in phases, and a sealed letter to each patient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.services.clinic import NEW_PATIENT, actor, events, hire
from tests.services.test_appointments import book
from tests.services.test_disclosures import referred, report

from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.domain.clock import FixedClock
from hippocratic.errors import AccessDenied, Conflict, InputError, NotFound
from hippocratic.services.affected_patients import Scope
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.disclosures import Disclosures
from hippocratic.services.incident import IncidentSource, IncidentStatus
from hippocratic.services.incident_reports import IncidentReports
from hippocratic.services.incidents import Incidents
from hippocratic.services.patients import Patients
from hippocratic.services.store import Store
from hippocratic.storage.incident import IncidentDecisionRow, IncidentLetterRow, IncidentRow

LAPTOP = "Sonographer's laptop left on a train; it holds a synced copy of today's worklist"
REASON = "Laptop encryption could not be confirmed, so the worklist may be readable by a finder"
NOT_REPORTABLE = "Disk encryption confirmed by IT (BitLocker log); the key was never on the device"
NATURE = "A laptop holding scan reports for patients seen that morning was lost on a train"
HARM = "Someone could read details of a pregnancy scan, which is private health information"
MEASURES = "We wiped the laptop remotely, changed passwords and reported the loss to the police"


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


def incidents(clinic: Store, who: str = "dee") -> IncidentReports:
    return IncidentReports(clinic, actor("harmonic", who))


def patients(clinic: Store, count: int) -> list[str]:
    """``count`` new patients booked with Sam, each with their own email."""
    made = []
    for n in range(count):
        person = {**NEW_PATIENT, "email": f"patient{n}@example.org", "full_name": f"Pat {n}"}
        made.append(book(clinic, patient=person).subject_id)  # type: ignore[attr-defined]
    return made


def read_as(clinic: Store, who: str, subjects: list[str]) -> None:
    for subject in subjects:
        Patients(clinic, actor("harmonic", who)).view(subject)


def misused_account(clinic: Store) -> tuple[list[str], Scope]:
    """Three patients; Sam's account reads two of them in a window the incident names, and
    reception reads the third; a read by Sam before the window is outside it."""
    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    a, b, c = patients(clinic, 3)
    read_as(clinic, "sam", [c])  # before the window
    clock.advance(timedelta(hours=1))
    start = clock.now()
    read_as(clinic, "sam", [a, b])
    read_as(clinic, "rita", [c])
    clock.advance(timedelta(hours=1))
    return [a, b, c], Scope(window_start=start, window_end=clock.now(), actor="sam")


def test_anyone_on_staff_reports_an_incident_and_its_clock_starts_at_awareness(
    clinic: Store,
) -> None:
    aware = clinic.clock.now() - timedelta(hours=2)
    made = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP, aware)
    assert made.status is IncidentStatus.OPEN and made.source is IncidentSource.STAFF
    assert made.clock.deadline == aware + timedelta(hours=72)
    assert made.clock.minutes_left == 70 * 60 and not made.clock.overdue
    assert made.clock.shown == "70 h 00 min left"
    with clinic.sessions() as session:
        row = session.get(IncidentRow, ("harmonic", made.incident_id))
        assert row is not None and row.reported_by == "rita" and row.aware_at == aware
    assert any("reported" in (e.reason or "") for e in events(clinic))
    with pytest.raises(InputError, match="at least"):
        Incidents(clinic, actor("harmonic", "rita")).report("lost laptop")
    with pytest.raises(InputError, match="future"):
        Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP, aware + timedelta(days=1))
    with pytest.raises(AccessDenied):
        Incidents(clinic, patient_actor("harmonic", "someone")).report(LAPTOP)


@pytest.mark.promise("L-12", "S1-26")
def test_a_processor_report_opens_an_incident_with_the_clock_from_when_they_told_us(
    clinic: Store,
) -> None:
    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    told = clock.now()
    clock.advance(timedelta(hours=30))  # read a day later: the clock ran all the same
    made = Incidents(clinic, actor("harmonic", "dee")).processor_report(
        "MailRelay Ltd",
        "Our mailing processor reports a misdirected batch of appointment emails",
        told,
    )
    assert made.source is IncidentSource.PROCESSOR and made.processor == "MailRelay Ltd"
    assert made.aware_at == told and made.clock.minutes_left == 42 * 60
    clock.advance(timedelta(hours=43))
    late = incidents(clinic).register()
    assert late[0].incident_id == made.incident_id
    assert late[0].clock.overdue and late[0].clock.state.startswith("late")
    with pytest.raises(InputError, match="name the processor"):
        Incidents(clinic, actor("harmonic", "dee")).processor_report(" ", LAPTOP, told)


@pytest.mark.promise("L-08")
def test_every_decision_needs_its_reason_not_reportable_included(clinic: Store) -> None:
    def dora(who: str = "dora") -> IncidentReports:
        return IncidentReports(clinic, actor("harmony", who))

    made = Incidents(clinic, actor("harmony", "cal")).report(LAPTOP)
    with pytest.raises(AccessDenied, match="only the Data Protection Officer"):
        dora("cal").decide(made.incident_id, BreachFinding.CONFIRMED,
                                        RiskLevel.NO_RISK, NOT_REPORTABLE)  # fmt: skip
    denied = events(clinic, "harmony")[-1]
    assert denied.outcome == "denied" and denied.purpose == "incident_response"
    with pytest.raises(InputError, match="reasoning"):
        dora().decide(made.incident_id, BreachFinding.CONFIRMED, RiskLevel.NO_RISK, "")
    with pytest.raises(Conflict, match="recorded decision"):
        dora().close(made.incident_id, "Closed: the laptop was encrypted all along")

    decided = dora().decide(
        made.incident_id, BreachFinding.CONFIRMED, RiskLevel.NO_RISK, NOT_REPORTABLE,
        encryption_exception=True,
    )  # fmt: skip
    assert decided.decision is not None and not decided.decision.notify_ico
    assert decided.clock.shown.startswith("not reportable") and not decided.clock.needed
    closed = dora().close(made.incident_id, "Closed: encrypted device, no access risk")
    assert closed.status is IncidentStatus.CLOSED
    with clinic.sessions() as session:
        row = session.get(IncidentDecisionRow, ("harmony", made.incident_id, 1))
        assert row is not None and row.reason == NOT_REPORTABLE and row.decided_by == "dora"
    with pytest.raises(NotFound):
        dora().get("no-such-incident")


def test_the_dpo_cannot_tell_fewer_people_than_the_law_or_the_promise_requires(
    clinic: Store,
) -> None:
    made = Incidents(clinic, actor("harmonic", "sam")).report(LAPTOP)
    with pytest.raises(InputError, match="ICO"):
        incidents(clinic).decide(made.incident_id, BreachFinding.CONFIRMED, RiskLevel.RISK,
                                 REASON, notify_ico=False)  # fmt: skip
    decided = incidents(clinic).decide(made.incident_id, BreachFinding.CONFIRMED,
                                       RiskLevel.RISK, REASON)  # fmt: skip
    assert decided.decision is not None and decided.decision.notify_ico


@pytest.mark.promise("S0-122")
def test_harmonic_tells_patients_of_a_likely_breach_even_without_high_risk(clinic: Store) -> None:
    made = Incidents(clinic, actor("harmonic", "sam")).report(LAPTOP)
    decided = incidents(clinic).decide(made.incident_id, BreachFinding.LIKELY, RiskLevel.RISK,
                                       REASON)  # fmt: skip
    assert decided.decision is not None and decided.decision.notify_subjects


def test_harmony_tells_patients_only_of_a_high_risk_and_not_under_the_encryption_exception(
    clinic: Store,
) -> None:
    dora = IncidentReports(clinic, actor("harmony", "dora"))
    made = Incidents(clinic, actor("harmony", "rhea")).report(LAPTOP)
    risk = dora.decide(made.incident_id, BreachFinding.LIKELY, RiskLevel.RISK, REASON)
    assert risk.decision is not None and not risk.decision.notify_subjects
    high = dora.decide(made.incident_id, BreachFinding.CONFIRMED, RiskLevel.HIGH_RISK, REASON,
                       encryption_exception=True)  # fmt: skip
    assert high.decision is not None and not high.decision.notify_subjects
    assert len(high.decisions) == 2  # the first decision stays on the record
    with pytest.raises(Conflict, match="encryption exception"):
        dora.draft_letters(made.incident_id, NATURE, HARM, MEASURES)


@pytest.mark.promise("S0-122")
def test_affected_patients_are_those_the_ledger_shows_the_actor_read_in_the_window(
    clinic: Store,
) -> None:
    (a, b, c), scope = misused_account(clinic)
    made = Incidents(clinic, actor("harmonic", "sam")).report(LAPTOP, scope=scope)
    found = incidents(clinic).affected(made.incident_id)
    assert [p.subject_id for p in found.patients] == sorted([a, b])
    assert found.by_category == {"contact": 2, "identity": 2, "proxy": 2} and found.records == 2
    assert found.sources == ["audit ledger", "disclosure log"]
    scoped = [
        e for e in events(clinic) if e.subject_id in (a, b) and "affected" in (e.reason or "")
    ]
    assert len(scoped) == 2  # each patient's history shows the scoping
    again = incidents(clinic).affected(made.incident_id)
    assert again.count == 2  # the scoping itself is not an access that widens the scope
    window_only = Scope(scope.window_start, scope.window_end)
    wide = Incidents(clinic, actor("harmonic", "sam")).report(LAPTOP, scope=window_only)
    assert {p.subject_id for p in incidents(clinic).affected(wide.incident_id).patients} == {
        a,
        b,
        c,
    }
    with pytest.raises(AccessDenied):
        incidents(clinic, "rita").affected(made.incident_id)


@pytest.mark.promise("S0-122", "S1-26")
def test_the_ico_report_is_drafted_from_the_logs_and_sent_in_phases(clinic: Store) -> None:
    _, scope = misused_account(clinic)
    made = Incidents(clinic, actor("harmonic", "sam")).report(LAPTOP, scope=scope)
    dee = incidents(clinic)
    with pytest.raises(Conflict, match="assess"):
        dee.draft_report(made.incident_id, NATURE, HARM, MEASURES)
    dee.decide(made.incident_id, BreachFinding.CONFIRMED, RiskLevel.HIGH_RISK, REASON)
    first = dee.draft_report(made.incident_id, NATURE, HARM, MEASURES)
    assert first.phase == 1 and first.subjects_approx == 2 and first.records_approx == 2
    assert first.categories["Basic personal data"] == 2
    assert first.dpo_contact == "Data Protection Manager, Admin@harmonicmedicalsonography.com"
    sent = dee.send_report(made.incident_id, 1)
    assert sent.sent_at == clinic.clock.now()
    reported = dee.get(made.incident_id)
    assert reported.status is IncidentStatus.REPORTED
    assert reported.clock.state == "reported in time" and not reported.clock.overdue
    second = dee.draft_report(made.incident_id, NATURE, HARM, MEASURES + " and the laptop is back")
    assert second.phase == 2 and second.sent_at is None
    with pytest.raises(Conflict, match="already sent"):
        dee.send_report(made.incident_id, 1)
    assert [p.phase for p in dee.report_phases(made.incident_id)] == [1, 2]


def test_a_first_report_after_72_hours_needs_the_reasons_for_the_delay(clinic: Store) -> None:
    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    _, scope = misused_account(clinic)
    made = Incidents(clinic, actor("harmonic", "sam")).report(LAPTOP, scope=scope)
    dee = incidents(clinic)
    dee.decide(made.incident_id, BreachFinding.CONFIRMED, RiskLevel.RISK, REASON)
    dee.draft_report(made.incident_id, NATURE, HARM, MEASURES)
    clock.advance(timedelta(hours=73))
    with pytest.raises(InputError, match="reasons for the delay"):
        dee.send_report(made.incident_id, 1)
    late = dee.send_report(made.incident_id, 1, "The processor's logs took four days to arrive")
    assert late.delay_reason is not None
    assert dee.get(made.incident_id).clock.state.startswith("late")


@pytest.mark.promise("S0-122")
def test_each_affected_patient_gets_a_sealed_letter_they_can_read(clinic: Store) -> None:
    (a, b, c), scope = misused_account(clinic)
    made = Incidents(clinic, actor("harmonic", "sam")).report(LAPTOP, scope=scope)
    dee = incidents(clinic)
    dee.decide(made.incident_id, BreachFinding.LIKELY, RiskLevel.RISK, REASON)
    drafts = dee.draft_letters(made.incident_id, NATURE, HARM, MEASURES)
    assert sorted(drafts.subjects) == sorted([a, b]) and drafts.erased == 0
    with clinic.sessions() as session:
        row = session.get(IncidentLetterRow, ("harmonic", made.incident_id, a))
        assert row is not None and b"laptop" not in row.letter  # sealed
        assert session.get(IncidentLetterRow, ("harmonic", made.incident_id, c)) is None
    mine = IncidentReports(clinic, patient_actor("harmonic", a))
    assert [e.incident_id for e in mine.letters_for(a)] == [made.incident_id]
    letter = mine.letter(made.incident_id, a)
    assert "likely that there has been a breach" in letter and NATURE in letter
    assert "Basic personal data" in letter and "a breach, or a likely breach" in letter
    with pytest.raises(NotFound):
        mine.letter(made.incident_id, b)
    assert dee.letter(made.incident_id, b).startswith("<!doctype html>")
    drafted = [e for e in events(clinic) if "letter drafted" in (e.reason or "")]
    assert {e.subject_id for e in drafted} == {a, b}
    dee.send_report(
        made.incident_id, dee.draft_report(made.incident_id, NATURE, HARM, MEASURES).phase
    )
    assert (
        dee.close(made.incident_id, "Letters posted; laptop wiped remotely").status.value
        == "closed"
    )


def test_a_register_is_the_dpos_and_lists_the_most_urgent_first(clinic: Store) -> None:
    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    old = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP, clock.now())
    clock.advance(timedelta(hours=80))
    new = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP)
    listed = incidents(clinic).register()
    assert [i.incident_id for i in listed] == [old.incident_id, new.incident_id]
    assert listed[0].clock.overdue and listed[1].clock.minutes_left == 72 * 60
    with pytest.raises(AccessDenied):
        incidents(clinic, "rita").register()
    assert Incidents(clinic, actor("harmonic", "rita")).get(old.incident_id).reported_by == "rita"
    with pytest.raises(AccessDenied):
        Incidents(clinic, actor("harmonic", "sam")).get(old.incident_id)
    assert datetime(2026, 11, 24, 9, tzinfo=UTC) == old.aware_at


@pytest.mark.promise("S0-122")
def test_affected_patients_include_those_whose_data_went_to_the_recipient(clinic: Store) -> None:
    """A report sent to the wrong place: scoped by recipient and window, the incident reaches
    exactly the patient whose scan report went to that recipient in the window, from the
    disclosure log, with the categories the disclosure carried."""
    clock = clinic.clock
    assert isinstance(clock, FixedClock)
    kept_home, _ = referred(clinic)  # referred too, but nothing of theirs was sent
    subject, referral_id = referred(clinic)
    clock.advance(timedelta(minutes=5))
    start = clock.now()
    Disclosures(clinic, actor("harmonic", "sam")).disclose(subject, report(referral_id))
    clock.advance(timedelta(minutes=5))
    scope = Scope(window_start=start, window_end=clock.now(), recipient="referrers")
    made = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP, scope=scope)
    found = incidents(clinic).affected(made.incident_id)
    assert [p.subject_id for p in found.patients] == [subject]
    (patient,) = found.patients
    assert patient.sources == ["disclosure log"]
    assert {"scan_record", "identity"} <= set(patient.categories)
    assert kept_home not in {p.subject_id for p in found.patients}
    earlier = Scope(
        window_start=start - timedelta(hours=1), window_end=start, recipient="referrers"
    )
    before = Incidents(clinic, actor("harmonic", "rita")).report(LAPTOP, scope=earlier)
    assert incidents(clinic).affected(before.incident_id).patients == []
