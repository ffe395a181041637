"""Refused actions over htmx (resolutionflow.htmx): a 422 swaps the form back with its errors, a 409 swaps the
region as it is now, and the toast says why; the page is never reloaded and no error toast appears."""

import pytest
from playwright.sync_api import expect

from flowpilot import engine
from flowpilot.models import AISession
from flowpilot.tests.factories import lockout_flow
from tests.browser.test_session_journey import start_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_resolve_without_a_summary_swaps_the_dialog_form_back_with_its_error(login, northwind_engineer, northwind):
    lockout_flow(northwind)
    page = login(northwind_engineer)
    start_session(page)

    page.get_by_role("link", name="Resolve").first.click()
    dialog = page.get_by_role("dialog", name="Resolve the session")
    dialog.get_by_label("How was it resolved?").fill("   ")  # passes the browser's `required`, not the form
    dialog.get_by_role("button", name="Resolve session").click()

    expect(dialog).to_contain_text("Say how the problem was resolved.")
    expect(page.locator("#toasts")).to_contain_text("Say how the problem was resolved.")  # the form's own error
    expect(page.locator("#toasts")).not_to_contain_text("Something went wrong")
    assert page.evaluate("window.sameDocument") is True
    assert AISession.objects.get().status == "active"


def test_answering_a_session_closed_meanwhile_swaps_in_its_closed_state(login, northwind_engineer, northwind):
    lockout_flow(northwind)
    page = login(northwind_engineer)
    start_session(page)
    engine.abandon_session(AISession.objects.get(), reason="Duplicate ticket")  # another tab closed it

    page.locator("#step-card").get_by_role("button", name="Yes, locked out").click()

    expect(page.locator("#toasts")).to_contain_text("This session is already abandoned.")
    expect(page.locator("#session")).to_contain_text("Duplicate ticket")
    expect(page.locator("#toasts")).not_to_contain_text("Something went wrong")
    assert page.evaluate("window.sameDocument") is True
