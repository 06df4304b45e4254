"""Checks that every key a policy refers to exists, and that keys are unique where they must be."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from hippocratic.policy.checks import Finding, category_keys
from hippocratic.policy.document import Policy
from hippocratic.policy.locator import Loc
from hippocratic.policy.taxonomy import data_categories, data_uses, suggestion


def check_references(policy: Policy) -> Iterator[Finding]:
    yield from _duplicates(policy)
    yield from _taxonomy(policy)
    categories = policy.category_by_key
    purposes = policy.purpose_by_key
    recipients = policy.recipient_by_key
    rules = policy.retention_by_key
    fields = policy.field_by_key
    for c, category in enumerate(policy.categories):
        if category.retention is not None:
            yield from _known(
                ("categories", c, "retention"), [category.retention], rules, "retention rule"
            )
    for p, purpose in enumerate(policy.purposes):
        yield from _known(("purposes", p, "categories"), purpose.categories, categories, "category")
        yield from _known(
            ("purposes", p, "recipients"), purpose.recipients, recipients, "recipient"
        )
        if purpose.retention is not None:
            yield from _known(
                ("purposes", p, "retention"), [purpose.retention], rules, "retention rule"
            )
    for r, role in enumerate(policy.roles):
        if role.key == "patient":
            yield (
                ("roles", r, "key"),
                "role.reserved",
                "`patient` is the role of a patient acting for themselves, not a staff role",
                "name the staff role something else",
            )
        yield from _known(("roles", r, "purposes"), role.purposes, purposes, "purpose")
        yield from _known(("roles", r, "categories"), role.categories, categories, "category")
        yield from _known(("roles", r, "masked_fields"), role.masked_fields, fields, "field")
    for r, recipient in enumerate(policy.recipients):
        yield from _known(
            ("recipients", r, "categories"), recipient.categories, categories, "category"
        )
        yield from _known(("recipients", r, "purposes"), recipient.purposes, purposes, "purpose")
    services = policy.service_by_key
    for s, service in enumerate(policy.services):
        yield from _known(("services", s, "similar"), service.similar, services, "service")
    roles = {role.key: role for role in policy.roles}
    yield from _known(("breach", "incident_team"), policy.breach.incident_team, roles, "role")
    if policy.rights.purpose is not None:
        yield from _known(("rights", "purpose"), [policy.rights.purpose], purposes, "purpose")
    for f, form in enumerate(policy.forms):
        yield from _known(("forms", f, "fields"), form.fields, fields, "field")
        yield from _known(("forms", f, "purposes"), form.purposes, purposes, "purpose")
    if policy.cookies is not None:
        vendors = {vendor.key: vendor for vendor in policy.cookies.vendors}
        for v, vendor in enumerate(policy.cookies.vendors):
            if vendor.recipient is not None:
                yield from _known(
                    ("cookies", "vendors", v, "recipient"),
                    [vendor.recipient],
                    recipients,
                    "recipient",
                )
        for k, cookie in enumerate(policy.cookies.cookies):
            if cookie.vendor is not None:
                yield from _known(
                    ("cookies", "cookies", k, "vendor"), [cookie.vendor], vendors, "vendor"
                )
    if policy.marketing is not None:
        if policy.marketing.purpose is not None:
            yield from _known(
                ("marketing", "purpose"), [policy.marketing.purpose], purposes, "purpose"
            )
        if policy.marketing.campaign_retention is not None:
            yield from _known(
                ("marketing", "campaign_retention"),
                [policy.marketing.campaign_retention],
                rules,
                "retention rule",
            )


def _known(
    loc: Loc, keys: Iterable[str], known: Mapping[str, object], kind: str
) -> Iterator[Finding]:
    for index, key in enumerate(keys):
        if key not in known:
            where: Loc = (*loc, index) if loc[-1] in _LIST_KEYS else loc
            yield (
                where,
                "ref.unknown",
                f"unknown {kind} `{key}`",
                f"use one of: {', '.join(sorted(known)) or '(none defined)'}",
            )


_LIST_KEYS = {
    "categories",
    "recipients",
    "purposes",
    "masked_fields",
    "fields",
    "incident_team",
    "similar",
}


def _duplicates(policy: Policy) -> Iterator[Finding]:
    sections: list[tuple[Loc, str, list[str]]] = [
        (("categories",), "key", [c.key for c in policy.categories]),
        (("purposes",), "key", [p.key for p in policy.purposes]),
        (("roles",), "key", [r.key for r in policy.roles]),
        (("recipients",), "key", [r.key for r in policy.recipients]),
        (("retention",), "key", [r.key for r in policy.retention]),
        (("forms",), "key", [f.key for f in policy.forms]),
        (("security",), "key", [m.key for m in policy.security]),
        (("controls",), "key", [c.key for c in policy.controls]),
    ]
    if policy.cookies is not None:
        sections.append((("cookies", "vendors"), "key", [v.key for v in policy.cookies.vendors]))
        sections.append(
            (("cookies", "categories"), "category", [d.category for d in policy.cookies.categories])
        )
    for where, member, keys in sections:
        seen: set[str] = set()
        for index, key in enumerate(keys):
            if key in seen:
                yield (
                    (*where, index, member),
                    "ref.duplicate",
                    f"`{key}` is defined twice",
                    "merge the two entries, or give each its own key",
                )
            seen.add(key)
    seen_fields: set[str] = set()
    for c, category in enumerate(policy.categories):
        for f, field in enumerate(category.fields):
            if field.key in seen_fields:
                yield (
                    ("categories", c, "fields", f, "key"),
                    "ref.duplicate",
                    f"field `{field.key}` is defined twice",
                    "field keys are unique across categories",
                )
            seen_fields.add(field.key)


def _taxonomy(policy: Policy) -> Iterator[Finding]:
    known_categories = data_categories()
    for _, loc, key in category_keys(policy):
        if key not in known_categories:
            yield (
                loc,
                "taxonomy.unknown_category",
                f"`{key}` is not a known data category",
                suggestion(key, known_categories),
            )
    known_uses = data_uses()
    for p, purpose in enumerate(policy.purposes):
        if purpose.data_use not in known_uses:
            yield (
                ("purposes", p, "data_use"),
                "taxonomy.unknown_use",
                f"`{purpose.data_use}` is not a known data use",
                suggestion(purpose.data_use, known_uses),
            )
