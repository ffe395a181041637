"""The LLM's enhancement may run a script only from a template the flow's team can use (the analysis queue
reads them for the flywheel: built-ins, the account's, the team's)."""

import pytest

from flowpilot.tests.factories import lockout_flow
from knowledge.tests.test_flywheel_llm_enhancement import BRANCH, analysed, assert_rules_kept, escape_at_root
from resolutionflow.tests.factories import TeamFactory
from resolutionflow.tests.fake_anthropic import tool_reply
from scripts.tests.factories import ScriptTemplateFactory


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


def test_an_action_may_run_a_script_template_the_team_can_use(northwind, northwind_engineer, flow, fake_llm):
    ScriptTemplateFactory(account=northwind, slug="unlock-ad-user", name="Unlock an AD user")
    branch = {
        **BRANCH,
        "steps": [
            {"kind": "action", "text": "Unlock the account", "script": {"template": "unlock-ad-user", "params": {}}},
            {"kind": "solution", "text": "The user signs in again"},
        ],
    }
    session = escape_at_root(northwind_engineer)
    fake = fake_llm(tool_reply({"operations": [branch], "confidence": 0.7}))

    proposal = analysed(session)

    assert proposal.generated_by == "llm", proposal.kept_rules_reason
    action = proposal.proposed_flow_data["tree_structure"]["children"][3]
    assert action["script"] == {"template": "unlock-ad-user", "params": {}}
    assert "- unlock-ad-user: Unlock an AD user" in fake.bodies()[0]["messages"][0]["content"]


def test_a_script_template_of_another_team_is_refused(northwind, northwind_engineer, flow, fake_llm):
    ScriptTemplateFactory(account=northwind, team=TeamFactory(account=northwind), slug="their-script")
    steps = [
        {"kind": "action", "text": "Run their script", "script": {"template": "their-script"}},
        {"kind": "solution", "text": "Signed in"},
    ]
    session = escape_at_root(northwind_engineer)
    fake = fake_llm(tool_reply({"operations": [{**BRANCH, "steps": steps}], "confidence": 0.6}))

    proposal = analysed(session)

    assert_rules_kept(proposal, "refers to script template 'their-script', which the team cannot use")
    assert "their-script" not in fake.bodies()[0]["messages"][0]["content"]


def script_branch(slug):
    steps = [
        {
            "kind": "action",
            "text": "Run the unlock script",
            "script": {"template": slug, "params": {"Identity": "the user"}},
        },
        {"kind": "solution", "text": "Signed in"},
    ]
    return tool_reply({"operations": [{**BRANCH, "steps": steps}], "confidence": 0.6})


def test_the_flows_own_team_template_may_be_used(northwind, service_desk, northwind_engineer, fake_llm):
    lockout_flow(northwind, team=service_desk)
    ScriptTemplateFactory(account=northwind, team=service_desk, slug="desk-unlock")
    session = escape_at_root(northwind_engineer)
    fake_llm(script_branch("desk-unlock"))

    proposal = analysed(session)

    assert proposal.generated_by == "llm", proposal.kept_rules_reason
    assert proposal.proposed_flow_data["tree_structure"]["children"][3]["script"]["template"] == "desk-unlock"


@pytest.mark.parametrize("slug", ["contoso-unlock", "retired-unlock"])
def test_another_accounts_or_an_inactive_template_is_refused(
    northwind, contoso, northwind_engineer, flow, fake_llm, slug
):
    ScriptTemplateFactory(account=contoso, slug="contoso-unlock")
    ScriptTemplateFactory(account=northwind, slug="retired-unlock", is_active=False)
    session = escape_at_root(northwind_engineer)
    fake = fake_llm(script_branch(slug))

    assert_rules_kept(analysed(session), f"refers to script template '{slug}', which the team cannot use")
    assert slug not in fake.bodies()[0]["messages"][0]["content"]
