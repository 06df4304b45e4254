"""SQL for patient records, always scoped to one organisation. No decisions are made here: the
caller holds the guard's decision (``services.records``) and passes the guard's scope filter to
searches, so what a query filters on is only what the actor may read (invariant 7).

Hot statements are built once with bound parameters, so a read costs one cached query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, exists, select, union, update
from sqlalchemy.orm import Session

from hippocratic.storage.clinic import ClinicalEntryRow
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.subject import SubjectRow


@dataclass(frozen=True)
class StoredValue:
    """One field of one patient as it sits in the database (ciphertext or plain text)."""

    field: str
    ciphertext: bytes | None = None
    value: str | None = None
    blind_index: bytes | None = None


MAX_MATCHES = 50
"""A search is for finding a person, not listing people: at most this many matches."""

_VALUES = select(SubjectFieldRow.field, SubjectFieldRow.ciphertext, SubjectFieldRow.value).where(
    SubjectFieldRow.organisation_id == bindparam("organisation"),
    SubjectFieldRow.subject_id == bindparam("subject"),
    SubjectFieldRow.field.in_(bindparam("fields", expanding=True)),
)


class PatientRepository:
    def __init__(self, session: Session, organisation: str) -> None:
        self.session = session
        self.organisation = organisation

    def add_subject(self, subject: str, at: datetime) -> None:
        self.session.add(
            SubjectRow(
                organisation_id=self.organisation,
                subject_id=subject,
                created_at=at,
                restricted=False,
            )
        )
        self.session.flush()

    def put(self, subject: str, values: Iterable[StoredValue], at: datetime) -> None:
        """Insert or replace these fields of the subject's record."""
        for stored in values:
            self.session.merge(
                SubjectFieldRow(
                    organisation_id=self.organisation,
                    subject_id=subject,
                    field=stored.field,
                    ciphertext=stored.ciphertext,
                    value=stored.value,
                    blind_index=stored.blind_index,
                    updated_at=at,
                    verified_at=at,
                )
            )

    def verified(self, subject: str, fields: Sequence[str]) -> dict[str, datetime]:
        """When the patient last gave or confirmed each of these fields that their record holds."""
        rows = self.session.execute(
            select(
                SubjectFieldRow.field, SubjectFieldRow.verified_at, SubjectFieldRow.updated_at
            ).where(
                SubjectFieldRow.organisation_id == self.organisation,
                SubjectFieldRow.subject_id == subject,
                SubjectFieldRow.field.in_(list(fields)),
            )
        )
        return {field: verified or updated for field, verified, updated in rows}

    def confirm(self, subject: str, fields: Sequence[str], at: datetime) -> None:
        """The patient confirmed these values are still right."""
        self.session.execute(
            update(SubjectFieldRow)
            .where(
                SubjectFieldRow.organisation_id == self.organisation,
                SubjectFieldRow.subject_id == subject,
                SubjectFieldRow.field.in_(list(fields)),
            )
            .values(verified_at=at)
        )

    def values(self, subject: str, fields: Sequence[str]) -> list[StoredValue]:
        params = {"organisation": self.organisation, "subject": subject, "fields": list(fields)}
        return [
            StoredValue(row[0], row[1], row[2]) for row in self.session.execute(_VALUES, params)
        ]

    def present(self, subject: str) -> set[str]:
        """Which fields the subject's record holds (not their values), their clinical
        record included (a returning patient's medical history): what a new capture need not
        ask again."""
        held = select(SubjectFieldRow.field).where(
            SubjectFieldRow.organisation_id == self.organisation,
            SubjectFieldRow.subject_id == subject,
        )
        written = select(ClinicalEntryRow.field).where(
            ClinicalEntryRow.organisation_id == self.organisation,
            ClinicalEntryRow.subject_id == subject,
        )
        return set(self.session.scalars(union(held, written)))

    def values_of_many(
        self, subjects: Sequence[str], fields: Sequence[str]
    ) -> dict[str, list[StoredValue]]:
        """These fields of several subjects in one query (a worklist page)."""
        found: dict[str, list[StoredValue]] = {subject: [] for subject in subjects}
        if not subjects or not fields:
            return found
        rows = self.session.execute(
            select(
                SubjectFieldRow.subject_id,
                SubjectFieldRow.field,
                SubjectFieldRow.ciphertext,
                SubjectFieldRow.value,
            ).where(
                SubjectFieldRow.organisation_id == self.organisation,
                SubjectFieldRow.subject_id.in_(list(subjects)),
                SubjectFieldRow.field.in_(list(fields)),
            )
        )
        for subject, field, ciphertext, value in rows:
            found[subject].append(StoredValue(field, ciphertext, value))
        return found

    def find(self, indexes: Mapping[str, bytes], visible: ColumnElement[bool]) -> list[str]:
        """Subjects whose fields have all of these blind indexes, among those ``visible``
        (the guard's scope) selects."""
        conditions = [
            exists().where(
                SubjectFieldRow.organisation_id == SubjectRow.organisation_id,
                SubjectFieldRow.subject_id == SubjectRow.subject_id,
                SubjectFieldRow.field == field,
                SubjectFieldRow.blind_index == index,
            )
            for field, index in indexes.items()
        ]
        query = (
            select(SubjectRow.subject_id)
            .where(SubjectRow.organisation_id == self.organisation, visible, *conditions)
            .order_by(SubjectRow.subject_id)
            .limit(MAX_MATCHES)
        )
        return list(self.session.scalars(query))

    def set_restricted(self, subject: str, restricted: bool) -> bool:
        """Set the Art. 18 flag; False if there is no such subject in this organisation."""
        result = self.session.execute(
            update(SubjectRow)
            .where(
                SubjectRow.organisation_id == self.organisation, SubjectRow.subject_id == subject
            )
            .values(restricted=restricted)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
