"""A script is generated for an AI session only by whoever may act on that session (PRODUCT.md: its
engineer, the escalation target or an admin of its team; owners), through the API and the session page
alike, and the scripts app learns this from flowpilot without importing it."""

import ast
from pathlib import Path

import pytest

from flowpilot import engine
from flowpilot.tests.test_session_scripts import INTAKE, flow_with_script
from resolutionflow.models import Role
from resolutionflow.testing import HTMX
from resolutionflow.tests.factories import UserFactory
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptTemplateFactory

SCRIPTS_APP = Path(__file__).resolve().parents[1]


@pytest.fixture
def template(northwind):
    return ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")


@pytest.fixture
def session(northwind, northwind_engineer, template):
    """An active session of the Service Desk's engineer, showing a script step."""
    flow_with_script(northwind, "ad-unlock-user")
    session = engine.start_session(northwind_engineer, INTAKE)
    engine.answer_step(session, selected_option="Yes, locked out")
    return session


def persona(name, northwind, service_desk, projects_team, contoso, session):
    if name == "its engineer":
        return session.engineer
    if name == "the escalation target":
        target = UserFactory(account=northwind, team=projects_team, role=Role.ENGINEER)
        session.escalated_to_user = target
        session.save(update_fields=["escalated_to_user"])
        return target
    if name == "an admin of its team":
        return UserFactory(account=northwind, team=service_desk, role=Role.TEAM_ADMIN)
    if name == "the owner":
        return UserFactory(account=northwind, role=Role.OWNER)
    if name == "a colleague of its team":
        return UserFactory(account=northwind, team=service_desk, role=Role.ENGINEER)
    if name == "an admin of another team":
        return UserFactory(account=northwind, team=projects_team, role=Role.TEAM_ADMIN)
    return UserFactory(account=contoso, role=Role.OWNER)  # another account


ALLOWED = ["its engineer", "the escalation target", "an admin of its team", "the owner"]
REFUSED = {"a colleague of its team": 403, "an admin of another team": 403, "another account": 404}


def generate_through_the_api(api_as, user, template, session):
    return api_as(user).post(
        "/api/v1/scripts/generate",
        {
            "template_id": str(template.pk),
            "parameters": {"sam_account_name": "jsmith"},
            "ai_session_id": str(session.pk),
        },
        format="json",
    )


@pytest.mark.parametrize("who", ALLOWED)
def test_those_who_act_on_the_session_generate_for_it_through_the_api(
    who, api_as, northwind, service_desk, projects_team, contoso, template, session
):
    user = persona(who, northwind, service_desk, projects_team, contoso, session)

    response = generate_through_the_api(api_as, user, template, session)

    assert response.status_code == 201
    assert ScriptGeneration.objects.get(pk=response.json()["generation_id"]).ai_session_id == session.pk


@pytest.mark.parametrize(("who", "status"), REFUSED.items())
def test_anyone_else_is_refused_through_the_api_and_nothing_is_recorded(
    who, status, api_as, northwind, service_desk, projects_team, contoso, template, session
):
    user = persona(who, northwind, service_desk, projects_team, contoso, session)

    response = generate_through_the_api(api_as, user, template, session)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert not ScriptGeneration.objects.exists()
    template.refresh_from_db()
    assert template.usage_count == 0


@pytest.mark.parametrize(("who", "status"), [*((who, 200) for who in ALLOWED), *REFUSED.items()])
def test_the_in_session_generator_page_answers_the_same_as_the_api(
    who, status, client, northwind, service_desk, projects_team, contoso, session
):
    client.force_login(persona(who, northwind, service_desk, projects_team, contoso, session))

    page = client.get(f"/sessions/{session.pk}/")
    generated = client.post(f"/sessions/{session.pk}/script/", {"sam_account_name": "jsmith"}, **HTMX)

    assert generated.status_code == status
    assert ('id="script-generator"' in page.content.decode()) == (status == 200)
    assert ScriptGeneration.objects.filter(ai_session=session).exists() == (status == 200)


def test_the_scripts_app_does_not_import_flowpilot():
    importers = []
    for path in SCRIPTS_APP.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name == "flowpilot" or name.startswith("flowpilot.") for name in names):
                importers.append(str(path.relative_to(SCRIPTS_APP)))

    assert importers == []
