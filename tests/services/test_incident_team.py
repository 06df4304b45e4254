"""The incident team (S1-25): a new incident leaves the state it was reported in only once
someone on the team the policy names owns it. The DPO assigns an owner from the team (anyone
else is refused, and so is an owner outside it), or, being on the team, takes it on deciding;
where the DPO is not on the team, nothing is assessed until an owner is assigned."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import HARMONY_POLICY
from tests.services.clinic import actor, cleared, events, hire
from tests.services.test_incidents import LAPTOP, REASON

from hippocratic.domain.breach_notification import BreachFinding, RiskLevel
from hippocratic.errors import AccessDenied, Conflict, InputError
from hippocratic.services import staff
from hippocratic.services.incident import IncidentStatus
from hippocratic.services.incident_team import team_roles
from hippocratic.services.incidents import Incidents
from hippocratic.services.policy_change import change_policy
from hippocratic.services.store import Store
from hippocratic.storage.incident import IncidentDecisionRow, IncidentRow

TEAM = "  incident_team: [incident_response, dpo]\n"


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    staff.add(
        store,
        "harmony",
        "ira",
        "Ira",
        "incident_response",
        "an unused long password",
        **cleared(store),
    )
    return store


def dora(clinic: Store) -> Incidents:
    return Incidents(clinic, actor("harmony", "dora"))


def reported(clinic: Store) -> str:
    return Incidents(clinic, actor("harmony", "rhea")).report(LAPTOP).incident_id


def decide(clinic: Store, incident_id: str) -> None:
    dora(clinic).decide(incident_id, BreachFinding.LIKELY, RiskLevel.RISK, REASON)


def stored(clinic: Store, incident_id: str) -> tuple[str, str | None, int]:
    with clinic.sessions() as session:
        row = session.get(IncidentRow, ("harmony", incident_id))
        assert row is not None
        decisions = session.scalar(
            select(func.count()).select_from(IncidentDecisionRow)
            .where(IncidentDecisionRow.incident_id == incident_id)
        )  # fmt: skip
        return row.status, row.owner, decisions or 0


def test_the_shipped_policies_name_their_incident_teams(clinic: Store) -> None:
    assert team_roles(clinic.policy_of("harmony")) == ["incident_response", "dpo"]
    assert team_roles(clinic.policy_of("harmonic")) == ["dpo", "it_admin"]


@pytest.mark.promise("S1-25")
def test_an_owner_comes_from_the_incident_team_and_is_assigned_by_the_dpo(clinic: Store) -> None:
    made = reported(clinic)
    with pytest.raises(InputError, match="cal is not on the incident team"):
        dora(clinic).assign(made, "cal")  # a clinician
    with pytest.raises(AccessDenied):
        Incidents(clinic, actor("harmony", "rhea")).assign(made, "ira")
    assert stored(clinic, made) == ("open", None, 0)

    owned = dora(clinic).assign(made, "ira")
    assert owned.owner == "ira" and owned.status is IncidentStatus.OPEN
    assert any(e.reason == f"incident {made}: owner ira (incident_response)"
               for e in events(clinic, "harmony"))  # fmt: skip
    decide(clinic, made)
    assert stored(clinic, made) == ("assessed", "ira", 1)


@pytest.mark.promise("S1-25")
def test_an_incident_without_an_owner_from_the_team_cannot_leave_the_reported_state(
    clinic: Store, tmp_path: Path
) -> None:
    first = reported(clinic)
    decide(clinic, first)  # the DPO is on the team: deciding, they own it
    assert stored(clinic, first) == ("assessed", "dora", 1)

    text = HARMONY_POLICY.read_text(encoding="utf-8")
    assert TEAM in text
    changed = tmp_path / "harmony.yaml"
    changed.write_text(text.replace(TEAM, "  incident_team: [incident_response]\n"), "utf-8")
    change_policy(clinic, changed)  # the DPO coordinates; only the response team owns
    second = reported(clinic)
    with pytest.raises(Conflict, match="owner from the incident team first"):
        decide(clinic, second)
    with pytest.raises(InputError, match="dora is not on the incident team"):
        dora(clinic).assign(second, "dora")
    assert stored(clinic, second) == ("open", None, 0)
    dora(clinic).assign(second, "ira")
    decide(clinic, second)
    assert stored(clinic, second) == ("assessed", "ira", 1)


def test_a_disabled_member_of_staff_cannot_own_an_incident(clinic: Store) -> None:
    made = reported(clinic)
    staff.disable(clinic, "harmony", "ira", by="test")
    with pytest.raises(InputError, match="no active member of staff 'ira'"):
        dora(clinic).assign(made, "ira")
    assert stored(clinic, made) == ("open", None, 0)
