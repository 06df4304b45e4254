"""Free text that may be about someone other than the patient (their data is not the patient's
to receive: DPA 2018 Sch. 2 para 16): a relative named, or an email address or phone number
that is not the patient's own. Such text is flagged for the DPO to redact or keep, with a
reason, before an access package can be checked. A heuristic that errs towards flagging; it
never redacts by itself."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    """Free text that may be about someone else: the DPO redacts or keeps it, with a reason."""

    ref: str
    why: str


_RELATIVE = re.compile(
    r"\b(husband|wife|partner|mother|father|mum|dad|son|daughter|brother|sister|"
    r"grandmother|grandfather|friend|neighbour|neighbor|carer)\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+44\s?|0)(?:\d[\s-]?){9,10}")


def third_party_flags(ref: str, text: str, own: Iterable[str]) -> list[Flag]:
    """Why ``text`` may hold someone else's data: a relative named, or contact details that are
    not the patient's own (``own``: their email and phone as held)."""
    mine = {re.sub(r"\D", "", value) for value in own} | {value.lower() for value in own}
    flags: list[Flag] = []
    relative = _RELATIVE.search(text)
    if relative:
        flags.append(Flag(ref, f"mentions a {relative.group(1).lower()}"))
    for email in _EMAIL.finditer(text):
        if email.group(0).lower() not in mine:
            flags.append(Flag(ref, "holds an email address that is not the patient's"))
            break
    for phone in _PHONE.finditer(text):
        if re.sub(r"\D", "", phone.group(0)) not in mine:
            flags.append(Flag(ref, "holds a phone number that is not the patient's"))
            break
    return flags
