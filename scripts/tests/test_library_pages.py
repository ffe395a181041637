"""The library page (/scripts/): categories, search, scopes, and nothing of another account."""

from resolutionflow.testing import HTMX
from scripts.tests.factories import ScriptCategoryFactory, ScriptTemplateFactory


def test_the_library_lists_builtins_and_the_accounts_templates(client, northwind_engineer, northwind, contoso):
    ScriptTemplateFactory(account=None, name="Unlock an AD account")
    ScriptTemplateFactory(account=northwind, name="Northwind VPN reset")
    ScriptTemplateFactory(account=contoso, name="Contoso secret script")
    client.force_login(northwind_engineer)

    response = client.get("/scripts/")

    assert response.status_code == 200
    assert b"Unlock an AD account" in response.content and b"Northwind VPN reset" in response.content
    assert b"Contoso secret script" not in response.content


def test_the_library_filters_by_category_and_search_in_the_url(client, northwind_engineer):
    windows = ScriptCategoryFactory(slug="windows", name="Windows")
    ScriptTemplateFactory(
        account=None, name="Clear the print spooler", slug="spooler", description="Stuck jobs.", category=windows
    )
    ScriptTemplateFactory(account=None, name="Unlock an AD account")
    client.force_login(northwind_engineer)

    by_category = client.get("/scripts/", {"category": "windows"})
    by_search = client.get("/scripts/", {"q": "unlock"})

    assert b"Clear the print spooler" in by_category.content and b"Unlock an AD account" not in by_category.content
    assert b"Unlock an AD account" in by_search.content and b"Clear the print spooler" not in by_search.content


def test_the_library_answers_htmx_with_the_results_partial(client, northwind_engineer):
    ScriptTemplateFactory(account=None, name="Unlock an AD account")
    client.force_login(northwind_engineer)

    response = client.get("/scripts/", {"q": "unlock"}, **HTMX)

    assert b"Unlock an AD account" in response.content and b"<html" not in response.content


def test_only_admins_see_new_template_and_inactive_templates(client, northwind_engineer, northwind_admin, northwind):
    ScriptTemplateFactory(account=northwind, name="Retired script", is_active=False)

    client.force_login(northwind_engineer)
    engineer_page = client.get("/scripts/").content
    client.force_login(northwind_admin)
    admin_page = client.get("/scripts/").content

    assert b"New template" not in engineer_page and b"Retired script" not in engineer_page
    assert b"New template" in admin_page and b"Retired script" in admin_page


def test_the_library_keeps_a_constant_number_of_queries(
    client, northwind_engineer, northwind, django_assert_max_num_queries
):
    ScriptTemplateFactory.create_batch(2, account=northwind)
    client.force_login(northwind_engineer)
    with django_assert_max_num_queries(20) as few:
        client.get("/scripts/")
    ScriptTemplateFactory.create_batch(12, account=northwind, team=northwind_engineer.team)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/scripts/")


def test_the_library_needs_a_login(client):
    response = client.get("/scripts/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
