"""schemathesis over ``/openapi.json``: every operation of the API, called with generated
input (valid and invalid, bounded examples) by a signed-in role, answers in the envelope and
never with a 5xx, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from tests.faces.web.clinic_client import BOOKING, app_client, notice, token
from tests.services.clinic import hire

from hippocratic.faces.web.app import SHIPPED_POLICIES, create_app
from hippocratic.services.store import Store

EXAMPLES = 12
"""Per operation and role: enough to reach every refusal path, few enough for a quick suite."""


@pytest.mark.promise("S0-80")
@pytest.mark.parametrize("who", ["rita", "sam", "dee"])
def test_no_generated_request_gets_a_server_error(store: Store, tmp_path: Path, who: str) -> None:
    hire(store)
    headers = token(store, "harmonic", who)
    desk = token(store, "harmonic", "rita")
    client = app_client(store, tmp_path / "notices")
    booked = client.post(
        "/api/v1/appointments", json={**BOOKING, "notice": notice(store)}, headers=desk
    )
    assert booked.status_code == 201, booked.text
    app = create_app(SHIPPED_POLICIES, tmp_path / "notices", store)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
                return
            if "".join(response.headers.get("content-type", [])).startswith("application/json"):
                body = response.json()
                assert isinstance(body, dict) and "ok" in body, (case.method, case.path, body)

        call()
    assert operations >= 20
    assert statuses.keys() - {200, 201, 400, 403, 404, 409, 413} == set(), statuses
    assert failures == []
