"""The user's generation history (/scripts/history/) and a generation's page."""

from resolutionflow.testing import assert_foreign_404
from scripts.tests.factories import ScriptGenerationFactory


def test_history_lists_my_generations_only(client, northwind_engineer, northwind_admin):
    ScriptGenerationFactory(user=northwind_engineer, template_name="Unlock an AD account")
    ScriptGenerationFactory(user=northwind_admin, template_name="Admin's own script")
    client.force_login(northwind_engineer)

    response = client.get("/scripts/history/")

    assert b"Unlock an AD account" in response.content and b"Admin&#x27;s own script" not in response.content


def test_an_empty_history_says_where_scripts_come_from(client, northwind_engineer):
    client.force_login(northwind_engineer)

    assert b"No scripts generated yet" in client.get("/scripts/history/").content


def test_a_generation_shows_its_redacted_script(client, northwind_engineer):
    generation = ScriptGenerationFactory(
        user=northwind_engineer,
        parameters={"sam_account_name": "jsmith", "new_password": "<redacted>"},
        script="$Password = '<redacted>'\n",
    )
    client.force_login(northwind_engineer)

    response = client.get(f"/scripts/history/{generation.pk}/")

    assert response.status_code == 200
    assert b"'&lt;redacted&gt;'</span>" in response.content and b"never stored" in response.content


def test_another_account_gets_404_on_a_generation(contoso_engineer, northwind_engineer):
    generation = ScriptGenerationFactory(user=northwind_engineer)

    assert_foreign_404(contoso_engineer, f"/scripts/history/{generation.pk}/")


def test_history_keeps_a_constant_number_of_queries(client, northwind_engineer, django_assert_max_num_queries):
    ScriptGenerationFactory.create_batch(2, user=northwind_engineer)
    client.force_login(northwind_engineer)
    with django_assert_max_num_queries(20) as few:
        client.get("/scripts/history/")
    ScriptGenerationFactory.create_batch(10, user=northwind_engineer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/scripts/history/")
