"""Changing an organisation's policy in a store: the new file must pass every check, be for
the same organisation, keep every role its active staff hold and not go back to an older
notice; the change is a ``policy.changed`` security event naming both files' SHA-256 and
notice versions, so the ledger shows under which policy each later decision was made."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hippocratic.errors import Conflict, InputError, NotFound
from hippocratic.guard.compiled_policy import compile_policy
from hippocratic.policy.document import Policy
from hippocratic.policy.validator import load_sound_policy_text
from hippocratic.services import security_event
from hippocratic.services.store import Store
from hippocratic.storage.clinic import (
    AppointmentRow,
    CaseRow,
    ClinicalEntryRow,
    CommunicationRow,
    PaymentRow,
    ReferralRow,
)
from hippocratic.storage.consent import stale_counts
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.staff import StaffRow


@dataclass(frozen=True)
class PolicyChange:
    organisation: str
    old_sha256: str
    new_sha256: str
    old_notice: str
    new_notice: str
    reconfirm: dict[str, int] = field(default_factory=dict)
    """Per consent-based purpose whose terms changed: the consents to confirm again before
    they count (the people are listed at /console/consents/reconfirm)."""


RECORDS: dict[str, Any] = {
    "appointment": AppointmentRow,
    "referral": ReferralRow,
    "clinical_entry": ClinicalEntryRow,
    "communication": CommunicationRow,
    "payment": PaymentRow,
    "enquiry": CaseRow,
    "complaint": CaseRow,
}
"""Where each kind of clinic record lives (cases hold both enquiries and complaints)."""


def _keeps_what_is_kept(session: Session, key: str, current: Policy, new: Policy) -> None:
    """A kind of record the store holds rows of cannot stop being kept: they would become
    unreachable, not disposed of (retention does that, by its rules)."""
    for kind, table in RECORDS.items():
        if getattr(current.records, kind) is None or getattr(new.records, kind) is not None:
            continue
        where = [table.organisation_id == key]
        if table is CaseRow:
            where.append(CaseRow.kind == kind)
        held = session.scalar(select(func.count()).select_from(table).where(*where)) or 0
        if held:
            raise Conflict(
                f"this policy no longer keeps {kind.replace('_', ' ')} records, and the store "
                f"holds {held}",
                hint="keep the record's binding until retention has disposed of them",
            )


def change_policy(store: Store, policy_path: Path) -> PolicyChange:
    """Put ``policy_path`` in force for its organisation; refuse, changing nothing, a file
    that fails a check or would leave staff without their role."""
    text = policy_path.read_text(encoding="utf-8")
    policy = load_sound_policy_text(text, str(policy_path))
    digest = hashlib.sha256(text.encode()).hexdigest()
    key = policy.organisation.key
    with store.sessions.begin() as session:
        row = session.get(OrganisationRow, key)
        if row is None:
            raise NotFound(
                f"no organisation {key!r} in this store",
                hint="add it with `hippocratic organisation add --policy FILE`",
            )
        if row.policy_sha256 == digest:
            raise Conflict(f"this policy is already in force for {key}")
        current = store.policy(session, key)
        if policy.notice.effective_date < current.notice.effective_date:
            raise InputError(
                f"notice {policy.notice.version} took effect on "
                f"{policy.notice.effective_date.isoformat()}, before the one in force "
                f"({current.notice.version}, {current.notice.effective_date.isoformat()})",
                field="notice.effective_date",
                hint="a changed policy keeps its notice or brings a later one",
            )
        _keeps_what_is_kept(session, key, current, policy)
        roles = {role.key for role in policy.roles}
        stranded = session.scalars(
            select(StaffRow.username).where(
                StaffRow.organisation_id == key,
                StaffRow.disabled_at.is_(None),
                StaffRow.role.not_in(roles),
            )
        ).all()
        if stranded:
            raise Conflict(
                f"{len(stranded)} active staff hold a role this policy no longer defines: "
                f"{', '.join(sorted(stranded)[:10])}",
                hint="give them another role (`hippocratic staff role`) or disable them first",
            )
        accepted = {k: p.consent_terms for k, p in compile_policy(policy).purposes.items()
                    if p.consent_required}  # fmt: skip
        change = PolicyChange(
            key, row.policy_sha256, digest, current.notice.version, policy.notice.version,
            stale_counts(session, key, accepted),
        )  # fmt: skip
        row.policy_yaml, row.policy_sha256 = text, digest
        row.name = policy.organisation.display_name
        security_event.record(
            session,
            store,
            key,
            security_event.OPERATOR,
            security_event.OPERATOR,
            "policy.changed",
            reason=f"policy sha256 {change.old_sha256} -> {digest}; notice "
            f"{change.old_notice} -> {change.new_notice}"
            + "".join(
                f"; {n} {p} consent(s) to confirm again" for p, n in change.reconfirm.items()
            ),
        )
    store.forget_policy(key)
    return change
