import re

import pytest
from playwright.sync_api import expect

from flowpilot.models import AISession
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_URL = re.compile(r"/sessions/[0-9a-f-]{36}/$")


def start_session(page, text=LOCKOUT_INTAKE):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Start a session").first.click()
    page.get_by_label("What's the problem?").fill(text)
    page.get_by_label("Client").fill("Acme Dental")
    page.get_by_label("PSA ticket #").fill("T-1042")
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url(SESSION_URL)
    # Set on the page: still there after the answers proves they were swapped in, not reloaded.
    page.evaluate("window.sameDocument = true")


def test_an_engineer_starts_a_session_answers_by_clicking_resolves_and_sees_the_documentation(
    login, northwind_engineer, northwind
):
    lockout_flow(northwind)
    page = login(northwind_engineer)
    start_session(page)

    card = page.locator("#step-card")
    expect(card).to_contain_text("Is the account locked out in Active Directory")
    card.get_by_role("button", name="Yes, locked out").click()
    expect(card).to_contain_text("Unlock the account in ADUC")
    card.get_by_label("What happened?").fill("4740 events from her phone")
    card.get_by_role("button", name="Worked").click()
    expect(card).to_contain_text("Account unlocked; stale credentials cleared")
    expect(page.locator("#timeline")).to_contain_text("Worked — 4740 events from her phone")
    assert page.evaluate("window.sameDocument") is True

    card.get_by_role("link", name="Resolve with this").click()
    dialog = page.get_by_role("dialog", name="Resolve the session")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("How was it resolved?")).to_have_value(
        "Account unlocked; stale credentials cleared on the user's phone."
    )
    dialog.locator("label", has_text="5 stars").click()
    dialog.get_by_role("button", name="Resolve session").click()

    documentation = page.locator("#session-documentation")
    expect(documentation).to_contain_text("Acme Dental")
    expect(documentation).to_contain_text("Did: Unlock the account in ADUC")
    expect(page.get_by_text("Analysis pending")).to_be_visible()
    expect(page.get_by_text("Rated 5 of 5")).to_be_visible()
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    session = AISession.objects.get()
    assert session.status == "resolved" and session.rating == 5 and session.resolution_node_id == "unlocked"


def test_a_number_key_picks_an_option_and_didnt_fix_it_carries_on_in_capture(login, northwind_engineer, northwind):
    lockout_flow(northwind)
    page = login(northwind_engineer)
    start_session(page)

    card = page.locator("#step-card")
    expect(card).to_contain_text("Is the account locked out in Active Directory")
    page.keyboard.press("2")
    expect(card).to_contain_text("Reset the password in ADUC.")
    card.get_by_text("Didn't fix it…").click()
    expect(card.get_by_label("What happened when you tried it?")).to_be_focused()
    page.keyboard.type("Password reset did not help: the account is disabled")
    card.get_by_role("button", name="Record and carry on").click()

    expect(card.get_by_role("textbox", name="What did you check or do?")).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Free-text escape")
    expect(timeline).to_contain_text("the account is disabled")
    assert page.evaluate("window.sameDocument") is True
