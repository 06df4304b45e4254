"""Rights requests in Chromium: reception records a letter from the patient page, the DPO works
it from the queue to release with a second person's check, and every page passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from tests.faces.web.test_browser import (  # noqa: F401 - fixtures shared with the console tests
    Clinic,
    accessible,
    browser,
    clinic,
    pytestmark,
    sign_in,
)


def context_page(browser: Any) -> Any:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    return context.new_page()


@pytest.mark.promise("S1-39", "S0-110")
def test_a_letter_is_recorded_worked_checked_and_released(
    browser: Any,  # noqa: F811
    clinic: Clinic,  # noqa: F811
) -> None:
    desk = context_page(browser)
    sign_in(desk, clinic, "reception")
    desk.goto(f"{clinic.url}/console/patients/{clinic.known}")
    desk.get_by_role("link", name="Record a rights request").click()
    desk.wait_for_url("**/console/rights/new**")
    accessible(desk)
    desk.select_option("#rq-right", "access")
    desk.select_option("#rq-channel", "letter")
    desk.fill("#rq-detail", "Please send me a copy of my records")
    with desk.expect_navigation():
        desk.get_by_role("button", name="Record the request").click()
    request_url = desk.url
    assert "/console/rights/" in request_url
    accessible(desk)

    dpo = context_page(browser)
    sign_in(dpo, clinic, "dpo")
    dpo.goto(f"{clinic.url}/console/rights")
    accessible(dpo)
    dpo.get_by_role("link", name="access").first.click()
    dpo.wait_for_url(request_url)
    with dpo.expect_navigation():
        dpo.get_by_role("button", name="Gather their information").click()
    accessible(dpo)
    assert dpo.get_by_role("link", name="PDF").count() >= 1

    desk.goto(request_url)
    with desk.expect_navigation():
        desk.get_by_role("button", name="I have checked it (a second person)").click()
    dpo.goto(request_url)
    with dpo.expect_navigation():
        dpo.get_by_role("button", name="Release it to them").click()
    assert "status completed" in dpo.locator("main").inner_text()
    accessible(dpo)
