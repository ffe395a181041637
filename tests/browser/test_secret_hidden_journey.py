"""An engineer types a password in a finding: the step shows it hidden, and neither the documentation, the
proposal the flywheel builds from the session, nor the note the (fake) PSA receives contains it."""

import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from flowpilot.models import AISession
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.demo_connection import connect_to_fake
from flowpilot.psa.fake import FakePsa
from flowpilot.psa.sender import send_due_pushes
from knowledge.models import FlowProposal

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_URL = re.compile(r"/sessions/[0-9a-f-]{36}/$")
PASSWORD = "Welcome2024!"


@pytest.fixture
def fake_psa(settings, northwind):
    from cryptography.fernet import Fernet

    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with FakePsa() as fake:
        connect_to_fake(northwind, fake.url)
        yield fake


def test_a_password_typed_in_a_finding_is_hidden_and_never_reaches_the_documentation_proposal_or_psa_note(
    login, northwind_engineer, fake_psa
):
    ticket = next(t for t in fake_psa.tickets(Provider.CONNECTWISE) if not t.closed)
    page = login(northwind_engineer)
    page.goto(page.url + "sessions/new/")
    page.get_by_label("Ticket number").fill(ticket.number)
    page.get_by_role("button", name="Read the ticket").click()
    expect(page.get_by_label("Client")).to_have_value(ticket.company)
    page.get_by_label("What's the problem?").fill("Sage 50 login fails for the accounts user at Harbour Dental")
    page.get_by_label("I'd rather record my own steps (capture)").check()
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url(SESSION_URL)

    card = page.locator("#step-card")
    card.get_by_label("What did you check or do?").fill("Reset the Sage user's password in Sage 50 user setup")
    card.get_by_label("What did you find?").fill(f"Her password had expired so I reset it to {PASSWORD}")
    card.get_by_role("button", name="Record step").click()

    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Her password had expired so I reset it to")
    expect(timeline.locator(".secret-hidden")).to_have_count(1)
    expect(timeline.locator(".secret-hidden")).to_have_text("hidden secret")
    expect(page.locator("body")).not_to_contain_text(PASSWORD)

    page.get_by_role("link", name="Resolve").first.click()
    dialog = page.get_by_role("dialog", name="Resolve the session")
    dialog.get_by_label("How was it resolved?").fill("Reset the Sage password and the user signed in")
    dialog.get_by_role("button", name="Resolve session").click()
    documentation = page.locator("#session-documentation")
    expect(documentation).to_contain_text("hidden secret")
    expect(documentation).not_to_contain_text(PASSWORD)

    assert send_due_pushes()["succeeded"] >= 1  # the worker's run
    notes = fake_psa.notes(Provider.CONNECTWISE, ticket.id)
    assert notes and any("hidden secret" in note.text for note in notes)
    assert all(PASSWORD not in note.text for note in notes)

    call_command("analyze_pending")
    session = AISession.objects.get()
    proposal = FlowProposal.objects.get(source_session=session)
    stored = json.dumps([proposal.title, proposal.description, proposal.proposed_flow_data])
    assert PASSWORD not in stored and PASSWORD not in session.documentation
    assert "Harbour Dental" not in stored and ticket.company not in stored
