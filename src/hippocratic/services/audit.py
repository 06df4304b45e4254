"""Reading the audit ledger for people: verification (against the witnesses outside the
database too), signing and exporting the latest checkpoint, access history, FHIR export."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hippocratic.errors import ConfigurationError, Conflict, InputError, NotFound
from hippocratic.services.actor import Actor
from hippocratic.services.records import Records
from hippocratic.services.security_event import OPERATOR
from hippocratic.services.store import Store
from hippocratic.storage.consent_verify import verify_consents
from hippocratic.storage.database import snapshot
from hippocratic.storage.ledger import AuditCheckpointRow, checkpoint
from hippocratic.storage.ledger_checkpoints import Witnessed
from hippocratic.storage.ledger_fhir import export_fhir
from hippocratic.storage.ledger_history import AccessRecord, history
from hippocratic.storage.ledger_rollback import held as rollbacks_held
from hippocratic.storage.ledger_rollback import set_aside
from hippocratic.storage.ledger_verify import Problem, VerifyResult, verify
from hippocratic.storage.witness import Checkpoint, export, read_export

__all__ = ["AccessRecord", "Checkpoint", "Problem", "VerifyResult"]


def default_workers() -> int:
    """One verifying process per core this process may use, at most four."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(4, len(usable) if usable else os.cpu_count() or 1))


def verify_store(
    store: Store,
    organisation: str | None = None,
    workers: int | None = None,
    against: Path | None = None,
) -> list[VerifyResult]:
    """Verify the chain of one organisation, or of every organisation in the store, against its
    checkpoints and those its witnesses hold (and ``against``, a file ``audit witness``
    exported), checking each signature against the organisation's own key, then its consent
    ledger against the chain. An organisation a witness knows but the database does not is
    verified too, and fails. Each organisation is read from one consistent snapshot taken
    after its witnesses were read, so appends that land meanwhile neither block nor confuse
    it. A restore of older data, signed by the organisation's key (``ledger_rollback``), sets
    aside the checkpoints of the events it lost, and each result says so. Long chains are
    checked by ``workers`` processes (default: one per core, at most four)."""
    exported = _exported(against)
    with store.sessions() as session:
        known = store.organisations(session)
        witnessed = {c.organisation for c in exported}
        for witness in store.witnesses:
            witnessed |= witness.organisations()
        if organisation is not None:
            organisations = [organisation]
        else:
            organisations = known + sorted(witnessed - set(known))
        for org in organisations:
            if org in known or org not in witnessed:
                store.policy(session, org)
    count = default_workers() if workers is None else workers
    results = []
    for org in organisations:
        try:
            public = store.vault.signing_key(org).public_key()
        except ConfigurationError:
            if org in known:
                raise
            continue  # a witness entry of an organisation this key store never had
        held = [Witnessed(w.name, c) for w in store.witnesses for c in w.held(org)]
        held += [Witnessed(f"the file {against}", c) for c in exported if c.organisation == org]
        rollbacks = [r for r in rollbacks_held(store.key_engine, org) if r.genuine(public)]
        with snapshot(store.engine) as session:
            if rollbacks:  # a restore of older data, signed: its abandoned checkpoints go
                ours = select(AuditCheckpointRow.seq, AuditCheckpointRow.hash).where(
                    AuditCheckpointRow.organisation_id == org
                )
                chain = {(seq, bytes(digest)) for seq, digest in session.execute(ours)}
                held, _ = set_aside(held, rollbacks, chain)
            result = verify(session, org, public, witnessed=held, workers=count)
            if result.ok:
                _, problem = verify_consents(session, org)
                if problem is not None:
                    result = VerifyResult(
                        org, result.count, problem.audit_seq, Problem.CONSENT, problem.message
                    )
            if rollbacks:
                result = replace(result, rollbacks=tuple(r.sentence() for r in rollbacks))
            results.append(result)
    return results


def _exported(path: Path | None) -> list[Checkpoint]:
    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", field="against") from exc
    return read_export(text, str(path))


def sign_head(store: Store, organisation: str) -> Checkpoint | None:
    """Write a signed checkpoint of the current chain head, unless it is signed already (e.g.
    before a backup, or for a DPO to keep); the witnesses receive it on commit. Returns the
    head's checkpoint, None for an empty ledger."""
    with store.sessions.begin() as session:
        store.policy(session, organisation)
        seq = checkpoint(session, organisation, store.notary(organisation), store.clock.now())
        row = session.get(AuditCheckpointRow, (organisation, seq)) if seq else None
        if row is None:
            return None
        return Checkpoint(
            organisation, row.seq, bytes(row.hash), row.signed_at, bytes(row.signature)
        )


def sign_heads(store: Store, organisation: str | None = None) -> list[Checkpoint]:
    """``sign_head`` for one organisation or every one in the store (empty ledgers left out)."""
    with store.sessions() as session:
        organisations = [organisation] if organisation else store.organisations(session)
    signed = [sign_head(store, org) for org in organisations]
    return [checkpoint for checkpoint in signed if checkpoint is not None]


def witness_document(store: Store, checkpoints: list[Checkpoint]) -> dict[str, Any]:
    """The checkpoints as a document to keep elsewhere, each with its organisation's public
    key, for ``audit verify --against``."""
    keys = {
        c.organisation: store.vault.signing_key(c.organisation).public_key() for c in checkpoints
    }
    return export(checkpoints, keys, store.clock.now())


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
