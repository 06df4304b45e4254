"""The release path of an access (or portability) request: build, review, check, release,
download.

- **Build**: the package is gathered through the guard (``access_package``) and sealed under
  the patient's key on the request, so what is released is exactly what was checked. A build
  that fails is a failed step on the request, with its log, shown on the queue until it is
  run again; nobody has to ask again.
- **Review**: free text that seems to be about someone else is flagged; each flag is redacted
  (withheld as third-party data) or kept with a reason. A clinician may hold back content
  under the serious-harm exemption, with a recorded reason, acting in their care role. Every
  such decision is the redaction log (``RightsWithholdingRow``).
- **Check**: a second person, not the one who built it, checks the package; it cannot be
  checked while a flag is unresolved, or once something was withheld after the build.
- **Release**: the DPO releases it, which answers the request; the patient then downloads it
  (portal) in any format, each download audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hippocratic.domain.personal_detail import text
from hippocratic.errors import AccessDenied, Conflict, HippocraticError, InputError
from hippocratic.guard.decision import SELF_ROLE, Action
from hippocratic.policy.settings import RightName
from hippocratic.services.access_formats import PackageFormat, Rendered, render
from hippocratic.services.access_package import EXEMPTIONS, AccessCollector, AccessPackage
from hippocratic.services.child_competence import (
    COMPETENCE_KIND,
    competence_block,
    needs_clinician,
)
from hippocratic.services.portable_data import portable_part
from hippocratic.services.rights_decisions import RightsDecisions
from hippocratic.services.rights_request import RequestStatus, RightsRequest, Step, StepStatus
from hippocratic.storage.ciphertext import unseal
from hippocratic.storage.clinic import record_field
from hippocratic.storage.rights_request import RightsRequestRow, RightsWithholdingRow

PACKAGE = "rights_package"
WITHHOLDING = "rights_withholding"
PACKAGED_RIGHTS = frozenset({RightName.ACCESS, RightName.PORTABILITY})
KEPT = "kept"
"""A flagged item reviewed and kept in, with the reason."""
KINDS = frozenset({*EXEMPTIONS, KEPT})


@dataclass(frozen=True)
class Withholding:
    """A decision of the redaction log: ``ref`` held back as ``kind``, or kept, by ``by``."""

    request_id: str
    ref: str
    kind: str
    by: str


class AccessRelease(RightsDecisions):
    def build(self, request_id: str) -> RightsRequest:
        """Gather the package and seal it on the request; a failure is logged as a failed
        step (and raised), and building again is how the step is re-run."""
        with self.store.sessions.begin() as session:
            row = self._packaged(session, request_id)
            if self._waiting_to_start(row):
                raise Conflict("identity (or the fee) is still awaited: nothing is gathered yet")
            subject, scope = row.subject_id, (row.scope_from, row.scope_to)
            portable = row.right == RightName.PORTABILITY.value
            withheld = {w.item: w.kind for w in self._withholdings(session, request_id)}
        withheld = {ref: k for ref, k in withheld.items() if k not in (KEPT, COMPETENCE_KIND)}
        try:
            package = AccessCollector(self.store, self.actor).collect(
                subject, self.purpose, request_id, scope, withheld
            )
        except HippocraticError as error:
            self._failed(request_id, "build", f"{error.code}: {error}")
            raise
        except Exception as error:  # the log names what broke; the step shows as failed
            self._failed(request_id, "build", f"{type(error).__name__}: {error}")
            raise
        if portable:
            package = portable_part(self.policy, package)
        sealed = self.seal(subject, PACKAGE, request_id, json.dumps(package.as_json()))

        def change(session: Session, row: RightsRequestRow) -> str:
            row.package = sealed
            row.built_at = self.now()
            row.built_by = self.actor.actor
            row.checked_at = row.checked_by = None
            items = sum(len(section.items) for section in package.sections)
            return (
                f"package built: {len(package.details)} details, {items} records, "
                f"{len(package.withheld)} withheld, {len(self._unresolved(session, package))} "
                "flag(s) to review"
            )

        return self._change(request_id, "build", change)

    def withhold(self, request_id: str, ref: str, kind: str, reason: str) -> Withholding:
        """Hold ``ref`` back (``third_party``, ``serious_harm``, ``legal``) or keep a flagged
        item in (``kept``), with the reason; serious harm is a clinician's decision."""
        if kind not in KINDS:
            raise InputError(
                f"`{kind}` is not a reason to hold something back",
                field="kind",
                hint="one of: " + ", ".join(sorted(KINDS)),
            )
        why = text(reason, "reason")
        if not why:
            raise InputError("record why", field="reason")
        role = self.compiled.roles.get(self.actor.role)
        clinician = role is not None and role.care_relationship_required
        if kind == "serious_harm" and not clinician:
            raise AccessDenied("only a clinician may hold back health data as seriously harmful")
        purpose = self.purpose
        if clinician and self.outside_role(purpose) is not None:
            binding = self.policy.records.clinical_entry
            purpose = binding.purpose if binding is not None else purpose
        with self.store.sessions.begin() as session:
            row = self._packaged(session, request_id)
            if row.status != RequestStatus.OPEN.value:
                raise Conflict(f"this request is {row.status}")
            write = self.request(purpose, row.subject_id, (), Action.WRITE)
            note = f"rights request {request_id}: {kind} {ref}"
            assessment = self.assess(session, write, note)
            if assessment.decision.allowed:
                session.merge(
                    RightsWithholdingRow(
                        organisation_id=self.organisation,
                        request_id=request_id,
                        item=ref[:120],
                        kind=kind,
                        reason=self.seal(row.subject_id, WITHHOLDING, f"{request_id}/{ref}", why),
                        by=self.actor.actor,
                        at=self.now(),
                    )
                )
                row.checked_at = row.checked_by = None
                self.step(session, request_id, "review", StepStatus.DONE, f"{kind}: {ref}")
        self.enforce(assessment, row.subject_id)
        return Withholding(request_id, ref, kind, self.actor.actor)

    def check(self, request_id: str) -> RightsRequest:
        """The second person's check before release."""

        def change(session: Session, row: RightsRequestRow) -> str:
            if row.package is None or row.built_by is None:
                raise Conflict("there is no package to check: build it first")
            if row.built_by == self.actor.actor:
                raise Conflict("a second person checks the package, not the one who built it")
            package = self._unsealed(row)
            unresolved = self._unresolved(session, package)
            if unresolved:
                raise Conflict(
                    f"{len(unresolved)} flagged item(s) to redact or keep first: "
                    + ", ".join(unresolved[:5])
                )
            held = {
                w.item
                for w in self._withholdings(session, request_id)
                if w.kind not in (KEPT, COMPETENCE_KIND)
            }
            if held - {w.ref for w in package.withheld}:
                raise Conflict("something was held back after the build: build it again")
            if needs_clinician(package, row.requester, self.today()):
                _, rows = self._details(session, [request_id])
                blocked = competence_block(
                    [Step(r.name, StepStatus(r.status), r.at, r.actor, r.log)
                     for r in rows.get(request_id, [])]
                )  # fmt: skip
                if blocked:
                    raise Conflict(blocked)
            row.checked_at = self.now()
            row.checked_by = self.actor.actor
            return "package checked by a second person"

        return self._change(request_id, "check", change)

    def release(self, request_id: str) -> RightsRequest:
        """The DPO releases the checked package: the request is answered."""
        self._dpo("release an access package")

        def change(session: Session, row: RightsRequestRow) -> str:
            if row.checked_at is None:
                raise Conflict("the package must be checked by a second person first")
            self._close(row, RequestStatus.COMPLETED, "access package released")
            return "package released to the " + (
                "patient" if row.recipient == "subject" else row.recipient
            )

        return self._change(request_id, "release", change)

    def package(self, request_id: str) -> AccessPackage:
        """The package as built, for staff reviewing it or the patient once released."""
        with self.store.sessions.begin() as session:
            row = self._packaged(session, request_id)
            if self.actor.role == SELF_ROLE and row.status != RequestStatus.COMPLETED.value:
                raise Conflict("your information is not ready yet")
            if row.package is None:
                raise Conflict("there is no package yet: build it first")
            read = self.request(self.purpose, row.subject_id, (), Action.READ)
            assessment = self.assess(session, read, f"access package {request_id} opened")
        self.enforce(assessment, row.subject_id)
        return self._unsealed(row)

    def download(self, request_id: str, fmt: PackageFormat) -> Rendered:
        return render(self.policy, self.package(request_id), fmt)

    def _unsealed(self, row: RightsRequestRow) -> AccessPackage:
        key = self.vault.subject_key(row.subject_id)
        assert row.package is not None
        plain = unseal(
            key,
            self.organisation,
            row.subject_id,
            record_field(PACKAGE, row.request_id),
            bytes(row.package),
        )
        return AccessPackage.from_json(json.loads(plain))

    def _packaged(self, session: Session, request_id: str) -> RightsRequestRow:
        row = self.row(session, request_id)
        if RightName(row.right) not in PACKAGED_RIGHTS:
            raise Conflict(f"a {row.right} request is not answered with a package")
        return row

    def _withholdings(self, session: Session, request_id: str) -> list[RightsWithholdingRow]:
        return list(
            session.scalars(
                select(RightsWithholdingRow).where(
                    RightsWithholdingRow.organisation_id == self.organisation,
                    RightsWithholdingRow.request_id == request_id,
                )
            )
        )

    def _unresolved(self, session: Session, package: AccessPackage) -> list[str]:
        decided = {w.item for w in self._withholdings(session, package.request_id)}
        return list(dict.fromkeys(f.ref for f in package.flags if f.ref not in decided))

    def _failed(self, request_id: str, name: str, log: str) -> None:
        with self.store.sessions.begin() as session:
            self.step(session, request_id, name, StepStatus.FAILED, log[:2000])
