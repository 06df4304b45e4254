"""The security log of sign-in attempts and its short life (S0-10): the console's sign-in
writes each attempt with the full IP address it came from (``storage.access_log``), for
security only; the daily jobs delete every entry older than the policy's
``access_log.ip_retention_days``. Nothing here names or joins a patient, and no other table
holds an IP address: the request log records none, cookie receipts none."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import timedelta

from hippocratic.services.store import Store
from hippocratic.storage import access_log
from hippocratic.storage.access_log import AccessLogRow
from hippocratic.storage.organisation import OrganisationRow

SIGN_IN = "sign_in.password"


def record(
    store: Store, organisation: str, address: str | None, username: str, outcome: str
) -> bool:
    """Write one attempt; nothing for an organisation that is not here or an address that is
    not an IP address (a test client, a proxy's placeholder). Whether it was written."""
    try:
        shown = str(ipaddress.ip_address((address or "").split("%", 1)[0]))
    except ValueError:
        return False
    with store.sessions.begin() as session:
        if session.get(OrganisationRow, organisation) is None:
            return False
        session.add(
            AccessLogRow(
                organisation_id=organisation,
                entry_id=str(uuid.uuid4()),
                at=store.clock.now(),
                address=shown,
                action=SIGN_IN,
                username=username[:64],
                outcome=outcome[:16],
            )
        )
    return True


def purge(store: Store, organisation: str) -> int:
    """Delete the organisation's entries older than its policy's retention; how many."""
    days = store.policy_of(organisation).access_log.ip_retention_days
    before = store.clock.now() - timedelta(days=days)
    with store.sessions.begin() as session:
        return access_log.purge(session, organisation, before)
