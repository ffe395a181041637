"""An engineer escalates a session to a colleague with a reason; the colleague finds it in the inbox with its
hand-off, picks it up, continues from where it stopped and resolves it."""

import re

import pytest
from playwright.sync_api import expect

from flowpilot.models import AISession, SessionHandoff
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from resolutionflow.models import Role
from resolutionflow.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_URL = re.compile(r"/sessions/[0-9a-f-]{36}/$")


def sign_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    return page


def test_a_colleague_picks_up_an_escalated_session_from_the_inbox_and_resolves_it(
    login, browser, live_server, northwind, northwind_engineer, service_desk
):
    lockout_flow(northwind)
    sam = UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)
    page = login(northwind_engineer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Start a session").first.click()
    page.get_by_label("What's the problem?").fill(LOCKOUT_INTAKE)
    page.get_by_label("Client").fill("Acme Dental")
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url(SESSION_URL)
    session_url = page.url
    page.locator("#step-card").get_by_role("button", name="Yes, locked out").click()
    expect(page.locator("#step-card")).to_contain_text("Unlock the account in ADUC")

    page.get_by_role("link", name="Escalate…").click()
    dialog = page.get_by_role("dialog", name="Escalate the session")
    dialog.get_by_label("Why escalate?").fill("Needs a domain admin to unlock on the PDC")
    dialog.get_by_label("Escalate to").select_option(label=sam.display_name)
    dialog.get_by_role("button", name="Escalate session").click()
    expect(page.locator("#outcome")).to_contain_text(f"Escalated to {sam.display_name}")

    colleague = sign_in(browser.new_context().new_page(), live_server.url, sam)
    nav = colleague.get_by_role("navigation", name="Main")
    expect(nav.locator('[data-nav-badge="escalations"]')).to_have_text(re.compile(r"^1"))
    nav.get_by_role("link", name="Escalations").click()
    card = colleague.get_by_role("listitem").filter(has_text="Needs a domain admin to unlock on the PDC")
    expect(card).to_contain_text("Suspected cause")
    expect(card).to_contain_text("Acme Dental")
    expect(card).to_contain_text("not tried: “No”, “Can't tell”")
    card.get_by_role("button", name=re.compile("^Pick up")).click()

    colleague.wait_for_url(session_url)
    step = colleague.locator("#step-card")
    expect(step).to_contain_text("Unlock the account in ADUC")
    expect(colleague.locator("#session-handoffs")).to_contain_text(northwind_engineer.display_name)
    step.get_by_label("What happened?").fill("Unlocked on the PDC")
    step.get_by_role("button", name="Worked").click()
    expect(step).to_contain_text("Account unlocked; stale credentials cleared")
    step.get_by_role("link", name="Resolve with this").click()
    resolve = colleague.get_by_role("dialog", name="Resolve the session")
    resolve.get_by_role("button", name="Resolve session").click()
    expect(colleague.locator("#session-documentation")).to_contain_text("Did: Unlock the account in ADUC")

    session = AISession.objects.get()
    assert session.status == "resolved" and session.engineer == sam and session.escalated_at is not None
    handoff = SessionHandoff.objects.get()
    assert handoff.escalated_by == northwind_engineer and handoff.picked_up_by == sam
    assert session.steps.filter(answered_at__isnull=False).count() == 3


@pytest.fixture
def fake_psa(settings, northwind, northwind_engineer, service_desk):
    """Northwind connected to the fake PSA as ConnectWise; Alex and Sam are its members 148 and 152."""
    from cryptography.fernet import Fernet

    from flowpilot.models import PsaUserIdentity
    from flowpilot.psa.demo_connection import connect_to_fake
    from flowpilot.psa.fake import FakePsa

    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with FakePsa() as fake:
        connect_to_fake(northwind, fake.url)
        sam = UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)
        PsaUserIdentity.objects.create(account=northwind, user=sam, member_id="152", member_identifier="sam.lee")
        yield fake, sam


def test_the_handoff_reaches_the_ticket_as_an_internal_note_then_the_documentation_and_time(
    login, browser, live_server, northwind_engineer, fake_psa
):
    from flowpilot.psa.connectors.base import Provider
    from flowpilot.psa.sender import send_due_pushes

    fake, sam = fake_psa
    ticket = next(t for t in fake.tickets(Provider.CONNECTWISE) if not t.closed)
    page = login(northwind_engineer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Start a session").first.click()
    page.get_by_label("Ticket number").fill(ticket.number)
    page.get_by_role("button", name="Read the ticket").click()
    expect(page.get_by_label("Client")).to_have_value(ticket.company)
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url(SESSION_URL)
    session_url = page.url
    page.get_by_role("link", name="Escalate…").click()
    dialog = page.get_by_role("dialog", name="Escalate the session")
    dialog.get_by_label("Why escalate?").fill("Needs second line: the mailbox is on-premises")
    dialog.get_by_label("Escalate to").select_option(label=sam.display_name)
    dialog.get_by_role("button", name="Escalate session").click()
    expect(page.locator("#outcome")).to_contain_text(f"Escalated to {sam.display_name}")

    assert send_due_pushes()["succeeded"] == 1  # the worker's run
    (handoff,) = [note for note in fake.notes(Provider.CONNECTWISE, ticket.id) if note.internal]
    assert not handoff.resolution
    assert "Needs second line: the mailbox is on-premises" in handoff.text and "Suspected cause:" in handoff.text
    assert f"Company: {ticket.company}" in handoff.text

    colleague = sign_in(browser.new_context().new_page(), live_server.url, sam)
    colleague.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    card = colleague.get_by_role("listitem").filter(has_text="Needs second line: the mailbox is on-premises")
    card.get_by_role("button", name=re.compile("^Pick up")).click()
    colleague.wait_for_url(session_url)
    colleague.locator("#step-card").get_by_label("What did you check or do?").fill("Checked the on-premises mailbox")
    colleague.locator("#step-card").get_by_label("What did you find?").fill("Its quota was full")
    colleague.locator("#step-card").get_by_role("button", name="Record step").click()
    expect(colleague.locator("#timeline")).to_contain_text("Its quota was full")
    colleague.get_by_role("link", name="Resolve…").click()
    resolve = colleague.get_by_role("dialog", name="Resolve the session")
    resolve.get_by_label("How was it resolved?").fill("Raised the mailbox quota")
    resolve.get_by_role("button", name="Resolve session").click()
    expect(colleague.locator("#outcome")).to_contain_text(f"It goes to ticket {ticket.number}")

    assert send_due_pushes()["succeeded"] >= 2
    notes = fake.notes(Provider.CONNECTWISE, ticket.id)
    assert [note.text for note in notes if note.internal] == [handoff.text]  # the hand-off once
    (documentation,) = [note for note in notes if note.resolution]
    assert "Raised the mailbox quota" in documentation.text and "Checked the on-premises mailbox" in documentation.text
    assert "sam.lee" in {entry.who for entry in fake.time_entries(Provider.CONNECTWISE, ticket.id)}
