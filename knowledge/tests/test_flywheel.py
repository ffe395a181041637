"""The Knowledge Flywheel: every row of the rule table, the trees it builds, merging, budget, LLM fallback."""

import pytest
from django.core.management import call_command

from flowpilot import engine
from flowpilot.analysis_queue import analyze
from flowpilot.models import AISession
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from knowledge.models import FlowProposal, Tree
from knowledge.tree_diff import apply_diff
from knowledge.tree_format import iter_nodes, validate_tree
from resolutionflow.models import LLMCall
from resolutionflow.tests.factories import LLMCallFactory
from resolutionflow.tests.fake_anthropic import text_reply, tool_reply


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


def guided(user):
    return engine.start_session(user, LOCKOUT_INTAKE)


def reload(session):
    return AISession.objects.select_related("matched_flow").get(pk=session.pk)


def capture_session(user, intake="Plotter in the drawing office prints blank pages", steps=None, summary=None):
    session = engine.start_session(user, intake, prefer_capture=True)
    for did, found in steps or [
        ("Printed the plotter's test page", "Also blank"),
        ("Replaced the printhead", "Prints fine"),
    ]:
        engine.answer_step(session, free_text=did, result=found)
    return engine.resolve_session(session, resolution_summary=summary or "Replaced the failed printhead")


# ── Rule 1 ──


def test_rule_1_a_session_following_the_flow_exactly_is_an_auto_reinforced_record(northwind_engineer, flow):
    session = guided(northwind_engineer)
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.answer_step(session, action_result="Unlocked")
    engine.resolve_session(session, resolution_summary="Unlocked")
    stats_before = Tree.objects.values("times_followed", "success_count").get(pk=flow.pk)

    outcome = analyze(reload(session))

    record = outcome.proposal
    assert outcome.outcome == "auto_reinforced" and record.status == "auto_reinforced"
    assert record.proposal_type == "enhancement" and record.target_flow == flow
    assert record.title == f"Reinforced: {flow.name}" and record.confidence_score == 1.0
    assert record.proposed_flow_data == flow.envelope()
    assert Tree.objects.values("times_followed", "success_count").get(pk=flow.pk) == stats_before
    assert not LLMCall.objects.exists()


def test_rule_1_needs_the_guided_threshold(northwind_engineer, flow, settings):
    session = guided(northwind_engineer)
    engine.answer_step(session, selected_option="No")
    engine.resolve_session(session, resolution_summary="Reset the password")
    session = reload(session)
    settings.CONFIDENCE_GUIDED_THRESHOLD = session.match_score  # exactly at the threshold: ≥ holds
    assert analyze(session).outcome == "auto_reinforced"

    FlowProposal.objects.all().delete()
    settings.CONFIDENCE_GUIDED_THRESHOLD = session.match_score + 0.0001
    outcome = analyze(session)
    assert outcome.outcome == "none" and "below the guided threshold" in outcome.reason


# ── Rule 2 ──


def test_rule_2_a_free_text_escape_becomes_an_enhancement_with_the_new_branch(northwind_engineer, flow):
    session = guided(northwind_engineer)
    engine.answer_step(session, free_text="Error 0x80070005 on sign-in")
    engine.answer_step(session, free_text="Checked the user's group membership", result="Missing from VPN-Users")
    engine.resolve_session(session, resolution_summary="Added her back to VPN-Users")

    proposal = analyze(reload(session)).proposal

    assert proposal.proposal_type == "enhancement" and proposal.status == "pending"
    assert proposal.target_flow == flow and proposal.target_flow_version == flow.version
    assert proposal.departure_node_id == "root"
    assert proposal.description == "Added new branch for 'Error 0x80070005 on sign-in' at step 1"
    tree = proposal.proposed_flow_data["tree_structure"]
    validate_tree("troubleshooting", tree)
    labels = [c["label"] for c in tree["children"]]
    assert labels == ["Yes, locked out", "No", "Can't tell", "Error 0x80070005 on sign-in"]
    assert apply_diff(flow.tree_structure, proposal.proposed_diff) == tree
    texts = [ref.node.get("instructions") or ref.node.get("resolution") for ref in iter_nodes(tree)]
    assert "Check the user's group membership" in texts and "Add her back to VPN-Users" in texts


def test_rule_2_an_action_that_did_not_work_inserts_a_result_question(northwind_engineer, flow):
    session = guided(northwind_engineer)
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.answer_step(session, free_text="Unlock fails: access denied", result="Didn't work")
    engine.resolve_session(session, resolution_summary="Unlocked with a domain admin account")

    proposal = analyze(reload(session)).proposal

    action = proposal.proposed_flow_data["tree_structure"]["children"][0]
    [question] = action["children"]
    assert question["type"] == "question" and question["question"] == "What was the result?"
    assert [c["label"] for c in question["children"]] == ["It worked", "Unlock fails: access denied"]
    assert question["children"][0]["id"] == "unlocked"  # the old continuation kept
    assert apply_diff(flow.tree_structure, proposal.proposed_diff) == proposal.proposed_flow_data["tree_structure"]


def test_rule_2_an_explored_open_end_is_filled_in(northwind_engineer, flow):
    session = guided(northwind_engineer)
    engine.answer_step(session, selected_option="Can't tell")
    engine.answer_step(session, free_text="Ran Search-ADAccount -LockedOut", result="Not in the list")
    engine.resolve_session(session, resolution_summary="It was an expired password")

    proposal = analyze(reload(session)).proposal

    filled = proposal.proposed_flow_data["tree_structure"]["children"][2]
    assert filled["label"] == "Can't tell" and filled["type"] == "action"
    assert filled["instructions"] == "Run Search-ADAccount -LockedOut"
    assert "open" not in filled
    assert [ref.node["label"] for ref in iter_nodes(filled) if ref.node.get("open")] == ["Something else"]


def test_rule_2_a_question_with_five_options_groups_the_last_one_with_the_new_branch(northwind, northwind_engineer):
    tree = {
        "id": "root",
        "type": "question",
        "question": "Which error?",
        "children": [
            {"id": f"o{i}", "label": f"Error {i}", "type": "solution", "resolution": f"Fix {i}"} for i in range(5)
        ],
    }
    flow = lockout_flow(northwind, tree_structure=tree)
    session = guided(northwind_engineer)
    engine.answer_step(session, free_text="Error 6")
    engine.resolve_session(session, resolution_summary="Fix 6")

    proposed = analyze(reload(session)).proposal.proposed_flow_data["tree_structure"]

    assert len(proposed["children"]) == 5
    other = proposed["children"][4]
    assert other["label"] == "Other…" and [c["label"] for c in other["children"]] == ["Error 4", "Error 6"]
    validate_tree("troubleshooting", proposed)
    assert flow.tree_structure["children"][4]["label"] == "Error 4"


def test_rule_2_needs_the_exploring_threshold(northwind_engineer, flow, settings):
    session = guided(northwind_engineer)
    engine.answer_step(session, free_text="Something odd")
    engine.resolve_session(session, resolution_summary="Fixed")
    session = reload(session)
    settings.CONFIDENCE_EXPLORING_THRESHOLD = session.match_score + 0.0001
    settings.CONFIDENCE_GUIDED_THRESHOLD = session.match_score + 0.0002

    outcome = analyze(session)

    assert outcome.outcome == "none" and not FlowProposal.objects.exists()


# ── Rule 3 ──


def test_rule_3_a_capture_session_becomes_a_new_flow_that_reads_sensibly(northwind_engineer):
    session = capture_session(northwind_engineer)

    proposal = analyze(reload(session)).proposal

    assert proposal.proposal_type == "new_flow" and proposal.generated_by == "rules"
    envelope = proposal.proposed_flow_data
    assert set(envelope) == {"name", "description", "tree_type", "problem_domain", "match_keywords", "tree_structure"}
    assert envelope["name"] == "Plotter in the drawing office prints blank pages"
    assert "Replaced the failed printhead" in envelope["description"]
    root = envelope["tree_structure"]
    validate_tree("troubleshooting", root)
    assert root["type"] == "action" and root["instructions"] == "Print the plotter's test page"
    finding = root["children"][0]
    assert finding["question"] == "What did you find?"
    assert [c["label"] for c in finding["children"]] == ["Also blank", "Something else"]
    assert finding["children"][1]["open"] is True
    last = list(iter_nodes(root))[-1].node
    solutions = [ref.node for ref in iter_nodes(root) if ref.node["type"] == "solution" and not ref.node.get("open")]
    assert solutions[-1]["resolution"] == "Replace the failed printhead" or last
    assert proposal.confidence_score == pytest.approx(0.5 + 0.10 + 0.04)


def test_rule_4_a_session_resolved_with_no_step_answered_teaches_nothing(northwind_engineer):
    session = engine.start_session(northwind_engineer, "Odd one", prefer_capture=True)
    engine.resolve_session(session, resolution_summary="Went away by itself")

    outcome = analyze(reload(session))

    assert outcome.outcome == "none" and "no step answered" in outcome.reason


def test_an_llm_session_becomes_a_new_flow_through_the_llm_and_an_invalid_answer_falls_back_to_rules(
    northwind_engineer, fake_llm
):
    session = capture_session(northwind_engineer)
    llm_tree = {
        "id": "r",
        "type": "question",
        "question": "Is the test page blank?",
        "children": [
            {"id": "a", "label": "Yes", "type": "solution", "resolution": "Replace the printhead"},
            {"id": "b", "label": "No", "type": "solution", "resolution": "Reinstall the driver", "open": True},
        ],
    }
    fake_llm(
        tool_reply(
            {
                "title": "Plotter prints blank pages",
                "description": "HP DesignJet blank output",
                "match_keywords": ["DesignJet", "blank pages"],
                "problem_domain": "printing",
                "tree_structure": llm_tree,
                "confidence": 0.7,
            }
        )
    )

    proposal = analyze(reload(session)).proposal

    assert proposal.generated_by == "llm" and proposal.title == "Plotter prints blank pages"
    assert proposal.proposed_flow_data["tree_structure"] == llm_tree
    assert proposal.confidence_score == pytest.approx(0.7 + 0.10 + 0.04)

    invalid = capture_session(northwind_engineer, intake="Scanner feeds two sheets at once")
    fake_llm(
        tool_reply({"title": "Bad", "tree_structure": {"id": "r", "type": "question", "question": "?", "children": []}})
    )
    rules_made = analyze(reload(invalid)).proposal
    assert rules_made.generated_by == "rules" and rules_made.title == "Scanner feeds two sheets at once"

    broken = capture_session(northwind_engineer, intake="Label printer prints garbage characters")
    fake_llm(text_reply())
    assert analyze(reload(broken)).proposal.generated_by == "rules"


def test_past_the_daily_budget_proposals_are_built_by_rules_without_calling_the_llm(
    northwind, northwind_engineer, fake_llm, settings
):
    settings.FLYWHEEL_DAILY_LLM_BUDGET = 2
    LLMCallFactory.create_batch(2, account=northwind, purpose="flywheel")
    fake = fake_llm(tool_reply({"title": "never used", "tree_structure": {}}))
    session = capture_session(northwind_engineer)

    proposal = analyze(reload(session)).proposal

    assert proposal.generated_by == "rules" and fake.requests == []


# ── Merging ──


def test_near_repeats_merge_into_one_proposal_with_more_support(northwind_engineer):
    first = capture_session(northwind_engineer, intake="Plotter in the drawing office prints blank pages")
    second = capture_session(northwind_engineer, intake="The plotter in the drawing office is printing blank pages")

    a = analyze(reload(first)).proposal
    b = analyze(reload(second)).proposal

    assert a.pk == b.pk
    b.refresh_from_db()
    assert b.supporting_session_count == 2 and b.supporting_session_ids == [str(first.pk), str(second.pk)]
    assert b.confidence_score == pytest.approx(0.5 + 0.10 + 0.04 + 0.05)


def test_different_problems_or_domains_do_not_merge(northwind_engineer):
    plotter = capture_session(northwind_engineer, intake="Plotter in the drawing office prints blank pages")
    vpn = capture_session(northwind_engineer, intake="Yealink desk phone one-way audio on external calls")

    assert analyze(reload(plotter)).proposal.pk != analyze(reload(vpn)).proposal.pk


def test_two_domain_less_sessions_merge_only_with_each_other(northwind_engineer):
    one = capture_session(northwind_engineer, intake="Odd noise from the meeting room ceiling speaker")
    two = capture_session(northwind_engineer, intake="Odd noise from the meeting room ceiling speaker again")
    assert reload(one).problem_domain is None and reload(two).problem_domain is None

    first = analyze(reload(one)).proposal
    second = analyze(reload(two)).proposal

    assert first.pk == second.pk and first.problem_domain is None


def test_a_dismissed_proposal_resurfaces_when_its_support_grows(northwind_engineer, settings):
    settings.FLYWHEEL_RESURFACE_GROWTH = 2
    proposal = analyze(reload(capture_session(northwind_engineer))).proposal
    FlowProposal.objects.filter(pk=proposal.pk).update(status="dismissed", support_at_dismissal=1)

    analyze(reload(capture_session(northwind_engineer)))
    proposal.refresh_from_db()
    assert proposal.status == "dismissed" and proposal.supporting_session_count == 2

    analyze(reload(capture_session(northwind_engineer)))
    proposal.refresh_from_db()
    assert proposal.status == "pending" and proposal.supporting_session_count == 3


# ── Running it ──


def test_analyze_pending_completes_sessions_and_a_rerun_creates_nothing(northwind_engineer, capsys):
    session = capture_session(northwind_engineer)

    call_command("analyze_pending")
    call_command("analyze_pending")

    session = reload(session)
    assert session.analysis_status == "completed" and session.analysis_outcome == "new_flow"
    assert FlowProposal.objects.count() == 1
    assert "Analysed 1 session(s)" in capsys.readouterr().out
    AISession.objects.filter(pk=session.pk).update(analysis_status="pending")
    call_command("analyze_pending")
    assert FlowProposal.objects.count() == 1  # already recorded: nothing new


def test_a_new_flow_built_by_rules_from_an_llm_session_keeps_its_questions_and_options(
    northwind_engineer, fake_llm, settings
):
    question = {"type": "question", "content": "Does the error mention 0x80070005?", "options": ["Yes", "No"]}
    action = {"type": "action", "action_type": "instruction", "content": "Reset the Windows Update components"}
    solution = {"type": "solution", "content": "Run DISM /RestoreHealth then retry the update"}
    fake_llm(tool_reply(question), tool_reply(action), tool_reply(solution))
    session = engine.start_session(northwind_engineer, "Feature update stuck at 61 percent on a Surface")
    engine.answer_step(session, selected_option="Yes")
    engine.answer_step(session, action_result="Components reset")
    engine.resolve_session(session, resolution_summary="DISM /RestoreHealth fixed the component store")
    settings.FLYWHEEL_DAILY_LLM_BUDGET = 0  # rules build it

    proposal = analyze(reload(session)).proposal

    root = proposal.proposed_flow_data["tree_structure"]
    validate_tree("troubleshooting", root)
    assert proposal.generated_by == "rules"
    assert root["question"] == "Does the error mention 0x80070005?"
    assert [c["label"] for c in root["children"]] == ["Yes", "No"]
    assert root["children"][1]["open"] is True  # the option nobody took is an open end
    assert root["children"][0]["instructions"] == "Reset the Windows Update components"
