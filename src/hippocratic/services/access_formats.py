"""An access package in the forms people ask for: a readable letter (HTML, and PDF through
WeasyPrint), JSON, CSV, and a FHIR R4 Bundle (``access_fhir``). Every form carries the same
content; none carries anything the package does not."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from hippocratic.errors import InputError
from hippocratic.policy.document import Policy
from hippocratic.policy.notice import build_notice
from hippocratic.services.access_fhir import package_bundle
from hippocratic.services.access_package import AccessPackage

LETTERS = Environment(
    loader=PackageLoader("hippocratic.services", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class PackageFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    JSON = "json"
    CSV = "csv"
    FHIR = "fhir"


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


MEDIA = {
    PackageFormat.HTML: ("text/html; charset=utf-8", "html"),
    PackageFormat.PDF: ("application/pdf", "pdf"),
    PackageFormat.JSON: ("application/json", "json"),
    PackageFormat.CSV: ("text/csv; charset=utf-8", "csv"),
    PackageFormat.FHIR: ("application/fhir+json", "fhir.json"),
}


def package_format(value: str) -> PackageFormat:
    try:
        return PackageFormat(value)
    except ValueError:
        raise InputError(
            f"`{value}` is not a format the package comes in",
            field="format",
            hint="one of: " + ", ".join(f.value for f in PackageFormat),
        ) from None


def render(policy: Policy, package: AccessPackage, fmt: PackageFormat) -> Rendered:
    media, extension = MEDIA[fmt]
    name = f"{package.organisation}-access-{package.request_id[:8]}.{extension}"
    if fmt is PackageFormat.JSON:
        body = json.dumps(package.as_json(), indent=2, ensure_ascii=False).encode("utf-8")
    elif fmt is PackageFormat.FHIR:
        body = json.dumps(package_bundle(package), indent=2, ensure_ascii=False).encode("utf-8")
    elif fmt is PackageFormat.CSV:
        body = package_csv(package).encode("utf-8")
    else:
        html = package_html(policy, package)
        body = html.encode("utf-8") if fmt is PackageFormat.HTML else pdf(html)
    return Rendered(body, media, name)


def columns(package: AccessPackage) -> dict[str, list[str]]:
    """Each section's value names, in the order they first appear."""
    found: dict[str, list[str]] = {}
    for section in package.sections:
        names = found.setdefault(section.key, [])
        for item in section.items:
            names.extend(name for name in item.values if name not in names)
    return found


def package_html(policy: Policy, package: AccessPackage) -> str:
    notice = build_notice(policy)
    return LETTERS.get_template("rights/access_package.html.j2").render(
        title=f"Your information held by {package.organisation_name}",
        org=notice,
        complaint_url=package.information["complaint"]["url"],
        package=package,
        info=package.information,
        columns=columns(package),
        built_at=package.built_at[:10],
    )


def pdf(html: str) -> bytes:
    """The letter as PDF. WeasyPrint loads nothing from outside: the letter is self-contained."""
    from weasyprint import HTML

    def refuse(url: str) -> dict[str, object]:
        raise InputError(f"the letter may not load {url}", field="html")

    document: bytes = HTML(string=html, url_fetcher=refuse).write_pdf()
    return document


def _csv_rows(package: AccessPackage) -> Iterator[list[str]]:
    yield ["section", "reference", "when", "name", "value"]
    for row in package.details:
        yield ["details", row["category"], "", row["field"], row["value"]]
    for section in package.sections:
        for item in section.items:
            for name, value in item.values.items():
                yield [section.key, item.ref, item.at, name, value]
    for withheld in package.withheld:
        yield ["withheld", withheld.ref, "", withheld.kind, withheld.exemption]
    for key, value in package.information.items():
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            yield ["information", key, "", "", json.dumps(entry, ensure_ascii=False)]


def package_csv(package: AccessPackage) -> str:
    """One row per value: section, record reference, when, name, value. Cells that a
    spreadsheet would run as a formula are prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _csv_rows(package):
        writer.writerow([_inert(cell) for cell in row])
    return out.getvalue()


def _inert(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
