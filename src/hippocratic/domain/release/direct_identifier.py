"""Direct identifiers a release must not leave in: recognised by a column's name, by the
policy's classification of the field, and by what the column holds.

A column is recognised by any of three witnesses:

- its **name**, split into words (``patientSurname``, ``NHS_No``, ``home-phone``): names,
  NHS number, National Insurance number, US social security number, passport, driving licence,
  email, phone, IP address, address, latitude and longitude; and, as quasi-identifiers that are
  safe only once generalised, a full postcode and a date of birth;
- the **policy**: a field the organisation's policy classifies as identifying (its caller says
  which, so this module stays free of the policy's types);
- its **content**: a sample of its values, of which at least half match one pattern: an NHS
  number whose modulus 11 check digit is right, an email address, a UK phone number, a National
  Insurance number, a US social security number, a full UK postcode, a latitude/longitude pair,
  an IP address.

Quasi-identifiers (postcode, date of birth) may be released under ``quasi_identifiers`` with a
hierarchy; every other finding refuses the release wherever the column is listed. A finding is
let through only by a named override with a reason, which the release report records.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hippocratic.domain import nhs_number

SAMPLE = 200
"""Values read from each column for the content checks: evenly spread over its rows."""
SHARE = 0.5
"""A column is recognised by content when at least this share of its sampled values match."""


class Witness(StrEnum):
    NAME = "name"
    POLICY = "policy"
    CONTENT = "content"


@dataclass(frozen=True)
class Finding:
    column: str
    kind: str
    """What the column holds: ``NHS number``, ``email address``..."""
    witness: Witness
    detail: str
    """Why, in words a DPO reads: the matching name, the policy field, the share of values."""
    quasi: bool = False
    """Safe once generalised as a quasi-identifier (full postcode, date of birth)."""

    @property
    def reason(self) -> str:
        return f"{self.kind} ({self.witness.value}: {self.detail})"


@dataclass(frozen=True)
class Classified:
    """How the policy classifies one field: its caller reads the policy, this module does not."""

    column: str
    kind: str
    detail: str
    quasi: bool = False


_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

# Each kind: word sequences any of which, found in a column's name, recognise it.
_NAMES: tuple[tuple[str, bool, tuple[tuple[str, ...], ...]], ...] = (
    (
        "person's name",
        False,
        (
            ("name",),
            ("names",),
            ("forename",),
            ("forenames",),
            ("surname",),
            ("firstname",),
            ("lastname",),
            ("fullname",),
            ("maiden",),
            ("nickname",),
        ),
    ),
    ("NHS number", False, (("nhs",), ("chi", "number"), ("nhsno",), ("nhsnumber",))),
    (
        "National Insurance number",
        False,
        (("ni", "number"), ("ni", "no"), ("nino",), ("national", "insurance")),
    ),
    ("social security number", False, (("ssn",), ("social", "security"))),
    ("passport number", False, (("passport",),)),
    (
        "driving licence number",
        False,
        (
            ("driving", "licence"),
            ("driving", "license"),
            ("driver", "license"),
            ("drivers",),
            ("licence", "number"),
        ),
    ),
    ("email address", False, (("email",), ("e", "mail"), ("mail", "address"))),
    (
        "phone number",
        False,
        (("phone",), ("telephone",), ("mobile",), ("tel",), ("fax",), ("cell", "phone")),
    ),
    ("IP address", False, (("ip",), ("ip", "address"), ("ipv4",), ("ipv6",))),
    ("address", False, (("address",), ("street",), ("addr",), ("house",))),
    (
        "location (latitude/longitude)",
        False,
        (("lat",), ("latitude",), ("lon",), ("lng",), ("longitude",), ("geo",), ("lat", "long")),
    ),
    ("full postcode", True, (("postcode",), ("post", "code"), ("zip",), ("zipcode",))),
    (
        "date of birth",
        True,
        (("dob",), ("date", "of", "birth"), ("birth", "date"), ("birthdate",), ("birthday",)),
    ),
)
# Words that, after a name word, make the column something else: ``name`` in ``clinic_name``
# or ``scan_name`` is not a person's name.
_NOT_A_PERSON = {
    "clinic",
    "site",
    "ward",
    "hospital",
    "practice",
    "scan",
    "test",
    "file",
    "service",
    "drug",
    "product",
    "campaign",
    "organisation",
    "organization",
    "company",
    "user",
    "host",
    "domain",
    "procedure",
    "country",
    "region",
    "town",
    "city",
}


def words(column: str) -> list[str]:
    """A column's name as lower-case words: ``patientSurname`` -> ``patient surname``."""
    return [word.lower() for word in _WORDS.findall(column)]


def _has(sequence: Sequence[str], wanted: tuple[str, ...]) -> bool:
    size = len(wanted)
    return any(tuple(sequence[i : i + size]) == wanted for i in range(len(sequence) - size + 1))


def by_name(column: str) -> Finding | None:
    said = words(column)
    joined = "".join(said)
    if joined == "long":
        return Finding(column, "location (latitude/longitude)", Witness.NAME, "its name says long")
    for kind, quasi, patterns in _NAMES:
        for pattern in patterns:
            if _has(said, pattern) or (len(pattern) > 1 and "".join(pattern) == joined):
                if kind == "person's name" and _NOT_A_PERSON & set(said):
                    continue
                return Finding(
                    column, kind, Witness.NAME, f"its name says {' '.join(pattern)}", quasi
                )
    return None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_UK_PHONE = re.compile(r"^(?:\+44|0044|0)\s?(?:\d[\s-]?){9,10}$")
_NI = re.compile(
    r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]$"
)
_SSN = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$")
_LAT_LONG = re.compile(r"^\(?\s*(-?\d{1,2}\.\d{3,})\s*[,; ]\s*(-?\d{1,3}\.\d{3,})\s*\)?$")
_NHS_SHAPE = re.compile(r"^\d{3}[\s-]?\d{3}[\s-]?\d{4}$")


def _is_nhs(value: str) -> bool:
    return bool(_NHS_SHAPE.match(value)) and nhs_number.is_valid(value)


def _is_lat_long(value: str) -> bool:
    match = _LAT_LONG.match(value)
    return (
        match is not None and abs(float(match.group(1))) <= 90 and abs(float(match.group(2))) <= 180
    )


def _is_ip(value: str) -> bool:
    if value.count(".") != 3 and value.count(":") < 2:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_CONTENT: tuple[tuple[str, bool, Callable[[str], object]], ...] = (
    ("NHS number", False, _is_nhs),
    ("email address", False, _EMAIL.match),
    ("National Insurance number", False, lambda v: _NI.match(v.upper())),
    ("social security number", False, _SSN.match),
    ("phone number", False, _UK_PHONE.match),
    ("location (latitude/longitude)", False, _is_lat_long),
    ("IP address", False, _is_ip),
    ("full postcode", True, lambda v: _POSTCODE.match(v.upper())),
)


def sample(values: Sequence[str], size: int = SAMPLE) -> list[str]:
    """Up to ``size`` non-blank values spread evenly over the column (deterministic)."""
    filled = [value.strip() for value in values if value and value.strip()]
    if len(filled) <= size:
        return filled
    step = len(filled) / size
    return [filled[int(n * step)] for n in range(size)]


def by_content(column: str, values: Sequence[str]) -> Finding | None:
    sampled = sample(values)
    if not sampled:
        return None
    for kind, quasi, test in _CONTENT:
        matched = sum(1 for value in sampled if test(value))
        if matched and matched / len(sampled) >= SHARE:
            shaped = "NHS number with a valid check digit" if kind == "NHS number" else kind
            detail = f"{matched} of {len(sampled)} sampled values: {shaped}"
            return Finding(column, kind, Witness.CONTENT, detail, quasi)
    return None


def recognise(
    columns: Mapping[str, Sequence[str]],
    classified: Iterable[Classified] = (),
) -> dict[str, Finding]:
    """The first finding for each column (policy, then name, then content)."""
    policy = {item.column: item for item in classified}
    found: dict[str, Finding] = {}
    for column, values in columns.items():
        if column in policy:
            item = policy[column]
            found[column] = Finding(column, item.kind, Witness.POLICY, item.detail, item.quasi)
        elif (named := by_name(column)) is not None:
            found[column] = named
        elif (content := by_content(column, values)) is not None:
            found[column] = content
    return found
