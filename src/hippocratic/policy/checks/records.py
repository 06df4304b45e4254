"""Checks of the services offered and of the record bindings: every bound field and purpose
exists, each purpose covers the fields bound to it, clinical entries are special-category data,
a card field keeps no card number, and a health-revealing service is stored as health data."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.checks import Finding
from hippocratic.policy.document import Policy
from hippocratic.policy.locator import Loc
from hippocratic.policy.record_binding import RecordBindings

FIELD_MEMBERS = (
    "service_field",
    "referrer_field",
    "letter_field",
    "summary_field",
    "recording_field",
    "method_field",
    "card_field",
    "bank_field",
    "text_field",
    "marker_field",
)
PURPOSE_MEMBERS = ("purpose", "identification_purpose", "recording_purpose")


def check_records(policy: Policy) -> Iterator[Finding]:
    yield from _services(policy)
    bindings = policy.records
    for kind in RecordBindings.model_fields:
        binding = getattr(bindings, kind)
        if binding is None:
            continue
        where: Loc = ("records", kind)
        purpose_key: str = binding.purpose
        for member in PURPOSE_MEMBERS:
            key = getattr(binding, member, None)
            if key is not None and key not in policy.purpose_by_key:
                yield (
                    (*where, member),
                    "records.unknown_purpose",
                    f"unknown purpose `{key}`",
                    f"use one of: {', '.join(sorted(policy.purpose_by_key))}",
                )
        fields: list[tuple[Loc, str]] = [
            ((*where, member), key)
            for member in FIELD_MEMBERS
            if (key := getattr(binding, member, None)) is not None
        ]
        if kind == "clinical_entry":
            fields += [((*where, "fields", i), key) for i, key in enumerate(binding.fields)]
        if kind == "patient":
            fields += [
                ((*where, "contact_fields", i), key) for i, key in enumerate(binding.contact_fields)
            ]
        for loc, key in fields:
            yield from _bound_field(policy, loc, key, purpose_key, kind, binding)
        form = getattr(binding, "form", None)
        if form is not None and form not in policy.form_by_key:
            yield (
                (*where, "form"),
                "records.unknown_form",
                f"unknown form `{form}`",
                f"use one of: {', '.join(sorted(policy.form_by_key)) or '(none defined)'}",
            )
    if bindings.appointment is not None and not policy.services:
        yield (
            ("records", "appointment"),
            "records.no_services",
            "appointments are kept but no services are offered",
            "list what patients can book under `services:`",
        )


def _bound_field(
    policy: Policy, loc: Loc, key: str, purpose_key: str, kind: str, binding: object
) -> Iterator[Finding]:
    field = policy.field_by_key.get(key)
    if field is None:
        yield (
            loc,
            "records.unknown_field",
            f"unknown field `{key}`",
            "bind a field defined under `categories:`",
        )
        return
    category = policy.category_of_field[key]
    purpose = policy.purpose_by_key.get(purpose_key)
    recording_purpose = getattr(binding, "recording_purpose", None)
    if loc[-1] == "recording_field" and recording_purpose is not None:
        purpose = policy.purpose_by_key.get(recording_purpose)
    if purpose is not None and category.key not in purpose.categories:
        yield (
            loc,
            "records.uncovered",
            f"field `{key}` ({category.key}) is not used by purpose `{purpose.key}`",
            f"add `{category.key}` to the purpose's categories, or bind another field",
        )
    if kind == "clinical_entry" and not category.special_category:
        yield (
            loc,
            "records.clinical_not_special",
            f"clinical entries are health data, but `{key}` is in `{category.key}`, which is "
            "not special category",
            "bind a field of a category with `special_category: true` (UK GDPR Art. 9)",
        )
    if loc[-1] == "card_field" and not field.card_number:
        yield (
            loc,
            "records.card_field",
            f"`{key}` holds the card of a payment but is not marked `card_number: true`",
            "mark the field `card_number: true` so only its last four digits are ever shown",
        )
    if (
        loc[-1] == "service_field"
        and any(service.health_revealing for service in policy.services)
        and not (category.special_category or category.health_revealing)
    ):
        yield (
            loc,
            "records.service_reveals_health",
            f"some services reveal health, but `{key}` is in `{category.key}`, which is not "
            "special category",
            "keep the service booked in a category with `special_category: true` and "
            "`health_revealing: true` (D-02)",
        )


def _services(policy: Policy) -> Iterator[Finding]:
    seen: set[str] = set()
    clinical = set(policy.records.clinical_entry.fields) if policy.records.clinical_entry else set()
    for s, service in enumerate(policy.services):
        if service.key in seen:
            yield (
                ("services", s, "key"),
                "ref.duplicate",
                f"`{service.key}` is defined twice",
                "merge the two entries, or give each its own key",
            )
        seen.add(service.key)
        if service.report_field is not None and service.report_field not in clinical:
            yield (
                ("services", s, "report_field"),
                "records.unknown_field",
                f"report field `{service.report_field}` is not a clinical-entry field",
                "name one of `records.clinical_entry.fields`",
            )
