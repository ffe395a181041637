"""A reviewer works through the queue and the sidebar's badge follows each action without a page load."""

import re

import pytest
from playwright.sync_api import expect

from knowledge.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_review_badge_counts_down_as_the_admin_reviews(login, live_server, northwind_admin, northwind_engineer):
    ProposalFactory(engineer=northwind_engineer, title="Plotter prints blank pages")
    ProposalFactory(engineer=northwind_engineer, title="Scanner saves empty PDFs")
    page = login(northwind_admin)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    badge = page.locator('[data-nav-badge="review_queue"]')
    expect(badge).to_have_text("2 pending")

    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Review Queue")).click()
    page.wait_for_url(f"{live_server.url}/review/")
    page.evaluate("window.sameDocument = true")
    page.locator("[data-proposal-card]", has_text="Plotter prints blank pages").click()
    expect(page.get_by_role("heading", name="Plotter prints blank pages", level=2)).to_be_focused()
    page.get_by_role("button", name="Approve & Publish").click()

    expect(page.locator("#toasts")).to_contain_text("Published")
    expect(badge).to_have_text("1 pending")

    page.locator("[data-proposal-card]", has_text="Scanner saves empty PDFs").click()
    expect(page.get_by_role("heading", name="Scanner saves empty PDFs", level=2)).to_be_focused()
    page.locator("#proposal-detail").get_by_role("button", name="Dismiss").click()

    expect(page.locator("#toasts")).to_contain_text("Dismissed")
    expect(badge).to_be_hidden()
    assert page.evaluate("window.sameDocument") is True  # no page load: the count came with the answers
    assert not [error for error in errors if "Content Security Policy" in error or "Refused" in error], errors
