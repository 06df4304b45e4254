"""The retention sweep over synthetic stores, the clock moved years ahead: records go on the
first day they may and never a day earlier; holds stop disposal until lifted; review rules open
reviews the DPO decides; a disposal of everything crypto-shreds the patient; every run leaves a
certificate in the ledger, which still verifies; a dry run changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.services.clinic import actor, agree

from hippocratic.domain.consent import ConsentKind
from hippocratic.services.actor import Actor
from hippocratic.services.audit import verify_store
from hippocratic.services.records import Records
from hippocratic.services.retention_desk import RetentionDesk
from hippocratic.services.retention_jobs import catch_up
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.store import Store
from hippocratic.storage import disposal_deletions
from hippocratic.storage.campaign import CampaignMessageRow, CampaignRow
from hippocratic.storage.clinic import AppointmentRow, ClinicalEntryRow, PaymentRow
from hippocratic.storage.ledger import AuditEventRow
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.retention import RetentionFactRow, RetentionReviewRow
from hippocratic.storage.subject import SubjectRow

ORG = "harmonic"
DPO = Actor(ORG, "dpo.example", "dpo")
AT = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)


def patient(store: Store, *, seen: datetime | None = AT, org: str = ORG) -> str:
    subject = str(uuid.uuid4())
    store.vault.for_organisation(org).ensure_subject_key(subject)
    with store.sessions.begin() as session:
        session.add(SubjectRow(organisation_id=org, subject_id=subject, created_at=AT))
        session.flush()
        session.add(
            SubjectFieldRow(
                organisation_id=org,
                subject_id=subject,
                field="full_name",
                ciphertext=b"sealed",
                updated_at=AT,
            )
        )
        if seen is not None:
            session.add(appointment(org, subject, seen))
    return subject


def appointment(org: str, subject: str, at: datetime, status: str = "attended") -> AppointmentRow:
    return AppointmentRow(
        organisation_id=org,
        appointment_id=str(uuid.uuid4()),
        subject_id=subject,
        service=b"sealed",
        starts_at=at,
        duration_minutes=30,
        status=status,
        booked_at=at,
        booked_by="reception",
        updated_at=at,
    )


def run(store: Store, day: date, **kw: Any) -> dict[str, int]:
    return RetentionSweep(store, ORG).run(day, **kw).counts


def fields_of(store: Store, subject: str) -> int:
    with store.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    SubjectFieldRow.organisation_id == ORG, SubjectFieldRow.subject_id == subject
                )
            )
            or 0
        )


def open_reviews(store: Store, subject: str) -> list[RetentionReviewRow]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(RetentionReviewRow).where(
                    RetentionReviewRow.subject_id == subject,
                    RetentionReviewRow.decided_at.is_(None),
                )
            )
        )


def move(store: Store, day: date) -> None:
    store.clock.current = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)  # type: ignore[attr-defined]


@pytest.mark.promise("S0-34", "S0-76", "S0-77")
def test_an_adults_record_is_reviewed_8_years_after_the_last_appointment_then_shredded(
    store: Store,
) -> None:
    subject = patient(store)
    later = patient(store, seen=AT + timedelta(days=400))  # seen again later: not yet due
    move(store, date(2034, 1, 9))
    assert run(store, date(2034, 1, 9))["adult_health_record/review"] == 0
    assert open_reviews(store, subject) == []
    move(store, date(2034, 1, 10))
    counts = run(store, date(2034, 1, 10))
    assert counts["adult_health_record/review"] == 1
    [review] = open_reviews(store, subject)
    assert (review.rule, review.due, review.role) == (
        "adult_health_record",
        date(2034, 1, 10),
        "dpo",
    )
    assert open_reviews(store, later) == []
    assert run(store, date(2034, 1, 11))["adult_health_record/review"] == 0  # not twice
    assert fields_of(store, subject) == 1  # a review rule never deletes silently
    RetentionDesk(store, DPO).decide(review.review_id, "dispose", "no further care expected")
    counts = run(store, date(2034, 1, 11))
    assert counts["subjects/whole/shred"] == 1
    assert fields_of(store, subject) == 0 and fields_of(store, later) == 1
    assert store.vault.is_erased(ORG, subject) and not store.vault.is_erased(ORG, later)
    with store.sessions() as session:
        reasons = list(
            session.scalars(
                select(AuditEventRow.reason).where(
                    AuditEventRow.organisation_id == ORG, AuditEventRow.purpose == "retention"
                )
            )
        )
    assert any("run certificate" in (r or "") and "as of 2034-01-11" in (r or "") for r in reasons)
    assert any("key destroyed" in (r or "") for r in reasons)
    assert all(result.ok for result in verify_store(store, ORG))


@pytest.mark.promise("S0-77", "L-07")
@pytest.mark.parametrize(
    ("born", "due"),
    [
        (date(2010, 5, 1), date(2035, 5, 1)),  # 15 at the end: 25th
        (date(2008, 9, 1), date(2034, 9, 1)),
    ],
)  # 17 at the end: 26th
def test_a_childs_record_runs_to_the_25th_or_26th_birthday(
    store: Store, born: date, due: date
) -> None:
    subject = patient(store, seen=datetime(2026, 3, 1, 10, tzinfo=UTC))
    move(store, date(2026, 3, 1))  # recorded while still a child
    RetentionDesk(store, DPO).record_facts(subject, born=born)
    before = due - timedelta(days=1)
    move(store, before)
    run(store, before)
    assert open_reviews(store, subject) == []
    move(store, due)
    run(store, due)
    assert [r.due for r in open_reviews(store, subject)] == [due]


@pytest.mark.promise("S0-76", "S0-77")
def test_a_pregnancy_scan_follows_the_maternity_rule_25_years(store: Store) -> None:
    subject = patient(store)
    with store.sessions.begin() as session:
        session.add(
            ClinicalEntryRow(
                organisation_id=ORG,
                entry_id=str(uuid.uuid4()),
                subject_id=subject,
                field="obstetric_report",
                content=b"sealed",
                author="sono",
                created_at=AT,
            )
        )
    move(store, date(2051, 1, 9))
    run(store, date(2051, 1, 9))
    assert {r.rule for r in open_reviews(store, subject)} == {"adult_health_record"}
    move(store, date(2051, 1, 10))
    run(store, date(2051, 1, 10))
    assert {r.rule for r in open_reviews(store, subject)} == {
        "adult_health_record",
        "maternity_record",
    }


@pytest.mark.promise("S1-29")
def test_an_invoice_goes_6_years_after_the_assumed_year_end_and_outlives_marketing(
    store: Store,
) -> None:
    subject = patient(store, seen=None)
    with store.sessions.begin() as session:
        session.add(
            PaymentRow(
                organisation_id=ORG,
                payment_id="p1",
                subject_id=subject,
                method=b"x",
                amount_pence=9000,
                currency="GBP",
                status="paid",
                taken_at=datetime(2026, 2, 1, 10, tzinfo=UTC),
                taken_by="billing",
            )
        )
    move(store, date(2033, 1, 31))
    assert run(store, date(2033, 1, 31))["financial_record/payment/delete"] == 0
    move(store, date(2033, 2, 1))
    counts = RetentionSweep(store, ORG).run(date(2033, 2, 1))
    assert counts.counts["financial_record/payment/delete"] == 1
    assert "financial_record" in counts.unverified  # its year end was assumed: flagged
    with store.sessions() as session:
        reasons = list(
            session.scalars(
                select(AuditEventRow.reason).where(
                    AuditEventRow.organisation_id == ORG,
                    AuditEventRow.rule_ids.contains("financial_record"),
                )
            )
        )
    assert any(
        "1 payment item(s) deleted" in (r or "") and "NOT verified" in (r or "") for r in reasons
    )


@pytest.mark.promise("S0-70")
def test_campaign_performance_is_anonymised_after_180_days(store: Store) -> None:
    subject = patient(store, seen=None)
    sent = datetime(2026, 1, 1, 10, tzinfo=UTC)
    with store.sessions.begin() as session:
        session.add(
            CampaignRow(
                organisation_id=ORG,
                campaign_id="c1",
                name="Spring",
                purpose="marketing",
                channel="email",
                subject_line="Hello",
                body="b",
                criteria="[]",
                created_by="m",
                created_at=sent,
                sent_at=sent,
            )
        )
        session.add(
            CampaignMessageRow(
                organisation_id=ORG,
                message_id="m1",
                campaign_id="c1",
                subject_id=subject,
                channel="email",
                status="sent",
                sent_at=sent,
            )
        )
    day = date(2026, 1, 1) + timedelta(days=180)
    move(store, day - timedelta(days=1))
    assert (
        run(store, day - timedelta(days=1))["campaign_performance/campaign_message/anonymise"] == 0
    )
    move(store, day)
    assert run(store, day)["campaign_performance/campaign_message/anonymise"] == 1
    with store.sessions() as session:
        assert session.get(CampaignMessageRow, (ORG, "m1")).subject_id is None  # type: ignore[union-attr]


@pytest.mark.promise("S0-34")
def test_a_hold_stops_disposal_until_it_is_lifted(store: Store) -> None:
    subject = patient(store)
    desk = RetentionDesk(store, DPO)
    hold = desk.place_hold(subject, "litigation", "claim letter received", "solicitor@example.org")
    move(store, date(2034, 1, 10))
    run(store, date(2034, 1, 10))
    assert open_reviews(store, subject) == []
    assert [h.hold_id for h in desk.holds()] == [hold.hold_id]
    desk.lift_hold(hold.hold_id, "claim settled")
    run(store, date(2034, 1, 11))
    assert len(open_reviews(store, subject)) == 1


def test_a_dry_run_changes_nothing_and_reports_the_same_counts(store: Store) -> None:
    subject = patient(store)
    move(store, date(2034, 1, 10))
    dry = run(store, date(2034, 1, 10), dry_run=True)
    assert open_reviews(store, subject) == []
    real = run(store, date(2034, 1, 10))
    assert {k: v for k, v in dry.items() if v} == {k: v for k, v in real.items() if v}


@pytest.mark.promise("S0-77")
def test_a_death_never_shortens_retention_8_years_after_death(store: Store) -> None:
    subject = patient(store)
    RetentionDesk(store, DPO).record_facts(subject, died=date(2026, 6, 1))
    move(store, date(2034, 5, 31))
    run(store, date(2034, 5, 31))  # 8 years after the last visit, not yet 8 after death
    assert open_reviews(store, subject) == []
    move(store, date(2034, 6, 1))
    run(store, date(2034, 6, 1))
    assert [r.due for r in open_reviews(store, subject)] == [date(2034, 6, 1)]


@pytest.mark.promise("L-07")
def test_a_childs_date_of_birth_given_at_registration_sets_the_childrens_rule(
    store: Store,
) -> None:
    reception = Records(store, actor(ORG, "rita"))
    child = reception.register(
        "care",
        {
            "full_name": "Kit Example",
            "date_of_birth": "2015-04-02",
            "email": "kit@example.org",
            "phone": "07700 900123",
        },
    )
    adult = reception.register(
        "care",
        {
            "full_name": "Ada Example",
            "date_of_birth": "1984-03-02",
            "email": "ada@example.org",
            "phone": "07700 900124",
        },
    )
    with store.sessions() as session:
        kept = {row.subject_id: row.born_on for row in session.scalars(select(RetentionFactRow))}
    assert kept == {child: date(2015, 4, 2)}  # an adult's stays ciphertext only
    with store.sessions.begin() as session:
        session.add(appointment(ORG, child, AT))
        session.add(appointment(ORG, adult, AT))
    move(store, date(2040, 4, 1))
    run(store, date(2040, 4, 1))
    assert open_reviews(store, child) == [] and len(open_reviews(store, adult)) == 1
    move(store, date(2040, 4, 2))
    run(store, date(2040, 4, 2))
    assert [r.due for r in open_reviews(store, child)] == [date(2040, 4, 2)]  # 25th birthday


@pytest.mark.promise("S1-31")
def test_harmony_marketing_data_goes_on_opt_out(store: Store) -> None:
    reception = Records(store, actor("harmony", "rhea"))
    subject = reception.register(
        "service_delivery", {"full_name": "Bo Example", "email": "bo@example.org"}
    )
    marketer = Actor("harmony", "operator", "marketing")
    agree(store, marketer, subject, "marketing", ("email",))
    sent = store.clock.now()
    with store.sessions.begin() as session:
        session.add(
            CampaignRow(
                organisation_id="harmony",
                campaign_id="c1",
                name="News",
                purpose="marketing",
                channel="email",
                subject_line="Hi",
                body="b",
                criteria="[]",
                created_by="m",
                created_at=sent,
                sent_at=sent,
            )
        )
        session.add(
            CampaignMessageRow(
                organisation_id="harmony",
                message_id="m1",
                campaign_id="c1",
                subject_id=subject,
                channel="email",
                status="sent",
                sent_at=sent,
            )
        )
    sweep = RetentionSweep(store, "harmony")
    assert sweep.run(date(2030, 1, 1)).counts["marketing_data/campaign_message/anonymise"] == 0
    move(store, date(2031, 3, 3))
    agree(store, marketer, subject, "marketing", ("email",), ConsentKind.WITHDRAWN)
    assert sweep.run(date(2031, 3, 2)).counts["marketing_data/campaign_message/anonymise"] == 0
    assert sweep.run(date(2031, 3, 3)).counts["marketing_data/campaign_message/anonymise"] == 1
    with store.sessions() as session:
        assert session.get(CampaignMessageRow, ("harmony", "m1")).subject_id is None  # type: ignore[union-attr]


def test_the_daily_job_catches_up_every_missed_day_in_order(store: Store) -> None:
    move(store, date(2027, 1, 1))
    assert [r.as_of for r in catch_up(store, ORG, date(2027, 1, 1))] == [date(2027, 1, 1)]
    assert catch_up(store, ORG, date(2027, 1, 1)) == []  # done today
    ran = [r.as_of for r in catch_up(store, ORG, date(2027, 1, 4))]
    assert ran == [date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 4)]


def _approve_all(store: Store, day: date) -> None:
    move(store, day)
    run(store, day)
    desk = RetentionDesk(store, DPO)
    for review in desk.reviews():
        desk.decide(review.review_id, "dispose", "no further care expected")


@pytest.mark.promise("S1-29")
def test_an_invoice_keeps_its_appointment_until_the_invoice_goes_then_the_patient_is_shredded(
    store: Store,
) -> None:
    subject = patient(store, seen=None)
    visit = appointment(ORG, subject, AT)
    with store.sessions.begin() as session:
        session.add(visit)
        session.flush()
        session.add(
            PaymentRow(
                organisation_id=ORG,
                payment_id="p1",
                subject_id=subject,
                appointment_id=visit.appointment_id,
                method=b"x",
                amount_pence=9000,
                currency="GBP",
                status="paid",
                taken_by="billing",
                taken_at=datetime(2030, 1, 1, 10, tzinfo=UTC),
            )
        )
    _approve_all(store, date(2034, 1, 10))
    run(store, date(2034, 1, 11))
    assert fields_of(store, subject) == 0  # the name goes with the record
    assert not store.vault.is_erased(ORG, subject)  # the invoice, and its appointment, stay
    with store.sessions() as session:
        assert session.get(AppointmentRow, (ORG, visit.appointment_id)) is not None
    assert run(store, date(2036, 12, 31))["subjects/whole/shred"] == 0
    counts = run(store, date(2037, 1, 1))  # 6 years after the assumed year end: the invoice goes
    assert counts["financial_record/payment/delete"] == 1 and counts["subjects/whole/shred"] == 1
    assert store.vault.is_erased(ORG, subject)


def test_a_hold_on_one_record_keeps_it_and_its_disposal_waits_for_the_lift(store: Store) -> None:
    subject = patient(store)
    with store.sessions() as session:
        visit = session.scalars(
            select(AppointmentRow.appointment_id).where(AppointmentRow.subject_id == subject)
        ).one()
    _approve_all(store, date(2034, 1, 10))
    desk = RetentionDesk(store, DPO)
    hold = desk.place_hold(
        subject,
        "investigation",
        "incident review",
        "quality lead",
        record_kind="appointment",
        record_id=visit,
    )
    run(store, date(2034, 1, 11))
    assert fields_of(store, subject) == 0 and not store.vault.is_erased(ORG, subject)
    desk.lift_hold(hold.hold_id, "review closed")
    assert run(store, date(2034, 1, 12))["subjects/whole/shred"] == 1
    assert store.vault.is_erased(ORG, subject)


def test_in_one_batch_what_a_hold_or_a_kept_payment_keeps_stays_and_the_rest_goes_exactly(
    store: Store,
) -> None:
    """Three patients decided in one batch: one appointment held, one a kept invoice points
    at, one free. Only the free one goes, the register and the certificate say exactly that,
    and the other two decisions stay to be carried out."""
    free, held, paid = patient(store), patient(store), patient(store)
    with store.sessions.begin() as session:
        visits = dict(
            session.execute(
                select(AppointmentRow.subject_id, AppointmentRow.appointment_id).where(
                    AppointmentRow.organisation_id == ORG
                )
            ).all()
        )
        session.add(
            PaymentRow(
                organisation_id=ORG,
                payment_id="p1",
                subject_id=paid,
                appointment_id=visits[paid],
                method=b"x",
                amount_pence=9000,
                currency="GBP",
                status="paid",
                taken_by="billing",
                taken_at=datetime(2030, 1, 1, 10, tzinfo=UTC),
            )
        )
    _approve_all(store, date(2034, 1, 10))
    desk = RetentionDesk(store, DPO)
    desk.place_hold(held, "complaint", "complaint about the scan", "complaints lead",
                    record_kind="appointment", record_id=visits[held])  # fmt: skip
    counts = run(store, date(2034, 1, 11))
    assert counts["adult_health_record/appointment/dispose"] == 1
    assert counts["adult_health_record/field/dispose"] == 3  # every name goes
    assert counts["subjects/whole/shred"] == 1
    with store.sessions() as session:
        left = set(session.scalars(select(AppointmentRow.appointment_id)))
        undone = set(
            session.scalars(
                select(RetentionReviewRow.subject_id).where(
                    RetentionReviewRow.decision == "dispose",
                    RetentionReviewRow.disposed_at.is_(None),
                )
            )
        )
        reasons = list(session.scalars(select(AuditEventRow.reason)))
    assert left == {visits[held], visits[paid]} and undone == {held, paid}
    register = disposal_deletions.entries(store.key_engine, ORG)
    assert {(e.subject, e.item) for e in register if e.record_table == "appointment"} == {
        (free, visits[free])
    }
    assert {(e.subject, e.item) for e in register if e.record_table == "subject_field"} == {
        (s, "full_name") for s in (free, held, paid)
    }
    assert any("1 appointment item(s) disposed of after review" in (r or "") for r in reasons)
    assert store.vault.is_erased(ORG, free)
    assert not store.vault.is_erased(ORG, held) and not store.vault.is_erased(ORG, paid)


def test_decisions_are_carried_out_batch_after_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hippocratic.services.retention_sweep as sweep

    monkeypatch.setattr(sweep, "BATCH", 2)
    subjects = [patient(store) for _ in range(5)]
    _approve_all(store, date(2034, 1, 10))
    assert run(store, date(2034, 1, 11))["subjects/whole/shred"] == 5
    assert all(store.vault.is_erased(ORG, s) for s in subjects)
