"""The retention sweep's SQL: which records are due under a rule, and disposing of them, each
one statement over the whole store (never a loop over rows).

A ``Source`` is where one kind of record lives and which of its columns are its facts; the
subject's own facts (date of birth and death, end of treatment, last attended appointment,
marketing opt-out) come from ``subject_facts``, one grouped query each, joined by subject.
``due_items`` is the set of (subject, item) a ``DuePlan`` finds due, without what a hold covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    tuple_,
    union,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

from hippocratic.domain.retention_due import DuePlan
from hippocratic.storage.campaign import CampaignMessageRow
from hippocratic.storage.clinic import AppointmentRow, ClinicalEntryRow, PaymentRow
from hippocratic.storage.consent import ConsentStateRow
from hippocratic.storage.retention import (
    RetentionFactRow,
    RetentionReviewRow,
    record_held,
    subject_held,
)
from hippocratic.storage.retention_due import FactColumns, due
from hippocratic.storage.subject import SubjectRow


class london_day(FunctionElement[date]):  # noqa: N801 - a SQL function
    """The UK calendar day of a stored moment. PostgreSQL converts exactly; SQLite, which has
    no time zones, adds an hour (British Summer Time), so a day is never earlier than the UK
    day, at most one later for a moment between 23:00 and midnight UTC in winter."""

    type = Date()
    inherit_cache = True
    name = "london_day"


@compiles(london_day, "postgresql")
def _london_pg(element: london_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Europe/London' AS DATE)"


@compiles(london_day)
def _london_sqlite(element: london_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+1 hour')"


@dataclass(frozen=True)
class Source:
    """Where one kind of record is: its table, its key within the subject, its own facts."""

    kind: str
    table: Any
    item: Any
    """The column naming one item within the organisation (a record id, or a field)."""
    where: Sequence[Any] = ()
    collected: Any = None
    last_interaction: Any = None
    subject_level: bool = True
    """Reviewed as part of the subject's whole record under its rule (not item by item)."""
    erasable_as: str = ""
    """The kind whose rows ``storage.erasure`` deletes (``field`` for the subject's fields)."""
    extra: dict[str, Any] = field(default_factory=dict)


def subject_facts(organisation: str, marketing_purpose: str | None) -> Any:
    """One row per subject: the facts retention needs about them, from where the store keeps
    them. The last attended appointment is the last day seen; an opt-out is the latest
    withdrawal of marketing once no channel is consented to."""
    seen = (
        select(
            AppointmentRow.subject_id.label("subject_id"),
            func.max(london_day(AppointmentRow.starts_at)).label("last_seen"),
        )
        .where(AppointmentRow.organisation_id == organisation, AppointmentRow.status == "attended")
        .group_by(AppointmentRow.subject_id)
        .subquery("seen")
    )
    opted = (
        select(
            ConsentStateRow.subject_id.label("subject_id"),
            func.max(london_day(ConsentStateRow.recorded_at)).label("opted_out"),
        )
        .where(
            ConsentStateRow.organisation_id == organisation,
            ConsentStateRow.purpose == (marketing_purpose or ""),
        )
        .group_by(ConsentStateRow.subject_id)
        .having(func.sum(case((ConsentStateRow.given.is_(True), 1), else_=0)) == 0)
        .subquery("opted")
    )
    fact = RetentionFactRow
    return (
        select(
            SubjectRow.subject_id.label("subject_id"),
            fact.born_on.label("born"),
            fact.died_on.label("died"),
            fact.end_of_treatment.label("end_of_treatment"),
            seen.c.last_seen,
            opted.c.opted_out,
        )
        .select_from(SubjectRow)
        .outerjoin(
            fact,
            and_(fact.organisation_id == organisation, fact.subject_id == SubjectRow.subject_id),
        )
        .outerjoin(seen, seen.c.subject_id == SubjectRow.subject_id)
        .outerjoin(opted, opted.c.subject_id == SubjectRow.subject_id)
        .where(SubjectRow.organisation_id == organisation)
        .subquery("facts")
    )


def due_items(
    organisation: str, source: Source, plan: DuePlan, facts: Any, *, with_held: bool = False
) -> Select[Any]:
    """(subject_id, item) of every record of ``source`` due under ``plan``, holds excepted."""
    table = source.table
    columns = FactColumns(
        born=facts.c.born,
        last_seen=facts.c.last_seen,
        end_of_treatment=facts.c.end_of_treatment,
        died=facts.c.died,
        opted_out=facts.c.opted_out,
        collected=london_day(source.collected) if source.collected is not None else None,
        last_interaction=(
            london_day(source.last_interaction) if source.last_interaction is not None else None
        ),
    )
    query = (
        select(table.subject_id.label("subject_id"), source.item.label("item"))
        .join(facts, facts.c.subject_id == table.subject_id)
        .where(table.organisation_id == organisation, *source.where, due(plan, columns))
    )
    if not with_held:
        query = query.where(
            ~subject_held(organisation, table.subject_id),
            ~record_held(organisation, source.kind, source.item),
        )
    return query


def count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def kept_by_pointer(organisation: str, table: Any) -> list[ColumnElement[bool]]:
    """Conditions a record of ``table`` must meet to be deleted: an appointment a clinical
    entry or a payment still points at stays with it (both indexed by appointment)."""
    if table is not AppointmentRow:
        return []
    return [
        ~exists().where(
            ClinicalEntryRow.organisation_id == organisation,
            ClinicalEntryRow.appointment_id == AppointmentRow.appointment_id,
        ),
        ~exists().where(
            PaymentRow.organisation_id == organisation,
            PaymentRow.appointment_id == AppointmentRow.appointment_id,
        ),
    ]


def delete_items(
    session: Session, organisation: str, source: Source, items: Select[Any]
) -> list[tuple[str, str]]:
    """Delete the items ``items`` selects (subject_id, item); the (subject, item) deleted."""
    table = source.table
    keys = tuple_(table.subject_id, source.item)
    where = [
        table.organisation_id == organisation,
        *source.where,
        keys.in_(items),
        *kept_by_pointer(organisation, table),
    ]
    result = session.execute(
        delete(table)
        .where(*where)
        .returning(table.subject_id, source.item)
        .execution_options(synchronize_session=False)
    )
    return [(subject, item) for subject, item in result]


def anonymise_items(
    session: Session, organisation: str, items: Select[Any]
) -> list[tuple[str | None, str]]:
    """Campaign messages due lose the patient they went to; the campaign's counts stay.
    Returns the (subject, message) anonymised, read first and locked (RETURNING would give
    the patient it has just removed)."""
    message = CampaignMessageRow
    keys = tuple_(message.subject_id, message.message_id)
    query = select(message.subject_id, message.message_id).where(
        message.organisation_id == organisation, keys.in_(items)
    )
    found = [(subject, item) for subject, item in session.execute(query.with_for_update())]
    for start in range(0, len(found), 5_000):
        session.execute(
            update(message)
            .where(
                message.organisation_id == organisation,
                message.message_id.in_([item for _, item in found[start : start + 5_000]]),
            )
            .values(subject_id=None)
            .execution_options(synchronize_session=False)
        )
    return found


def _unit(source: Source, items: Select[Any]) -> Any:
    sub = items.subquery()
    if source.subject_level:
        return select(
            sub.c.subject_id,
            literal("record", String).label("kind"),
            sub.c.subject_id.label("item"),
        )
    return select(sub.c.subject_id, literal(source.kind, String).label("kind"), sub.c.item)


def reviewable(
    organisation: str, rule: str, as_of: date, due: Sequence[tuple[Source, Select[Any]]]
) -> Any:
    """Units (subject, kind, item) due under a review rule, from every source it governs, and
    not already under review: no undecided review, no decision to keep that still runs, no
    disposal still to do. A subject's whole record is one unit, whatever it is made of."""
    unit = union(*(_unit(source, items) for source, items in due)).subquery()
    review = RetentionReviewRow
    # NOT IN over the reviews as they stand, not NOT EXISTS: PostgreSQL hashes the subquery
    # once, before the insert, instead of scanning the table it is inserting into per row
    pending = select(review.subject_id, review.item_kind, review.item_id).where(
        review.organisation_id == organisation,
        review.rule == rule,
        (review.decided_at.is_(None))
        | ((review.decision == "keep") & (review.keep_until > literal(as_of, Date)))
        | ((review.decision == "dispose") & review.disposed_at.is_(None)),
    )
    keys = tuple_(unit.c.subject_id, unit.c.kind, unit.c.item)
    return select(unit.c.subject_id, unit.c.kind, unit.c.item).where(keys.not_in(pending))


def open_reviews(
    session: Session,
    organisation: str,
    rule: str,
    as_of: date,
    role: str,
    run_id: str,
    units: Any,
) -> int:
    """Insert one review per unit (one statement); the count opened."""
    sub = units.subquery()
    review_id = literal(f"{run_id}:{rule}:") + sub.c.kind + literal(":") + sub.c.item
    rows = select(
        literal(organisation, String),
        review_id,
        sub.c.subject_id,
        literal(rule, String),
        sub.c.kind,
        sub.c.item,
        literal(as_of, Date),
        literal(role, String),
        literal(run_id, String),
    )
    result = session.connection().execute(
        insert(RetentionReviewRow)
        .from_select(
            [
                "organisation_id",
                "review_id",
                "subject_id",
                "rule",
                "item_kind",
                "item_id",
                "due",
                "role",
                "opened_run",
            ],
            rows,
        )
        .returning(RetentionReviewRow.review_id)
    )
    return len(result.all())
