"""Reading the audit ledger for people: verification, access history, FHIR export."""

from __future__ import annotations

from typing import Any

from hippocratic.services.store import Store
from hippocratic.storage.ledger import checkpoint
from hippocratic.storage.ledger_verify import (
    AccessRecord,
    VerifyResult,
    export_fhir,
    history,
    verify,
)


def verify_store(store: Store, organisation: str | None = None) -> list[VerifyResult]:
    """Verify the chain of one organisation, or of every organisation in the store."""
    with store.sessions() as session:
        organisations = [organisation] if organisation else store.organisations(session)
        results = []
        for org in organisations:
            store.policy(session, org)
            public = store.vault.signing_key(org).public_key()
            results.append(verify(session, org, public))
    return results


def sign_head(store: Store, organisation: str) -> int:
    """Write a signed checkpoint of the current chain head (e.g. before a backup)."""
    with store.sessions.begin() as session:
        return checkpoint(
            session, organisation, store.vault.signing_key(organisation), store.clock.now()
        )


def access_history(
    store: Store, organisation: str, subject: str, limit: int = 100
) -> list[AccessRecord]:
    with store.sessions() as session:
        return history(session, organisation, subject, limit=limit)


def fhir_bundle(store: Store, organisation: str) -> dict[str, Any]:
    with store.sessions() as session:
        resources = export_fhir(session, organisation)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in resources],
    }
