"""Releases from the store: patients' fields read through the guard's scope, de-identified by
the release engine, with pseudonyms keyed to the recipient; and the DPO's re-identification.

A release reads, for every patient the guard's scope lets this actor see for the purpose
given, the policy fields the spec names, in one query; the read is decided once for the fields
and audited with one event per patient read, committed before anything leaves the service
(invariant 1). Patients whose key was destroyed (erased) are left out, never released blank.
The spec classifies every column as for a CSV release, plus ``subject_id``, the patient's
internal id, which may only be removed or pseudonymised.

Pseudonyms are keyed to the recipient: ``HMAC-SHA-256(organisation release key, recipient)``
is the key of every pseudonym in the release, and the organisation's release key is minted in
the key store on first use, wrapped by the master key like every other key. The same recipient
gets the same pseudonym for a patient in every release; two recipients get unrelated ones, so
they cannot link their extracts. Only the DPO can turn a pseudonym back into the internal id,
with a reason, inside Hippocratic, and that is audited; a refused attempt is audited too.

No shipped policy defines a research or analytics purpose for patient records, so nothing is
assumed: the caller names the purpose, and the guard decides on it like any other read. A
purpose the policy marks ``national_data_opt_out`` (research or planning) leaves out, inside
the scope's query, every patient who registered the NHS national data opt-out (L-14): they are
never read, and the release says how many they were.

The release goes into the disclosure log (``release_log``) with the ``release.made`` event,
before the table leaves: the patients whose rows went out each have a disclosure there.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import select

from hippocratic.domain.release.direct_identifier import Classified
from hippocratic.domain.release.pseudonym import pseudonym
from hippocratic.domain.release.release import anonymise
from hippocratic.domain.release.report import ReleaseReport
from hippocratic.domain.release.spec import ReleaseSpec
from hippocratic.errors import InputError, NotFound, UnparseableValue
from hippocratic.guard.decision import Action, Decision
from hippocratic.guard.scope import scope
from hippocratic.services import security_event
from hippocratic.services.clinic_service import ClinicService, refusal
from hippocratic.services.field_value import FieldState
from hippocratic.services.identifying_fields import classified_fields
from hippocratic.services.records import Records
from hippocratic.services.release_log import record_release
from hippocratic.storage.data_opt_out import opted_out
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.repository import StoredValue
from hippocratic.storage.subject import SubjectRow

RELEASE_KEY = "release_pseudonym"
"""The key store's name for the organisation's release key."""
SUBJECT_COLUMN = "subject_id"
"""The column that carries the patient's internal id into the engine."""
PSEUDONYM_SCOPE = "store-release"
"""What a store release's pseudonyms are stable within: the recipient's key, not a project."""
RECIPIENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_REASON = 10


@dataclass(frozen=True)
class StoreRelease:
    table: pd.DataFrame
    report: ReleaseReport
    recipient: str
    purpose: str
    patients_read: int
    erased_left_out: int
    release_id: str
    opted_out_left_out: int = 0
    """Patients left out under the national data opt-out (L-14), never read."""


def recipient_key(release_key: bytes, recipient: str) -> bytes:
    """The pseudonym key of one recipient: unrelated to every other recipient's."""
    message = f"hippocratic.release.recipient\x1f{recipient}".encode()
    return hmac.new(release_key, message, hashlib.sha256).digest()


def _recipient(recipient: str) -> str:
    cleaned = recipient.strip()
    if not RECIPIENT.match(cleaned):
        raise InputError(
            "a recipient is named by an id of letters, digits, '.', '_' or '-' (at most 64)",
            field="recipient",
            hint="use the same id for every release to the same recipient, e.g. uni-leeds-2026",
        )
    return cleaned


def _reason(reason: str | None, what: str) -> str:
    cleaned = (reason or "").strip()
    if len(cleaned) < MIN_REASON:
        raise InputError(
            f"{what} needs a reason of at least {MIN_REASON} characters",
            field="reason",
            hint="say why, in words the audit reviewer will read",
        )
    return cleaned


class StoreReleases(ClinicService):
    def _release_key(self) -> bytes:
        return self.store.vault.minted_secret(self.organisation, RELEASE_KEY)

    def _fields(self, spec: ReleaseSpec) -> list[str]:
        handled = spec.direct_identifiers.get(SUBJECT_COLUMN)
        if SUBJECT_COLUMN in spec.columns() and handled is None:
            raise InputError(
                f"{SUBJECT_COLUMN} is the patient's internal id: it may only be removed or "
                "pseudonymised",
                field=SUBJECT_COLUMN,
                hint=f"list it under direct_identifiers: {{{SUBJECT_COLUMN}: pseudonymise}}",
            )
        fields = sorted(spec.columns() - {SUBJECT_COLUMN})
        unknown = [f for f in fields if f not in self.policy.field_by_key]
        if unknown:
            raise InputError(
                f"the spec names fields the policy does not have: {unknown}",
                field="spec",
                hint=f"a column is a policy field or {SUBJECT_COLUMN}",
            )
        if not fields:
            raise InputError("the spec names no field to release", field="spec")
        return fields

    def release(
        self,
        recipient: str,
        purpose: str,
        spec: ReleaseSpec,
        overrides: Mapping[str, str] | None = None,
    ) -> StoreRelease:
        """Read, audit and de-identify; raise the guard's refusal (after its event commits) if
        this actor may not read these fields for ``purpose``."""
        recipient = _recipient(recipient)
        if overrides:
            self.require_dpo("override a direct identifier in a release")
        fields = self._fields(spec)
        note = f"release to {recipient}, project {spec.project}"
        listing = self.request(purpose, None, fields, Action.READ)
        erased = set(self.store.vault.tombstones(self.organisation))
        values: dict[str, list[StoredValue]] = {}
        left_out = 0
        opted = 0
        named = self.policy.purpose_by_key.get(purpose)
        opt_out_applies = named is not None and named.national_data_opt_out
        with self.store.sessions.begin() as session:
            guard = self.guard(session)
            decision = guard.decide_scoped(listing)
            if decision.allowed and decision.masked:
                masked = ", ".join(sorted(decision.masked))
                decision = replace(
                    decision,
                    allowed=False,
                    reasons=(*decision.reasons, f"this role sees {masked} only masked"),
                    rule_ids=(*decision.rule_ids, "release:masked"),
                )
            if decision.allowed:
                visible = scope(
                    self.policy,
                    self.actor.actor,
                    self.actor.role,
                    purpose,
                    self.now(),
                    self.store.consents,
                )
                in_scope = select(SubjectRow.subject_id).where(
                    SubjectRow.organisation_id == self.organisation, visible
                )
                if opt_out_applies:
                    opted_subjects = opted_out(self.organisation)
                    opted = len(
                        session.scalars(
                            in_scope.where(SubjectRow.subject_id.in_(opted_subjects))
                        ).all()
                    )
                    in_scope = in_scope.where(SubjectRow.subject_id.not_in(opted_subjects))
                subjects = list(session.scalars(in_scope.order_by(SubjectRow.subject_id)))
                left_out = sum(1 for s in subjects if s in erased)
                values = {s: [] for s in subjects if s not in erased}
                rows = session.execute(
                    select(
                        SubjectFieldRow.subject_id,
                        SubjectFieldRow.field,
                        SubjectFieldRow.ciphertext,
                        SubjectFieldRow.value,
                    ).where(
                        SubjectFieldRow.organisation_id == self.organisation,
                        SubjectFieldRow.field.in_(fields),
                        SubjectFieldRow.subject_id.in_(in_scope),
                    )
                )
                for subject, field, ciphertext, value in rows:
                    if subject in values:
                        values[subject].append(StoredValue(field, ciphertext, value))
                decision = replace(decision, rule_ids=(*decision.rule_ids, "scope:release"))
            each = [self.request(purpose, s, fields, Action.READ) for s in values]
            guard.record_each(each or [listing], decision, note)
        if not decision.allowed:
            raise refusal(decision)
        frame, unreadable = self._frame(decision, values, fields)
        try:
            release = anonymise(
                frame,
                spec,
                recipient_key(self._release_key(), recipient),
                classified=[*classified_fields(self.policy), _SUBJECT],
                overrides=overrides,
                overridden_by=self.actor.actor if overrides else None,
                pseudonym_scope=PSEUDONYM_SCOPE,
            )
        except UnparseableValue as error:
            raise _by_patient(error, frame) from None
        with self.store.sessions.begin() as session:
            seq = security_event.record(
                session,
                self.store,
                self.organisation,
                self.actor.actor,
                self.actor.role,
                "release.made",
                reason=(
                    f"{note}, purpose {purpose}: {release.report.rows_out} of "
                    f"{release.report.rows_in} rows, k = {release.report.achieved_k}"
                    + (f", {opted} opted out left out" if opt_out_applies else "")
                    + "".join(
                        f"; {o.column} let through: {o.reason}"
                        for o in release.report.identifier_overrides
                    )
                ),
            )
            released = frame[SUBJECT_COLUMN]
            entry = record_release(
                session,
                self.policy,
                self.actor,
                recipient=recipient,
                purpose=purpose,
                project=spec.project,
                fields=[str(c) for c in release.table.columns if c != SUBJECT_COLUMN],
                subjects=[str(released.iloc[i]) for i in release.rows_released],
                k=release.report.achieved_k,
                opted_out=opted,
                now=self.now(),
                audit_seq=seq,
            )
        return StoreRelease(
            release.table,
            release.report,
            recipient,
            purpose,
            len(values),
            left_out + unreadable,
            entry.release_id,
            opted,
        )

    def _frame(
        self, decision: Decision, values: Mapping[str, list[StoredValue]], fields: list[str]
    ) -> tuple[pd.DataFrame, int]:
        """The patients' values as a table (one row each), and how many were erased."""
        erased = 0
        records = Records(self.store, self.actor)
        table: dict[str, list[str]] = {SUBJECT_COLUMN: [], **{f: [] for f in fields}}
        for subject, stored in values.items():
            shown = records.reveal_rows(decision, subject, stored)
            if any(v.state is FieldState.ERASED for v in shown.values()):
                erased += 1
                continue
            table[SUBJECT_COLUMN].append(subject)
            for field in fields:
                found = shown.get(field)
                table[field].append(found.value or "" if found is not None else "")
        return pd.DataFrame(table, dtype=object), erased

    def reidentify(self, recipient: str, alias: str, reason: str) -> str:
        """The internal subject id behind one recipient's pseudonym: DPO only, with a reason,
        audited (a refusal too). ``NotFound`` if no patient here has that pseudonym."""
        recipient = _recipient(recipient)
        role = self.policy.role_by_key.get(self.actor.role)
        if role is None or not role.dpo:
            with self.store.sessions.begin() as session:
                security_event.record(
                    session,
                    self.store,
                    self.organisation,
                    self.actor.actor,
                    self.actor.role,
                    "release.reidentify",
                    allowed=False,
                    reason=f"not the DPO: recipient {recipient}, pseudonym {alias.strip()}",
                )
            self.require_dpo("re-identify a pseudonym")
        why = _reason(reason, "re-identification")
        alias = alias.strip().upper()
        key = recipient_key(self._release_key(), recipient)
        with self.store.sessions.begin() as session:
            subjects = session.scalars(
                select(SubjectRow.subject_id).where(SubjectRow.organisation_id == self.organisation)
            )
            found = next(
                (
                    s
                    for s in subjects
                    if pseudonym(key, PSEUDONYM_SCOPE, SUBJECT_COLUMN, s) == alias
                ),
                None,
            )
            security_event.record(
                session,
                self.store,
                self.organisation,
                self.actor.actor,
                self.actor.role,
                "release.reidentify",
                allowed=found is not None,
                reason=f"recipient {recipient}, pseudonym {alias}: {why}",
                subject=found,
            )
        if found is None:
            raise NotFound(
                f"no patient here has pseudonym {alias} for {recipient}", field="pseudonym"
            )
        return found


def _by_patient(error: UnparseableValue, frame: pd.DataFrame) -> UnparseableValue:
    """A row of a store release means nothing to the DPO: name the patient's internal id, so
    the record can be corrected (still never the value)."""
    details = dict(error.details or {})
    subject = str(frame[SUBJECT_COLUMN].iloc[int(details["row"]) - 1])
    details["subject"] = subject
    column, kind = details["column"], details["kind"]
    return UnparseableValue(
        f"patient {subject}'s {column} holds a value of {kind}, which is not {details['expected']}",
        field=str(column),
        hint=f"correct the patient's {column}, or give the column a hierarchy file",
        details=details,
    )


_SUBJECT = Classified(
    SUBJECT_COLUMN, "the patient's internal id", "the store's subject id, never released"
)
