"""Crypto-shredding in the key store: destroying subjects' data keys, one or a thousand, in one
key-store transaction with their tombstones and their disposal-register entries.

``Vault.shred`` (one subject) and ``Vault.shred_many`` (a retention sweep carrying out the DPO's
review decisions, a restore replaying the register) both come here. The transaction is the
unit: either every key named is gone, with a tombstone and a register entry each, or, if it
fails before its commit, none is, and the caller shreds them again. A batch costs one commit
instead of one per subject (a thousand review decisions took 26 s as a thousand transactions).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from hippocratic.storage import disposal_register
from hippocratic.storage.disposal_register import Disposal
from hippocratic.storage.keystore import ShreddedSubjectRow, SubjectKeyRow

CHUNK = 500


def shred(
    session: Session,
    organisation: str,
    subjects: Sequence[str],
    at: datetime,
    disposal: Disposal,
) -> int:
    """Delete the subjects' keys, tombstone and register each one not yet, in the caller's
    key-store transaction (SQLite: with ``secure_delete`` on); returns the keys destroyed."""
    named = list(dict.fromkeys(subjects))
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
    destroyed = 0
    for start in range(0, len(named), CHUNK):
        chunk = named[start : start + CHUNK]
        result = session.execute(
            delete(SubjectKeyRow).where(
                SubjectKeyRow.organisation_id == organisation,
                SubjectKeyRow.subject_id.in_(chunk),
            )
        )
        destroyed += int(getattr(result, "rowcount", 0) or 0)
        marked = set(
            session.scalars(
                select(ShreddedSubjectRow.subject_id).where(
                    ShreddedSubjectRow.organisation_id == organisation,
                    ShreddedSubjectRow.subject_id.in_(chunk),
                )
            )
        )
        fresh = [s for s in chunk if s not in marked]
        if fresh:
            session.execute(
                insert(ShreddedSubjectRow),
                [{"organisation_id": organisation, "subject_id": s, "shredded_at": at}
                 for s in fresh],
            )  # fmt: skip
    disposal_register.record_many(session, organisation, named, at, disposal)
    return destroyed
