"""The LLM's enhancement: operations on the walked flow, through Anthropic's real client against a faked API.

Every refused answer keeps the rules version and records why; a good one becomes the proposal, its diff and
description from the same diff engine as the rules version, its operations shown in words on the review page.
"""

import json

import httpx2
import pytest

from flowpilot import engine
from flowpilot.analysis_queue import analyze, analyze_pending
from flowpilot.models import AISession
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from knowledge.flywheel.enhance_llm import MAX_OPERATIONS, SCHEMA
from knowledge.models import FlowProposal, GeneralisationTerm
from knowledge.tree_diff import apply_diff
from knowledge.tree_format import validate_tree
from resolutionflow.models import LLMCall
from resolutionflow.tests.factories import LLMCallFactory
from resolutionflow.tests.fake_anthropic import error_body, message_body, text_reply, tool_reply, tool_use

RULES_DESCRIPTION = "Added new branch for 'Error 0x80070005 on sign-in' at step 1"

BRANCH = {
    "op": "add_branch",
    "node_id": "root",
    "label": "Sign-in error 0x80070005",
    "steps": [
        {"kind": "action", "text": "Check the user's group membership in ADUC"},
        {"kind": "question", "text": "Is the user in the VPN group?", "answer": "No", "other_options": ["Yes"]},
        {"kind": "solution", "text": "Add the user back to the VPN group"},
    ],
    "reason": "The session found a missing group membership behind this error.",
}
OPTION = {"op": "add_option", "node_id": "root", "label": "Disabled", "reason": "Disabled accounts look locked."}
MOVE = {"op": "move", "node_id": "not-locked", "index": 0, "reason": "Most sessions were not locked out."}
GOOD = {"operations": [BRANCH, OPTION, MOVE], "confidence": 0.8}


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


def reload(session):
    return AISession.objects.select_related("matched_flow", "engineer").get(pk=session.pk)


def escape_at_root(user, **start):
    """Left the lockout flow at its first question (the departure node is the root)."""
    session = engine.start_session(user, LOCKOUT_INTAKE, **start)
    engine.answer_step(session, free_text="Error 0x80070005 on sign-in")
    engine.answer_step(session, free_text="Checked the user's group membership", result="Missing from VPN-Users")
    return engine.resolve_session(session, resolution_summary="Added her back to VPN-Users")


def escape_at_unlock(user):
    """Left the flow at its unlock action (the departure node is `locked`, with siblings `not-locked`, `unsure`)."""
    session = engine.start_session(user, LOCKOUT_INTAKE)
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.answer_step(session, free_text="Unlock fails: access denied", result="Didn't work")
    return engine.resolve_session(session, resolution_summary="Unlocked with a domain admin account")


def analysed(session):
    return analyze(reload(session)).proposal


def assert_rules_kept(proposal, because):
    assert proposal.generated_by == "rules"
    assert because in proposal.kept_rules_reason, proposal.kept_rules_reason
    assert proposal.kept_rules_reason.startswith("Kept the rules version: ")
    assert proposal.llm_operations == []
    assert (
        apply_diff(proposal.target_flow.tree_structure, proposal.proposed_diff)
        == proposal.proposed_flow_data["tree_structure"]
    )


# ── A good answer ──


def test_a_good_answer_adds_a_branch_and_an_option_and_reorders_the_options(northwind_engineer, flow, fake_llm):
    session = escape_at_root(northwind_engineer)
    fake = fake_llm(tool_reply(GOOD))

    proposal = analysed(session)

    assert proposal.generated_by == "llm" and proposal.kept_rules_reason == ""
    tree = proposal.proposed_flow_data["tree_structure"]
    validate_tree("troubleshooting", tree)
    assert [c["label"] for c in tree["children"]] == [
        "No",
        "Yes, locked out",
        "Can't tell",
        "Sign-in error 0x80070005",
        "Disabled",
    ]
    branch = tree["children"][3]
    assert branch["type"] == "action" and branch["instructions"] == "Check the user's group membership in ADUC"
    [question] = [c for c in branch["children"]]
    assert question["question"] == "Is the user in the VPN group?"
    assert [c["label"] for c in question["children"]] == ["No", "Yes"]
    assert question["children"][0]["resolution"] == "Add the user back to the VPN group"
    assert question["children"][1]["open"] is True
    assert tree["children"][4] == {**tree["children"][4], "label": "Disabled", "type": "solution", "open": True}
    # Untouched nodes keep their ids; the rest of the envelope is the flow's.
    assert tree["children"][1]["id"] == "locked" and tree["children"][1]["children"][0]["id"] == "unlocked"
    assert {k: v for k, v in proposal.proposed_flow_data.items() if k != "tree_structure"} == {
        k: v for k, v in flow.envelope().items() if k != "tree_structure"
    }
    # The diff engine's diff rebuilds the tree; the description is its lines.
    assert apply_diff(flow.tree_structure, proposal.proposed_diff) == tree
    assert {op["op"] for op in proposal.proposed_diff} == {"add", "move"}
    assert proposal.description.splitlines() == [
        "Moved 'No' to position 1",
        "Added branch 'Sign-in error 0x80070005' under 'Is the account locked out in Active Directory (ADUC → Accou…'",
        "Added branch 'Disabled' under 'Is the account locked out in Active Directory (ADUC → Accou…'",
    ]
    assert [op["op"] for op in proposal.llm_operations] == ["add_branch", "add_option", "move"]
    assert proposal.llm_operations[0]["words"].startswith("Add the option 'Sign-in error 0x80070005' to 'Is the")
    assert (
        "Check the user's group membership in ADUC → Is the user in the VPN group? (No) → Add the user"
        in (proposal.llm_operations[0]["words"])
    )
    assert proposal.llm_operations[2]["words"].startswith("Move the option 'No' to position 1")
    assert proposal.llm_operations[2]["reason"] == MOVE["reason"]
    assert proposal.confidence_score > 0.8
    # One forced tool call, with the operations schema, logged as the flywheel's spend.
    [body] = fake.bodies()
    assert body["tool_choice"] == {"type": "tool", "name": "respond"}
    assert body["tools"][0]["input_schema"] == SCHEMA
    prompt = body["messages"][0]["content"]
    assert "[root] question" in prompt and "<- DEPARTURE" in prompt and "<session>" in prompt
    assert "Error 0x80070005 on sign-in" in prompt and "Added new branch for" not in body["system"]
    assert LLMCall.objects.get().purpose == "flywheel"


def test_an_open_end_the_session_explored_is_filled_in_keeping_its_id_and_label(northwind_engineer, flow, fake_llm):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, selected_option="Can't tell")
    engine.answer_step(session, free_text="Ran Search-ADAccount -LockedOut", result="Not in the list")
    engine.resolve_session(session, resolution_summary="It was an expired password")
    steps = [
        {"kind": "action", "text": "Run Search-ADAccount -LockedOut"},
        {"kind": "question", "text": "Is the account in the list?", "answer": "No", "other_options": ["Yes"]},
        {"kind": "solution", "text": "Reset the expired password and have the user sign in again"},
    ]
    session = escape_at_root(northwind_engineer)
    fake_llm(tool_reply({"operations": [{"op": "add_branch", "node_id": "unsure", "steps": steps}], "confidence": 0.7}))

    proposal = analysed(session)

    assert proposal.generated_by == "llm", proposal.kept_rules_reason
    filled = proposal.proposed_flow_data["tree_structure"]["children"][2]
    assert (filled["id"], filled["label"], filled["type"]) == ("unsure", "Can't tell", "action")
    assert "open" not in filled and "resolution" not in filled
    assert proposal.llm_operations[0]["words"].startswith(
        "Fill in the open end 'Can't tell' with: Run Search-ADAccount"
    )


# ── Refused answers keep the rules version, with the reason ──


@pytest.mark.parametrize(
    ("answer", "because"),
    [
        pytest.param({"operations": "add a branch for the error", "confidence": 0.5}, "schema", id="not-the-schema"),
        pytest.param({"operations": [OPTION]}, "'confidence' is a required property", id="missing-field"),
        pytest.param(
            {"operations": [{**OPTION, "label": f"Option {n}"} for n in range(MAX_OPERATIONS + 1)], "confidence": 0.5},
            "is too long",
            id="too-many-operations",
        ),
        pytest.param(
            {"operations": [{**OPTION, "label": "x" * 400}], "confidence": 0.5}, "is too long", id="long-label"
        ),
        pytest.param(
            {"operations": [{**BRANCH, "steps": [{"kind": "solution", "text": "Fix"}] * 11}], "confidence": 0.5},
            "is too long",
            id="too-many-steps",
        ),
        pytest.param(
            {"operations": [{"op": "delete_node", "node_id": "root"}], "confidence": 0.9},
            "'delete_node' is not one of",
            id="delete-the-root",
        ),
        pytest.param(
            {"operations": [{"op": "replace", "node_id": "root", "text": "A new flow"}], "confidence": 0.9},
            "'replace' is not one of",
            id="replace-the-flow",
        ),
        pytest.param(
            {"operations": [{"op": "move", "node_id": "root", "index": 0}], "confidence": 0.9},
            "moves the root of the flow",
            id="move-the-root",
        ),
        pytest.param(
            {"operations": [{**OPTION, "node_id": "n-404"}], "confidence": 0.5},
            "names node 'n-404', which is not in the flow",
            id="unknown-node",
        ),
        pytest.param(
            {"operations": [{**OPTION, "label": "Reset it: the password is Welcome2024!"}], "confidence": 0.5},
            "holds what looks like a secret",
            id="secret",
        ),
        pytest.param(
            {"operations": [{**OPTION, "node_id": "locked"}], "confidence": 0.5},
            "which is not a question",
            id="option-on-an-action",
        ),
        pytest.param(
            {"operations": [{**BRANCH, "node_id": "unlocked"}], "confidence": 0.5},
            "which ends the flow",
            id="branch-under-a-solution",
        ),
        pytest.param(
            {"operations": [{**OPTION, "label": "Yes, locked out"}], "confidence": 0.5},
            "which the question already has",
            id="duplicate-option",
        ),
        pytest.param(
            {"operations": [OPTION, {**OPTION, "label": "Expired"}, {**OPTION, "label": "Unknown"}], "confidence": 0.5},
            "adds a sixth option",
            id="sixth-option",
        ),
        pytest.param(
            {"operations": [{**BRANCH, "steps": [{"kind": "solution", "text": "Fix"}, BRANCH["steps"][0]]}]},
            "'confidence' is a required property",
            id="schema-before-our-checks",
        ),
        pytest.param(
            {"operations": [{**BRANCH, "steps": [{"kind": "solution", "text": "Fix"}] * 2}], "confidence": 0.5},
            "a branch ends with its one solution",
            id="solution-mid-branch",
        ),
        pytest.param(
            {
                "operations": [
                    {**BRANCH, "steps": [{"kind": "action", "text": "Run it", "script": {"template": "wipe-disk"}}]}
                ],
                "confidence": 0.5,
            },
            "a branch ends with its one solution",
            id="branch-without-a-fix",
        ),
        pytest.param(
            {
                "operations": [
                    {
                        **BRANCH,
                        "steps": [
                            {"kind": "action", "text": "Wipe the disk", "script": {"template": "wipe-disk"}},
                            {"kind": "solution", "text": "Reinstall Windows"},
                        ],
                    }
                ],
                "confidence": 0.5,
            },
            "refers to script template 'wipe-disk', which the team cannot use",
            id="unknown-script-template",
        ),
        pytest.param(
            {"operations": [{"op": "change_text", "node_id": "root", "field": "text"}], "confidence": 0.5},
            "has no text",
            id="change-without-text",
        ),
    ],
)
def test_a_refused_answer_keeps_the_rules_version_and_says_why(northwind_engineer, flow, fake_llm, answer, because):
    session = escape_at_root(northwind_engineer)
    fake_llm(tool_reply(answer))

    proposal = analysed(session)

    assert_rules_kept(proposal, because)
    assert proposal.description == RULES_DESCRIPTION


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param({"op": "change_text", "node_id": "not-locked", "field": "text", "text": "Reset it"}, id="change"),
        pytest.param({"op": "add_branch", "node_id": "root", "label": "Other", "steps": BRANCH["steps"]}, id="branch"),
        pytest.param({"op": "add_option", "node_id": "root", "label": "Expired"}, id="option"),
        pytest.param({"op": "change_text", "node_id": "root", "field": "text", "text": "Locked?"}, id="root-text"),
    ],
)
def test_an_operation_outside_the_departure_subtree_is_refused(northwind_engineer, flow, fake_llm, operation):
    session = escape_at_unlock(northwind_engineer)
    fake_llm(tool_reply({"operations": [operation], "confidence": 0.9}))

    proposal = analysed(session)

    assert proposal.departure_node_id == "locked"
    assert_rules_kept(proposal, "outside the part of the flow the session left (node 'locked' and below)")


def test_the_departure_node_may_move_among_its_siblings_but_nothing_moves_elsewhere(northwind_engineer, flow, fake_llm):
    session = escape_at_unlock(northwind_engineer)
    fake_llm(tool_reply({"operations": [{"op": "move", "node_id": "locked", "index": 2}], "confidence": 0.6}))

    moved = analysed(session)

    assert moved.generated_by == "llm", moved.kept_rules_reason
    labels = [c["label"] for c in moved.proposed_flow_data["tree_structure"]["children"]]
    assert labels == ["No", "Can't tell", "Yes, locked out"]


def test_a_move_past_the_last_sibling_is_refused(northwind_engineer, flow, fake_llm):
    session = escape_at_unlock(northwind_engineer)
    fake_llm(tool_reply({"operations": [{"op": "move", "node_id": "not-locked", "index": 4}], "confidence": 0.6}))

    assert_rules_kept(analysed(session), "to position 5 of 3")


def test_a_specific_the_rules_replaced_cannot_come_back(northwind, northwind_engineer, flow, fake_llm):
    GeneralisationTerm.objects.create(account=northwind, term="Kestrel Wing", replacement="the branch")
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE, client_name="Harbour Dental", device="OP3-PC")
    engine.answer_step(session, free_text="Locked again every 10 minutes from OP3-PC")
    engine.answer_step(session, free_text="Checked credential manager on OP3-PC", result="Old password for HD-FS01")
    engine.resolve_session(session, resolution_summary="Removed the stale HD-FS01 credential in Kestrel Wing")
    for text in (
        "Check Credential Manager on OP3-PC",
        "Call Harbour Dental",
        "Map \\\\HD-FS01\\Scans",
        "Ask kestrel wing",
    ):
        fake = fake_llm(tool_reply({"operations": [{**OPTION, "label": text}], "confidence": 0.6}))
        FlowProposal.objects.all().delete()

        proposal = analysed(session)

        assert_rules_kept(proposal, "names a client specific the rules replaced")
        assert "OP3-PC" not in proposal.kept_rules_reason and "HD-FS01" not in proposal.kept_rules_reason
        sent = json.dumps(fake.bodies())
        for specific in ("OP3-PC", "HD-FS01", "Harbour", "Kestrel"):
            assert specific not in sent, specific


def test_the_prompt_holds_no_secret_and_no_generalised_specific(northwind_engineer, flow, fake_llm):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE, client_name="Harbour Dental", device="OP3-PC")
    engine.answer_step(session, free_text="Locked from OP3-PC at Harbour Dental")
    engine.answer_step(
        session, free_text="Reset it on DC01, the admin pw is Hunter2Secret!", result="kate@harbourdental.co.uk fine"
    )
    engine.resolve_session(session, resolution_summary="Set the password to Welcome2024! and unlocked 10.20.0.15")
    fake = fake_llm(tool_reply(GOOD))

    analysed(session)

    [body] = fake.bodies()
    sent = json.dumps(body)
    for leak in ("Hunter2Secret", "Welcome2024", "OP3-PC", "Harbour", "DC01", "kate@", "10.20.0.15"):
        assert leak not in sent, leak
    assert "[hidden secret]" in body["messages"][0]["content"]


# ── The LLM failing ──


@pytest.mark.parametrize(
    ("reply", "because"),
    [
        pytest.param(
            httpx2.Response(200, json=message_body([tool_use({"operations": []})], stop_reason="max_tokens")),
            "truncated (stop_reason=max_tokens)",
            id="max-tokens",
        ),
        pytest.param(text_reply(), "has no `respond` tool call", id="no-tool-call"),
        pytest.param(
            httpx2.Response(500, json=error_body("api_error", "Internal server error")), "HTTP 500", id="server-error"
        ),
        pytest.param(
            httpx2.Response(429, json=error_body("rate_limit_error", "Too many requests")),
            "rate limit",
            id="rate-limit",
        ),
        pytest.param(
            httpx2.Response(529, json=error_body("overloaded_error", "Overloaded")), "HTTP 529", id="overloaded"
        ),
        pytest.param(httpx2.ReadTimeout("timed out"), "did not answer in time", id="timeout"),
        pytest.param(httpx2.ConnectError("connection refused"), "Could not reach Anthropic", id="unreachable"),
    ],
)
def test_an_llm_failure_keeps_the_rules_version_and_says_why(northwind_engineer, flow, fake_llm, reply, because):
    session = escape_at_root(northwind_engineer)
    fake_llm(reply)

    proposal = analysed(session)

    assert_rules_kept(proposal, because)
    assert proposal.description == RULES_DESCRIPTION
    assert LLMCall.objects.get().outcome != "ok"


# ── Budget and no LLM ──


def test_past_the_budget_the_rules_version_is_kept_without_a_call(
    northwind, northwind_engineer, flow, fake_llm, settings
):
    settings.FLYWHEEL_DAILY_LLM_BUDGET = 1
    LLMCallFactory(account=northwind, purpose="flywheel")
    session = escape_at_root(northwind_engineer)
    fake = fake_llm(tool_reply(GOOD))

    proposal = analysed(session)

    assert fake.requests == []
    assert_rules_kept(proposal, "the flywheel's daily LLM budget is spent")


def test_the_budget_running_out_mid_batch_hands_the_rest_to_the_rules(northwind_engineer, flow, fake_llm, settings):
    settings.FLYWHEEL_DAILY_LLM_BUDGET = 1
    first = escape_at_root(northwind_engineer)
    second = escape_at_unlock(northwind_engineer)
    fake = fake_llm(tool_reply(GOOD))

    results = analyze_pending()

    assert results["enhancement"] == 2 and len(fake.requests) == 1
    by_session = {p.source_session_id: p for p in FlowProposal.objects.all()}
    assert by_session[first.pk].generated_by == "llm"
    assert_rules_kept(by_session[second.pk], "budget is spent")
    assert set(AISession.objects.values_list("analysis_status", flat=True)) == {"completed"}


def test_without_an_llm_the_rules_version_records_no_reason(northwind_engineer, flow):
    proposal = analysed(escape_at_root(northwind_engineer))

    assert proposal.generated_by == "rules" and proposal.kept_rules_reason == "" and proposal.llm_operations == []
    assert proposal.description == RULES_DESCRIPTION


# ── What a reviewer sees ──


def test_the_review_page_shows_the_llms_operations_in_words_beside_the_diff(
    northwind_engineer, flow, fake_llm, team_admin_client
):
    session = escape_at_root(northwind_engineer)
    fake_llm(tool_reply(GOOD))
    proposal = analysed(session)

    response = team_admin_client.get(f"/review/{proposal.pk}/")

    assert response.status_code == 200
    assert response.context["operations"] == [
        {"words": op["words"], "reason": op["reason"]} for op in proposal.llm_operations
    ]
    page = response.content.decode()
    assert "What the LLM changed, in order" in page
    assert page.index("data-llm-operations") < page.index("Sign-in error 0x80070005", page.index("data-llm-operations"))
    assert "Move the option &#x27;No&#x27; to position 1 under" in page
    assert "Most sessions were not locked out." in page


def test_the_review_page_says_why_the_rules_version_was_kept(northwind_engineer, flow, fake_llm, team_admin_client):
    session = escape_at_root(northwind_engineer)
    fake_llm(text_reply())
    proposal = analysed(session)

    response = team_admin_client.get(f"/review/{proposal.pk}/")

    assert response.context["operations"] == []
    page = response.content.decode()
    assert "What the LLM changed" not in page
    assert "built by rules from the recorded steps" in page
    assert "Kept the rules version: the LLM&#x27;s answer was refused" in page


def test_the_api_gives_the_reason_and_the_operations(northwind_engineer, northwind_admin, flow, fake_llm, api_as):
    session = escape_at_root(northwind_engineer)
    fake_llm(tool_reply(GOOD))
    proposal = analysed(session)

    body = api_as(northwind_admin).get(f"/api/v1/flow-proposals/{proposal.pk}").json()

    assert body["generated_by"] == "llm" and body["kept_rules_reason"] == ""
    assert [op["op"] for op in body["llm_operations"]] == ["add_branch", "add_option", "move"]
