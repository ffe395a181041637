"""The owner connects the account's PSA: picks ConnectWise, saves its keys, tests the connection against the
fake PSA, and says who an engineer is there (htmx swaps each piece; the keys are never shown again)."""

import os

import pytest
from playwright.sync_api import expect

from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.fake import FakePsa
from flowpilot.psa.models import PsaConnection, PsaUserIdentity

pytestmark = pytest.mark.django_db(transaction=True)

# To look at the page: PSA_SETTINGS_SCREENSHOT=/tmp/psa.png pytest tests/browser/test_psa_settings.py
SCREENSHOT = os.environ.get("PSA_SETTINGS_SCREENSHOT")


def test_the_owner_connects_connectwise_and_maps_an_engineer(
    page, live_server, login, northwind_owner, northwind_engineer
):
    with FakePsa() as fake:
        config = fake.config(Provider.CONNECTWISE)
        login(northwind_owner)
        page.locator("summary", has_text="Account menu").click()
        page.get_by_role("link", name="PSA connection").click()
        expect(page.get_by_role("heading", name="PSA connection", level=1)).to_be_visible()

        # Another provider's fields are swapped in by htmx; then back to ConnectWise.
        page.get_by_label("Provider").select_option("halopsa")
        expect(page.get_by_label("HaloPSA resource server URL")).to_be_visible()
        page.get_by_label("Provider").select_option("connectwise")
        page.get_by_label("ConnectWise site").fill(config.settings["site"])
        page.get_by_label("ConnectWise company id").fill(config.settings["company_id"])
        page.get_by_label("ConnectWise clientId").fill(config.settings["client_id"])
        page.get_by_label("Public key").fill(config.secrets["public_key"])
        page.get_by_label("Private key").fill(config.secrets["private_key"])
        page.get_by_role("button", name="Save connection").click()

        expect(page.get_by_text("PSA connection saved.")).to_be_visible()
        expect(page.get_by_label("Private key")).to_have_attribute("placeholder", "saved — leave blank to keep")
        expect(page.get_by_label("Private key")).to_have_value("")

        page.get_by_role("button", name="Test connection").click()
        expect(page.locator("[data-test-result]")).to_contain_text("Connection works.")

        row = page.get_by_role("row", name=northwind_engineer.email)
        row.get_by_label(f"ConnectWise member id of {northwind_engineer.display_name}").fill("148")
        row.get_by_label(f"ConnectWise member identifier of {northwind_engineer.display_name}").fill("alex.rivera")
        row.get_by_role("button", name="Save").click()
        expect(page.get_by_text(f"{northwind_engineer.display_name} saved.")).to_be_visible()
        if SCREENSHOT:
            page.screenshot(path=SCREENSHOT, full_page=True)

        assert config.secrets["private_key"] not in page.content()

    connection = PsaConnection.objects.get(account=northwind_owner.account)
    assert connection.secrets() == config.secrets
    assert connection.last_test_ok is True
    assert PsaUserIdentity.objects.get(user=northwind_engineer).member_identifier == "alex.rivera"
