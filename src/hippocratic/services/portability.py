"""Portability (Art. 20(2)): the portable part of a patient's data sent straight to another
controller, at the patient's request, as a FHIR R4 Bundle.

The package is built, reviewed and checked by a second person as for access
(``access_release``: a portability request builds only the portable part). Then the DPO sends
it to the endpoint the patient named: HTTPS only (plain HTTP only to this machine, for a local
stand-in). The request is answered when the receiving controller accepts it (a 2xx answer);
any other answer, or none, is a failed step with its log, and sending again re-runs it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from hippocratic.errors import Conflict, InputError
from hippocratic.policy.settings import RightName
from hippocratic.services.access_fhir import package_bundle
from hippocratic.services.access_release import AccessRelease
from hippocratic.services.rights_request import RequestStatus, RightsRequest
from hippocratic.storage.rights_request import RightsRequestRow

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
TIMEOUT = 20.0


def endpoint_of(url: str) -> str:
    parts = urlsplit(url)
    local = parts.hostname in LOOPBACK
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise InputError(
            "send only to an https:// address (plain http only to this machine)",
            field="endpoint",
        )
    if not parts.hostname or parts.username or parts.password:
        raise InputError("give the receiving controller's address, with no password in it",
                         field="endpoint")  # fmt: skip
    return url


class Portability(AccessRelease):
    def transmit(self, request_id: str, endpoint: str) -> RightsRequest:
        """Send the checked portable package to the receiving controller (the DPO)."""
        self._dpo("send a patient's data to another controller")
        url = endpoint_of(endpoint)
        request = self.get(request_id)
        if request.right is not RightName.PORTABILITY:
            raise Conflict(f"a {request.right.value} request is not for portability")
        with self.store.sessions() as session:
            row = self.row(session, request_id)
            if row.checked_at is None:
                raise Conflict("the package must be checked by a second person first")
        body = json.dumps(package_bundle(self.package(request_id))).encode("utf-8")
        host = urlsplit(url).hostname
        sent = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/fhir+json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(sent, timeout=TIMEOUT) as answer:  # noqa: S310
                status = int(answer.status)
        except urllib.error.HTTPError as error:
            self._failed(request_id, "transmit", f"{host} answered HTTP {error.code}")
            raise Conflict(f"{host} refused the data (HTTP {error.code}): send again") from None
        except (urllib.error.URLError, OSError) as error:
            self._failed(request_id, "transmit", f"could not reach {host}: {error}")
            raise Conflict(f"could not reach {host}: send again when it answers") from None

        def close(session: Session, row: RightsRequestRow) -> str:
            self._close(row, RequestStatus.COMPLETED, f"Your data was sent to {host}.")
            return f"sent to {host} as a FHIR R4 Bundle ({len(body):,} bytes): HTTP {status}"

        return self._change(request_id, "transmit", close)
