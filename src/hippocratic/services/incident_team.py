"""The incident team (S1-25, ISO/IEC 27001:2022 A.5.24-5.26): the staff who may own an
incident. The policy names the team's roles (``breach.incident_team``; none named, the DPO's);
an owner is an active member of staff in one of them. An incident is assessed, and so leaves
the state it was reported in, only once it has an owner (``Incidents.decide``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.errors import InputError
from hippocratic.policy.document import Policy
from hippocratic.services.clinic_service import ClinicService
from hippocratic.storage.staff import StaffRow


@dataclass(frozen=True)
class TeamMember:
    username: str
    display_name: str
    role: str
    role_title: str


def team_roles(policy: Policy) -> list[str]:
    """The role keys of the incident team."""
    return policy.breach.team(policy.roles)


def on_team(policy: Policy, role: str) -> bool:
    return role in team_roles(policy)


def team_member(session: Session, organisation: str, policy: Policy, username: str) -> StaffRow:
    """The active member of staff ``username`` on the incident team, or a clear refusal."""
    row = session.get(StaffRow, (organisation, username))
    if row is None or row.disabled_at is not None:
        raise InputError(f"no active member of staff {username!r} here", field="owner")
    if not on_team(policy, row.role):
        titles = ", ".join(
            policy.role_by_key[key].title for key in team_roles(policy) if key in policy.role_by_key
        )
        raise InputError(
            f"{username} is not on the incident team: an incident is owned by someone in a "
            f"team role ({titles})",
            field="owner",
        )
    return row


class IncidentTeam(ClinicService):
    def members(self) -> list[TeamMember]:
        """The active staff on the incident team, for the DPO choosing an owner."""
        self.require_dpo("see who is on the incident team")
        roles = team_roles(self.policy)
        with self.store.sessions() as session:
            rows = session.scalars(
                select(StaffRow)
                .where(
                    StaffRow.organisation_id == self.organisation,
                    StaffRow.disabled_at.is_(None),
                    StaffRow.role.in_(roles),
                )
                .order_by(StaffRow.display_name, StaffRow.username)
            )
            titles = {r.key: r.title for r in self.policy.roles}
            return [
                TeamMember(r.username, r.display_name, r.role, titles.get(r.role, r.role))
                for r in rows
            ]
