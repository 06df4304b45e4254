"""Invoices under a policy that states its financial year end: they go 6 years after the end
of the year they fall in, exactly on that day and never a day early, and the rule is no longer
flagged as resting on an assumed date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.conftest import HARMONIC_POLICY
from tests.services.test_retention_sweep import ORG, move, patient

from hippocratic.domain.clock import FixedClock
from hippocratic.policy.financial_year import YearEnd
from hippocratic.policy.loader import load_policy
from hippocratic.services.retention_forecast import forecast
from hippocratic.services.retention_kinds import verified
from hippocratic.services.retention_sweep import RetentionSweep
from hippocratic.services.store import Store, init_store
from hippocratic.storage.clinic import PaymentRow
from hippocratic.storage.ledger import AuditEventRow

RULE = "financial_record/payment/delete"


@pytest.fixture
def stated(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    """Harmonic's policy, its financial year ending on 31 March."""
    policy = tmp_path / "harmonic.yaml"
    text = HARMONIC_POLICY.read_text(encoding="utf-8")
    anchor = '  company_number: "07634829"'
    assert anchor in text
    policy.write_text(text.replace(anchor, f'{anchor}\n  financial_year_end: "03-31"', 1))
    store = init_store(policy, database_url, tmp_path / "keys", clock)
    yield store
    store.dispose()


def _invoice(store: Store, subject: str, payment: str, taken: date) -> None:
    with store.sessions.begin() as session:
        session.add(
            PaymentRow(
                organisation_id=ORG,
                payment_id=payment,
                subject_id=subject,
                method=b"x",
                amount_pence=9000,
                currency="GBP",
                status="paid",
                taken_at=datetime.combine(taken, datetime.min.time(), UTC).replace(hour=10),
                taken_by="billing",
            )
        )


def _payments(store: Store) -> set[str]:
    with store.sessions() as session:
        return set(session.scalars(select(PaymentRow.payment_id)))


@pytest.mark.promise("S1-29")
def test_an_invoice_goes_6_years_after_the_end_of_its_financial_year(stated: Store) -> None:
    subject = patient(stated, seen=None)
    _invoice(stated, subject, "february", date(2026, 2, 1))  # year ends 31 March 2026
    _invoice(stated, subject, "april", date(2026, 4, 1))  # year ends 31 March 2027
    sweep = RetentionSweep(stated, ORG)
    ahead = forecast(stated, ORG, date(2032, 1, 1), 4)
    assert [m.by_rule.get("financial_record", 0) for m in ahead.months] == [0, 0, 1, 0]
    move(stated, date(2032, 3, 30))
    assert sweep.run(date(2032, 3, 30)).counts[RULE] == 0
    move(stated, date(2032, 3, 31))
    report = sweep.run(date(2032, 3, 31))
    # An assumed year end (12 months on) would have kept both until 2033.
    assert report.counts[RULE] == 1 and _payments(stated) == {"april"}
    with stated.sessions() as session:
        reasons = list(
            session.scalars(
                select(AuditEventRow.reason).where(
                    AuditEventRow.rule_ids.contains("retention:financial_record")
                )
            )
        )
    # Still flagged, for its source (HMRC's page, read only through a copy), not for the date.
    assert len(reasons) == 1 and "year end NOT verified" not in (reasons[0] or "")
    assert "source NOT verified" in (reasons[0] or "")
    move(stated, date(2033, 3, 30))
    assert sweep.run(date(2033, 3, 30)).counts[RULE] == 0
    move(stated, date(2033, 3, 31))
    assert sweep.run(date(2033, 3, 31)).counts[RULE] == 1 and _payments(stated) == set()


def test_a_rule_from_the_year_end_is_verified_only_once_the_year_end_is_stated() -> None:
    rule = load_policy(HARMONIC_POLICY).retention_by_key["financial_record"]
    on_the_act = rule.model_copy(update={"source": "finance_act_1998_sch18_para21"})
    assert not verified(on_the_act, None)  # 12 months after each record, assumed
    assert verified(on_the_act, YearEnd(3, 31))
    assert not verified(rule, YearEnd(3, 31))  # its own source is not verified
