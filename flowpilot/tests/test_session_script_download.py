"""Download .ps1 on the session's script card: one generation per script, linked to the session and its step.

Generate then Download is one use of the script (the generation just made, nothing recorded again);
Download alone records the generation Generate would have, linked the same way.
"""

import pytest

from flowpilot import engine
from flowpilot.models import StepType
from flowpilot.tests.test_session_scripts import INTAKE, flow_with_script
from resolutionflow.models import Role
from resolutionflow.testing import HTMX, assert_foreign_404
from resolutionflow.tests.factories import UserFactory
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptTemplateFactory


@pytest.fixture
def template(northwind):
    return ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")


@pytest.fixture
def script_session(northwind, northwind_engineer, template):
    flow_with_script(northwind, "ad-unlock-user")
    session = engine.start_session(northwind_engineer, INTAKE)
    engine.answer_step(session, selected_option="Yes, locked out")
    return session


def generate_url(session):
    return f"/sessions/{session.pk}/script/"


def download_url(session):
    return f"/sessions/{session.pk}/script/download/"


def downloaded(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"] == 'attachment; filename="ad-unlock-user.ps1"'
    assert response["Cache-Control"].startswith("no-store")
    return response.content.decode("utf-8-sig")


def test_the_card_downloads_through_the_session(engineer_client, script_session):
    html = engineer_client.get(f"/sessions/{script_session.pk}/").content.decode()

    assert f'formaction="{download_url(script_session)}"' in html
    assert "/scripts/" not in html.split('id="script-generator"')[1].split("</form>")[0]


def test_download_after_generate_is_the_same_generation(engineer_client, script_session, template):
    engineer_client.post(generate_url(script_session), {"sam_account_name": "jsmith"}, **HTMX)
    generated = ScriptGeneration.objects.get()

    script = downloaded(engineer_client.post(download_url(script_session), {"sam_account_name": "jsmith"}))

    assert "'jsmith'" in script
    assert list(ScriptGeneration.objects.all()) == [generated]
    template.refresh_from_db()
    assert template.usage_count == 1
    assert engine.current_step(script_session).script_generation == generated


def test_download_alone_records_one_generation_linked_to_the_session_and_step(engineer_client, script_session):
    steps_before = script_session.steps.count()

    script = downloaded(engineer_client.post(download_url(script_session), {"sam_account_name": "jsmith"}))

    generation = ScriptGeneration.objects.get()
    step = engine.current_step(script_session)
    assert "'jsmith'" in script
    assert generation.ai_session_id == script_session.pk
    assert step.script_generation == generation and step.step_type == StepType.SCRIPT_GENERATION
    assert script_session.steps.count() == steps_before


def test_downloading_twice_with_the_same_values_records_one_generation(engineer_client, script_session):
    downloaded(engineer_client.post(download_url(script_session), {"sam_account_name": "jsmith"}))
    downloaded(engineer_client.post(download_url(script_session), {"sam_account_name": "jsmith"}))

    assert ScriptGeneration.objects.count() == 1


def test_download_with_other_values_is_a_new_generation_linked_to_the_step(engineer_client, script_session):
    engineer_client.post(generate_url(script_session), {"sam_account_name": "jsmith"}, **HTMX)

    script = downloaded(engineer_client.post(download_url(script_session), {"sam_account_name": "mgarcia"}))

    newest = ScriptGeneration.objects.order_by("-created_at").first()
    assert "'mgarcia'" in script and ScriptGeneration.objects.count() == 2
    assert newest.parameters == {"sam_account_name": "mgarcia"} and newest.ai_session_id == script_session.pk
    assert engine.current_step(script_session).script_generation == newest


def test_a_generation_from_the_library_is_not_reused_for_the_session(engineer_client, script_session, template):
    engineer_client.post(f"/scripts/{template.pk}/generate/", {"sam_account_name": "jsmith"})
    library = ScriptGeneration.objects.get()

    downloaded(
        engineer_client.post(download_url(script_session), {"sam_account_name": "jsmith", "generation-id": library.pk})
    )

    linked = ScriptGeneration.objects.exclude(pk=library.pk).get()
    assert linked.ai_session_id == script_session.pk
    assert engine.current_step(script_session).script_generation == linked


def test_download_with_invalid_values_shows_the_card_with_the_error(engineer_client, script_session):
    response = engineer_client.post(download_url(script_session), {"sam_account_name": ""})

    assert response.status_code == 422
    assert 'id="param-sam_account_name-error"' in response.content.decode()
    assert not ScriptGeneration.objects.exists()


def test_download_on_a_closed_session_records_nothing(engineer_client, script_session):
    engine.abandon_session(script_session, reason="Duplicate ticket")

    response = engineer_client.post(download_url(script_session), {"sam_account_name": "jsmith"})

    assert response.status_code == 302 and not ScriptGeneration.objects.exists()


def test_a_colleague_gets_403_and_another_account_404(client, northwind, service_desk, script_session, contoso_owner):
    colleague = UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)
    client.force_login(colleague)

    assert client.post(download_url(script_session), {"sam_account_name": "jsmith"}).status_code == 403
    assert_foreign_404(contoso_owner, download_url(script_session), method="post", data={"sam_account_name": "x"})
    assert not ScriptGeneration.objects.exists()
