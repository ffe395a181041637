"""The session pages: intake, the session page and its actions (plain posts and htmx), lists, read-only view."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flowpilot import engine
from flowpilot.models import AISession, SessionMode, SessionStatus, StepType
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from knowledge.tests.factories import TreeFactory
from resolutionflow.models import Role
from resolutionflow.testing import HTMX, assert_foreign_404, toast_of
from resolutionflow.tests.factories import TeamFactory, UserFactory


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


@pytest.fixture
def session(northwind_engineer, flow):
    return engine.start_session(northwind_engineer, LOCKOUT_INTAKE, client_name="Acme Dental", ticket_id="T-1")


@pytest.fixture
def colleague(northwind, service_desk):
    return UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)


def url(session, action=""):
    return f"/sessions/{session.pk}/" + (f"{action}/" if action else "")


def steps(session):
    return list(session.steps.order_by("order"))


# ── Intake ──────────────────────────────────────────────────────────────────────────────────────────


def test_the_intake_starts_a_session_and_redirects_to_its_page(engineer_client, northwind_engineer, flow):
    response = engineer_client.post(
        "/sessions/new/", {"intake": LOCKOUT_INTAKE, "client_name": "Acme", "device": "PC-7", "ticket_id": "T-42"}
    )

    session = AISession.objects.get()
    assert response.status_code == 302 and response["Location"] == url(session)
    assert session.engineer == northwind_engineer and session.matched_flow == flow
    assert session.intake_content == {
        "text": LOCKOUT_INTAKE,
        "client_name": "Acme",
        "device": "PC-7",
        "ticket_id": "T-42",
    }
    page = engineer_client.get(url(session)).content.decode()
    assert "Is the account locked out in Active Directory" in page and "Acme" in page and "T-42" in page


def test_an_htmx_intake_redirects_the_browser_to_the_session(engineer_client, flow):
    response = engineer_client.post("/sessions/new/", {"intake": LOCKOUT_INTAKE}, **HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == url(AISession.objects.get())


def test_the_capture_checkbox_starts_a_capture_session(engineer_client, flow):
    engineer_client.post("/sessions/new/", {"intake": LOCKOUT_INTAKE, "prefer_capture": "on"})

    session = AISession.objects.get()
    assert session.mode == SessionMode.CAPTURE and steps(session)[0].step_type == StepType.CAPTURE


def test_an_intake_too_long_is_refused_on_the_form_keeping_the_text(engineer_client):
    text = "printer offline " * 700

    response = engineer_client.post("/sessions/new/", {"intake": text, "client_name": "Acme Dental"})

    assert response.status_code == 422 and not AISession.objects.exists()
    page = response.content.decode()
    assert "at most 10000 characters" in page and text.strip() in page and 'value="Acme Dental"' in page


def test_an_empty_intake_is_refused_and_htmx_gets_the_form_back(engineer_client):
    response = engineer_client.post("/sessions/new/", {"intake": "   ", "ticket_id": "T-9"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 422 and "<html" not in page and 'id="intake-form"' in page
    assert "Describe the problem to start a session." in page and 'value="T-9"' in page


# ── Answering each kind of step ─────────────────────────────────────────────────────────────────────


def test_choosing_an_option_walks_the_flow_and_returns_to_the_page(engineer_client, session):
    response = engineer_client.post(url(session, "answer"), {"selected_option": "Yes, locked out"})

    assert response.status_code == 302 and response["Location"] == url(session)
    root, action = steps(session)
    assert root.selected_option == "Yes, locked out" and (action.step_type, action.flow_node_id) == ("action", "locked")
    assert "Unlock the account in ADUC" in engineer_client.get(url(session)).content.decode()


def test_an_htmx_answer_returns_the_next_card_with_the_timeline_out_of_band(engineer_client, session):
    response = engineer_client.post(url(session, "answer"), {"selected_option": "Yes, locked out"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and "<aside" not in page
    assert page.lstrip().startswith('<section id="step-card"') and "Unlock the account in ADUC" in page
    assert '<section id="timeline" aria-labelledby="timeline-title" hx-swap-oob="true">' in page
    assert 'id="session-header" class="mb-6" hx-swap-oob="true"' in page
    assert 'Chose</span> <span class="font-medium">Yes, locked out' in page


def test_something_else_is_a_free_text_escape_marked_in_the_timeline(engineer_client, session):
    response = engineer_client.post(
        url(session, "answer"), {"free_text": "The account is disabled, not locked"}, **HTMX
    )

    escape = steps(session)[0]
    assert escape.was_free_text and escape.free_text_input == "The account is disabled, not locked"
    page = response.content.decode()
    assert "Free-text escape" in page and "Own answer" in page and "What did you check or do?" in page


def test_worked_goes_on_to_the_next_node_with_what_happened(engineer_client, session):
    engine.answer_step(session, selected_option="Yes, locked out")

    response = engineer_client.post(
        url(session, "answer"), {"action_result": "Worked", "detail": "4740s from her phone"}, **HTMX
    )

    action, solution = steps(session)[1:]
    assert action.action_result == "Worked — 4740s from her phone" and not action.was_free_text
    assert (solution.step_type, solution.flow_node_id) == ("solution", "unlocked")
    assert "Resolve with this" in response.content.decode()


def test_didnt_work_records_what_happened_as_an_escape(engineer_client, session):
    engine.answer_step(session, selected_option="Yes, locked out")

    engineer_client.post(
        url(session, "answer"), {"free_text": "Unlock fails: access denied", "result": "Didn't work"}, **HTMX
    )

    action = steps(session)[1]
    assert action.was_free_text and action.action_result == "Didn't work"
    assert action.free_text_input == "Unlock fails: access denied"


def test_didnt_work_without_saying_what_happened_asks_for_it(engineer_client, session):
    engine.answer_step(session, selected_option="Yes, locked out")

    response = engineer_client.post(url(session, "answer"), {"free_text": "", "result": "Didn't work"}, **HTMX)

    assert response.status_code == 422 and toast_of(response)["level"] == "warning"
    assert 'role="alert"' in response.content.decode() and not steps(session)[1].is_answered


def test_a_note_is_recorded_and_the_step_stays(engineer_client, session):
    engine.answer_step(session, selected_option="Yes, locked out")

    response = engineer_client.post(url(session, "answer"), {"note": "User is on a train, callback at 3"}, **HTMX)

    action = steps(session)[-1]
    assert len(steps(session)) == 2 and not action.is_answered
    assert action.notes[0]["text"] == "User is on a train, callback at 3"
    page = response.content.decode()
    assert "User is on a train, callback at 3" in page and "Worked" in page and toast_of(response)["level"] == "info"


def test_a_capture_step_records_the_check_and_the_finding(engineer_client, northwind_engineer):
    session = engine.start_session(northwind_engineer, "Plotter in the drawing office prints blank pages")

    response = engineer_client.post(
        url(session, "answer"), {"free_text": "Printed a test page", "result": "Also blank"}, **HTMX
    )

    capture = steps(session)[0]
    assert capture.free_text_input == "Printed a test page" and capture.action_result == "Also blank"
    assert not capture.was_free_text
    page = response.content.decode()
    assert "Checked</span> Printed a test page" in page and "Found</span> Also blank" in page


def test_a_capture_step_from_an_open_end_says_so(engineer_client, session):
    response = engineer_client.post(url(session, "answer"), {"selected_option": "Can't tell"}, **HTMX)

    assert "is an open end: nobody has followed it yet" in response.content.decode()


def test_an_action_whose_script_template_does_not_exist_is_a_plain_instruction(engineer_client, session, flow):
    tree = {**flow.tree_structure, "children": [dict(c) for c in flow.tree_structure["children"]]}
    tree["children"][0]["script"] = {"template": "no-such-template", "params": {"Identity": "jdoe"}}
    flow.tree_structure = tree
    flow.save()

    response = engineer_client.post(url(session, "answer"), {"selected_option": "Yes, locked out"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 200 and "Unlock the account in ADUC" in page
    assert "no-such-template" not in page
    assert steps(session)[-1].step_type == "action"


def test_an_llm_step_shows_its_confidence_and_reasoning(engineer_client, session):
    step = steps(session)[0]
    step.content = {**step.content, "source": "llm", "confidence": 0.72, "reasoning": "Lockouts come from old phones."}
    step.save()

    page = engineer_client.get(url(session)).content.decode()

    assert "FlowPilot AI" in page and "72 %" in page and "Lockouts come from old phones." in page


def test_an_option_not_offered_re_renders_the_card_with_the_error(engineer_client, session):
    response = engineer_client.post(url(session, "answer"), {"selected_option": "Perhaps"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 422 and page.lstrip().startswith('<section id="step-card"')
    assert "is not one of the offered options" in page and toast_of(response)["level"] == "warning"
    assert len(steps(session)) == 1


def test_a_refused_answer_without_htmx_is_the_whole_page_with_422(engineer_client, session):
    response = engineer_client.post(url(session, "answer"), {"selected_option": "Perhaps"})

    assert response.status_code == 422 and "is not one of the offered options" in response.content.decode()


def test_answering_a_closed_session_shows_its_closed_state_with_a_warning(engineer_client, session):
    engine.abandon_session(session, reason="duplicate")

    response = engineer_client.post(url(session, "answer"), {"selected_option": "No"}, **HTMX)

    assert response.status_code == 409  # app.js swaps a refusal's body
    assert response["HX-Retarget"] == "#session" and response["HX-Reswap"] == "outerHTML"
    assert toast_of(response) == {"level": "warning", "message": "This session is already abandoned."}
    assert "Abandoned" in response.content.decode() and "duplicate" in response.content.decode()


def test_recording_my_own_steps_switches_to_capture(engineer_client, session):
    response = engineer_client.post(url(session, "capture"), **HTMX)

    session.refresh_from_db()
    assert session.mode == SessionMode.CAPTURE and steps(session)[-1].step_type == StepType.CAPTURE
    assert "What did you check or do?" in response.content.decode()


def test_switching_flow_from_the_matched_flows_panel_walks_the_other_flow(engineer_client, session, northwind):
    other = TreeFactory(account=northwind, name="Password expired at sign-in")
    session.candidate_matches = [
        *session.candidate_matches,
        {"flow_id": str(other.pk), "name": other.name, "score": 0.4},
    ]
    session.save()

    response = engineer_client.post(url(session, "switch-flow"), {"flow_id": str(other.pk)}, **HTMX)

    session.refresh_from_db()
    assert session.matched_flow == other and steps(session)[-1].flow == other
    assert "Switched to the flow “Password expired at sign-in”." in [
        m["content"] for m in session.conversation_messages
    ]
    page = response.content.decode()
    assert "Is the account locked out?" in page
    assert toast_of(response)["message"] == "Now following “Password expired at sign-in”."


def test_the_session_page_lists_the_matched_flows_with_scores_and_links(engineer_client, session, flow):
    page = engineer_client.get(url(session)).content.decode()

    assert f'href="/flows/{flow.pk}/"' in page and "Following this flow" in page
    assert f"{session.match_score * 100:.1f} %" in page


# ── Resolve, escalate, abandon ──────────────────────────────────────────────────────────────────────


def test_resolving_through_the_dialog_shows_the_documentation_escaped(engineer_client, northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE + " <script>alert(1)</script>")
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.answer_step(session, action_result="Worked")

    response = engineer_client.post(
        url(session, "resolve"), {"resolution_summary": "Unlocked <b>the</b> account", "rating": "4"}, **HTMX
    )

    session.refresh_from_db()
    assert session.status == SessionStatus.RESOLVED and session.rating == 4 and session.resolution_node_id == "unlocked"
    assert response["HX-Retarget"] == "#session" and toast_of(response)["level"] == "success"
    page = response.content.decode()
    assert 'id="session-documentation"' in page and 'data-copy-from="#session-documentation"' in page
    assert "Analysis pending" in page and "Rated 4 of 5" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>the</b>" not in page


def test_resolving_with_a_plain_form_redirects_to_the_resolved_page(engineer_client, session):
    response = engineer_client.post(url(session, "resolve"), {"resolution_summary": "Reset the password"})

    assert response.status_code == 302 and response["Location"] == url(session)
    assert "Ticket documentation" in engineer_client.get(url(session)).content.decode()


def test_a_resolve_without_a_summary_is_refused_in_the_dialog(engineer_client, session):
    response = engineer_client.post(url(session, "resolve"), {"resolution_summary": " ", "rating": "5"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 422 and page.lstrip().startswith('<form id="resolve-form"')
    assert "Say how the problem was resolved." in page and 'value="5" id="id_rating_4" checked' in page
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE


def test_the_resolve_page_without_javascript_is_prefilled_with_the_solution(engineer_client, session):
    engine.answer_step(session, selected_option="No")

    response = engineer_client.get(url(session, "resolve") + "?prefill=solution")

    assert response.status_code == 200 and "Reset the password in ADUC." in response.content.decode()


def test_escalating_to_a_colleague_shows_the_handoff(engineer_client, session, colleague):
    response = engineer_client.post(
        url(session, "escalate"), {"reason": "Needs domain admin", "target": f"user:{colleague.pk}"}
    )

    session.refresh_from_db()
    assert response.status_code == 302
    assert session.status == SessionStatus.ESCALATED and session.escalated_to_user == colleague
    page = engineer_client.get(url(session)).content.decode()
    assert "Hand-off summary" in page and "Needs domain admin" in page and 'id="resolve-dialog"' in page


def test_escalating_to_a_team(engineer_client, session, projects_team):
    engineer_client.post(url(session, "escalate"), {"reason": "Project work", "target": f"team:{projects_team.pk}"})

    session.refresh_from_db()
    assert session.escalated_to_team == projects_team and session.escalated_to_user is None


def test_an_escalation_target_outside_the_account_is_not_a_choice(engineer_client, session, contoso, contoso_engineer):
    foreign_team = TeamFactory(account=contoso, name="Contoso desk")

    for target in (f"user:{contoso_engineer.pk}", f"team:{foreign_team.pk}"):
        response = engineer_client.post(url(session, "escalate"), {"reason": "x", "target": target})
        assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert "Contoso" not in engineer_client.get(url(session)).content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE


def test_abandoning_through_the_page_shows_the_reason(engineer_client, session):
    response = engineer_client.post(url(session, "abandon"), {"reason": "Duplicate of T-40"}, **HTMX)

    session.refresh_from_db()
    assert session.status == SessionStatus.ABANDONED and session.abandon_reason == "Duplicate of T-40"
    assert "Duplicate of T-40" in response.content.decode() and 'id="step-card"' not in response.content.decode()


def test_a_closed_session_has_no_closing_forms(engineer_client, session):
    engine.resolve_session(session, resolution_summary="Fixed")

    page = engineer_client.get(url(session)).content.decode()
    assert "<dialog" not in page and 'id="step-card"' not in page
    assert engineer_client.get(url(session, "escalate")).status_code == 302


# ── Who may act ─────────────────────────────────────────────────────────────────────────────────────


ACTIONS = {
    "answer": {"selected_option": "No"},
    "switch-flow": {"flow_id": "00000000-0000-0000-0000-000000000000"},
    "capture": {},
    "resolve": {"resolution_summary": "x"},
    "escalate": {"reason": "x"},
    "abandon": {"reason": "x"},
}


def test_another_engineer_of_the_account_reads_the_session_without_controls(client, colleague, session):
    client.force_login(colleague)

    page = client.get(url(session)).content.decode()

    assert "Is the account locked out" in page and "Only its engineer, the escalation target or an admin" in page
    assert 'name="selected_option"' not in page and "<dialog" not in page and "Switch to this flow" not in page
    assert client.get(url(session, "view")).status_code == 200


@pytest.mark.parametrize("action", ACTIONS)
def test_another_engineer_of_the_account_gets_403_on_every_action(client, colleague, session, action):
    client.force_login(colleague)

    assert client.post(url(session, action), ACTIONS[action]).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE and len(steps(session)) == 1


def test_the_escalation_target_and_an_admin_may_act(client, session, colleague, northwind_admin):
    engine.escalate_session(session, reason="stuck", target_user=colleague)
    client.force_login(northwind_admin)
    assert 'id="resolve-dialog"' in client.get(url(session)).content.decode()

    client.force_login(colleague)
    response = client.post(url(session, "resolve"), {"resolution_summary": "Second line fixed it"})

    session.refresh_from_db()
    assert response.status_code == 302 and session.status == SessionStatus.RESOLVED


@pytest.mark.parametrize("action", ["", "view", "resolve", "escalate", "abandon", *ACTIONS])
def test_another_account_gets_404_on_every_session_url(session, contoso_owner, action):
    assert_foreign_404(contoso_owner, url(session, action))
    assert_foreign_404(contoso_owner, url(session, action), method="post", data=ACTIONS.get(action, {}))


# ── Lists ───────────────────────────────────────────────────────────────────────────────────────────


def make_session(engineer, text="Outlook keeps asking for a password", **fields):
    return AISession.objects.create(
        account=engineer.account,
        team=engineer.team,
        engineer=engineer,
        intake_content={"text": text, "client_name": "Acme", "ticket_id": "T-1"},
        problem_summary=text,
        confidence_tier="discovery",
        **fields,
    )


def test_the_list_shows_my_sessions_by_default(engineer_client, northwind_engineer, colleague):
    make_session(northwind_engineer, "Mine: VPN drops every hour")
    make_session(colleague, "Sam's: printer jams")

    page = engineer_client.get("/sessions/").content.decode()

    assert "Mine: VPN drops every hour" in page and "printer jams" not in page
    assert '<a href="/sessions/" hx-get="/sessions/" aria-current="page"' in page


def test_the_team_and_all_tabs_and_the_status_filter(engineer_client, northwind_engineer, colleague, northwind_owner):
    make_session(colleague, "Sam's: printer jams")
    make_session(northwind_owner, "Owner's: backup failed", status=SessionStatus.RESOLVED)
    make_session(northwind_engineer, "Mine: VPN drops", status=SessionStatus.ESCALATED)

    team = engineer_client.get("/sessions/?scope=team").content.decode()
    everyone = engineer_client.get("/sessions/?scope=all&status=resolved").content.decode()

    assert "printer jams" in team and "VPN drops" in team and "backup failed" not in team
    assert "backup failed" in everyone and "printer jams" not in everyone and "VPN drops" not in everyone


def test_an_htmx_tab_returns_the_results_only(engineer_client, northwind_engineer):
    make_session(northwind_engineer, "Mine: VPN drops")

    response = engineer_client.get("/sessions/?scope=all", **HTMX)

    page = response.content.decode()
    assert "<html" not in page and page.lstrip().startswith('<div id="session-results"') and "VPN drops" in page


def test_an_empty_list_offers_to_start_a_session(engineer_client):
    page = engineer_client.get("/sessions/").content.decode()

    assert "No sessions yet" in page and 'href="/sessions/new/"' in page


def test_the_list_makes_the_same_number_of_queries_for_more_sessions(
    engineer_client, northwind, northwind_engineer, colleague, flow, django_assert_max_num_queries
):
    make_session(northwind_engineer, matched_flow=flow)
    with CaptureQueriesContext(connection) as few:
        engineer_client.get("/sessions/?scope=all")
    for n in range(12):
        make_session(
            UserFactory(account=northwind, team=TeamFactory(account=northwind)),
            matched_flow=TreeFactory(account=northwind) if n % 4 == 0 else None,
            status=SessionStatus.RESOLVED,
        )
        make_session(colleague, status=SessionStatus.ABANDONED)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = engineer_client.get("/sessions/?scope=all")
    assert response.content.decode().count('class="link line-clamp-2"') == 25


# ── The read-only view ──────────────────────────────────────────────────────────────────────────────


def test_the_read_only_view_shows_every_step_in_order_with_escapes_and_the_documentation(
    engineer_client, session, colleague
):
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.answer_step(session, note="Called the user")
    engine.answer_step(session, free_text="Unlock fails: access denied", result="Didn't work")
    engine.answer_step(session, free_text="Checked the ACL", result="Helpdesk group lost rights")
    engine.resolve_session(session, resolution_summary="Restored the delegation")

    page = engineer_client.get(url(session, "view")).content.decode()

    assert page.index("Is the account locked out") < page.index("Unlock the account") < page.index("Checked the ACL")
    assert "Free-text escape" in page and "Called the user" in page and "Didn't work</span> Unlock fails" in page
    assert "Restored the delegation" in page and 'id="session-documentation"' in page
    assert 'name="selected_option"' not in page
