"""A lint for health content in notifications (S0-107: email and text messages are not secure
unless encrypted, so a notification says that something is waiting, never what).

Pure text matching, case-insensitive, on word beginnings: a built-in clinical vocabulary plus
whatever the caller adds (the policy's special-category field titles and health-revealing
services). Names the caller allows (the clinic's own name, which is on every message anyway)
are taken out first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CLINICAL_TERMS = (
    "abnormal",
    "antenatal",
    "biopsy",
    "cancer",
    "diagnos",
    "fetal",
    "foetal",
    "gestation",
    "hiv",
    "medical history",
    "medication",
    "miscarr",
    "obstetric",
    "pregnan",
    "prescription",
    "referral letter",
    "scan image",
    "scan report",
    "scan result",
    "test result",
    "tumour",
    "ultrasound",
)
"""Word beginnings that tell a reader something about someone's health."""


def health_terms(text: str, extra: Iterable[str] = (), allowed: Iterable[str] = ()) -> list[str]:
    """The health terms ``text`` holds (each once, in the vocabulary's order); empty if none.
    ``extra`` adds terms; every phrase in ``allowed`` is removed from the text first."""
    plain = text.casefold()
    for phrase in allowed:
        if phrase:
            plain = plain.replace(phrase.casefold(), " ")
    found: list[str] = []
    for term in dict.fromkeys([*CLINICAL_TERMS, *(t.casefold() for t in extra if t.strip())]):
        if re.search(r"\b" + re.escape(term), plain):
            found.append(term)
    return found
