"""Reading the audit ledger for people: verification, access history, FHIR export."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from hippocratic.errors import ConfigurationError, Conflict, NotFound
from hippocratic.services.actor import Actor
from hippocratic.services.records import Records
from hippocratic.services.security_event import OPERATOR
from hippocratic.services.store import Store
from hippocratic.storage.consent_verify import verify_consents
from hippocratic.storage.database import snapshot
from hippocratic.storage.ledger import checkpoint
from hippocratic.storage.ledger_fhir import export_fhir
from hippocratic.storage.ledger_history import AccessRecord, history
from hippocratic.storage.ledger_verify import Problem, VerifyResult, verify

__all__ = ["AccessRecord", "Problem", "VerifyResult"]


def default_workers() -> int:
    """One verifying process per core this process may use, at most four."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(4, len(usable) if usable else os.cpu_count() or 1))


def verify_store(
    store: Store, organisation: str | None = None, workers: int | None = None
) -> list[VerifyResult]:
    """Verify the chain of one organisation, or of every organisation in the store, checking
    each signed checkpoint against the organisation's own key, then its consent ledger against
    the chain. Each organisation is read from one consistent snapshot, so appends that land
    meanwhile neither block nor confuse it; long chains are checked by ``workers`` processes
    (default: one per core, at most four)."""
    with store.sessions() as session:
        organisations = [organisation] if organisation else store.organisations(session)
        for org in organisations:
            store.policy(session, org)
    count = default_workers() if workers is None else workers
    results = []
    for org in organisations:
        public = store.vault.signing_key(org).public_key()
        with snapshot(store.engine) as session:
            result = verify(session, org, public, workers=count)
            if result.ok:
                _, problem = verify_consents(session, org)
                if problem is not None:
                    result = VerifyResult(
                        org, result.count, problem.audit_seq, Problem.CONSENT, problem.message
                    )
            results.append(result)
    return results


def sign_head(store: Store, organisation: str) -> int:
    """Write a signed checkpoint of the current chain head (e.g. before a backup)."""
    with store.sessions.begin() as session:
        return checkpoint(
            session, organisation, store.vault.signing_key(organisation), store.clock.now()
        )


def access_history(
    store: Store, organisation: str, subject: str, limit: int = 100, offset: int = 0
) -> list[AccessRecord]:
    """Who accessed this patient's record, when and why: newest first, one page."""
    with store.sessions() as session:
        store.policy(session, organisation)
        return history(session, organisation, subject, limit=limit, offset=offset)


AUDIT_PURPOSE = "access_audit"
"""The purpose under which the DPO looks a patient up to read who accessed their record."""


def find_subject(store: Store, organisation: str, identifiers: Mapping[str, str]) -> str:
    """The one patient whose identifiers (an NHS number; a name and a date of birth) match,
    looked up through the guard as the organisation's DPO, the lookup itself audited."""
    policy = store.policy_of(organisation)
    dpo = next((role for role in policy.roles if role.dpo), None)
    if dpo is None or AUDIT_PURPOSE not in dpo.purposes:
        raise ConfigurationError(
            f"{organisation}'s policy has no DPO role with the {AUDIT_PURPOSE!r} purpose",
            hint="give the subject id instead",
        )
    records = Records(store, Actor(organisation, OPERATOR, dpo.key))
    found = records.search(AUDIT_PURPOSE, identifiers)
    if not found:
        raise NotFound(
            f"no patient of {organisation} has {', '.join(sorted(identifiers))} as given",
            hint="check the value, or give the subject id",
        )
    if len(found) > 1:
        raise Conflict(
            f"{len(found)} patients match: {', '.join(found[:10])}",
            hint="add another identifier (e.g. --born with --name), or give the subject id",
        )
    return found[0]


def fhir_resources(store: Store, organisation: str) -> Iterator[dict[str, Any]]:
    """Every event of the organisation as a FHIR AuditEvent, streamed oldest first."""
    with store.sessions() as session:
        store.policy(session, organisation)
        yield from export_fhir(session, organisation)


def fhir_bundle(store: Store, organisation: str) -> dict[str, Any]:
    """The organisation's events as one FHIR R4 ``collection`` Bundle."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in fhir_resources(store, organisation)],
    }
