"""The access matrix, generated from each shipped policy file: every role (and a clinician of
that role who is not caring for the patient) asks the API for a patient's record under every
purpose the policy names, and for each kind of clinic record under its own purpose. What each
answer must be is worked out here from the policy's YAML alone, not from Hippocratic's reading
of it: allowed or refused, each field shown or masked, and every decision on the ledger with
the request's id, role and purpose."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from tests.faces.web.clinic_client import SignedIn, app_client, notice, signed_in, use_session
from tests.services.clinic import cleared

from hippocratic.faces.web.app import SHIPPED_POLICIES
from hippocratic.services import demo, staff
from hippocratic.services.store import Store
from hippocratic.storage.ledger import AuditEventRow

ENDPOINTS = {
    "appointment": "appointments",
    "referral": "referrals",
    "clinical_entry": "clinical-entries",
    "communication": "communications",
    "payment": "payments",
}
"""Each kind of clinic record and where the API lists a patient's."""


@dataclass(frozen=True)
class PolicyFile:
    """What the matrix needs from a policy, read straight from its YAML."""

    organisation: str
    roles: dict[str, dict[str, Any]]
    purposes: dict[str, dict[str, Any]]
    field_category: dict[str, str]
    sensitive: frozenset[str]
    """Special-category and health-revealing categories."""
    display_masked: frozenset[str]
    records: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, path: Path) -> PolicyFile:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            organisation=raw["organisation"]["key"],
            roles={r["key"]: r for r in raw["roles"]},
            purposes={p["key"]: p for p in raw["purposes"]},
            field_category={f["key"]: c["key"] for c in raw["categories"] for f in c["fields"]},
            sensitive=frozenset(
                c["key"]
                for c in raw["categories"]
                if c.get("special_category") or c.get("health_revealing")
            ),
            display_masked=frozenset(
                f["key"]
                for c in raw["categories"]
                for f in c["fields"]
                if f.get("card_number")
                or (f.get("display") or {}).get("kind") not in (None, "full")
            ),
            records=raw.get("records") or {},
        )

    def consent_based(self, purpose: str) -> bool:
        spec = self.purposes[purpose]
        return bool(
            spec.get("lawful_basis") == "consent"
            or spec.get("special_condition") == "explicit_consent"
        )

    def refusal(self, role: str, purpose: str, in_care: bool) -> str | None:
        """Why the policy refuses ``role`` this purpose on this patient, or None."""
        spec = self.roles[role]
        if purpose not in spec["purposes"] or purpose not in self.purposes:
            return "the role does not have the purpose"
        if self.consent_based(purpose):
            return "the patient has not consented"
        if spec.get("care_relationship_required") and not in_care:
            return "not in a care relationship"
        return None

    def state(self, role: str, field_key: str) -> str:
        spec = self.roles[role]
        category = self.field_category[field_key]
        hidden = category not in spec["categories"] or field_key in spec.get("masked_fields", [])
        return "masked" if hidden or field_key in self.display_masked else "value"


@dataclass(frozen=True)
class Member:
    username: str
    role: str
    in_care: bool
    session: SignedIn


@dataclass
class Clinic:
    policy: PolicyFile
    subject: str
    staff: list[Member]
    held: dict[str, str]
    """The patient's own fields as booked."""
    items: dict[str, int] = field(default_factory=dict)
    """How many records of each kind the patient has."""


def _open(store: Store, path: Path, tmp_path: Path) -> Clinic:
    policy = PolicyFile.read(path)
    organisation = policy.organisation
    demo.seed_staff(store, organisation)
    (subject,) = demo.seed_appointments(store, organisation, store.clock.now().date(), count=1)
    (booked,) = staff.clinicians(store, organisation)
    members = [Member(r, r, r == booked.username, signed_in(store, organisation, r))
               for r in policy.roles]  # fmt: skip
    for role, spec in policy.roles.items():
        if spec.get("care_relationship_required"):
            other = f"{role}-2"
            staff.add(
                store,
                organisation,
                other,
                "Not caring",
                role,
                "a long demo password",
                **cleared(store),
            )
            members.append(Member(other, role, False, signed_in(store, organisation, other)))
    by_role = {m.role: m for m in members if m.in_care or m.username == m.role}
    client = app_client(store, tmp_path / organisation)
    writes = {
        "communication": (
            by_role["reception"],
            {"direction": "inbound", "channel": "phone", "summary": "Asked to move the time"},
        ),
        "payment": (by_role["billing"], _payment(policy)),
        "clinical_entry": (
            by_role[booked.role],
            {"field": policy.records["clinical_entry"]["fields"][0], "content": "Seen today"},
        ),
    }
    if "referral" in policy.records:
        writes["referral"] = (
            by_role["reception"],
            {"referrer_kind": "gp", "referrer": "Dr Example", "letter": "Please scan.",
             "reason": "Pain", "subject": subject,
             "notice": notice(store, organisation, policy.records["referral"]["form"])},
        )  # fmt: skip
    for kind, (member, body) in writes.items():
        use_session(client, member.session)
        where = "/api/v1/referrals" if kind == "referral" else f"/api/v1/patients/{subject}/"
        response = client.post(
            where if kind == "referral" else where + ENDPOINTS[kind],
            json=body,
            headers={"x-csrf-token": member.session.csrf},
        )
        assert response.status_code == 201, (kind, response.text)
    use_session(client, by_role["dpo"].session)
    held = {
        key: value["value"]
        for key, value in client.get(f"/api/v1/patients/{subject}").json()["data"]["fields"].items()
    }
    return Clinic(policy, subject, members, held)


def _payment(policy: PolicyFile) -> dict[str, Any]:
    if policy.records["payment"].get("card_field"):
        return {"method": "card", "amount_pence": 9900,
                "card": {"processor_token": "tok_matrix", "last_four": "4242"}}  # fmt: skip
    return {"method": "insurer", "amount_pence": 9900}


def _events(store: Store, organisation: str, request_id: str) -> list[AuditEventRow]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(AuditEventRow).where(
                    AuditEventRow.organisation_id == organisation,
                    AuditEventRow.request_id == request_id,
                )
            )
        )


def _field_values(kind: str, item: dict[str, Any], binding: dict[str, Any]) -> Iterator[
    tuple[str, dict[str, Any]]
]:  # fmt: skip
    """Each (policy field, shown value) in one listed record."""
    fields = {
        "service": binding.get("service_field"),
        "content": item.get("field"),
        "summary": binding.get("summary_field"),
        "method": binding.get("method_field"),
        "card_last_four": binding.get("card_field"),
        "bank_details": binding.get("bank_field"),
        "referrer": binding.get("referrer_field"),
        "letter": binding.get("letter_field"),
        "reason": binding.get("letter_field"),
    }
    for key, value in item.items():
        if isinstance(value, dict) and "state" in value:
            policy_field = fields.get(key)
            assert policy_field, f"{kind}.{key} is a field the matrix does not know"
            yield policy_field, value


@pytest.mark.promise("S0-80", "S0-125", "S1-23")
@pytest.mark.parametrize("path", SHIPPED_POLICIES, ids=lambda p: p.stem)
def test_every_role_gets_what_its_policy_file_gives_it_and_every_decision_is_audited(
    store: Store, tmp_path: Path, path: Path
) -> None:
    clinic = _open(store, path, tmp_path)
    policy, organisation = clinic.policy, clinic.policy.organisation
    client = app_client(store, tmp_path / "matrix")
    asked = 0
    outcomes = {"allowed": 0, "denied": 0}
    for member in clinic.staff:
        use_session(client, member.session)
        for purpose in [*policy.purposes, "no_such_purpose"]:
            asked += 1
            request_id = f"matrix-{asked:05d}"
            response = client.get(
                f"/api/v1/patients/{clinic.subject}",
                params={"purpose": purpose},
                headers={"x-request-id": request_id},
            )
            refusal = policy.refusal(member.role, purpose, member.in_care)
            where = (member.username, purpose, response.text)
            decided = _events(store, organisation, request_id)
            assert decided, where
            assert {(e.actor, e.role, e.purpose) for e in decided} == {
                (member.username, member.role, purpose)
            }, where
            if refusal is not None:
                assert response.status_code == 403, (refusal, *where)
                assert response.json()["error"]["code"] == "guard.denied", where
                assert {e.outcome for e in decided} == {"denied"}, where
                outcomes["denied"] += 1
                continue
            assert response.status_code == 200, where
            shown = response.json()["data"]["fields"]
            categories = policy.purposes[purpose]["categories"]
            special = policy.purposes[purpose].get("special_condition")
            for key, value in shown.items():
                category = policy.field_category[key]
                assert category in categories and (special or category not in policy.sensitive)
                assert value["state"] == policy.state(member.role, key), (key, *where)
            usable = {
                key
                for key in clinic.held
                if policy.field_category[key] in categories
                and (special or policy.field_category[key] not in policy.sensitive)
            }
            assert usable <= shown.keys(), where
            assert {e.outcome for e in decided} == {"allowed"}, where
            audited = {f for e in decided for f in json.loads(e.fields)}
            assert shown.keys() <= audited, where
            outcomes["allowed"] += 1
        for kind, endpoint in ENDPOINTS.items():
            asked += 1
            request_id = f"matrix-{asked:05d}"
            response = client.get(
                f"/api/v1/patients/{clinic.subject}/{endpoint}",
                headers={"x-request-id": request_id},
            )
            where = (member.username, kind, response.text)
            binding = policy.records.get(kind)
            if binding is None:
                assert response.status_code == 404, where
                continue
            refusal = policy.refusal(member.role, binding["purpose"], member.in_care)
            decided = _events(store, organisation, request_id)
            assert decided and {e.role for e in decided} == {member.role}, where
            if refusal is not None:
                assert response.status_code == 403, (refusal, *where)
                assert {e.outcome for e in decided} == {"denied"}, where
                continue
            assert response.status_code == 200, where
            items = response.json()["data"]["items"]
            assert len(items) >= 1, where
            for item in items:
                for key, value in _field_values(kind, item, binding):
                    assert value["state"] == policy.state(member.role, key), (key, *where)
            assert "denied" not in {e.outcome for e in decided}, where
    assert outcomes["allowed"] >= 5 and outcomes["denied"] >= 50, outcomes
