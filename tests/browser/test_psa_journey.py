"""An engineer starts a session from a PSA ticket number, resolves it, and the note and the time entry arrive
at the (fake) PSA once the sender has run."""

import re

import pytest
from playwright.sync_api import expect

from flowpilot.models import PsaPush
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.demo_connection import connect_to_fake
from flowpilot.psa.fake import FakePsa
from flowpilot.psa.sender import send_due_pushes

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_URL = re.compile(r"/sessions/[0-9a-f-]{36}/$")


@pytest.fixture
def fake_psa(settings, northwind):
    from cryptography.fernet import Fernet

    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with FakePsa() as fake:
        connect_to_fake(northwind, fake.url)
        yield fake


def test_a_session_started_from_a_ticket_number_sends_its_note_and_time_entry(login, northwind_engineer, fake_psa):
    ticket = next(t for t in fake_psa.tickets(Provider.CONNECTWISE) if not t.closed)
    page = login(northwind_engineer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Start a session").first.click()

    page.get_by_label("Ticket number").fill(ticket.number)
    page.get_by_role("button", name="Read the ticket").click()
    expect(page.get_by_label("What's the problem?")).to_have_value(re.compile(re.escape(ticket.summary)))
    expect(page.get_by_label("Client")).to_have_value(ticket.company)
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url(SESSION_URL)

    panel = page.locator("#psa-panel")
    expect(panel).to_contain_text("Verified")
    expect(panel).to_contain_text(ticket.company)
    page.get_by_role("link", name="Resolve…").click()
    dialog = page.get_by_role("dialog", name="Resolve the session")
    dialog.get_by_label("How was it resolved?").fill("Rebuilt the Outlook profile; cached credentials cleared")
    dialog.get_by_label("Time to log on the ticket (minutes)").fill("35")
    dialog.get_by_role("button", name="Resolve session").click()
    expect(page.locator("#outcome")).to_contain_text(f"It goes to ticket {ticket.number}")
    expect(page.locator('#psa-panel [data-push-status="pending"]')).to_have_count(2)

    assert send_due_pushes()["succeeded"] == 2  # the worker's run

    page.reload()
    expect(page.locator('#psa-panel [data-push-status="succeeded"]')).to_have_count(2)
    markers = dict(PsaPush.objects.values_list("kind", "marker"))
    notes = [n for n in fake_psa.notes(Provider.CONNECTWISE, ticket.id) if markers["note"] in n.text]
    entries = fake_psa.time_entries(Provider.CONNECTWISE, ticket.id)
    assert len(notes) == 1 and "Rebuilt the Outlook profile" in notes[0].text and notes[0].resolution
    assert len(entries) == 1 and markers["time_entry"] in entries[0].notes
    assert abs(entries[0].hours - 35 / 60) < 0.01
