"""/api/v1/scripts/templates, /api/v1/scripts/generate, /api/v1/scripts/generations."""

import pytest

from flowpilot.tests.factories import AISessionFactory
from resolutionflow.testing import assert_foreign_404
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptGenerationFactory, ScriptTemplateFactory


@pytest.fixture
def builtin(db):
    return ScriptTemplateFactory(account=None, slug="ad-unlock-user", name="Unlock an AD account")


@pytest.fixture
def northwind_template(northwind):
    return ScriptTemplateFactory(account=northwind, name="Northwind unlock", slug="nw-unlock")


def test_the_list_has_builtins_the_accounts_and_the_teams_templates_only(
    api_as, northwind_engineer, northwind, contoso, projects_team, builtin, northwind_template
):
    team_template = ScriptTemplateFactory(account=northwind, team=northwind_engineer.team, slug="team-only")
    ScriptTemplateFactory(account=northwind, team=projects_team, slug="other-team")
    ScriptTemplateFactory(account=contoso, slug="contoso-only")
    ScriptTemplateFactory(account=northwind, slug="inactive", is_active=False)

    response = api_as(northwind_engineer).get("/api/v1/scripts/templates")

    assert response.status_code == 200
    body = response.json()
    assert {t["slug"] for t in body["results"]} == {"ad-unlock-user", "nw-unlock", "team-only"}
    by_slug = {t["slug"]: t for t in body["results"]}
    assert by_slug["ad-unlock-user"]["scope"] == "builtin"
    assert by_slug["nw-unlock"]["scope"] == "account"
    assert by_slug["team-only"]["scope"] == "team" and by_slug["team-only"]["team_id"] == str(team_template.team_id)
    assert by_slug["nw-unlock"]["parameters"] == [
        {"key": "sam_account_name", "label": "User", "type": "sam_account_name", "required": True}
    ]


def test_the_list_filters_by_search_and_category(api_as, northwind_engineer, builtin, northwind_template):
    response = api_as(northwind_engineer).get("/api/v1/scripts/templates", {"q": "northwind"})
    assert [t["slug"] for t in response.json()["results"]] == ["nw-unlock"]

    response = api_as(northwind_engineer).get("/api/v1/scripts/templates", {"category": builtin.category.slug})
    assert [t["slug"] for t in response.json()["results"]] == ["ad-unlock-user"]


def test_generate_returns_the_script_once_and_stores_the_redacted_copy(api_as, northwind_engineer, northwind):
    template = ScriptTemplateFactory(
        account=northwind,
        body="$User = {{user}}\n$Password = {{password}}\n",
        parameters_schema={
            "parameters": [{"key": "user", "type": "upn", "required": True}, {"key": "password", "type": "secret"}]
        },
    )

    response = api_as(northwind_engineer).post(
        "/api/v1/scripts/generate",
        {"template_id": str(template.pk), "parameters": {"user": "o'neil@northwind.com", "password": "Hunter2'"}},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["script"] == "$User = 'o''neil@northwind.com'\n$Password = 'Hunter2'''\n"
    assert response["Cache-Control"] == "no-store"
    stored = ScriptGeneration.objects.get(pk=body["generation_id"])
    assert stored.script == "$User = 'o''neil@northwind.com'\n$Password = '<redacted>'\n"


def test_generate_with_an_ai_session(api_as, northwind_engineer, builtin):
    session = AISessionFactory(engineer=northwind_engineer)

    response = api_as(northwind_engineer).post(
        "/api/v1/scripts/generate",
        {
            "template_id": str(builtin.pk),
            "parameters": {"sam_account_name": "jsmith"},
            "ai_session_id": str(session.pk),
        },
        format="json",
    )

    assert response.status_code == 201
    assert ScriptGeneration.objects.get(pk=response.json()["generation_id"]).ai_session == session


def test_invalid_parameters_get_400_with_per_field_errors(api_as, northwind_engineer, builtin):
    response = api_as(northwind_engineer).post(
        "/api/v1/scripts/generate",
        {"template_id": str(builtin.pk), "parameters": {"sam_account_name": "jsmith\n; calc"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some parameters are invalid.",
        "parameters": {
            "sam_account_name": ["Line breaks, tabs and other control or invisible characters are not allowed."]
        },
    }
    assert not ScriptGeneration.objects.exists()


def test_a_parameter_value_must_be_text_a_number_or_a_bool(api_as, northwind_engineer, builtin):
    response = api_as(northwind_engineer).post(
        "/api/v1/scripts/generate",
        {"template_id": str(builtin.pk), "parameters": {"sam_account_name": ["a", "b"]}},
        format="json",
    )

    assert response.status_code == 400 and "sam_account_name" in response.json()["parameters"]


def test_a_malformed_request_gets_400(api_as, northwind_engineer):
    response = api_as(northwind_engineer).post("/api/v1/scripts/generate", {"template_id": "nope"}, format="json")

    assert response.status_code == 400 and "template_id" in response.json()


def test_another_accounts_template_is_404_to_read_and_to_generate(contoso_engineer, northwind_template):
    assert_foreign_404(contoso_engineer, f"/api/v1/scripts/templates/{northwind_template.pk}")
    assert_foreign_404(
        contoso_engineer,
        "/api/v1/scripts/generate",
        method="post",
        data={"template_id": str(northwind_template.pk), "parameters": {"sam_account_name": "jsmith"}},
    )


def test_another_teams_template_is_404(api_as, northwind, northwind_engineer, projects_team):
    other = ScriptTemplateFactory(account=northwind, team=projects_team)

    response = api_as(northwind_engineer).get(f"/api/v1/scripts/templates/{other.pk}")

    assert response.status_code == 404


def test_an_ai_session_of_another_account_is_404(api_as, northwind_engineer, contoso_engineer, builtin):
    foreign = AISessionFactory(engineer=contoso_engineer)

    response = api_as(northwind_engineer).post(
        "/api/v1/scripts/generate",
        {
            "template_id": str(builtin.pk),
            "parameters": {"sam_account_name": "jsmith"},
            "ai_session_id": str(foreign.pk),
        },
        format="json",
    )

    assert response.status_code == 404
    assert not ScriptGeneration.objects.exists()


def test_generations_list_is_mine_and_another_account_gets_404_on_one(
    api_as, northwind_engineer, northwind_admin, contoso_engineer
):
    mine = ScriptGenerationFactory(user=northwind_engineer)
    ScriptGenerationFactory(user=northwind_admin)

    response = api_as(northwind_engineer).get("/api/v1/scripts/generations")

    assert [g["id"] for g in response.json()["results"]] == [str(mine.pk)]
    assert api_as(northwind_engineer).get(f"/api/v1/scripts/generations/{mine.pk}").json()["script"] == mine.script
    assert_foreign_404(contoso_engineer, f"/api/v1/scripts/generations/{mine.pk}")


def test_the_api_needs_a_token(api_client, builtin):
    assert api_client.get("/api/v1/scripts/templates").status_code == 401


def test_another_accounts_template_is_404_even_with_invalid_values(api_as, contoso_engineer, northwind_template):
    """A 400 would name the template's parameters: the check comes before the values are read."""
    response = api_as(contoso_engineer).post(
        "/api/v1/scripts/generate",
        {"template_id": str(northwind_template.pk), "parameters": {"sam_account_name": "bad/value"}},
        format="json",
    )

    assert response.status_code == 404 and "sam_account_name" not in response.content.decode()
