"""Carrying out the DPO's decisions to dispose, a batch of subjects at a time, in set-based SQL.

For each kind of record a review rule governs, the (subject, item) keys the batch's decisions
cover are read once, each with whether a hold keeps it (at most a few thousand keys); those no
hold keeps are deleted by their primary key, a plain ``IN`` list a ``CHUNK`` at a time, with
RETURNING, so the deletion register and the certificates count what really went. What a
decision covers and is still there afterwards (held, or an appointment a kept record points
at) is what was read less what was deleted: its decision waits for a later run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, or_, select, tuple_, update
from sqlalchemy.orm import Session

from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.retention import RetentionReviewRow, record_held, subject_held
from hippocratic.storage.retention_sweep import Source, kept_by_pointer

CHUNK = 500
"""Keys per DELETE: an ``IN`` list well inside every database's limit on parameters."""

Key = tuple[str, str]
"""(subject_id, item) of one record."""


def approved(
    organisation: str,
    rule: str,
    source: Source,
    *,
    with_held: bool = False,
    subjects: Sequence[str] | None = None,
) -> Select[Any]:
    """(subject_id, item) of the source's records whose review decided to dispose of them and
    which are not yet disposed of, holds excepted (unless ``with_held``); only those of
    ``subjects`` if given, named on both sides so either table's index on the subject serves
    (PostgreSQL would otherwise scan every review)."""
    review = RetentionReviewRow
    table = source.table
    if source.subject_level:
        match = and_(review.item_kind == "record", review.item_id == table.subject_id)
    else:
        match = and_(review.item_kind == source.kind, review.item_id == source.item)
    of: list[ColumnElement[bool]] = []
    if subjects is not None:
        of = [table.subject_id.in_(list(subjects)), review.subject_id.in_(list(subjects))]
    query = select(table.subject_id.label("subject_id"), source.item.label("item")).where(
        table.organisation_id == organisation,
        *source.where,
        *of[:1],
        exists().where(
            review.organisation_id == organisation,
            review.subject_id == table.subject_id,
            *of[1:],
            review.rule == rule,
            review.decision == "dispose",
            review.disposed_at.is_(None),
            match,
        ),
    )
    if with_held:
        return query
    return query.where(~_held(organisation, source))


def _held(organisation: str, source: Source) -> ColumnElement[bool]:
    return or_(
        subject_held(organisation, source.table.subject_id),
        record_held(organisation, source.kind, source.item),
    )


def approved_keys(
    session: Session, organisation: str, rule: str, source: Source, subjects: Sequence[str]
) -> tuple[list[Key], list[Key]]:
    """The keys of these subjects' records of ``source`` a decision under ``rule`` covers, in
    one read: (those no hold keeps, those a hold keeps)."""
    query = approved(organisation, rule, source, with_held=True, subjects=subjects)
    free: list[Key] = []
    held: list[Key] = []
    for subject, item, is_held in session.execute(query.add_columns(_held(organisation, source))):
        (held if is_held else free).append((subject, item))
    return free, held


def _keyed_by_item(source: Source) -> bool:
    """True if the item alone is the record's key within the organisation (a record id), not
    only within the subject (a field)."""
    key = [column.name for column in source.table.__table__.primary_key.columns]
    return key == ["organisation_id", source.item.key]


def delete_keys(
    session: Session, organisation: str, source: Source, keys: Sequence[Key]
) -> list[Key]:
    """Delete these records of ``source`` by primary key, except an appointment a kept record
    points at; the (subject, item) deleted, as RETURNING gives them."""
    table = source.table
    deleted: list[Key] = []
    for start in range(0, len(keys), CHUNK):
        chunk = list(keys[start : start + CHUNK])
        where = [
            table.organisation_id == organisation,
            *source.where,
            source.item.in_(sorted({item for _, item in chunk})),
            *kept_by_pointer(organisation, table),
        ]
        if not _keyed_by_item(source):  # a field: the subject and the field make the key
            where += [
                table.subject_id.in_(sorted({subject for subject, _ in chunk})),
                tuple_(table.subject_id, source.item).in_(chunk),
            ]
        result = session.execute(
            delete(table)
            .where(*where)
            .returning(table.subject_id, source.item)
            .execution_options(synchronize_session=False)
        )
        deleted += [(subject, item) for subject, item in result]
    return deleted


def mark_disposed(
    session: Session,
    organisation: str,
    subjects: Sequence[str],
    left: set[tuple[str, str, str, str]],
    run_id: str,
    at: datetime,
) -> int:
    """The dispose decisions on these subjects are carried out (by this run), except those
    with something ``left`` (subject, rule, unit kind, unit item): a record a hold keeps, or one
    a kept record points at, which a later run disposes of when it can."""
    review = RetentionReviewRow
    rows = session.execute(
        select(
            review.review_id, review.subject_id, review.rule, review.item_kind, review.item_id
        ).where(
            review.organisation_id == organisation,
            review.subject_id.in_(list(subjects)),
            review.decision == "dispose",
            review.disposed_at.is_(None),
        )
    ).all()
    done = [row[0] for row in rows if tuple(row[1:]) not in left]
    if done:
        session.execute(
            update(review)
            .where(review.organisation_id == organisation, review.review_id.in_(done))
            .values(disposed_at=at, disposed_run=run_id)
            .execution_options(synchronize_session=False)
        )
    return len(done)


def subjects_with_approvals(
    session: Session, organisation: str, limit: int, after: str = ""
) -> list[str]:
    """The next ``limit`` subjects (in id order, after ``after``) with a decision to dispose
    still to carry out and no hold on them."""
    review = RetentionReviewRow
    return list(
        session.scalars(
            select(review.subject_id)
            .where(
                review.organisation_id == organisation,
                review.decision == "dispose",
                review.disposed_at.is_(None),
                review.subject_id > after,
                ~subject_held(organisation, review.subject_id),
            )
            .group_by(review.subject_id)
            .order_by(review.subject_id)
            .limit(limit)
        )
    )


def emptied(
    session: Session, organisation: str, subjects: Sequence[str], tables: Sequence[Any]
) -> list[str]:
    """Those of ``subjects`` who hold nothing more in ``tables`` or their own record."""
    left = set()
    for table in (SubjectFieldRow, *tables):
        left |= set(
            session.scalars(
                select(table.subject_id)
                .where(table.organisation_id == organisation, table.subject_id.in_(list(subjects)))
                .distinct()
            )
        )
    return [s for s in subjects if s not in left]
