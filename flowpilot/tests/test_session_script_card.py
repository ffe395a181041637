"""The script step card: the generator renders exactly for a script step with a template the user may use;
generating links the generation to the step shown (no second step)."""

import pytest

from flowpilot import engine
from flowpilot.models import StepType
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from flowpilot.tests.test_session_scripts import INTAKE, flow_with_script
from resolutionflow.models import Role
from resolutionflow.testing import HTMX, assert_foreign_404, toast_of
from resolutionflow.tests.factories import UserFactory
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptTemplateFactory

GENERATOR = 'id="script-generator"'


@pytest.fixture
def template(northwind):
    return ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")


@pytest.fixture
def script_session(northwind, northwind_engineer, template):
    flow_with_script(northwind, "ad-unlock-user")
    session = engine.start_session(northwind_engineer, INTAKE)
    engine.answer_step(session, selected_option="Yes, locked out")
    return session


def page(client, session):
    return client.get(f"/sessions/{session.pk}/").content.decode()


def script_url(session):
    return f"/sessions/{session.pk}/script/"


def test_a_script_step_with_a_usable_template_embeds_the_form_prefilled_from_the_intake(
    engineer_client, script_session
):
    html = page(engineer_client, script_session)

    assert GENERATOR in html
    assert f'action="{script_url(script_session)}"' in html
    assert 'name="sam_account_name"' in html and 'value="jsmith"' in html
    assert "Read-only for now" not in html


def test_a_plain_action_has_no_generator(engineer_client, northwind, northwind_engineer):
    lockout_flow(northwind)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    session = engine.answer_step(session, selected_option="Yes, locked out")
    step = engine.current_step(session)

    assert step.step_type == StepType.ACTION
    assert GENERATOR not in page(engineer_client, session)


def test_a_template_of_another_account_on_a_script_step_shows_only_the_reference(
    engineer_client, script_session, contoso, template
):
    foreign = ScriptTemplateFactory(account=contoso, slug="ad-unlock-user")
    step = engine.current_step(script_session)
    step.content = {**step.content, "script": {**step.content["script"], "template_id": str(foreign.pk)}}
    step.save(update_fields=["content"])

    html = page(engineer_client, script_session)

    assert step.step_type == StepType.SCRIPT_GENERATION
    assert GENERATOR not in html
    assert "Read-only for now" in html
    assert engineer_client.post(script_url(script_session), {"sam_account_name": "jsmith"}, **HTMX).status_code == 422
    assert not ScriptGeneration.objects.exists()


def test_generating_links_the_generation_to_the_shown_step_and_shows_the_script(engineer_client, script_session):
    steps_before = script_session.steps.count()

    response = engineer_client.post(script_url(script_session), {"sam_account_name": "jsmith"}, **HTMX)

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store")
    assert toast_of(response)["message"] == "Script generated."
    html = response.content.decode()
    generation = ScriptGeneration.objects.get()
    step = engine.current_step(script_session)
    assert step.script_generation == generation and step.step_type == StepType.SCRIPT_GENERATION
    assert generation.ai_session_id == script_session.pk
    assert script_session.steps.count() == steps_before  # no second step
    assert 'id="generated-script"' in html and "jsmith" in html and 'data-copy-from="#generated-script"' in html
    assert 'class="hl' in html and "style=" not in html
    assert f"generation {generation.pk}" in html


def test_invalid_params_rerender_the_form_with_the_field_error_and_a_warning(engineer_client, script_session):
    response = engineer_client.post(script_url(script_session), {"sam_account_name": ""}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert toast_of(response)["level"] == "warning"
    assert 'id="param-sam_account_name-error"' in html and 'aria-invalid="true"' in html
    assert 'id="generated-script"' not in html
    assert not ScriptGeneration.objects.exists()


def test_a_plain_post_generates_and_renders_the_page(engineer_client, script_session):
    response = engineer_client.post(script_url(script_session), {"sam_account_name": "jsmith"})

    assert response.status_code == 200 and 'id="generated-script"' in response.content.decode()
    assert ScriptGeneration.objects.count() == 1


def test_another_account_gets_404(script_session, contoso_owner):
    assert_foreign_404(contoso_owner, script_url(script_session), method="post", data={"sam_account_name": "x"})


def test_a_colleague_gets_403_and_sees_no_generator(client, northwind, service_desk, script_session):
    colleague = UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)
    client.force_login(colleague)

    assert client.post(script_url(script_session), {"sam_account_name": "jsmith"}).status_code == 403
    assert GENERATOR not in page(client, script_session)
    assert not ScriptGeneration.objects.exists()


def test_get_is_not_allowed(engineer_client, script_session):
    assert engineer_client.get(script_url(script_session)).status_code == 405
