import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_engineer_signs_in_sees_the_sidebar_and_signs_out(login, northwind_engineer, service_desk, live_server):
    page = login(northwind_engineer)

    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_text("Northwind IT").first).to_be_visible()
    main.get_by_role("link", name="Service Desk").first.click()
    expect(page.get_by_role("link", name="alex@northwind.test")).to_be_visible()

    page.locator("summary", has_text="Account menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_a_wrong_password_shows_an_error_on_the_form(page, live_server, northwind_engineer):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill("alex@northwind.test")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("correct email", exact=False).or_(page.get_by_text("correct e-mail"))).to_be_visible()
