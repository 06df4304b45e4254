"""A release from the store, written to the disclosure log (S0-54, Art. 15(1)(c), Art. 30(1)(d)).

De-identified is not anonymous: a pseudonymised extract is still the patients' personal data
in the recipient's hands (Recital 26), so a release is a disclosure like any other. The log
gets one ``DisclosureReleaseRow`` (recipient, purpose, the fields and categories released, how
many patients, k, the release id) and, for every patient whose row went out (suppressed rows
did not), a ``DisclosureRow`` naming the release (``related`` = ``release:<id>``) with one item
per field. So the patient's access package lists the recipient, and breach scoping by that
recipient, or by the member of staff who made the release, reaches exactly those patients.

Written with set-based inserts in the caller's transaction, beside the ``release.made`` event,
before the table leaves the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from hippocratic.policy.document import Policy
from hippocratic.services.actor import Actor
from hippocratic.storage.disclosure import (
    DisclosureItemRow,
    DisclosureReleaseRow,
    DisclosureRow,
    encode_fields,
)

CHANNEL = "file"
"""How a release goes out: a file handed to the recipient."""
RELATED = "release:"
CHUNK = 5_000
"""Rows per insert: big enough to be quick, small enough for SQLite's bound-parameter limit."""


@dataclass(frozen=True)
class ReleaseEntry:
    """What the log holds about one release."""

    release_id: str
    recipient: str
    purpose: str
    fields: tuple[str, ...]
    categories: tuple[str, ...]
    subjects: int


def record_release(
    session: Session,
    policy: Policy,
    actor: Actor,
    *,
    recipient: str,
    purpose: str,
    project: str,
    fields: Sequence[str],
    subjects: Sequence[str],
    k: int,
    opted_out: int,
    now: datetime,
    audit_seq: int,
) -> ReleaseEntry:
    """Log a release of ``fields`` of ``subjects`` to ``recipient``; returns its entry."""
    release_id = str(uuid.uuid4())
    organisation = actor.organisation
    category_of = policy.category_of_field
    released = tuple(f for f in fields if f in category_of)
    categories = tuple(sorted({category_of[f].key for f in released}))
    found = policy.purpose_by_key[purpose]
    basis = found.lawful_basis.value + (
        f"; {found.special_condition.value}" if found.special_condition else ""
    )
    session.add(
        DisclosureReleaseRow(
            organisation_id=organisation,
            release_id=release_id,
            recipient=recipient,
            purpose=purpose,
            project=project[:120],
            fields=encode_fields(released),
            categories=encode_fields(categories),
            subjects=len(subjects),
            k=k,
            opted_out=opted_out,
            decided_by=actor.actor,
            role=actor.role,
            at=now,
            audit_seq=audit_seq,
        )
    )
    session.flush()
    disclosures = cast(Table, DisclosureRow.__table__)
    items = cast(Table, DisclosureItemRow.__table__)
    for start in range(0, len(subjects), CHUNK):
        rows: list[dict[str, Any]] = []
        carried: list[dict[str, Any]] = []
        for subject in subjects[start : start + CHUNK]:
            disclosure_id = str(uuid.uuid4())
            rows.append(
                {
                    "organisation_id": organisation,
                    "disclosure_id": disclosure_id,
                    "subject_id": subject,
                    "recipient": recipient,
                    "party": None,
                    "purpose": purpose,
                    "basis": basis,
                    "channel": CHANNEL,
                    "decided_by": actor.actor,
                    "role": actor.role,
                    "at": now,
                    "related": f"{RELATED}{release_id}",
                    "patient_told_at": None,
                    "exemption": None,
                    "agreed_at": None,
                    "justification": None,
                    "audit_seq": audit_seq,
                }
            )
            carried.extend(
                {
                    "organisation_id": organisation,
                    "disclosure_id": disclosure_id,
                    "field": field,
                    "category": category_of[field].key,
                }
                for field in released
            )
        session.execute(insert(disclosures), rows)
        if carried:
            session.execute(insert(items), carried)
    return ReleaseEntry(release_id, recipient, purpose, released, categories, len(subjects))
