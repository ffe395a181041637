import re

import pytest
from playwright.sync_api import expect

from flowpilot.tests.test_session_scripts import INTAKE, flow_with_script
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptTemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_URL = re.compile(r"/sessions/[0-9a-f-]{36}/$")


def test_a_guided_session_generates_the_flows_script_prefilled_copies_it_continues_and_documents_it(
    login, northwind_engineer, northwind
):
    ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")
    flow_with_script(northwind, "ad-unlock-user")
    page = login(northwind_engineer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Start a session").first.click()
    page.get_by_label("What's the problem?").fill(INTAKE)
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url(SESSION_URL)

    card = page.locator("#step-card")
    card.get_by_role("button", name="Yes, locked out").click()
    generator = card.locator("#script-generator")
    expect(generator.get_by_label("User")).to_have_value("jsmith")

    generator.get_by_role("button", name="Generate script").click()
    script = page.locator("#generated-script")
    expect(script).to_contain_text("'jsmith'")
    page.get_by_role("button", name="Copy script").click()
    expect(page.get_by_text("Copied")).to_be_visible()

    card.get_by_role("button", name="Worked").click()
    expect(card).to_contain_text("Account unlocked; stale credentials cleared")
    card.get_by_role("link", name="Resolve with this").click()
    dialog = page.get_by_role("dialog", name="Resolve the session")
    dialog.get_by_role("button", name="Resolve session").click()

    generation = ScriptGeneration.objects.get()
    expect(page.locator("#session-documentation")).to_contain_text(f"generation {generation.pk}")
    assert generation.ai_session.steps.filter(script_generation=generation).count() == 1
