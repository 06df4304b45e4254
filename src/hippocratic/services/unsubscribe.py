"""One-click unsubscribe: a signed link in every message, working without sign-in (S0-13,
S0-44, S1-17; RFC 8058).

The link names the organisation and carries the patient, the purpose, the channel and the
message sealed with AES-256-GCM under a secret of the organisation kept in the key store
(never in the database): it reveals nothing about the patient to whoever sees the address
(S0-108), and it cannot be forged or pointed at someone else. Following it records a
withdrawal in the consent ledger as the patient's own act, effective for the very next send.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import update

from hippocratic.domain.consent import ConsentKind, Control, Presentation
from hippocratic.errors import InputError, NotFound
from hippocratic.services.consent_choice import ConsentChoice, patient_actor
from hippocratic.services.consents import Consents
from hippocratic.services.store import Store
from hippocratic.storage.campaign import CampaignMessageRow

LINK_KEY = "unsubscribe_links"
"""The key store purpose of the MAC key (the key itself never leaves the key store)."""
DOMAIN = b"hippocratic-unsubscribe\x1f"


class InvalidLink(InputError):
    code = "unsubscribe.invalid"


@dataclass(frozen=True)
class Unsubscribe:
    organisation: str
    subject: str
    purpose: str
    channel: str
    message: str


@dataclass(frozen=True)
class Unsubscribed:
    organisation_name: str
    purpose_title: str
    channel: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sealer(store: Store, organisation: str) -> AESGCM:
    return AESGCM(store.vault.minted_secret(organisation, LINK_KEY))


def issue(store: Store, link: Unsubscribe) -> str:
    """The token for ``link``: the organisation's key, then the sealed details, URL-safe."""
    payload = json.dumps(
        [link.subject, link.purpose, link.channel, link.message], separators=(",", ":")
    ).encode("utf-8")
    nonce = secrets.token_bytes(12)
    sealed = _sealer(store, link.organisation).encrypt(
        nonce, payload, DOMAIN + link.organisation.encode()
    )
    return f"{link.organisation}.{_b64(nonce + sealed)}"


def read(store: Store, token: str) -> Unsubscribe:
    """The link a token stands for; ``InvalidLink`` if it was altered or made up."""
    try:
        organisation, encoded = token.split(".", 1)
        with store.sessions() as session:
            store.policy(session, organisation)
        blob = _unb64(encoded)
        payload = _sealer(store, organisation).decrypt(
            blob[:12], blob[12:], DOMAIN + organisation.encode()
        )
        fields = json.loads(payload)
        if not (isinstance(fields, list) and len(fields) == 4):
            raise ValueError("shape")
    except (ValueError, UnicodeDecodeError, NotFound, InvalidTag) as exc:
        raise InvalidLink("this unsubscribe link is not one of ours") from exc
    return Unsubscribe(organisation, *(str(f) for f in fields))


def unsubscribe(store: Store, token: str) -> Unsubscribed:
    """Withdraw the consent the message was sent under, on its channel, as the patient."""
    link = read(store, token)
    consents = Consents(store, patient_actor(link.organisation, link.subject))
    consents.record(
        link.subject,
        ConsentChoice(
            purpose=link.purpose,
            kind=ConsentKind.WITHDRAWN,
            method="unsubscribe_link",
            presentation=Presentation(Control.LINK),
            channels=(link.channel,),
        ),
    )
    with store.sessions.begin() as session:
        session.execute(
            update(CampaignMessageRow)
            .where(
                CampaignMessageRow.organisation_id == link.organisation,
                CampaignMessageRow.message_id == link.message,
            )
            .values(unsubscribed=True)
        )
    return Unsubscribed(
        consents.policy.organisation.display_name,
        consents.compiled.title("purpose", link.purpose),
        link.channel,
    )
