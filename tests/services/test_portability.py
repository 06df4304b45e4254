"""Portability: only what the patient provided, under consent or a contract, goes; it is sent
to another controller's endpoint (a local stand-in here) as a FHIR R4 Bundle once a second
person has checked it; a refusal by the receiver is a failed step that can be sent again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from tests.services.clinic import actor, hire
from tests.services.test_access_release import history_of_a_patient

from hippocratic.errors import Conflict, InputError
from hippocratic.policy.settings import RightName
from hippocratic.services.portability import Portability
from hippocratic.services.rights_request import NewRightsRequest, RequestStatus
from hippocratic.services.rights_requests import RequestChannel
from hippocratic.services.store import Store


@pytest.fixture
def clinic(store: Store) -> Store:
    hire(store)
    return store


class Receiver(HTTPServer):
    """Another controller's import endpoint: keeps what it is sent; answers ``status``."""

    status = 201
    received: list[tuple[str, bytes]]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: Receiver = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server.received.append((self.headers["Content-Type"], body))
        self.send_response(server.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), _Handler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.promise("S0-117", "S1-36")
def test_the_portable_part_is_sent_to_another_controller_once_checked(
    clinic: Store, receiver: Receiver
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    subject, _ = history_of_a_patient(clinic)
    dpo = Portability(clinic, actor("harmonic", "dee"))
    request = dpo.submit(NewRightsRequest(subject, RightName.PORTABILITY, RequestChannel.LETTER))
    dpo.build(request.request_id)
    package = dpo.package(request.request_id)
    keys = {row["key"] for row in package.details}
    assert "full_name" in keys and "email" in keys
    sections = {s.key: s for s in package.sections}
    assert "access" not in sections and "referral" not in sections
    assert all(i.values["field"] != "scan_report" for i in sections["clinical_entry"].items)
    url = f"http://127.0.0.1:{receiver.server_port}/import"
    with pytest.raises(Conflict, match="second person"):
        dpo.transmit(request.request_id, url)
    Portability(clinic, actor("harmonic", "rita")).check(request.request_id)
    with pytest.raises(InputError, match="https"):
        dpo.transmit(request.request_id, "http://receiver.example.org/import")
    receiver.status = 503
    with pytest.raises(Conflict, match="send again"):
        dpo.transmit(request.request_id, url)
    failed = dpo.get(request.request_id).failed_step
    assert failed is not None and "HTTP 503" in failed.log
    receiver.status = 201
    done = dpo.transmit(request.request_id, url)
    assert done.status is RequestStatus.COMPLETED and done.failed_step is None
    media, body = receiver.received[-1]
    assert media == "application/fhir+json"
    bundle = json.loads(body)
    Bundle.model_validate(bundle)
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"
    assert "transmit" in [s.name for s in done.steps]
