"""The marketing choice on a form (S0-106; PECR reg. 22): every form where people give their
email address offers it, unticked (``policy check`` insists). A tick is an opt-in per
channel, recorded in the consent ledger once the form's data is taken, with the form and the
notice as its evidence; no tick records nothing, because no is where everyone starts. The
choice is never stored as a field of the record, and never a condition of the service.
"""

from __future__ import annotations

from collections.abc import Mapping

from hippocratic.domain.consent import ConsentKind, ConsentMethod, Control, Presentation
from hippocratic.errors import InputError
from hippocratic.policy.document import Policy
from hippocratic.services.actor import Actor
from hippocratic.services.capture import Capture, Channel
from hippocratic.services.consents import ConsentChoice, Consents
from hippocratic.services.store import Store

NO = frozenset({"", "no", "false", "none"})
METHOD = {
    Channel.WEB: (ConsentMethod.WEB_FORM, Control.CHECKBOX),
    Channel.PHONE: (ConsentMethod.PHONE, Control.SPOKEN),
    Channel.IN_PERSON: (ConsentMethod.IN_PERSON, Control.SPOKEN),
    Channel.EMAIL: (ConsentMethod.EMAIL, Control.WRITTEN),
    Channel.POST: (ConsentMethod.PAPER_FORM, Control.SIGNATURE),
}


def preference_field(policy: Policy) -> str | None:
    """The field a form asks the marketing choice with (``marketing_consent``)."""
    purpose = (
        policy.purpose_by_key.get(policy.marketing.purpose or "") if policy.marketing else None
    )
    if purpose is None:
        return None
    for category in policy.categories:
        if category.key in purpose.categories and category.key not in ("identity", "contact"):
            return category.fields[0].key if category.fields else None
    return None


def split(
    policy: Policy, values: Mapping[str, object]
) -> tuple[dict[str, object], tuple[str, ...]]:
    """The form's values without the marketing choice, and the channels ticked (checked
    against the purpose's channels before anything is stored)."""
    key = preference_field(policy)
    rest = {k: v for k, v in values.items() if k != key}
    raw = values.get(key) if key else None
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in NO) or raw is False:
        return rest, ()
    chosen = [c.strip() for c in str(raw).split(",")] if isinstance(raw, str) else []
    purpose = policy.purpose_by_key[policy.marketing.purpose or ""] if policy.marketing else None
    offered = purpose.consent.channels if purpose and purpose.consent else []
    unknown = [c for c in chosen if c not in offered]
    if not chosen or unknown:
        raise InputError(
            f"the marketing choice names the channels ticked, from: {', '.join(offered)}",
            field=key,
            hint="e.g. email,sms; leave it out (or empty) if nothing was ticked",
        )
    return rest, tuple(dict.fromkeys(chosen))


def record(
    store: Store, actor: Actor, subject: str, capture: Capture, channels: tuple[str, ...]
) -> None:
    """The opt-in ticked on ``capture``'s form, as the patient gave it there."""
    if not channels:
        return
    policy = store.policy_of(actor.organisation)
    key = policy.marketing.purpose if policy.marketing else None
    if key is None:
        return
    purpose = policy.purpose_by_key[key]
    method, control = METHOD[capture.channel]
    form = policy.form_by_key[capture.form]
    Consents(store, actor).record(
        subject,
        ConsentChoice(
            purpose=purpose.key,
            kind=ConsentKind.GRANTED,
            method=method.value,
            presentation=Presentation(control),
            wording=purpose.consent.wording if purpose.consent else None,
            channels=channels,
            evidence=f"ticked on the “{form.title}” form, notice {capture.notice_version}",
            notice_version=capture.notice_version,
        ),
        captured_on=capture.form,
    )
