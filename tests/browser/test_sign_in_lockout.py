import pytest
from playwright.sync_api import expect

from resolutionflow.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_locked_out_engineer_is_unlocked_by_the_owner_and_signs_in(
    page, live_server, login, northwind_engineer, northwind_owner, settings
):
    settings.LOGIN_FAILURE_LIMIT = 3
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(3):
        page.get_by_label("E-mail").fill("alex@northwind.test")
        page.get_by_label("Password").fill("not-my-password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Too many failed sign-ins")
    expect(alert).to_contain_text("ask your account owner")

    # Even the right password is refused while locked.
    page.get_by_label("E-mail").fill("alex@northwind.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    assert page.url == f"{live_server.url}/accounts/login/"

    # The owner finds the locked sign-in in the account menu and unlocks it.
    login(northwind_owner)
    page.locator("summary", has_text="Account menu").click()
    page.get_by_role("link", name="Locked-out sign-ins").click()
    row = page.get_by_role("row", name="alex@northwind.test")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text("alex@northwind.test can sign in again.")).to_be_visible()
    expect(page.get_by_text("No locked-out sign-ins")).to_be_visible()
    page.locator("summary", has_text="Account menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")

    # Alex signs in.
    login(northwind_engineer)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
