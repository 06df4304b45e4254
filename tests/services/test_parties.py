"""The party model (S0-115): a rights request targets a natural person; an organisation the
clinic deals with (an insurer, a referring practice) is outside its scope, while a person who
works there is a person whose own contact details a request may cover."""

from __future__ import annotations

import pytest
from tests.services.clinic import actor, events, hire
from tests.services.test_campaigns import patient

from hippocratic.errors import AccessDenied, NotAPerson, NotFound
from hippocratic.policy.settings import RightName
from hippocratic.services.consent_choice import patient_actor
from hippocratic.services.parties import OrganisationRole, Parties, PartyKind
from hippocratic.services.rights_request import NewRightsRequest
from hippocratic.services.rights_requests import RequestChannel, RightsRequests
from hippocratic.services.store import Store
from hippocratic.storage.party import PartyRow
from hippocratic.storage.rights_request import RightsRequestRow


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


@pytest.mark.promise("S0-115")
def test_a_rights_request_cannot_target_an_organisation_but_can_its_contact_person(
    clinic: Store,
) -> None:
    rita = Parties(clinic, actor("harmonic", "rita"))
    insurer = rita.register_organisation("Example Health Insurance Ltd", OrganisationRole.INSURER)
    assert insurer.kind is PartyKind.ORGANISATION and insurer.subject_id is None
    handler = patient(clinic, "Chris Handler", "chris.handler@example.org")
    contact = rita.add_contact(insurer.party_id, handler)
    assert contact.kind is PartyKind.PERSON and contact.works_for == insurer.party_id

    requests = RightsRequests(clinic, actor("harmonic", "rita"))
    with pytest.raises(NotAPerson) as refused:
        requests.submit(NewRightsRequest(insurer.party_id, RightName.ACCESS, RequestChannel.EMAIL))
    assert refused.value.code == "rights.not_a_person" and refused.value.field == "subject"
    assert "Example Health Insurance Ltd is an organisation" in refused.value.message
    made = requests.submit(NewRightsRequest(handler, RightName.ACCESS, RequestChannel.EMAIL))
    assert made.subject_id == handler

    with clinic.sessions() as session:
        targets = [r.subject_id for r in session.query(RightsRequestRow)]
        row = session.get(PartyRow, ("harmonic", insurer.party_id))
    assert targets == [handler]
    assert row is not None and row.kind == "organisation" and row.subject_id is None
    linked = [e for e in events(clinic) if e.subject_id == handler and e.reason
              and "contact at organisation" in e.reason]  # fmt: skip
    assert len(linked) == 1 and linked[0].actor == "rita" and linked[0].outcome == "allowed"


def test_only_staff_record_organisations_and_a_contact_needs_a_real_one(clinic: Store) -> None:
    someone = patient(clinic, "Pat Example", "pat@example.org")
    with pytest.raises(AccessDenied):
        Parties(clinic, patient_actor("harmonic", someone)).register_organisation(
            "Example Practice", OrganisationRole.REFERRING_PRACTICE
        )
    rita = Parties(clinic, actor("harmonic", "rita"))
    person = rita.register_organisation("Example Practice", OrganisationRole.REFERRING_PRACTICE)
    contact = rita.add_contact(person.party_id, someone)
    with pytest.raises(NotFound, match="no organisation"):
        rita.add_contact(contact.party_id, someone)
