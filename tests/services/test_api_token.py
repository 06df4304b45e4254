"""API tokens: one role in one organisation, stored as a hash, shown once, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.services.clinic import events

from hippocratic.errors import InputError, NotFound
from hippocratic.services import api_token
from hippocratic.services.store import Store
from hippocratic.storage.staff import ApiTokenRow


def test_a_token_acts_in_its_role_as_token_id(store: Store) -> None:
    issued = api_token.issue(store, "harmonic", "reception", "Booking widget")
    assert issued.secret.startswith(f"hip_harmonic_{issued.token.token_id}_")
    actor = api_token.authenticate(store, issued.secret)
    assert actor is not None
    assert (actor.organisation, actor.role) == ("harmonic", "reception")
    assert actor.actor == f"token:{issued.token.token_id}"
    issued_event = [e for e in events(store) if e.action == "api_token.issued"]
    assert len(issued_event) == 1 and issued.secret not in (issued_event[0].reason or "")


def test_only_the_hash_is_stored(store: Store) -> None:
    issued = api_token.issue(store, "harmonic", "billing", "Accounts export")
    secret = issued.secret.rsplit("_", 1)[-1]
    with store.sessions() as session:
        row = session.scalars(select(ApiTokenRow)).one()
        assert secret.encode() not in bytes(row.token_hash) and len(row.token_hash) == 32


def test_a_wrong_secret_or_another_organisation_is_no_one(store: Store) -> None:
    issued = api_token.issue(store, "harmonic", "reception", "Widget")
    forged = issued.secret[:-4] + ("AAAA" if not issued.secret.endswith("AAAA") else "BBBB")
    assert api_token.authenticate(store, forged) is None
    moved = issued.secret.replace("hip_harmonic_", "hip_harmony_")
    assert api_token.authenticate(store, moved) is None
    for bad in (None, "", "hip_", "Bearer x", issued.secret + "x"):
        assert api_token.authenticate(store, bad) is None


def test_a_revoked_token_stops_at_once(store: Store) -> None:
    issued = api_token.issue(store, "harmony", "clinician", "Lab results")
    revoked = api_token.revoke(store, "harmony", issued.token.token_id)
    assert revoked.revoked
    assert api_token.authenticate(store, issued.secret) is None
    assert [t.revoked for t in api_token.list_tokens(store, "harmony")] == [True]
    assert "api_token.revoked" in [e.action for e in events(store, "harmony")]
    with pytest.raises(NotFound):
        api_token.revoke(store, "harmony", "nosuchtoken0")


def test_a_token_role_comes_from_the_policy(store: Store) -> None:
    with pytest.raises(InputError, match="not a role"):
        api_token.issue(store, "harmonic", "superuser", "Everything")
    with pytest.raises(InputError, match="label"):
        api_token.issue(store, "harmonic", "reception", "   ")
