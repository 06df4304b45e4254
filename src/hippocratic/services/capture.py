"""The collection gate (S0-06, S0-19, Art. 13): personal data is taken only through one of the
policy's forms, after its privacy notice was presented, and only the fields that form collects.

Every capture (a booking, an enquiry, a referral, a sign-up) names the notice version and the
form that were put in front of the person. Without them, or with a notice that is not the one
in force, the request is refused and nothing is stored. A field the form does not collect is
refused; a mandatory field left out is refused with the form's own "why we ask" text; an
optional field is never a condition of anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hippocratic.errors import InputError, NoticeRequired
from hippocratic.policy.document import Policy
from hippocratic.policy.form import Form
from hippocratic.storage.collection import NoticePresentationRow


class Channel(StrEnum):
    WEB = "web"
    PHONE = "phone"
    IN_PERSON = "in_person"
    EMAIL = "email"
    POST = "post"


class DataSource(StrEnum):
    """Who gave us the data: the person themselves, or someone else (Art. 14 applies)."""

    DATA_SUBJECT = "data_subject"
    REFERRER = "referrer"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class Capture:
    form: str
    notice_version: str
    channel: Channel = Channel.WEB
    source: DataSource = DataSource.DATA_SUBJECT


@dataclass(frozen=True)
class Presentation:
    """A checked capture, ready to be written with the data it let in."""

    presentation_id: str
    capture: Capture
    form: Form

    def row(
        self, organisation: str, presented_by: str, subject: str | None, at: datetime
    ) -> NoticePresentationRow:
        return NoticePresentationRow(
            organisation_id=organisation,
            presentation_id=self.presentation_id,
            subject_id=subject,
            form=self.capture.form,
            notice_version=self.capture.notice_version,
            channel=self.capture.channel.value,
            presented_by=presented_by,
            presented_at=at,
        )

    @property
    def audit_note(self) -> str:
        """What the audit event says about it."""
        return (
            f"notice {self.capture.notice_version} presented on form {self.capture.form} "
            f"({self.capture.channel.value}, data from {self.capture.source.value})"
        )


def check(
    policy: Policy,
    capture: Capture | None,
    fields: Collection[str],
    *,
    on_record: Collection[str] = (),
    forms: Collection[str] | None = None,
) -> Presentation:
    """Refuse, before anything is decided or stored, a capture that does not meet the gate.

    ``fields`` are the fields offered; ``on_record`` those the patient's record already holds
    (an existing patient booking again need not repeat their name); ``forms``, if given, the
    forms this kind of capture may come through."""
    current = policy.notice.version
    if capture is None:
        raise NoticeRequired(
            "personal data is taken only after the privacy notice was presented: say which "
            "notice version and which form the person saw",
            field="notice",
            hint=f"send notice.version {current!r} and notice.form, e.g. "
            f"{', '.join(sorted(forms or policy.form_by_key)) or '(no forms defined)'}",
        )
    form = policy.form_by_key.get(capture.form)
    if form is None or (forms is not None and capture.form not in forms):
        allowed = sorted(forms if forms is not None else policy.form_by_key)
        raise NoticeRequired(
            f"form {capture.form!r} is not one this capture can come through",
            field="notice.form",
            hint=f"use one of: {', '.join(allowed) or '(none defined)'}",
        )
    if capture.notice_version != current:
        raise NoticeRequired(
            f"notice version {capture.notice_version!r} is not the one in force ({current!r})",
            field="notice.version",
            hint="present the current privacy notice, then send its version",
        )
    collected = set(form.fields)
    for field in fields:
        if field not in collected:
            raise InputError(
                f"{_title(policy, field)} is not collected on the “{form.title}” form",
                field=field,
                hint=f"this form collects: {', '.join(form.fields)}",
            )
    have = set(fields) | set(on_record)
    for key in form.fields:
        spec = policy.field_by_key.get(key)
        if spec is not None and spec.required and key not in have:
            raise InputError(
                f"{spec.title} is needed: {spec.why}",
                field=key,
                hint="only the fields marked optional can be left out",
            )
    return Presentation(str(uuid.uuid4()), capture, form)


def _title(policy: Policy, field: str) -> str:
    spec = policy.field_by_key.get(field)
    return spec.title if spec else f"“{field}”"
