"""Reading the ledger back: verify the chain, answer 'who accessed this record, when and why',
and export events as FHIR AuditEvent resources shaped after the IHE BALP profile.

Verification streams events in sequence order in batches, so memory does not grow with the
ledger; it names the first bad event and says what is wrong with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.storage.ledger import (
    COLUMNS,
    ENCODER,
    GENESIS,
    AuditCheckpointRow,
    AuditEventRow,
    AuditHeadRow,
    checkpoint_message,
)

BATCH = 20_000
encode = ENCODER.encode


@dataclass(frozen=True)
class VerifyResult:
    organisation: str
    count: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    session: Session, organisation: str, public_key: Ed25519PublicKey | None
) -> VerifyResult:
    checkpoints = {
        row.seq: row
        for row in session.scalars(
            select(AuditCheckpointRow).where(AuditCheckpointRow.organisation_id == organisation)
        )
    }
    for row in checkpoints.values():
        if public_key is not None:
            try:
                public_key.verify(
                    row.signature, checkpoint_message(organisation, row.seq, row.hash)
                )
            except InvalidSignature:
                return VerifyResult(
                    organisation,
                    0,
                    row.seq,
                    f"the checkpoint at event {row.seq} is not signed by this organisation's key",
                )
    head = session.get(AuditHeadRow, organisation)
    head_seq = head.seq if head is not None else 0
    previous, expected = GENESIS, 1
    for batch in _batches(session, organisation):
        last = batch[-1][0]
        if batch[0][0] == expected and last == expected + len(batch) - 1 and last <= head_seq:
            # Each event stores its hash, so every link checks on its own: one tight pass.
            links = [previous, *(row[-1] for row in batch[:-1])]
            intact = all(
                sha256(link + encode(row[:-1]).encode("utf-8")).digest() == row[-1]
                for link, row in zip(links, batch, strict=True)
            )
            marked = [seq for seq in checkpoints if expected <= seq <= last]
            if intact and all(checkpoints[seq].hash == batch[seq - expected][-1] for seq in marked):
                previous, expected = batch[-1][-1], last + 1
                continue
        problem = _first_problem(batch, previous, expected, head_seq, checkpoints, organisation)
        if problem is not None:
            return problem
        previous, expected = batch[-1][-1], last + 1
    count = expected - 1
    if head_seq != count or (head is not None and head.hash != previous):
        return VerifyResult(
            organisation,
            count,
            count + 1,
            f"the chain ends at event {count} but its head says {head_seq}: "
            "events were removed from the end, or added outside the ledger",
        )
    beyond = [seq for seq in checkpoints if seq > count]
    if beyond:
        return VerifyResult(
            organisation,
            count,
            count + 1,
            f"a signed checkpoint covers event {max(beyond)} but the chain ends at "
            f"{count}: the tail was cut off",
        )
    return VerifyResult(organisation, count)


def _batches(session: Session, organisation: str) -> Iterator[list[tuple[Any, ...]]]:
    """Events as plain tuples in sequence order, fetched in batches through the driver's own
    cursor (a server-side cursor on PostgreSQL), so memory stays flat and overhead low."""
    sql = (
        f"SELECT {', '.join(COLUMNS)}, hash FROM audit_event WHERE organisation_id = "
        "{} ORDER BY seq"
    )
    raw = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        cursor = raw.cursor(name="audit_verify")  # type: ignore[union-attr]
        cursor.itersize = BATCH
        cursor.execute(sql.format("%s"), (organisation,))
    else:
        cursor = raw.cursor()  # type: ignore[union-attr]
        cursor.execute(sql.format("?"), (organisation,))
    try:
        while batch := cursor.fetchmany(BATCH):
            yield [(*row[:-1], bytes(row[-1])) for row in batch]
    finally:
        cursor.close()


def _first_problem(
    batch: list[tuple[Any, ...]],
    previous: bytes,
    expected: int,
    head_seq: int,
    checkpoints: dict[int, AuditCheckpointRow],
    organisation: str,
) -> VerifyResult | None:
    """Walk a batch that failed the fast check, event by event, and name the first bad one."""
    for values in batch:
        seq = values[0]
        if seq > head_seq:
            return VerifyResult(
                organisation,
                expected - 1,
                seq,
                f"event {seq} is beyond the chain head ({head_seq}): it was "
                "added outside the ledger",
            )
        if seq != expected:
            return VerifyResult(
                organisation,
                expected - 1,
                expected,
                f"event {expected} is missing: the next event is {seq} "
                "(deleted, or events were renumbered)",
            )
        previous = sha256(previous + encode(values[:-1]).encode("utf-8")).digest()
        if previous != values[-1]:
            return VerifyResult(
                organisation,
                expected - 1,
                seq,
                f"event {seq} does not match its hash: it was edited, moved or inserted",
            )
        if seq in checkpoints and checkpoints[seq].hash != previous:
            return VerifyResult(
                organisation, expected - 1, seq, f"event {seq} differs from the signed checkpoint"
            )
        expected += 1
    return None


@dataclass(frozen=True)
class AccessRecord:
    seq: int
    at: str
    actor: str
    role: str
    purpose: str
    action: str
    outcome: str
    fields: list[str]
    reason: str | None


def history(
    session: Session, organisation: str, subject: str, *, limit: int = 100, offset: int = 0
) -> list[AccessRecord]:
    """Who accessed this patient's record, when and why: newest first."""
    rows = session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.organisation_id == organisation, AuditEventRow.subject_id == subject)
        .order_by(AuditEventRow.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        AccessRecord(
            row.seq,
            row.at,
            row.actor,
            row.role,
            row.purpose,
            row.action,
            row.outcome,
            json.loads(row.fields),
            row.reason,
        )
        for row in rows
    ]


_ACTION = {
    "read": "R",
    "search": "E",
    "write": "U",
    "create": "C",
    "store": "C",
    "export": "R",
    "disclose": "R",
    "erase": "D",
}


def to_fhir(organisation: str, row: AuditEventRow) -> dict[str, Any]:
    """One event as a FHIR R4 AuditEvent (IHE BALP: patient as entity, purposeOfEvent)."""
    denied = row.outcome == "denied"
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"{organisation}-{row.seq}",
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "Restful Operation",
        },
        "subtype": [{"system": "urn:hippocratic:action", "code": row.action}],
        "action": _ACTION.get(row.action, "E"),
        "recorded": row.at,
        "outcome": "4" if denied else "0",
        "purposeOfEvent": [
            {"coding": [{"system": "urn:hippocratic:purpose", "code": row.purpose}]}
        ],
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "role": [{"coding": [{"system": "urn:hippocratic:role", "code": row.role}]}],
                "who": {"identifier": {"system": "urn:hippocratic:actor", "value": row.actor}},
                "requestor": True,
            }
        ],
        "source": {
            "site": organisation,
            "observer": {"display": "Hippocratic"},
            "type": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "code": "4",
                    "display": "Application Server",
                }
            ],
        },
        "entity": [],
    }
    if row.reason:
        resource["outcomeDesc"] = row.reason
    if row.subject_id:
        resource["entity"].append(
            {
                "what": {
                    "identifier": {"system": "urn:hippocratic:subject", "value": row.subject_id}
                },
                "type": {
                    "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                    "code": "1",
                    "display": "Person",
                },
                "role": {
                    "system": "http://terminology.hl7.org/CodeSystem/object-role",
                    "code": "1",
                    "display": "Patient",
                },
                "detail": [
                    {"type": "fields", "valueString": row.fields},
                    {"type": "rule_ids", "valueString": row.rule_ids},
                ],
            }
        )
    if not resource["entity"]:
        del resource["entity"]
    return resource


def export_fhir(session: Session, organisation: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.organisation_id == organisation)
        .order_by(AuditEventRow.seq)
    )
    return [to_fhir(organisation, row) for row in rows]
