"""The DPO's pages in Chromium: the dashboard, the evidence pack, the record of processing
beside the disclosure log, the breach register and the retention page, reached by following
their links, each with no serious or critical axe-core violation and every link, button and
field on it reachable with the Tab key alone, in order, none skipped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.faces.web.test_browser import (  # noqa: F401 - fixtures shared with the console tests
    Clinic,
    accessible,
    browser,
    clinic,
    page,
    pytestmark,
    sign_in,
)

from hippocratic.services.incidents import Incidents
from hippocratic.services.records import Actor

FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]"
MARK = """(selector) => {
  const shown = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)
    && !e.closest('details:not([open]) > :not(summary)') && !e.disabled
    && e.getAttribute('tabindex') !== '-1';
  const found = Array.from(document.querySelectorAll(selector)).filter(shown);
  found.forEach((e, i) => { e.dataset.kb = String(i); });
  return found.length;
}"""


def reachable_by_keyboard(tab: Any) -> None:
    """Tabbing from the top of the page focuses every focusable element shown, in document
    order, and nothing is a trap. A date or time field takes a press per part (day, month,
    year), so a repeat of the same element counts once."""
    count = tab.evaluate(MARK, FOCUSABLE)
    assert count > 0, tab.url
    tab.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    tab.evaluate("() => window.scrollTo(0, 0)")
    reached: list[int] = []
    for _ in range(count * 6):
        tab.keyboard.press("Tab")
        mark = tab.evaluate("() => document.activeElement && document.activeElement.dataset.kb")
        assert mark is not None, f"{tab.url}: the focus left the marked elements at {reached}"
        if not reached or reached[-1] != int(mark):
            reached.append(int(mark))
        if reached[-1] == count - 1:
            break
    assert reached == list(range(count)), f"{tab.url}: focus order {reached}"


def checked(tab: Any) -> None:
    accessible(tab)
    reachable_by_keyboard(tab)


def test_the_dpo_pages_pass_axe_and_are_worked_by_keyboard(page: Any, clinic: Clinic) -> None:  # noqa: F811
    now = clinic.store.clock.now()
    Incidents(clinic.store, Actor("harmonic", "reception", "reception")).report(
        "A letter with a scan report was posted to the wrong address by mistake",
        now - timedelta(hours=3),
    )
    sign_in(page, clinic, "dpo")
    page.get_by_role("link", name="DPO dashboard", exact=True).click()
    page.wait_for_url("**/console/dpo")
    assert page.get_by_role("heading", level=1).inner_text() == "DPO dashboard"
    assert "posted to the wrong address" in page.locator("#incidents ~ table").first.inner_text()
    checked(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Evidence pack", exact=True).click()
    assert page.url.endswith("/console/dpo/evidence")
    checked(page)

    page.go_back()
    with page.expect_navigation():
        page.get_by_role("link", name="Record of processing and disclosures").click()
    assert page.url.endswith("/console/dpo/processing")
    assert page.locator("#flow-referrers-care").count() == 1
    checked(page)

    page.get_by_role("link", name="Incidents", exact=True).click()  # the nav: htmx-boosted
    page.wait_for_url("**/console/incidents")
    checked(page)
    with page.expect_navigation():
        page.get_by_role("link", name="posted to the wrong address", exact=False).click()
    checked(page)

    page.get_by_role("link", name="Retention", exact=True).click()
    page.wait_for_url("**/console/retention")
    checked(page)
