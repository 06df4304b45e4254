"""Changing an organisation's policy in a store: the new file must pass every check, be for
the same organisation, keep every role its active staff hold and not go back to an older
notice; the change is a ``policy.changed`` security event naming both files' SHA-256 and
notice versions, so the ledger shows under which policy each later decision was made."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from hippocratic.errors import Conflict, InputError, NotFound
from hippocratic.policy.validator import load_sound_policy
from hippocratic.services import security_event
from hippocratic.services.store import Store
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.staff import StaffRow


@dataclass(frozen=True)
class PolicyChange:
    organisation: str
    old_sha256: str
    new_sha256: str
    old_notice: str
    new_notice: str


def change_policy(store: Store, policy_path: Path) -> PolicyChange:
    """Put ``policy_path`` in force for its organisation; refuse, changing nothing, a file
    that fails a check or would leave staff without their role."""
    policy = load_sound_policy(policy_path)
    text = policy_path.read_text(encoding="utf-8")
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
        if policy.notice.version < current.notice.version:
            raise InputError(
                f"notice version {policy.notice.version} is older than the one in force "
                f"({current.notice.version})",
                field="notice.version",
                hint="a changed policy keeps or raises its notice version",
            )
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
        change = PolicyChange(
            key, row.policy_sha256, digest, current.notice.version, policy.notice.version
        )
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
            f"{change.old_notice} -> {change.new_notice}",
        )
    store.forget_policy(key)
    return change
