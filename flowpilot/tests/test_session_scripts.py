"""Scripts in sessions: flow actions and LLM proposals become script steps only for accessible templates."""

import copy

from flowpilot import engine
from flowpilot.models import StepType
from flowpilot.tests.factories import LOCKOUT_TREE, lockout_flow
from resolutionflow.tests.fake_anthropic import tool_reply
from scripts.tests.factories import ScriptTemplateFactory

INTAKE = "User can't sign in, account locked out in Active Directory again, user jsmith on PC-0042"


def flow_with_script(account, slug):
    tree = copy.deepcopy(LOCKOUT_TREE)
    tree["children"][0]["script"] = {"template": slug, "params": {"sam_account_name": ""}}
    return lockout_flow(account, tree_structure=tree)


def test_a_flow_action_with_an_accessible_template_is_a_script_step_prefilled_from_the_intake(
    northwind, northwind_engineer
):
    template = ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")
    flow_with_script(northwind, "ad-unlock-user")
    session = engine.start_session(northwind_engineer, INTAKE)

    session = engine.answer_step(session, selected_option="Yes, locked out")
    step = engine.current_step(session)

    assert step.step_type == StepType.SCRIPT_GENERATION
    assert step.content["script"]["template_id"] == str(template.pk)
    assert step.content["script"]["params"] == {"sam_account_name": "jsmith"}


def test_generating_links_the_generation_to_the_shown_step_and_documents_it(northwind, northwind_engineer):
    template = ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")
    flow_with_script(northwind, "ad-unlock-user")
    session = engine.start_session(northwind_engineer, INTAKE)
    session = engine.answer_step(session, selected_option="Yes, locked out")
    step = engine.current_step(session)

    generation, script = engine.generate_script(
        session, user=northwind_engineer, template=template, params={"sam_account_name": "jsmith"}
    )
    engine.answer_step(session, action_result="Unlocked with the script")
    session = engine.resolve_session(session, resolution_summary="Unlocked")

    step.refresh_from_db()
    assert step.script_generation == generation and generation.ai_session_id == session.pk
    assert "'jsmith'" in script
    assert session.steps.count() == 3  # no second step for the generation
    assert f"generation {generation.pk}" in session.documentation


def test_a_template_of_another_account_is_a_plain_instruction(northwind, contoso, northwind_engineer):
    ScriptTemplateFactory(account=contoso, slug="ad-unlock-user")
    flow_with_script(northwind, "ad-unlock-user")
    session = engine.start_session(northwind_engineer, INTAKE)

    session = engine.answer_step(session, selected_option="Yes, locked out")
    step = engine.current_step(session)

    assert step.step_type == StepType.ACTION and "script" not in step.content


def test_an_llm_script_proposal_keeps_known_valid_params_and_drops_the_rest(northwind, northwind_engineer, fake_llm):
    template = ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")
    proposal = {
        "type": "action",
        "action_type": "script_generation",
        "template_id": "ad-unlock-user",
        "pre_filled_params": {"sam_account_name": "jsmith", "unknown_key": "x"},
        "instructions": "Unlock the account",
        "content": "Unlock the account",
        "confidence": 0.8,
    }
    fake = fake_llm(tool_reply(proposal))

    session = engine.start_session(northwind_engineer, "Payroll app refuses login for jsmith")

    step = engine.current_step(session)
    assert step.step_type == StepType.SCRIPT_GENERATION
    assert step.content["script"]["template_id"] == str(template.pk)
    assert step.content["script"]["params"] == {"sam_account_name": "jsmith"}
    assert "ad-unlock-user" in fake.bodies()[0]["system"]


def test_an_llm_proposal_of_another_accounts_template_becomes_an_instruction(
    northwind, contoso, northwind_engineer, fake_llm
):
    other = ScriptTemplateFactory(account=contoso, slug="contoso-only")
    fake_llm(
        tool_reply(
            {
                "type": "action",
                "action_type": "script_generation",
                "template_id": str(other.pk),
                "pre_filled_params": {},
                "content": "Run it",
            }
        )
    )

    session = engine.start_session(northwind_engineer, "Payroll app refuses login for jsmith")

    step = engine.current_step(session)
    assert step.step_type == StepType.ACTION and "script" not in step.content
